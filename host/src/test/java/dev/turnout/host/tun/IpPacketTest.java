package dev.turnout.host.tun;

import static dev.turnout.host.tun.TestPackets.ip;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.nio.ByteBuffer;
import org.junit.jupiter.api.Test;

class IpPacketTest {

    private final ByteBuffer buf = ByteBuffer.allocateDirect(65536);
    private final IpPacket packet = new IpPacket(buf);

    private DropReason parse(byte[] p) {
        buf.clear();
        buf.put(p);
        buf.clear();
        return packet.parse(p.length);
    }

    @Test
    void parsesIpv4TcpFields() {
        byte[] p = TestPackets.tcp(ip("192.0.2.1"), 40000, ip("203.0.113.9"), 443, IpPacket.SYN, new byte[5]);
        assertNull(parse(p));
        assertEquals(4, packet.version());
        assertEquals(IpPacket.TCP, packet.protocol());
        assertEquals(20, packet.l4Offset());
        assertEquals(40000, packet.srcPort());
        assertEquals(443, packet.dstPort());
        assertEquals(IpPacket.SYN, packet.tcpFlags());
        assertEquals(0xC0000201L, packet.srcLo());
        assertEquals(0L, packet.srcHi());
        assertEquals(p.length, packet.length());
    }

    @Test
    void parsesIpv6UdpBehindHopByHopHeader() {
        byte[] udp = TestPackets.udp(ip("2001:db8::1"), 5353, ip("2001:db8::2"), 53, new byte[] {1, 2, 3});
        // insert an 8-byte hop-by-hop header (next header UDP) after the fixed header
        byte[] p = new byte[udp.length + 8];
        System.arraycopy(udp, 0, p, 0, 40);
        System.arraycopy(udp, 40, p, 48, udp.length - 40);
        p[6] = 0;
        p[40] = (byte) IpPacket.UDP;
        ByteBuffer.wrap(p).putShort(4, (short) (udp.length - 40 + 8));
        assertNull(parse(p));
        assertEquals(6, packet.version());
        assertEquals(48, packet.l4Offset());
        assertEquals(5353, packet.srcPort());
        assertEquals(53, packet.dstPort());
        assertEquals(3, packet.udpPayloadLength());
        assertEquals(0x20010db800000000L, packet.dstHi());
        assertEquals(2L, packet.dstLo());
    }

    @Test
    void readsTheDscpFromIpv4TosAndIpv6TrafficClass() {
        byte[] v4 = TestPackets.tcp(ip("192.0.2.1"), 40000, ip("203.0.113.9"), 443, IpPacket.SYN, new byte[0]);
        v4[1] = (byte) (46 << 2 | 0x3); // EF with both ECN bits set, which are not part of the DSCP
        TestPackets.fixChecksums(v4, 16);
        assertNull(parse(v4));
        assertEquals(46, packet.dscp());
        byte[] v6 = TestPackets.udp(ip("2001:db8::1"), 5353, ip("2001:db8::2"), 53, new byte[1]);
        int trafficClass = 63 << 2 | 0x1; // the top DSCP, straddling the first two bytes
        v6[0] = (byte) (0x60 | trafficClass >>> 4);
        v6[1] = (byte) ((trafficClass & 0x0F) << 4 | (v6[1] & 0x0F));
        assertNull(parse(v6));
        assertEquals(63, packet.dscp());
        v6[0] = 0x60;
        v6[1] = (byte) (v6[1] & 0x0F);
        assertNull(parse(v6));
        assertEquals(0, packet.dscp());
    }

    @Test
    void ignoresBytesPastTheIpLength() {
        byte[] p = TestPackets.udp(ip("192.0.2.1"), 1, ip("192.0.2.2"), 2, new byte[4]);
        byte[] padded = java.util.Arrays.copyOf(p, p.length + 30);
        assertNull(parse(padded));
        assertEquals(p.length, packet.length());
    }

    @Test
    void rejectsFragmentsOfBothFamilies() {
        byte[] p = TestPackets.udp(ip("192.0.2.1"), 1, ip("192.0.2.2"), 2, new byte[4]);
        ByteBuffer.wrap(p).putShort(6, (short) 0x2000); // MF
        TestPackets.fixChecksums(p, 6);
        assertEquals(DropReason.FRAGMENT, parse(p));
        byte[] v6 = TestPackets.udp(ip("2001:db8::1"), 1, ip("2001:db8::2"), 2, new byte[4]);
        v6[6] = 44;
        assertEquals(DropReason.FRAGMENT, parse(v6));
    }

    @Test
    void rejectsMalformedHeaders() {
        byte[] p = TestPackets.tcp(ip("192.0.2.1"), 1, ip("192.0.2.2"), 2, IpPacket.ACK, new byte[0]);
        assertEquals(DropReason.MALFORMED, parse(java.util.Arrays.copyOf(p, 19)), "truncated header");
        byte[] badIhl = p.clone();
        badIhl[0] = 0x44;
        assertEquals(DropReason.MALFORMED, parse(badIhl), "IHL below 5");
        byte[] badSum = p.clone();
        badSum[10] ^= 1;
        assertEquals(DropReason.MALFORMED, parse(badSum), "header checksum");
        byte[] longer = p.clone();
        ByteBuffer.wrap(longer).putShort(2, (short) (p.length + 1));
        TestPackets.fixChecksums(longer, 16);
        assertEquals(DropReason.MALFORMED, parse(longer), "total length beyond what was read");
        byte[] badOffset = p.clone();
        badOffset[32] = (byte) 0xF0; // data offset 60 > segment
        assertEquals(DropReason.MALFORMED, parse(badOffset), "TCP data offset");
        assertEquals(DropReason.MALFORMED, parse(new byte[] {0x10, 0, 0}), "version 1");
    }

    @Test
    void reportsOtherProtocolsAsUnsupported() {
        byte[] gre = ip(ip("192.0.2.1"), ip("192.0.2.2"), 47, new byte[8], 0);
        TestPackets.fixChecksums(gre, 0);
        assertEquals(DropReason.UNSUPPORTED, parse(gre));
    }
}
