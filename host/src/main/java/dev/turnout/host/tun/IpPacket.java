package dev.turnout.host.tun;

import java.nio.ByteBuffer;

/**
 * A flyweight view of one IPv4 or IPv6 packet in a reused buffer (the packet starts at index 0): {@link #parse}
 * checks the headers and records where things are; the accessors read fields in place. No object is made per
 * packet. Not thread-safe.
 */
final class IpPacket {

    static final int TCP = 6;
    static final int UDP = 17;
    static final int ICMP = 1;
    static final int ICMPV6 = 58;

    static final int FIN = 0x01;
    static final int SYN = 0x02;
    static final int RST = 0x04;
    static final int ACK = 0x10;

    private static final int MAX_EXTENSION_HEADERS = 8;

    private final ByteBuffer buf;
    private int length;
    private int version;
    private int protocol;
    private int l4;
    private int l4Length;
    private int fragmentHeaderAt;

    /** @param buf big-endian; the view reads it with absolute gets only, so its position does not matter */
    IpPacket(ByteBuffer buf) {
        this.buf = buf;
    }

    ByteBuffer buffer() {
        return buf;
    }

    /**
     * Parses the {@code captured} bytes at the buffer's start.
     *
     * @return null when the packet is one the engine can handle (TCP, UDP, ICMP/ICMPv6), else why not
     */
    DropReason parse(int captured) {
        version = 0;
        if (captured < 1 || captured > buf.capacity()) {
            return DropReason.MALFORMED;
        }
        int v = (buf.get(0) & 0xFF) >>> 4;
        if (v == 4) {
            return parse4(captured);
        }
        if (v == 6) {
            return parse6(captured);
        }
        return DropReason.MALFORMED;
    }

    private DropReason parse4(int captured) {
        if (captured < 20) {
            return DropReason.MALFORMED;
        }
        int ihl = (buf.get(0) & 0x0F) * 4;
        int total = buf.getShort(2) & 0xFFFF;
        if (ihl < 20 || total < ihl || total > captured) {
            return DropReason.MALFORMED;
        }
        if (Checksum.fold(Checksum.sum(buf, 0, ihl, 0)) != 0xFFFF) {
            return DropReason.MALFORMED;
        }
        if ((buf.getShort(6) & 0x3FFF) != 0) {
            return DropReason.FRAGMENT;
        }
        length = total;
        protocol = buf.get(9) & 0xFF;
        l4 = ihl;
        l4Length = total - ihl;
        DropReason r = checkL4();
        if (r == null) {
            version = 4;
        }
        return r;
    }

    private DropReason parse6(int captured) {
        if (captured < 40) {
            return DropReason.MALFORMED;
        }
        int payload = buf.getShort(4) & 0xFFFF;
        if (payload == 0 || 40 + payload > captured) {
            return DropReason.MALFORMED; // a zero length means a jumbogram, which a TUN never carries
        }
        length = 40 + payload;
        int next = buf.get(6) & 0xFF;
        int off = 40;
        for (int i = 0; ; i++) {
            if (next == TCP || next == UDP || next == ICMPV6) {
                break;
            }
            if (next == 44) {
                fragmentHeaderAt = off;
                return DropReason.FRAGMENT;
            }
            if ((next != 0 && next != 60) || i == MAX_EXTENSION_HEADERS) {
                // Routing headers would change the checksum's pseudo-header destination: not worth it.
                return DropReason.UNSUPPORTED;
            }
            if (off + 8 > length) {
                return DropReason.MALFORMED;
            }
            int hdr = ((buf.get(off + 1) & 0xFF) + 1) * 8;
            next = buf.get(off) & 0xFF;
            off += hdr;
            if (off > length) {
                return DropReason.MALFORMED;
            }
        }
        protocol = next;
        l4 = off;
        l4Length = length - off;
        DropReason r = checkL4();
        if (r == null) {
            version = 6;
        }
        return r;
    }

    private DropReason checkL4() {
        switch (protocol) {
            case TCP -> {
                if (l4Length < 20) {
                    return DropReason.MALFORMED;
                }
                int doff = ((buf.get(l4 + 12) & 0xFF) >>> 4) * 4;
                return doff < 20 || doff > l4Length ? DropReason.MALFORMED : null;
            }
            case UDP -> {
                if (l4Length < 8) {
                    return DropReason.MALFORMED;
                }
                int ulen = buf.getShort(l4 + 4) & 0xFFFF;
                if (ulen < 8 || ulen > l4Length) {
                    return DropReason.MALFORMED;
                }
                l4Length = ulen; // trailing bytes past the UDP length are padding
                return null;
            }
            case ICMP, ICMPV6 -> {
                return l4Length < 8 ? DropReason.MALFORMED : null;
            }
            default -> {
                return DropReason.UNSUPPORTED;
            }
        }
    }

    /** Where the fragment header starts, after a parse of an IPv6 fragment ({@link DropReason#FRAGMENT}). */
    int fragmentHeaderAt() {
        return fragmentHeaderAt;
    }

    /** 4 or 6 after a successful parse, 0 otherwise. */
    int version() {
        return version;
    }

    /** The IP packet's own length (may be less than what was read). */
    int length() {
        return length;
    }

    int protocol() {
        return protocol;
    }

    /**
     * The DSCP: the top six bits of IPv4's type-of-service byte or IPv6's traffic class (RFC 2474), what
     * mihomo's DSCP rule matches.
     */
    int dscp() {
        int b0 = buf.get(0) & 0xFF;
        int b1 = buf.get(1) & 0xFF;
        return version == 4 ? b1 >>> 2 : ((b0 & 0x0F) << 2) | (b1 >>> 6);
    }

    /** Offset of the TCP/UDP/ICMP header. */
    int l4Offset() {
        return l4;
    }

    /** Length of the TCP segment, UDP datagram (by its length field) or ICMP message. */
    int l4Length() {
        return l4Length;
    }

    // --- addresses: an IPv4 address is (hi 0, lo unsigned int) ---

    int src4() {
        return buf.getInt(12);
    }

    int dst4() {
        return buf.getInt(16);
    }

    long srcHi() {
        return version == 4 ? 0 : buf.getLong(8);
    }

    long srcLo() {
        return version == 4 ? buf.getInt(12) & 0xFFFFFFFFL : buf.getLong(16);
    }

    long dstHi() {
        return version == 4 ? 0 : buf.getLong(24);
    }

    long dstLo() {
        return version == 4 ? buf.getInt(16) & 0xFFFFFFFFL : buf.getLong(32);
    }

    int srcPort() {
        return buf.getShort(l4) & 0xFFFF;
    }

    int dstPort() {
        return buf.getShort(l4 + 2) & 0xFFFF;
    }

    int tcpFlags() {
        return buf.get(l4 + 13) & 0x3F;
    }

    /** Offset of the transport checksum field. */
    int l4ChecksumOffset() {
        return switch (protocol) {
            case TCP -> l4 + 16;
            case UDP -> l4 + 6;
            default -> l4 + 2;
        };
    }

    /** Offset of the UDP payload. */
    int udpPayloadOffset() {
        return l4 + 8;
    }

    int udpPayloadLength() {
        return l4Length - 8;
    }
}
