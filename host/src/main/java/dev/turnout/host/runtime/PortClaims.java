package dev.turnout.host.runtime;

import java.io.IOException;

/**
 * The instance lock's part in the proxy ports: one in a network namespace listens on a port, so a port the running
 * Turnout opens (a dashboard moving it) is claimed first, and one it closes is given back.
 */
public interface PortClaims {

    /** For a Turnout that holds no instance lock (tests, embedding). */
    PortClaims NONE = new PortClaims() {
        @Override
        public void claim(int port) {
        }

        @Override
        public void giveBack(int port) {
        }
    };

    /**
     * Takes {@code port} for this instance; one it holds already stays held.
     *
     * @throws IOException naming the running instance that holds it
     */
    void claim(int port) throws IOException;

    void giveBack(int port);
}
