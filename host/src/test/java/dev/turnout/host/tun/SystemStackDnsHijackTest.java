package dev.turnout.host.tun;

import static dev.turnout.host.tun.TestPackets.ip;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.turnout.api.DatagramSession;
import dev.turnout.api.Destination;
import dev.turnout.api.Metadata;
import dev.turnout.host.platform.IpPrefix;
import dev.turnout.host.tunnel.RoutedRequest;
import dev.turnout.host.tunnel.StreamReadiness;
import dev.turnout.host.tunnel.Tunnel;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.DefaultEventLoop;
import io.netty.channel.EventLoop;
import io.netty.util.concurrent.Future;
import io.netty.util.concurrent.Promise;
import java.net.InetAddress;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * dns-hijack in the packet engine: an application's UDP query to a hijacked target goes to the DNS hook, not
 * through the tunnel, and the hook's answer comes back to the application as a UDP packet from the address and
 * port it asked, with checksums that a plain RFC 1071 sum (not the engine's) accepts.
 */
class SystemStackDnsHijackTest {

    private static final InetAddress A4 = ip("198.18.0.1");
    private static final InetAddress A6 = ip("2001:db8:ff::1");
    private static final InetAddress RESOLVER4 = ip("192.0.2.53");
    private static final InetAddress RESOLVER6 = ip("2001:db8::53");
    /** A DNS query header and question for example.test A (what the hook gets, byte for byte). */
    private static final byte[] QUERY = ByteBufUtil.decodeHexDump(
            "abcd01000001000000000000076578616d706c6504746573740000010001");
    private static final byte[] ANSWER = ByteBufUtil.decodeHexDump(
            "abcd81800001000100000000076578616d706c6504746573740000010001c00c000100010000003c0004cb007105");

    private final DefaultEventLoop loop = new DefaultEventLoop();
    private final List<byte[]> written = new ArrayList<>();
    private final List<Metadata> routed = new ArrayList<>();
    private final List<byte[]> asked = new ArrayList<>();
    /** What the hook does with the next query. */
    private Hook hook = query -> loop.newSucceededFuture(Unpooled.wrappedBuffer(ANSWER));

    private interface Hook {
        Future<ByteBuf> answer(ByteBuf query);
    }

    private SystemStack stack(int mtu) {
        return stack(SystemStack.Addressing.of(IpPrefix.parse("198.18.0.1/30"), 7777,
                IpPrefix.parse("2001:db8:ff::1/126"), 7778), mtu);
    }

    private SystemStack stack(SystemStack.Addressing addressing, int mtu) {
        return new SystemStack(addressing,
                new SystemStack.Limits(mtu, 100, 1024, 100, 60_000, 4), 0, new RoutingTunnel(), loop,
                (buffer, address, length) -> {
                    byte[] copy = new byte[length];
                    buffer.get(0, copy);
                    written.add(copy);
                    return true;
                },
                (query, l) -> {
                    asked.add(ByteBufUtil.getBytes(query));
                    Future<ByteBuf> answer = hook.answer(query);
                    query.release();
                    return answer;
                },
                HijackTargets.udp(List.of("any:53")), "tun");
    }

    @AfterEach
    void stop() {
        loop.shutdownGracefully(0, 1, TimeUnit.SECONDS);
    }

    private <T> T onLoop(Callable<T> task) throws Exception {
        return TestPackets.onLoop(loop, task);
    }

    private byte[] inject(SystemStack s, byte[] packet) throws Exception {
        return TestPackets.inject(loop, s, written, packet);
    }

    @Test
    void anIpv4QueryToAHijackedPortIsAnsweredFromTheAddressItAsked() throws Exception {
        SystemStack s = stack(1500);
        byte[] reply = inject(s, TestPackets.udp(A4, 40000, RESOLVER4, 53, QUERY));
        assertEquals(1, asked.size());
        assertArrayEquals(QUERY, asked.get(0), "the hook gets the UDP payload");
        assertTrue(routed.isEmpty(), "a hijacked query does not go through the tunnel: " + routed);
        assertEquals(RESOLVER4, TestPackets.addr(reply, 12, 4), "the answer comes from the address the application asked");
        assertEquals(A4, TestPackets.addr(reply, 16, 4));
        assertEquals(17, reply[9], "UDP");
        assertEquals(20 + 8 + ANSWER.length, TestPackets.u16(reply, 2), "IPv4 total length");
        assertEquals(53, TestPackets.u16(reply, 20));
        assertEquals(40000, TestPackets.u16(reply, 22));
        assertEquals(8 + ANSWER.length, TestPackets.u16(reply, 24), "UDP length");
        assertArrayEquals(ANSWER, Arrays.copyOfRange(reply, 28, reply.length));
        assertTrue(TestPackets.checksumsValid(reply), "IP and UDP checksums");
        assertEquals(1, onLoop(s::stats).dnsHijacked());
    }

    @Test
    void anIpv6QueryIsAnsweredWithAValidIpv6Packet() throws Exception {
        SystemStack s = stack(1500);
        byte[] reply = inject(s, TestPackets.udp(A6, 40001, RESOLVER6, 53, QUERY));
        assertArrayEquals(QUERY, asked.get(0));
        assertEquals(6, (reply[0] & 0xFF) >>> 4);
        assertEquals(RESOLVER6, TestPackets.addr(reply, 8, 16));
        assertEquals(A6, TestPackets.addr(reply, 24, 16));
        assertEquals(8 + ANSWER.length, TestPackets.u16(reply, 4), "IPv6 payload length");
        assertEquals(53, TestPackets.u16(reply, 40));
        assertEquals(40001, TestPackets.u16(reply, 42));
        assertArrayEquals(ANSWER, Arrays.copyOfRange(reply, 48, reply.length));
        assertTrue(TestPackets.checksumsValid(reply), "UDP checksum over the IPv6 pseudo-header");
        assertTrue(routed.isEmpty());
    }

    /**
     * A TUN without an IPv6 address refuses IPv6 so that applications fall back to IPv4 at once, but DNS asked over
     * IPv6 is answered: with nameservers of IPv6 alone in resolv.conf, every lookup failed.
     */
    @Test
    void anIpv6QueryIsAnsweredThoughTheTunHasNoIpv6AddressAndOtherIpv6IsStillRefused() throws Exception {
        SystemStack s = stack(SystemStack.Addressing.of(IpPrefix.parse("198.18.0.1/30"), 7777, null, 0), 1500);
        s.refuseIpv6(true);
        byte[] reply = inject(s, TestPackets.udp(A6, 40001, RESOLVER6, 53, QUERY));
        assertArrayEquals(QUERY, asked.get(0), "the hook gets the query");
        assertEquals(17, reply[6], "a UDP answer, not an ICMPv6 refusal");
        assertEquals(RESOLVER6, TestPackets.addr(reply, 8, 16));
        assertArrayEquals(ANSWER, Arrays.copyOfRange(reply, 48, reply.length));
        assertTrue(TestPackets.checksumsValid(reply));
        byte[] other = inject(s, TestPackets.udp(A6, 40002, RESOLVER6, 443, QUERY));
        assertEquals(58, other[6], "other IPv6 is refused as before (ICMPv6)");
        assertTrue(routed.isEmpty());
    }

    @Test
    void anAnswerThatArrivesLaterStillReachesTheApplication() throws Exception {
        List<Promise<ByteBuf>> pending = new ArrayList<>();
        hook = query -> {
            Promise<ByteBuf> p = loop.newPromise();
            pending.add(p);
            return p;
        };
        SystemStack s = stack(1500);
        assertNull(inject(s, TestPackets.udp(A4, 40002, RESOLVER4, 53, QUERY)), "nothing until the answer");
        byte[] reply = onLoop(() -> {
            written.clear();
            pending.get(0).setSuccess(Unpooled.wrappedBuffer(ANSWER));
            return written.isEmpty() ? null : written.get(0);
        });
        assertArrayEquals(ANSWER, Arrays.copyOfRange(reply, 28, reply.length));
        assertEquals(40002, TestPackets.u16(reply, 22));
        assertTrue(TestPackets.checksumsValid(reply));
    }

    @Test
    void aQueryTheHookDropsGetsNoAnswerAndIsNotRouted() throws Exception {
        hook = query -> loop.newSucceededFuture(null);
        SystemStack s = stack(1500);
        assertNull(inject(s, TestPackets.udp(A4, 40003, RESOLVER4, 53, QUERY)));
        assertEquals(1, asked.size());
        assertTrue(routed.isEmpty());
    }

    @Test
    void aQueryTheHookDeclinesIsRoutedLikeAnyDatagram() throws Exception {
        hook = query -> null;
        SystemStack s = stack(1500);
        assertNull(inject(s, TestPackets.udp(A4, 40004, RESOLVER4, 53, QUERY)));
        assertEquals(1, routed.size(), "not the hook's: the tunnel routes it");
        assertEquals(Destination.ofAddress(RESOLVER4, 53), routed.get(0).destination());
        assertEquals(0, onLoop(s::stats).dnsHijacked());
    }

    @Test
    void datagramsToOtherPortsNeverReachTheHook() throws Exception {
        SystemStack s = stack(1500);
        assertNull(inject(s, TestPackets.udp(A4, 40005, RESOLVER4, 5353, QUERY)));
        assertTrue(asked.isEmpty());
        assertEquals(1, routed.size());
    }

    @Test
    void anAnswerLargerThanTheMtuIsWrittenInFragmentsThatMakeItWhole() throws Exception {
        int mtu = 20 + 8 + ANSWER.length - 1;
        SystemStack s = stack(mtu);
        inject(s, TestPackets.udp(A4, 40006, RESOLVER4, 53, QUERY));
        List<byte[]> fragments = List.copyOf(written);
        assertEquals(2, fragments.size(), "one byte too many for one packet");
        FragmentReassembly application = new FragmentReassembly(); // as the application's kernel puts it together
        java.nio.ByteBuffer buf = java.nio.ByteBuffer.allocate(FragmentReassembly.MAX_PACKET);
        int whole = 0;
        for (byte[] f : fragments) {
            assertTrue(f.length <= mtu, "each fits the TUN");
            assertEquals(0xFFFF, Checksum.fold(Checksum.sum(java.nio.ByteBuffer.wrap(f), 0, 20, 0)), "header sum");
            buf.clear();
            buf.put(0, f);
            whole = application.offer(buf, f.length, 0, 0);
        }
        byte[] packet = new byte[whole];
        buf.get(0, packet);
        assertTrue(TestPackets.checksumsValid(packet), "the UDP checksum covers the whole datagram");
        assertArrayEquals(ANSWER, Arrays.copyOfRange(packet, 28, packet.length));
        assertEquals(0, onLoop(s::stats).drops(DropReason.TOO_BIG));

        SystemStack fits = stack(20 + 8 + ANSWER.length);
        assertArrayEquals(ANSWER, Arrays.copyOfRange(inject(fits, TestPackets.udp(A4, 40006, RESOLVER4, 53, QUERY)),
                28, 28 + ANSWER.length), "an answer of exactly the MTU fits");
        assertEquals(1, written.size());
    }

    /** Records the datagram flows the engine routes; their sessions take whatever is sent. */
    private final class RoutingTunnel implements Tunnel {

        @Override
        public void routeStream(Channel inbound, Metadata flow, StreamReadiness readiness) {
            throw new UnsupportedOperationException();
        }

        @Override
        public Future<RoutedRequest> routeRequest(Channel inbound, Metadata flow) {
            throw new UnsupportedOperationException();
        }

        @Override
        public Future<DatagramSession> routeDatagram(Metadata flow, EventLoop l, DatagramSession.Receiver toApplication) {
            routed.add(flow);
            return l.newSucceededFuture(new DatagramSession() {
                @Override
                public void send(Destination destination, ByteBuf payload) {
                    payload.release();
                }

                @Override
                public boolean isOpen() {
                    return true;
                }

                @Override
                public void close() {
                }
            });
        }
    }
}
