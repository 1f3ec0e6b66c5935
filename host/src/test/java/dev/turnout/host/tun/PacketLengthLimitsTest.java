package dev.turnout.host.tun;

import static dev.turnout.host.tun.TestPackets.ip;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.net.InetAddress;
import java.nio.ByteBuffer;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

/**
 * The parser's limits taken exactly at their edges: the shortest header or message of each kind is accepted,
 * one byte less is malformed, and lengths that point past what was read are refused. A packet the engine
 * accepts is one whose fields it will then read in place, so an edge off by one reads past the packet.
 */
class PacketLengthLimitsTest {

    private static final InetAddress A4 = ip("192.0.2.1");
    private static final InetAddress B4 = ip("198.51.100.2");
    private static final InetAddress A6 = ip("2001:db8::1");
    private static final InetAddress B6 = ip("2001:db8::2");

    private final ByteBuffer buf = ByteBuffer.allocateDirect(65536);
    private final IpPacket packet = new IpPacket(buf);

    private DropReason parse(byte[] p) {
        return parse(p, p.length);
    }

    private DropReason parse(byte[] p, int captured) {
        buf.clear();
        buf.put(p);
        buf.clear();
        return packet.parse(captured);
    }

    @Test
    void nothingCapturedOrMoreThanTheBufferIsMalformed() {
        byte[] p = TestPackets.udp(A4, 1, B4, 2, new byte[4]);
        assertEquals(DropReason.MALFORMED, parse(p, 0));
        assertEquals(DropReason.MALFORMED, parse(p, buf.capacity() + 1));
        assertEquals(0, packet.version(), "a refused packet has no version");
    }

    @Test
    void tcpSegmentOfExactlyTwentyBytesIsAcceptedAndNineteenIsNot() {
        assertNull(parse(TestPackets.tcp(A4, 1, B4, 2, IpPacket.ACK, new byte[0])));
        assertEquals(20, packet.l4Length());
        assertEquals(DropReason.MALFORMED, parse(ip(A4, B4, IpPacket.TCP, new byte[19], 16)));
        assertNull(parse(TestPackets.tcp(A6, 1, B6, 2, IpPacket.ACK, new byte[0])));
        assertEquals(DropReason.MALFORMED, parse(ip(A6, B6, IpPacket.TCP, new byte[19], 16)));
    }

    @Test
    void tcpDataOffsetMayReachButNotPassTheSegmentEnd() {
        byte[] withOptions = withTcpDataOffset(TestPackets.tcp(A4, 1, B4, 2, IpPacket.SYN, new byte[4]), 6);
        assertNull(parse(withOptions), "24-byte header in a 24-byte segment");
        byte[] past = withTcpDataOffset(TestPackets.tcp(A4, 1, B4, 2, IpPacket.SYN, new byte[3]), 6);
        assertEquals(DropReason.MALFORMED, parse(past), "24-byte header in a 23-byte segment");
        byte[] tooShort = withTcpDataOffset(TestPackets.tcp(A4, 1, B4, 2, IpPacket.SYN, new byte[4]), 4);
        assertEquals(DropReason.MALFORMED, parse(tooShort), "a data offset below five words");
    }

    @Test
    void emptyUdpDatagramIsAcceptedAndItsLengthFieldBoundsThePayload() {
        assertNull(parse(TestPackets.udp(A4, 1, B4, 2, new byte[0])));
        assertEquals(0, packet.udpPayloadLength());
        assertEquals(28, packet.udpPayloadOffset());
        assertEquals(DropReason.MALFORMED, parse(ip(A4, B4, IpPacket.UDP, new byte[7], 0)), "7-byte datagram");

        byte[] p = TestPackets.udp(A4, 1, B4, 2, new byte[4]);
        assertEquals(DropReason.MALFORMED, parse(withUdpLength(p, 7)), "length field below the header");
        assertEquals(DropReason.MALFORMED, parse(withUdpLength(p, 13)), "length field past the datagram");
        assertNull(parse(withUdpLength(p, 11)), "a length field shorter than the datagram leaves padding");
        assertEquals(3, packet.udpPayloadLength());
        assertEquals(11, packet.l4Length());
    }

    @Test
    void icmpMessagesNeedTheirEightByteHeader() {
        assertNull(parse(ip(A4, B4, IpPacket.ICMP, new byte[8], 2)));
        assertEquals(DropReason.MALFORMED, parse(ip(A4, B4, IpPacket.ICMP, new byte[7], 2)));
        assertNull(parse(ip(A6, B6, IpPacket.ICMPV6, new byte[8], 2)));
        assertEquals(DropReason.MALFORMED, parse(ip(A6, B6, IpPacket.ICMPV6, new byte[7], 2)));
    }

    @Test
    void checksumFieldSitsWhereEachProtocolPutsIt() {
        parse(TestPackets.tcp(A4, 1, B4, 2, IpPacket.ACK, new byte[0]));
        assertEquals(20 + 16, packet.l4ChecksumOffset());
        parse(TestPackets.udp(A6, 1, B6, 2, new byte[0]));
        assertEquals(40 + 6, packet.l4ChecksumOffset());
        parse(TestPackets.echoRequest(A4, B4));
        assertEquals(20 + 2, packet.l4ChecksumOffset());
    }

    @Test
    void ipv4OptionsMoveTheTransportHeader() {
        byte[] plain = TestPackets.udp(A4, 7, B4, 9, new byte[] {1, 2});
        byte[] p = new byte[plain.length + 4];
        System.arraycopy(plain, 0, p, 0, 20);
        System.arraycopy(plain, 20, p, 24, plain.length - 20);
        p[0] = 0x46; // IHL 6: one word of options (four NOPs)
        Arrays.fill(p, 20, 24, (byte) 1);
        ByteBuffer.wrap(p).putShort(2, (short) p.length);
        TestPackets.fixChecksums(p, 6);
        assertNull(parse(p));
        assertEquals(24, packet.l4Offset());
        assertEquals(7, packet.srcPort());
        assertEquals(9, packet.dstPort());
        assertEquals(2, packet.udpPayloadLength());
    }

    @Test
    void ipv4TotalLengthShorterThanItsHeaderIsMalformed() {
        byte[] p = TestPackets.udp(A4, 1, B4, 2, new byte[4]);
        ByteBuffer.wrap(p).putShort(2, (short) 19);
        TestPackets.fixChecksums(p, 6);
        assertEquals(DropReason.MALFORMED, parse(p));
    }

    @Test
    void dontFragmentIsNotAFragmentButAnOffsetIs() {
        byte[] df = TestPackets.udp(A4, 1, B4, 2, new byte[4]);
        ByteBuffer.wrap(df).putShort(6, (short) 0x4000);
        TestPackets.fixChecksums(df, 6);
        assertNull(parse(df), "DF alone");
        byte[] later = TestPackets.udp(A4, 1, B4, 2, new byte[4]);
        ByteBuffer.wrap(later).putShort(6, (short) 0x0001); // offset 8 bytes, MF clear: the last fragment
        TestPackets.fixChecksums(later, 6);
        assertEquals(DropReason.FRAGMENT, parse(later));
    }

    @Test
    void ipv6PayloadLengthMustBeNonZeroAndWithinWhatWasRead() {
        byte[] p = TestPackets.udp(A6, 1, B6, 2, new byte[4]);
        assertNull(parse(p), "payload length equal to what follows the header");
        assertEquals(p.length, packet.length());
        assertEquals(DropReason.MALFORMED, parse(p, p.length - 1));
        byte[] jumbo = p.clone();
        ByteBuffer.wrap(jumbo).putShort(4, (short) 0);
        assertEquals(DropReason.MALFORMED, parse(jumbo));
        assertEquals(DropReason.MALFORMED, parse(Arrays.copyOf(p, 39)), "shorter than the fixed header");
    }

    @Test
    void eightExtensionHeadersAreFollowedButANinthIsNot() {
        assertNull(parse(behindExtensionHeaders(8)));
        assertEquals(40 + 8 * 8, packet.l4Offset());
        assertEquals(IpPacket.UDP, packet.protocol());
        assertEquals(3, packet.udpPayloadLength());
        assertEquals(DropReason.UNSUPPORTED, parse(behindExtensionHeaders(9)));
    }

    @Test
    void extensionHeaderRunningPastThePacketIsMalformed() {
        byte[] p = behindExtensionHeaders(1);
        p[41] = 3; // claims 32 bytes, the packet has 8 + 11 after the fixed header
        assertEquals(DropReason.MALFORMED, parse(p));
        byte[] cut = Arrays.copyOf(behindExtensionHeaders(0), 40 + 7);
        cut[6] = 60; // destination options announced, 7 bytes where its first 8 must be
        ByteBuffer.wrap(cut).putShort(4, (short) 7);
        assertEquals(DropReason.MALFORMED, parse(cut));
    }

    @Test
    void routingHeaderIsUnsupported() {
        byte[] p = behindExtensionHeaders(1);
        p[6] = 43;
        assertEquals(DropReason.UNSUPPORTED, parse(p));
    }

    @Test
    void tcpFlagsLeaveOutEcnBits() {
        assertNull(parse(TestPackets.tcp(A4, 1, B4, 2, 0xC0 | IpPacket.SYN, new byte[0])));
        assertEquals(IpPacket.SYN, packet.tcpFlags());
    }

    /** A UDP datagram (payload 3 bytes) behind {@code n} 8-byte hop-by-hop / destination-options headers. */
    private static byte[] behindExtensionHeaders(int n) {
        byte[] udp = TestPackets.udp(A6, 5353, B6, 53, new byte[] {1, 2, 3});
        byte[] p = new byte[udp.length + 8 * n];
        System.arraycopy(udp, 0, p, 0, 40);
        System.arraycopy(udp, 40, p, 40 + 8 * n, udp.length - 40);
        p[6] = (byte) (n == 0 ? IpPacket.UDP : 0);
        for (int i = 0; i < n; i++) {
            p[40 + 8 * i] = (byte) (i == n - 1 ? IpPacket.UDP : 60);
        }
        ByteBuffer.wrap(p).putShort(4, (short) (p.length - 40));
        return p;
    }

    private static byte[] withTcpDataOffset(byte[] p, int words) {
        int hdr = (p[0] >> 4) == 4 ? 20 : 40;
        p[hdr + 12] = (byte) (words << 4);
        TestPackets.fixChecksums(p, 16);
        return p;
    }

    private static byte[] withUdpLength(byte[] p, int length) {
        byte[] q = p.clone();
        int hdr = (q[0] >> 4) == 4 ? 20 : 40;
        ByteBuffer.wrap(q).putShort(hdr + 4, (short) length);
        return q;
    }
}
