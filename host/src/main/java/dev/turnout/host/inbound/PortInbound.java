package dev.turnout.host.inbound;

import java.net.InetSocketAddress;

/** An inbound listening on a port of its own, as a running config's listeners are: moved and closed by reloads. */
public interface PortInbound extends AutoCloseable {

    /** Where it listens. */
    InetSocketAddress localAddress();

    /** Stops taking clients; those connected go on until {@link #close()}. */
    void stopListening();

    /** Stops listening and ends every client's connection. */
    @Override
    void close();
}
