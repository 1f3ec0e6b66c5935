package dev.turnout.host.runtime;

import java.io.IOException;

/**
 * The instance lock's part in what the running Turnout opens or closes: one instance in a network namespace listens
 * on a port, and one runs the TUN (its routes are the namespace's). A port a dashboard moves the proxy to, or a TUN a
 * dashboard switches on, is claimed first; one closed is given back.
 */
public interface InstanceClaims {

    /** For a Turnout that holds no instance lock (tests, embedding). */
    InstanceClaims NONE = new InstanceClaims() {
        @Override
        public void claimPort(int port) {
        }

        @Override
        public void giveBackPort(int port) {
        }

        @Override
        public void claimTun() {
        }

        @Override
        public void giveBackTun() {
        }
    };

    /**
     * Takes {@code port} for this instance; one it holds already stays held.
     *
     * @throws IOException naming the running instance that holds it
     */
    void claimPort(int port) throws IOException;

    void giveBackPort(int port);

    /**
     * Takes the TUN for this instance; held already, it stays held.
     *
     * @throws IOException naming the running instance that runs one
     */
    void claimTun() throws IOException;

    void giveBackTun();
}
