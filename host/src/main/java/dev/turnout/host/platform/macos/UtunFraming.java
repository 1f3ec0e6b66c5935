package dev.turnout.host.platform.macos;

import java.nio.ByteBuffer;
import java.util.concurrent.atomic.LongAdder;

/**
 * The 4-byte protocol-family header every utun packet carries: {@code AF_INET} (2) or {@code AF_INET6} (30)
 * as a big-endian u32 before the IP header. The device adds it on the way to the kernel and strips it on the
 * way back, so the packet engine sees plain IP packets as on Linux.
 *
 * <p>The family is chosen from the packet's version nibble, and a received header must agree with the
 * packet it precedes; anything else is rejected and counted, never passed on.
 */
final class UtunFraming {

    static final int HEADER_SIZE = 4;
    /** {@code AF_INET} in {@code <sys/socket.h>}. */
    static final int AF_INET = 2;
    /** {@code AF_INET6} on macOS (Linux's is 10: this is why the header is not just "the socket family"). */
    static final int AF_INET6 = 30;

    private final LongAdder rejected = new LongAdder();

    /** The header value for a packet starting with {@code firstByte}, or -1 when it is neither IPv4 nor IPv6. */
    static int familyOf(int firstByte) {
        return switch ((firstByte >>> 4) & 0xF) {
            case 4 -> AF_INET;
            case 6 -> AF_INET6;
            default -> -1;
        };
    }

    /**
     * Checks a packet read from the device.
     *
     * @param family the header's value
     * @param firstByte the first byte after the header (ignored when nothing follows it)
     * @param framedLength bytes read, header included
     * @return the IP packet's length, or -1 (counted) when the read was shorter than a header, carried an
     *     unknown family, or a family that does not match the packet's version
     */
    int packetLength(int family, int firstByte, int framedLength) {
        if (framedLength <= HEADER_SIZE || family != familyOf(firstByte)) {
            rejected.increment();
            return -1;
        }
        return framedLength - HEADER_SIZE;
    }

    /** Counts a packet the engine wanted to write that is neither IPv4 nor IPv6. */
    void rejectOutgoing() {
        rejected.increment();
    }

    /** Packets dropped in either direction because their framing or version was wrong. */
    long rejected() {
        return rejected.sum();
    }

    /**
     * Copies {@code packet} (position to limit) into {@code out} behind its header: the copying form of what
     * the device does with two iovecs.
     *
     * @return bytes put into {@code out}, or -1 (counted, nothing written) for a packet of no known version
     * @throws java.nio.BufferOverflowException when {@code out} has no room
     */
    int addHeader(ByteBuffer packet, ByteBuffer out) {
        if (!packet.hasRemaining()) {
            rejected.increment();
            return -1;
        }
        int family = familyOf(packet.get(packet.position()));
        if (family < 0) {
            rejected.increment();
            return -1;
        }
        int n = packet.remaining();
        out.putInt(family); // ByteBuffer's default order is big-endian, as the header is
        out.put(packet);
        return HEADER_SIZE + n;
    }

    /**
     * Strips the header of a framed packet (position to limit), leaving {@code framed}'s position at the IP
     * header.
     *
     * @return the IP packet's length, or -1 (counted, position unchanged) when the framing is wrong
     */
    int stripHeader(ByteBuffer framed) {
        int p = framed.position();
        int n = framed.remaining();
        int family = n >= HEADER_SIZE ? framed.getInt(p) : -1;
        int first = n > HEADER_SIZE ? framed.get(p + HEADER_SIZE) : 0;
        int len = packetLength(family, first, n);
        if (len >= 0) {
            framed.position(p + HEADER_SIZE);
        }
        return len;
    }
}
