package dev.turnout.api;

import io.netty.buffer.ByteBuf;
import java.net.InetSocketAddress;

/** A UDP association through an outbound: datagrams out to any destination, replies back to a receiver. */
public interface DatagramSession extends AutoCloseable {

    /**
     * Sends one datagram. Takes ownership of {@code payload} (releases it). Datagrams may be dropped, as UDP
     * allows; a session that can no longer send closes itself.
     */
    void send(Destination destination, ByteBuf payload);

    /** Whether the session can still send. */
    boolean isOpen();

    /** Releases the session's sockets. Idempotent. */
    @Override
    void close();

    /** Receives the datagrams that come back through the session. */
    @FunctionalInterface
    interface Receiver {
        /**
         * One datagram from {@code sender}. The receiver owns {@code payload} and must release it.
         */
        void receive(InetSocketAddress sender, ByteBuf payload);
    }
}
