package dev.turnout.host.tun;

import java.nio.ByteBuffer;

/**
 * Answers an IPv6 packet the TUN cannot carry (it has no IPv6 address) so that the application gives up on IPv6
 * at once and falls back to IPv4, instead of the packet leaving around the TUN or waiting for a timeout: a TCP
 * segment gets a reset (connect fails with ECONNREFUSED), anything else an ICMPv6 "no route to destination"
 * (RFC 4443 type 1 code 0: ENETUNREACH on a connected socket). This is what sing-tun's {@code strict_route} does
 * with an {@code unreachable} rule for the family the TUN lacks, done here inside the TUN so that it ends with the
 * device and leaves nothing behind after a crash.
 *
 * <p>Both build the reply in {@code out} (at index 0) from the parsed packet in {@code in}; nothing is allocated.
 */
final class Ipv6Refusal {

    static final int ICMPV6_DESTINATION_UNREACHABLE = 1;
    static final int NO_ROUTE = 0;
    /** RFC 4443 2.4(c): an ICMPv6 error carries as much of the invoking packet as fits in the minimum MTU. */
    static final int MINIMUM_MTU = 1280;
    private static final int IPV6_HEADER = 40;
    private static final int HOP_LIMIT = 64;

    private Ipv6Refusal() {
    }

    /**
     * A reset for the TCP segment {@code packet}, as RFC 793 answers a segment for no connection: with the
     * segment's acknowledgement as its sequence number when it has one, else acknowledging all it carried.
     *
     * @return the reply's length, or 0 when the segment is itself a reset (never answered)
     */
    static int tcpReset(IpPacket packet, ByteBuffer out) {
        ByteBuffer in = packet.buffer();
        int l4 = packet.l4Offset();
        int flags = packet.tcpFlags();
        if ((flags & IpPacket.RST) != 0 || unanswerable(in)) {
            return 0;
        }
        int dataOffset = ((in.get(l4 + 12) & 0xFF) >>> 4) * 4;
        int payload = packet.length() - l4 - dataOffset;
        long seq;
        long ack;
        int replyFlags;
        if ((flags & IpPacket.ACK) != 0) {
            seq = in.getInt(l4 + 8) & 0xFFFFFFFFL;
            ack = 0;
            replyFlags = IpPacket.RST;
        } else {
            seq = 0;
            long consumed = payload + ((flags & IpPacket.SYN) != 0 ? 1 : 0) + ((flags & IpPacket.FIN) != 0 ? 1 : 0);
            ack = ((in.getInt(l4 + 4) & 0xFFFFFFFFL) + consumed) & 0xFFFFFFFFL;
            replyFlags = IpPacket.RST | IpPacket.ACK;
        }
        int tcpLength = 20;
        header(in, out, IpPacket.TCP, tcpLength);
        int t = IPV6_HEADER;
        out.putShort(t, in.getShort(l4 + 2));
        out.putShort(t + 2, in.getShort(l4));
        out.putInt(t + 4, (int) seq);
        out.putInt(t + 8, (int) ack);
        out.putShort(t + 12, (short) (5 << 12 | replyFlags));
        out.putShort(t + 14, (short) 0); // window
        out.putShort(t + 16, (short) 0); // checksum, below
        out.putShort(t + 18, (short) 0); // urgent pointer
        long pseudo = Checksum.pseudo6(out, 8, 24, IpPacket.TCP, tcpLength);
        out.putShort(t + 16, (short) Checksum.finish(Checksum.sum(out, t, tcpLength, pseudo)));
        return IPV6_HEADER + tcpLength;
    }

    /**
     * An ICMPv6 destination unreachable (no route) for {@code packet}, quoting its start; never for an ICMPv6
     * error message (types below 128), so two such engines cannot answer each other forever.
     *
     * @return the reply's length, or 0 when none is due
     */
    static int unreachable(IpPacket packet, ByteBuffer out) {
        ByteBuffer in = packet.buffer();
        if (packet.protocol() == IpPacket.ICMPV6 && (in.get(packet.l4Offset()) & 0xFF) < 128) {
            return 0;
        }
        if (unanswerable(in)) {
            return 0;
        }
        int quoted = Math.min(packet.length(), MINIMUM_MTU - IPV6_HEADER - 8);
        int icmpLength = 8 + quoted;
        header(in, out, IpPacket.ICMPV6, icmpLength);
        int m = IPV6_HEADER;
        out.put(m, (byte) ICMPV6_DESTINATION_UNREACHABLE);
        out.put(m + 1, (byte) NO_ROUTE);
        out.putShort(m + 2, (short) 0);
        out.putInt(m + 4, 0); // unused
        for (int i = 0; i < quoted; i++) {
            out.put(m + 8 + i, in.get(i));
        }
        long pseudo = Checksum.pseudo6(out, 8, 24, IpPacket.ICMPV6, icmpLength);
        out.putShort(m + 2, (short) Checksum.finish(Checksum.sum(out, m, icmpLength, pseudo)));
        return IPV6_HEADER + icmpLength;
    }

    /** A packet from the unspecified or a multicast address, which no reply may go to (RFC 4443 2.4 (e)). */
    private static boolean unanswerable(ByteBuffer in) {
        return in.getLong(8) == 0 && in.getLong(16) == 0 || (in.get(8) & 0xFF) == 0xFF;
    }

    /** The reply's IPv6 header: from the packet's destination back to its source. */
    private static void header(ByteBuffer in, ByteBuffer out, int nextHeader, int payloadLength) {
        out.putInt(0, 0x6000_0000);
        out.putInt(4, payloadLength << 16 | nextHeader << 8 | HOP_LIMIT);
        out.putLong(8, in.getLong(24));
        out.putLong(16, in.getLong(32));
        out.putLong(24, in.getLong(8));
        out.putLong(32, in.getLong(16));
    }
}
