package dev.turnout.host.platform;

import java.net.InetSocketAddress;
import java.nio.ByteBuffer;

/** Takes the datagrams of a transparent socket {@link Platform#readTransparentIpv6} reads. */
@FunctionalInterface
public interface TransparentReceiver {

    /**
     * One datagram from {@code client} to {@code originalDestination}; {@code payload} is valid only during the call
     * (the reader's buffer), so the receiver copies what it keeps.
     */
    void receive(InetSocketAddress client, InetSocketAddress originalDestination, ByteBuffer payload);
}
