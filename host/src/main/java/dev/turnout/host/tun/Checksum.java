package dev.turnout.host.tun;

import java.nio.ByteBuffer;

/**
 * The Internet checksum (RFC 1071) over buffer ranges, and its incremental update (RFC 1624, eqn. 3:
 * {@code HC' = ~(~HC + ~m + m')}) for rewriting addresses and ports in place.
 *
 * <p>An update is built as a running sum of {@code ~m + m'} over every 16-bit word that changes
 * ({@link #delta32}, {@link #delta16}) and applied to each checksum that covers those words
 * ({@link #apply}); the same sum serves the IPv4 header and the TCP checksum.
 */
final class Checksum {

    private Checksum() {
    }

    /** Ones'-complement sum of {@code length} bytes at {@code offset}, added to {@code initial}, not folded. */
    static long sum(ByteBuffer buf, int offset, int length, long initial) {
        long sum = initial;
        int i = offset;
        int end = offset + length;
        for (; i + 8 <= end; i += 8) {
            long v = buf.getLong(i);
            sum += (v >>> 48) + ((v >>> 32) & 0xFFFF) + ((v >>> 16) & 0xFFFF) + (v & 0xFFFF);
        }
        for (; i + 2 <= end; i += 2) {
            sum += buf.getShort(i) & 0xFFFF;
        }
        if (i < end) {
            sum += (buf.get(i) & 0xFF) << 8;
        }
        return sum;
    }

    /** Folds a sum to 16 bits (end-around carry). */
    static int fold(long sum) {
        while ((sum >>> 16) != 0) {
            sum = (sum & 0xFFFF) + (sum >>> 16);
        }
        return (int) sum;
    }

    /** The checksum field value for a folded-or-not sum: its complement. */
    static int finish(long sum) {
        return ~fold(sum) & 0xFFFF;
    }

    /** Adds the change of one 16-bit word from {@code old} to {@code now}. */
    static long delta16(long acc, int old, int now) {
        return acc + (~old & 0xFFFF) + (now & 0xFFFF);
    }

    /** Adds the change of a 32-bit value (two words), e.g. an IPv4 address. */
    static long delta32(long acc, int old, int now) {
        return acc + (~old >>> 16 & 0xFFFF) + (~old & 0xFFFF) + (now >>> 16 & 0xFFFF) + (now & 0xFFFF);
    }

    /** Adds the change of a 64-bit value (four words), half an IPv6 address. */
    static long delta64(long acc, long old, long now) {
        return delta32(delta32(acc, (int) (old >>> 32), (int) (now >>> 32)), (int) old, (int) now);
    }

    /** Applies an accumulated change to checksum field value {@code checksum}: {@code ~(~HC + delta)}. */
    static int apply(int checksum, long delta) {
        return ~fold((~checksum & 0xFFFF) + delta) & 0xFFFF;
    }

    /**
     * Applies a change to a partial checksum field (Linux's {@code CHECKSUM_PARTIAL}, {@code NEEDS_CSUM} in a
     * {@code virtio_net_hdr}): the field holds the pseudo-header's folded sum, not complemented, so the change
     * is simply added.
     */
    static int applyToPartial(int partial, long delta) {
        return fold(partial + delta);
    }

    /** Sum of the IPv4 pseudo-header for an upper-layer packet of {@code length} bytes. */
    static long pseudo4(int src, int dst, int protocol, int length) {
        return (src >>> 16) + (src & 0xFFFF) + (dst >>> 16) + (dst & 0xFFFF) + protocol + length;
    }

    /** Sum of the IPv6 pseudo-header, addresses read from the packet. */
    static long pseudo6(ByteBuffer buf, int srcOffset, int dstOffset, int nextHeader, int length) {
        long s = sum(buf, srcOffset, 16, 0);
        s = sum(buf, dstOffset, 16, s);
        return s + (length >>> 16) + (length & 0xFFFF) + nextHeader;
    }
}
