package dev.turnout.host.tun;

import static dev.turnout.host.tun.TestPackets.ip;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;

import dev.turnout.api.DatagramSession;
import dev.turnout.api.Destination;
import dev.turnout.api.Metadata;
import dev.turnout.api.Network;
import dev.turnout.host.platform.IpPrefix;
import dev.turnout.host.tunnel.RoutedRequest;
import dev.turnout.host.tunnel.StreamReadiness;
import dev.turnout.host.tunnel.Tunnel;
import io.netty.channel.Channel;
import io.netty.channel.DefaultEventLoop;
import io.netty.channel.EventLoop;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.util.concurrent.Future;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The listener's side of the TCP NAT: a connection accepted from B:n is the application's flow whose SYN got NAT
 * port n, and its metadata names the application's source and original destination; anything else is refused.
 */
class SystemStackAcceptTest {

    private static final InetAddress A4 = ip("198.18.0.1");
    private static final InetAddress B4 = ip("198.18.0.2");
    private static final InetAddress A6 = ip("2001:db8:ff::1");
    private static final InetAddress B6 = ip("2001:db8:ff::2");
    private static final InetAddress SERVER = ip("203.0.113.5");

    private final DefaultEventLoop loop = new DefaultEventLoop();
    private final List<byte[]> written = new ArrayList<>();
    private final SystemStack stack = new SystemStack(
            SystemStack.Addressing.of(IpPrefix.parse("198.18.0.1/30"), 7777, IpPrefix.parse("2001:db8:ff::1/126"), 7778),
            new SystemStack.Limits(9000, 100, 1024, 100, 60_000, 4), 0, new NoTunnel(), loop,
            (buffer, address, length) -> {
                byte[] copy = new byte[length];
                buffer.get(0, copy);
                written.add(copy);
                return true;
            }, null, HijackTargets.udp(List.of()), "tun-in");

    @AfterEach
    void stop() {
        loop.shutdownGracefully(0, 1, TimeUnit.SECONDS);
    }

    private <T> T onLoop(Callable<T> task) throws Exception {
        return TestPackets.onLoop(loop, task);
    }

    /** Sends the application's SYN; returns the NAT port the listener sees it from. */
    private int syn(InetAddress src, int sport, InetAddress dst, int dport) throws Exception {
        return syn(TestPackets.tcp(src, sport, dst, dport, IpPacket.SYN, new byte[0]));
    }

    private int syn(byte[] p) throws Exception {
        byte[] out = onLoop(() -> {
            written.clear();
            TestPackets.feed(stack, p);
            return written.isEmpty() ? null : written.get(0);
        });
        assertNotNull(out, "the SYN is forwarded to the listener");
        int l4 = (out[0] >>> 4) == 4 ? 20 : 40;
        return ByteBuffer.wrap(out).getShort(l4) & 0xFFFF;
    }

    /** A connection the listener accepted from {@code peer}. */
    private static EmbeddedChannel acceptedFrom(SocketAddress peer) {
        return new EmbeddedChannel() {
            @Override
            protected SocketAddress remoteAddress0() {
                return peer;
            }
        };
    }

    private Metadata accept(Channel child) throws Exception {
        return onLoop(() -> stack.accepted(child));
    }

    @Test
    void anAcceptedConnectionCarriesTheApplicationsSourceAndDestination() throws Exception {
        int natPort = syn(A4, 40000, SERVER, 443);
        Metadata m = accept(acceptedFrom(new InetSocketAddress(B4, natPort)));
        assertNotNull(m);
        assertEquals(Network.TCP, m.network());
        assertEquals(Destination.ofAddress(SERVER, 443), m.destination());
        assertEquals(new InetSocketAddress(A4, 40000), m.source());
        assertEquals("tun-in", m.inbound());
        assertEquals(1, onLoop(stack::stats).tcpAccepted());

        int natPort6 = syn(A6, 40001, ip("2001:db8:2::1"), 80);
        Metadata m6 = accept(acceptedFrom(new InetSocketAddress(B6, natPort6)));
        assertEquals(Destination.ofAddress(ip("2001:db8:2::1"), 80), m6.destination());
        assertEquals(new InetSocketAddress(A6, 40001), m6.source());
    }

    @Test
    void theConnectionCarriesTheDscpOfItsSyn() throws Exception {
        byte[] p = TestPackets.tcp(A4, 40004, SERVER, 443, IpPacket.SYN, new byte[0]);
        p[1] = (byte) (46 << 2); // EF, as a DSCP rule would match it
        TestPackets.fixChecksums(p, 16);
        int natPort = syn(p);
        assertEquals(46, accept(acceptedFrom(new InetSocketAddress(B4, natPort))).dscp());
    }

    @Test
    void aConnectionIsAcceptedOnceAndOnlyFromAKnownNatPortOfItsFamily() throws Exception {
        int natPort = syn(A4, 40002, SERVER, 443);
        assertNull(accept(acceptedFrom(new InetSocketAddress(B4, natPort + 1))), "no SYN got that port");
        assertNull(accept(acceptedFrom(new InetSocketAddress(B6, natPort))), "the port is an IPv4 flow's");
        assertNull(accept(acceptedFrom(new EmbeddedChannel().remoteAddress())), "not an IP peer");
        assertNotNull(accept(acceptedFrom(new InetSocketAddress(B4, natPort))));
        assertNull(accept(acceptedFrom(new InetSocketAddress(B4, natPort))), "a second accept of the same flow");
        assertEquals(1, onLoop(stack::stats).tcpAccepted());
    }

    @Test
    void aClosedConnectionsPortStopsMappingAfterItsLinger() throws Exception {
        int natPort = syn(A4, 40003, SERVER, 443);
        EmbeddedChannel child = acceptedFrom(new InetSocketAddress(B4, natPort));
        assertNotNull(accept(child));
        long now = System.nanoTime() / 1_000_000;
        onLoop(() -> {
            stack.expire(now + 3_600_000);
            return null;
        });
        assertEquals(1, onLoop(stack::stats).tcpFlows(), "an open accepted connection never expires");
        child.close().sync();
        // The close reaches the NAT table through the engine's loop.
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        int flows = 1;
        while (flows != 0 && System.nanoTime() < deadline) {
            long later = System.nanoTime() / 1_000_000 + 10_001;
            flows = onLoop(() -> {
                stack.expire(later);
                return stack.stats().tcpFlows();
            });
        }
        assertEquals(0, flows, "closed, then gone once its linger has passed");
    }

    /** The accept path asks nothing of the tunnel. */
    private static final class NoTunnel implements Tunnel {
        @Override
        public void routeStream(Channel inbound, Metadata flow, StreamReadiness readiness) {
            throw new UnsupportedOperationException();
        }

        @Override
        public Future<RoutedRequest> routeRequest(Channel inbound, Metadata flow) {
            throw new UnsupportedOperationException();
        }

        @Override
        public Future<DatagramSession> routeDatagram(Metadata flow, EventLoop l, DatagramSession.Receiver r) {
            throw new UnsupportedOperationException();
        }
    }
}
