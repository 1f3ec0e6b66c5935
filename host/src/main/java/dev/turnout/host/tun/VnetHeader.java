package dev.turnout.host.tun;

import java.nio.ByteBuffer;

/**
 * Linux's {@code virtio_net_hdr}, which a TUN device opened with {@code IFF_VNET_HDR} puts before every packet:
 * flags (u8), gso_type (u8), hdr_len, gso_size, csum_start, csum_offset (u16 each, little-endian). Of a packet it
 * reads, the engine only reads the flags; rewriting addresses and ports changes no header length, so the rest is
 * written back as it was read. Of one it builds (a UDP datagram), it writes the checksum's place.
 */
final class VnetHeader {

    /** {@code sizeof(struct virtio_net_hdr)}. */
    static final int LENGTH = 10;
    /** The L4 checksum field holds the pseudo-header sum; whoever sends the packet on finishes it. */
    static final int F_NEEDS_CSUM = 1;

    private VnetHeader() {
    }

    /** Whether the frame's packet has a partial (pseudo-header only) L4 checksum. */
    static boolean needsChecksum(ByteBuffer frame) {
        return (frame.get(0) & F_NEEDS_CSUM) != 0;
    }

    /**
     * Makes the frame's header say "the L4 checksum at {@code l4 + checksumOffset} holds the pseudo-header's sum;
     * finish it over everything from {@code l4} on" (csum_start and csum_offset are little-endian).
     */
    static void partialChecksum(ByteBuffer frame, int l4, int checksumOffset) {
        // flags in byte 0; gso_type, hdr_len and gso_size zero; csum_start in bytes 6 and 7 (the frame's order is
        // the buffer's default, big-endian).
        frame.putLong(0, (long) F_NEEDS_CSUM << 56 | Short.reverseBytes((short) l4) & 0xFFFFL);
        frame.putShort(8, Short.reverseBytes((short) checksumOffset));
    }

    /**
     * Makes the frame's header (already {@link #partialChecksum}) also say "cut this packet into segments of {@code
     * size} payload bytes, each behind the first {@code headers} bytes" (gso_type, hdr_len and gso_size).
     */
    static void segments(ByteBuffer frame, int gsoType, int headers, int size) {
        frame.put(1, (byte) gsoType);
        frame.putShort(2, Short.reverseBytes((short) headers));
        frame.putShort(4, Short.reverseBytes((short) size));
    }

    /** Makes the frame's header say "a plain packet with a complete checksum". */
    static void clear(ByteBuffer frame) {
        frame.putLong(0, 0);
        frame.putShort(8, (short) 0);
    }
}
