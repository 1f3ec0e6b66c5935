package dev.turnout.host.tun;

import static dev.turnout.host.tun.TestPackets.ip;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.turnout.host.platform.IpPrefix;
import io.netty.channel.DefaultEventLoop;
import java.net.InetAddress;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** IPv6 reaching a TUN that has only IPv4: refused at once (reset, ICMPv6 unreachable), or only dropped when off. */
class Ipv6RefusalTest {

    private static final InetAddress APP = ip("2001:db8:1::2");
    private static final InetAddress SERVER = ip("2001:db8:2::80");

    private final DefaultEventLoop loop = new DefaultEventLoop();
    private final List<byte[]> written = new ArrayList<>();

    @AfterEach
    void stop() {
        loop.shutdownGracefully(0, 1, TimeUnit.SECONDS);
    }

    private SystemStack ipv4OnlyStack(boolean refuse) {
        SystemStack s = new SystemStack(SystemStack.Addressing.of(IpPrefix.parse("198.18.0.1/30"), 7777, null, 0),
                new SystemStack.Limits(9000, 100, 1024, 100, 60_000, 4), 0, null, loop,
                (buffer, address, length) -> {
                    byte[] copy = new byte[length];
                    buffer.get(0, copy);
                    written.add(copy);
                    return true;
                }, null, HijackTargets.udp(List.of()), "tun");
        s.refuseIpv6(refuse);
        return s;
    }

    private byte[] inject(SystemStack s, byte[] packet) throws Exception {
        return TestPackets.inject(loop, s, written, packet);
    }

    private static InetAddress addr(byte[] p, int off) throws Exception {
        return TestPackets.addr(p, off, 16);
    }

    @Test
    void aSynIsAnsweredWithAResetThatAcknowledgesIt() throws Exception {
        SystemStack s = ipv4OnlyStack(true);
        byte[] syn = TestPackets.tcp(APP, 40000, SERVER, 80, IpPacket.SYN, new byte[0]);
        byte[] rst = inject(s, syn);
        assertNotNull(rst, "a reply");
        ByteBuffer r = ByteBuffer.wrap(rst);
        assertEquals(60, rst.length);
        assertEquals(20, r.getShort(4) & 0xFFFF, "IPv6 payload length: the 20-byte reset");
        assertEquals(IpPacket.TCP, rst[6]);
        assertEquals(SERVER, addr(rst, 8));
        assertEquals(APP, addr(rst, 24));
        assertEquals(80, r.getShort(40) & 0xFFFF);
        assertEquals(40000, r.getShort(42) & 0xFFFF);
        assertEquals(0, r.getInt(44), "seq");
        assertEquals(1001, r.getInt(48), "acknowledges the SYN (seq 1000 + 1)");
        assertEquals(IpPacket.RST | IpPacket.ACK, rst[53]);
        assertTrue(TestPackets.checksumsValid(rst), "checksum");
        assertEquals(1L, s.stats().drops().get(DropReason.IPV6_REFUSED));
    }

    @Test
    void aSegmentWithAnAckGetsAResetAtThatSequenceAndAResetNothing() throws Exception {
        SystemStack s = ipv4OnlyStack(true);
        byte[] rst = inject(s, TestPackets.tcp(APP, 40000, SERVER, 80, IpPacket.ACK, new byte[5]));
        assertEquals(5000, ByteBuffer.wrap(rst).getInt(44), "seq = the segment's ack");
        assertEquals(IpPacket.RST, rst[53]);
        assertTrue(TestPackets.checksumsValid(rst));
        assertNull(inject(s, TestPackets.tcp(APP, 40000, SERVER, 80, IpPacket.RST, new byte[0])), "never answer a reset");
    }

    @Test
    void udpAndPingGetNoRouteToDestinationQuotingThePacket() throws Exception {
        SystemStack s = ipv4OnlyStack(true);
        byte[] datagram = TestPackets.udp(APP, 5353, SERVER, 53, new byte[30]);
        byte[] icmp = inject(s, datagram);
        assertNotNull(icmp);
        assertEquals(IpPacket.ICMPV6, icmp[6]);
        assertEquals(SERVER, addr(icmp, 8));
        assertEquals(APP, addr(icmp, 24));
        assertEquals(Ipv6Refusal.ICMPV6_DESTINATION_UNREACHABLE, icmp[40]);
        assertEquals(Ipv6Refusal.NO_ROUTE, icmp[41]);
        assertArrayEquals(datagram, Arrays.copyOfRange(icmp, 48, icmp.length), "the invoking packet, whole");
        assertEquals(icmp.length - 40, ByteBuffer.wrap(icmp).getShort(4) & 0xFFFF, "IPv6 payload length");
        assertTrue(TestPackets.checksumsValid(icmp), "checksum");

        byte[] ping = inject(s, TestPackets.echoRequest(APP, SERVER));
        assertEquals(Ipv6Refusal.ICMPV6_DESTINATION_UNREACHABLE, ping[40]);
    }

    @Test
    void noErrorGoesToTheUnspecifiedAddressOrAMulticastOneNorForADamagedDatagram() throws Exception {
        SystemStack s = ipv4OnlyStack(true);
        byte[] damaged = TestPackets.udp(APP, 5353, SERVER, 53, new byte[30]);
        damaged[damaged.length - 1] ^= 0x20;
        assertEquals(null, inject(s, damaged), "a datagram whose checksum does not hold gets no answer either");
        for (String source : new String[] {"::", "ff02::1"}) {
            byte[] datagram = TestPackets.udp(InetAddress.getByName(source), 5353, SERVER, 53, new byte[30]);
            assertEquals(null, inject(s, datagram), source + ": RFC 4443 2.4 (e)");
        }
    }

    @Test
    void aLargeDatagramIsQuotedOnlyUpToTheMinimumMtu() throws Exception {
        byte[] icmp = inject(ipv4OnlyStack(true), TestPackets.udp(APP, 5353, SERVER, 9, new byte[4000]));
        assertEquals(Ipv6Refusal.MINIMUM_MTU, icmp.length);
        assertTrue(TestPackets.checksumsValid(icmp));
    }

    @Test
    void turnedOffIpv6IsOnlyDropped() throws Exception {
        SystemStack s = ipv4OnlyStack(false);
        assertNull(inject(s, TestPackets.tcp(APP, 40000, SERVER, 80, IpPacket.SYN, new byte[0])));
        assertNull(inject(s, TestPackets.udp(APP, 5353, SERVER, 53, new byte[30])));
        assertEquals(2L, s.stats().drops().get(DropReason.UNSUPPORTED));
    }
}
