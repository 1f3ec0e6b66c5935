package dev.turnout.host.inbound.mixed;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.turnout.api.DatagramSession;
import dev.turnout.api.Metadata;
import dev.turnout.api.RejectedException;
import dev.turnout.host.dial.Transport;
import dev.turnout.host.flow.Flow;
import dev.turnout.host.flow.FlowTable;
import dev.turnout.host.platform.DescriptorShortage;
import dev.turnout.host.tunnel.RoutedRequest;
import dev.turnout.host.tunnel.StreamReadiness;
import dev.turnout.host.tunnel.Tunnel;
import io.netty.channel.Channel;
import io.netty.channel.EventLoop;
import io.netty.channel.EventLoopGroup;
import io.netty.util.concurrent.Future;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The mixed port's handshakes over real loopback sockets, with a tunnel that refuses every flow (so nothing
 * leaves the machine) and records what reached it.
 */
class MixedInboundTest {

    private static final long DEADLINE_MILLIS = 1500;

    private EventLoopGroup group;
    private MixedInbound inbound;
    private final RefusingTunnel tunnel = new RefusingTunnel();

    @BeforeEach
    void bind() throws Exception {
        group = Transport.newGroup(1, "mixed-test");
        inbound = MixedInbound.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), group, group, tunnel,
                new DescriptorShortage(), DEADLINE_MILLIS);
    }

    @AfterEach
    void close() {
        inbound.close();
        group.shutdownGracefully(0, 1, java.util.concurrent.TimeUnit.SECONDS).syncUninterruptibly();
    }

    private Socket connect() throws IOException {
        Socket s = new Socket(InetAddress.getLoopbackAddress(), inbound.localAddress().getPort());
        s.setSoTimeout(5000);
        return s;
    }

    /** What the proxy sends until it closes, or until the read times out. */
    private static String readAll(Socket s) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        InputStream in = s.getInputStream();
        byte[] buf = new byte[4096];
        try {
            for (int n; (n = in.read(buf)) > 0; ) {
                out.write(buf, 0, n);
            }
        } catch (SocketTimeoutException | SocketException e) {
            // the answer is what came before
        }
        return out.toString(StandardCharsets.ISO_8859_1);
    }

    private String exchange(String request) throws IOException {
        try (Socket s = connect()) {
            s.getOutputStream().write(request.getBytes(StandardCharsets.ISO_8859_1));
            return readAll(s);
        }
    }

    @Test
    void twoDifferentContentLengthsAreRefusedWith400AndNotRouted() throws Exception {
        String answer = exchange("POST http://a.test/ HTTP/1.1\r\nHost: a.test\r\nContent-Length: 3\r\n"
                + "Content-Length: 5\r\n\r\nabcde");
        assertTrue(answer.startsWith("HTTP/1.1 400 "), answer);
        assertEquals(List.of(), tunnel.routed);
    }

    @Test
    void contentLengthWithTransferEncodingIsRefusedWith400AndNotRouted() throws Exception {
        String answer = exchange("POST http://a.test/ HTTP/1.1\r\nHost: a.test\r\nContent-Length: 4\r\n"
                + "Transfer-Encoding: chunked\r\n\r\n0\r\n\r\n");
        assertTrue(answer.startsWith("HTTP/1.1 400 "), answer);
        assertEquals(List.of(), tunnel.routed);
    }

    @Test
    void everyPipelinedRequestIsRoutedAndAnsweredOnItsOwn() throws Exception {
        String answer = exchange("GET http://a.test/1 HTTP/1.1\r\nHost: a.test\r\n\r\n"
                + "POST http://b.test:8080/2 HTTP/1.1\r\nHost: b.test:8080\r\nContent-Length: 5\r\n\r\nhello"
                + "GET http://c.test/3 HTTP/1.1\r\nHost: c.test\r\nConnection: close\r\n\r\n");
        assertEquals(List.of("a.test:80", "b.test:8080", "c.test:80"), tunnel.routed);
        assertEquals(3, answer.split("HTTP/1.1 403 ", -1).length - 1, answer);
    }

    @Test
    void bareLineFeedsGet400AtOnce() throws Exception {
        long start = System.nanoTime();
        String answer = exchange("GET http://a.test/ HTTP/1.1\nHost: a.test\n\n");
        assertTrue(answer.startsWith("HTTP/1.1 400 "), answer);
        // Well before the handshake deadline: the answer did not wait for a CRLF that never comes.
        assertTrue(System.nanoTime() - start < DEADLINE_MILLIS * 1_000_000L, "answered only after the deadline");
    }

    @Test
    void aRequestHeadSentAByteAtATimeIsDroppedAtTheDeadline() throws Exception {
        byte[] head = "GET http://a.test/ HTTP/1.1\r\nHost: a.test\r\nX-Filler: ".getBytes(StandardCharsets.ISO_8859_1);
        long start = System.nanoTime();
        try (Socket s = connect()) {
            // One byte every 300 ms: each read comes well within any per-read timeout; the whole head never does.
            boolean dropped = dripUntilDropped(s, head);
            long millis = (System.nanoTime() - start) / 1_000_000;
            assertTrue(dropped, "still open after " + millis + " ms of a dripping head");
            assertTrue(millis < DEADLINE_MILLIS * 3, "dropped only after " + millis + " ms");
        }
        assertEquals(List.of(), tunnel.routed);
    }

    /**
     * Sends {@code bytes} one every 300 ms, each well within any per-read timeout, and tells whether the proxy
     * dropped the connection before they were all sent.
     */
    private static boolean dripUntilDropped(Socket s, byte[] bytes) throws IOException {
        for (byte b : bytes) {
            try {
                s.getOutputStream().write(b);
                s.getOutputStream().flush();
            } catch (IOException e) {
                return true;
            }
            s.setSoTimeout(300);
            try {
                if (s.getInputStream().read() < 0) {
                    return true;
                }
            } catch (SocketTimeoutException e) {
                // still open
            } catch (SocketException e) {
                return true;
            }
        }
        return false;
    }

    @Test
    void aSocks5GreetingSentAByteAtATimeIsDroppedAtTheDeadline() throws Exception {
        long start = System.nanoTime();
        try (Socket s = connect()) {
            s.getOutputStream().write(new byte[] {5, 1, 0});
            byte[] reply = s.getInputStream().readNBytes(2);
            assertArrayEquals(new byte[] {5, 0}, reply);
            byte[] request = {5, 1, 0, 3, 20, 'a', '.', 't', 'e', 's', 't'};
            boolean dropped = dripUntilDropped(s, request);
            long millis = (System.nanoTime() - start) / 1_000_000;
            assertTrue(dropped, "still open after " + millis + " ms of a dripping request");
        }
    }

    @Test
    void aSocks5RequestWithAnUnknownAddressTypeGetsReply8() throws Exception {
        try (Socket s = connect()) {
            s.getOutputStream().write(new byte[] {5, 1, 0});
            assertArrayEquals(new byte[] {5, 0}, s.getInputStream().readNBytes(2));
            s.getOutputStream().write(new byte[] {5, 1, 0, 9, 1, 2, 3, 4, 0, 80});
            byte[] reply = s.getInputStream().readNBytes(2);
            assertArrayEquals(new byte[] {5, 8}, reply, "REP must be 0x08, address type not supported");
        }
        assertEquals(List.of(), tunnel.routed);
    }

    /**
     * A listener's {@code udp: false}: UDP ASSOCIATE is answered as mihomo's socks server answers it there, with
     * success naming the control connection's own address, where no relay listens; a datagram sent there reaches
     * no tunnel, and the control connection is held until the client closes it. With UDP the reply names a relay of
     * its own port.
     */
    @Test
    void udpAssociateOnAListenerWithoutUdpOpensNoRelay() throws Exception {
        MixedInbound noUdp = MixedInbound.bindWithoutUdp(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0),
                group, tunnel);
        try (Socket s = new Socket(InetAddress.getLoopbackAddress(), noUdp.localAddress().getPort());
             java.net.DatagramSocket client = new java.net.DatagramSocket(0, InetAddress.getLoopbackAddress())) {
            s.setSoTimeout(1000);
            int relayPort = associate(s);
            assertEquals(noUdp.localAddress().getPort(), relayPort, "the listener's own address, as mihomo's");
            // A SOCKS5 UDP request to 192.0.2.1:53: nothing listens for it.
            byte[] request = {0, 0, 0, 1, (byte) 192, 0, 2, 1, 0, 53, 'x'};
            client.send(new java.net.DatagramPacket(request, request.length, InetAddress.getLoopbackAddress(),
                    relayPort));
            assertEquals("", readAll(s), "held open, nothing said");
            assertTrue(!s.isClosed() && s.getInputStream().available() == 0);
            s.getOutputStream().write(1); // discarded, not an error
            assertEquals(0, tunnel.datagrams.get(), "no datagram reached the tunnel");
        } finally {
            noUdp.close();
        }
        try (Socket s = connect()) {
            assertTrue(associate(s) != inbound.localAddress().getPort(), "a relay of its own");
        }
    }

    /** The BND.PORT of a UDP ASSOCIATE's successful reply. */
    private static int associate(Socket s) throws IOException {
        s.getOutputStream().write(new byte[] {5, 1, 0});
        assertArrayEquals(new byte[] {5, 0}, s.getInputStream().readNBytes(2));
        s.getOutputStream().write(new byte[] {5, 3, 0, 1, 0, 0, 0, 0, 0, 0});
        byte[] reply = s.getInputStream().readNBytes(10);
        assertArrayEquals(new byte[] {5, 0, 0, 1, 127, 0, 0, 1}, java.util.Arrays.copyOf(reply, 8));
        return (reply[8] & 0xFF) << 8 | reply[9] & 0xFF;
    }

    @Test
    void aNameWithALineBreakIsRefusedByEveryProtocolAndNeverRouted() throws Exception {
        byte[] name = "a\r\n2026-12-06T13:25:11.736 INFO  route [TCP] forged".getBytes(StandardCharsets.US_ASCII);
        try (Socket s = connect()) {
            s.getOutputStream().write(new byte[] {5, 1, 0});
            assertArrayEquals(new byte[] {5, 0}, s.getInputStream().readNBytes(2));
            ByteArrayOutputStream request = new ByteArrayOutputStream();
            request.write(new byte[] {5, 1, 0, 3, (byte) name.length});
            request.write(name);
            request.write(new byte[] {0, 80});
            s.getOutputStream().write(request.toByteArray());
            assertArrayEquals(new byte[] {5, 8}, s.getInputStream().readNBytes(2), "address type not supported");
        }
        String connect = exchange("CONNECT a\u001b[2Jb.test:443 HTTP/1.1\r\nHost: a\u001b[2Jb.test:443\r\n\r\n");
        assertTrue(connect.startsWith("HTTP/1.1 400 "), connect);
        String get = exchange("GET http://a\u001bb.test/ HTTP/1.1\r\nHost: a\u001bb.test\r\n\r\n");
        assertTrue(get.startsWith("HTTP/1.1 400 "), get);
        assertEquals(List.of(), tunnel.routed);
    }

    /** Refuses every flow as REJECT would, and records the destinations it was asked for. */
    private static final class RefusingTunnel implements Tunnel {
        final List<String> routed = new CopyOnWriteArrayList<>();
        final java.util.concurrent.atomic.AtomicInteger datagrams = new java.util.concurrent.atomic.AtomicInteger();
        private final FlowTable flows = new FlowTable(16);

        @Override
        public void routeStream(Channel inbound, Metadata flow, StreamReadiness readiness) {
            routed.add(flow.destination().toString());
            readiness.failed(new RejectedException("refused by the test"));
        }

        @Override
        public Future<RoutedRequest> routeRequest(Channel inbound, Metadata flow) {
            routed.add(flow.destination().toString());
            Flow record = flows.open(flow, "MATCH", "REJECT", "REJECT");
            EventLoop loop = inbound.eventLoop();
            return loop.newSucceededFuture(new RoutedRequest() {
                @Override
                public Flow flow() {
                    return record;
                }

                @Override
                public String outbound() {
                    return "REJECT";
                }

                @Override
                public Future<Channel> open() {
                    return loop.newFailedFuture(new RejectedException("refused by the test"));
                }

                @Override
                public dev.turnout.host.relay.FlowTimeouts timeouts() {
                    return new dev.turnout.host.relay.FlowTimeouts(java.time.Duration.ofSeconds(60),
                            java.time.Duration.ofSeconds(30));
                }

                @Override
                public void end() {
                    flows.remove(record);
                }
            });
        }

        @Override
        public Future<DatagramSession> routeDatagram(Metadata flow, EventLoop loop, DatagramSession.Receiver toApplication) {
            datagrams.incrementAndGet();
            return loop.newFailedFuture(new RejectedException("refused by the test"));
        }
    }
}
