package dev.turnout.host.tun;

import java.io.IOException;
import java.nio.ByteBuffer;

/** Where the packet engine writes packets: the TUN device (by address), or a test's capture (by buffer). */
@FunctionalInterface
interface PacketSink {

    /**
     * Writes the packet at {@code buffer[0, length)}, which also starts at native {@code address}.
     *
     * @return false when the packet was not taken
     */
    boolean write(ByteBuffer buffer, long address, int length) throws IOException;
}
