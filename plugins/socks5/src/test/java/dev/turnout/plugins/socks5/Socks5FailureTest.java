package dev.turnout.plugins.socks5;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.turnout.api.DatagramSession;
import dev.turnout.api.Destination;
import dev.turnout.api.Metadata;
import dev.turnout.api.Network;
import dev.turnout.api.Outbound;
import dev.turnout.api.testing.ChannelProbe;
import dev.turnout.api.testing.LocalTcpServer;
import dev.turnout.api.testing.OneEventLoop;
import dev.turnout.api.testing.PlainDialer;
import dev.turnout.api.testing.TestContext;
import dev.turnout.api.testing.TestOptions;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.util.concurrent.Future;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.ConnectException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * How the SOCKS5 outbound behaves with servers that are down, silent, not SOCKS5, or say exactly the bytes
 * a test needs: small scripted servers on 127.0.0.1 over real sockets.
 */
class Socks5FailureTest {

    @RegisterExtension
    static final OneEventLoop loop = new OneEventLoop();

    private static Outbound socks5(int port, Map<String, Object> extra) throws Exception {
        return new Socks5Type().create(TestOptions.loopbackServer("test", "socks5", port, extra),
                new TestContext(new PlainDialer()));
    }

    private static final Metadata TO_EXAMPLE = Metadata.internal(Network.TCP, Destination.ofHost("example.test", 443));

    /** Reads a whole CONNECT or UDP ASSOCIATE request (after the greeting) and returns it. */
    private static byte[] readRequest(InputStream in) throws IOException {
        DataInputStream data = new DataInputStream(in);
        byte[] head = new byte[5];
        data.readFully(head);
        int rest = switch (head[3]) {
            case 1 -> 4 - 1 + 2;
            case 4 -> 16 - 1 + 2;
            case 3 -> (head[4] & 0xff) + 2;
            default -> throw new IOException("bad ATYP");
        };
        byte[] request = new byte[5 + rest];
        System.arraycopy(head, 0, request, 0, 5);
        data.readFully(request, 5, rest);
        return request;
    }

    private static void greet(InputStream in, OutputStream out) throws IOException {
        byte[] greeting = new byte[3];
        new DataInputStream(in).readFully(greeting);
        out.write(new byte[] {5, 0});
        out.flush();
    }

    @Test
    void failsPromptlyWhenTheServerIsDown() throws Exception {
        long start = System.nanoTime();
        Future<Channel> opened = socks5(LocalTcpServer.closedPort(), Map.of()).openStream(TO_EXAMPLE, loop.get());
        assertTrue(opened.await(5, TimeUnit.SECONDS));
        assertInstanceOf(ConnectException.class, opened.cause());
        assertTrue(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start) < 2000, "refused connect must fail at once");
    }

    @Test
    void failsWithinTheTimeoutWhenTheServerNeverAnswers() throws Exception {
        try (LocalTcpServer silent = LocalTcpServer.silent()) {
            long start = System.nanoTime();
            Future<Channel> opened = socks5(silent.port(), Map.of("timeout", "300ms")).openStream(TO_EXAMPLE, loop.get());
            assertTrue(opened.await(5, TimeUnit.SECONDS));
            long took = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
            SocketTimeoutException e = assertInstanceOf(SocketTimeoutException.class, opened.cause());
            assertTrue(e.getMessage().contains("handshake"), e.getMessage());
            assertTrue(took >= 250 && took < 2000, "took " + took + " ms for a 300 ms timeout");
        }
    }

    @Test
    void rejectsAReplyThatIsNotSocks5() throws Exception {
        byte[] http = "HTTP/1.1 400 Bad Request\r\n\r\n".getBytes(StandardCharsets.US_ASCII);
        try (LocalTcpServer server = LocalTcpServer.answering(3, http, new CopyOnWriteArrayList<>())) {
            Future<Channel> opened = socks5(server.port(), Map.of()).openStream(TO_EXAMPLE, loop.get());
            assertTrue(opened.await(5, TimeUnit.SECONDS));
            Socks5ProtocolException e = assertInstanceOf(Socks5ProtocolException.class, opened.cause());
            assertTrue(e.getMessage().contains("not a SOCKS5 server"), e.getMessage());
        }
    }

    @Test
    void failsWhenTheServerClosesMidHandshake() throws Exception {
        try (LocalTcpServer server = LocalTcpServer.serving(s -> s.getInputStream().readNBytes(3))) {
            Future<Channel> opened = socks5(server.port(), Map.of()).openStream(TO_EXAMPLE, loop.get());
            assertTrue(opened.await(5, TimeUnit.SECONDS));
            assertTrue(opened.cause().getMessage().contains("closed the connection"), opened.cause().getMessage());
        }
    }

    @Test
    void sendsTheDomainNameNotAnAddress() throws Exception {
        assertArrayEquals(connectRequest("example.test", 443), requestSentFor(TO_EXAMPLE));
    }

    @Test
    void sendsANameThisMachineCouldResolveAsANameToo() throws Exception {
        // The promise is "never resolved locally", not "sent as a name when resolving fails here".
        assertTrue(InetAddress.getByName("localhost").isLoopbackAddress(), "this check needs a name the client can resolve");
        Metadata toLocalhost = Metadata.internal(Network.TCP, Destination.ofHost("localhost", 443));
        assertArrayEquals(connectRequest("localhost", 443), requestSentFor(toLocalhost));
    }

    /** The CONNECT request the outbound sends a scripted server for {@code flow}. */
    private static byte[] requestSentFor(Metadata flow) throws Exception {
        List<byte[]> requests = new CopyOnWriteArrayList<>();
        try (LocalTcpServer server = LocalTcpServer.serving(s -> {
            greet(s.getInputStream(), s.getOutputStream());
            requests.add(readRequest(s.getInputStream()));
            s.getOutputStream().write(new byte[] {5, 0, 0, 1, 127, 0, 0, 1, 0, 80});
            s.getInputStream().read();
        })) {
            Future<Channel> opened = socks5(server.port(), Map.of()).openStream(flow, loop.get()).await();
            assertTrue(opened.isSuccess(), () -> "open failed: " + opened.cause());
            opened.getNow().close().sync();
            return requests.get(0);
        }
    }

    /** RFC 1928's CONNECT request for {@code name}:{@code port} with ATYP 3 (a domain name). */
    private static byte[] connectRequest(String name, int port) {
        byte[] ascii = name.getBytes(StandardCharsets.US_ASCII);
        byte[] expected = new byte[5 + ascii.length + 2];
        expected[0] = 5;
        expected[1] = 1;
        expected[3] = 3;
        expected[4] = (byte) ascii.length;
        System.arraycopy(ascii, 0, expected, 5, ascii.length);
        expected[expected.length - 2] = (byte) (port >> 8);
        expected[expected.length - 1] = (byte) port;
        return expected;
    }

    @Test
    void keepsBytesThatArriveWithTheReply() throws Exception {
        try (LocalTcpServer server = LocalTcpServer.serving(s -> {
            greet(s.getInputStream(), s.getOutputStream());
            readRequest(s.getInputStream());
            // Reply and the destination's first bytes in one write, so they reach the client together.
            byte[] reply = {5, 0, 0, 1, 127, 0, 0, 1, 0, 80, 'e', 'a', 'r', 'l', 'y'};
            s.getOutputStream().write(reply);
            s.getOutputStream().flush();
            s.getInputStream().read();
        })) {
            Future<Channel> opened = socks5(server.port(), Map.of()).openStream(TO_EXAMPLE, loop.get()).await();
            assertTrue(opened.isSuccess(), () -> "open failed: " + opened.cause());
            Channel ch = opened.getNow();
            assertEquals(List.of("PendingBytes#0"), ch.pipeline().names().stream()
                    .filter(n -> n.startsWith("Pending")).toList(), "early bytes must wait for the reader");
            ChannelProbe probe = ChannelProbe.attach(ch);
            assertEquals("early", probe.await(5, 5000));
            assertFalse(ch.pipeline().names().stream().anyMatch(n -> n.startsWith("Pending")));
            ch.close().sync();
        }
    }

    @Test
    void namesAnUnknownReplyCode() throws Exception {
        try (LocalTcpServer server = LocalTcpServer.serving(s -> {
            greet(s.getInputStream(), s.getOutputStream());
            readRequest(s.getInputStream());
            s.getOutputStream().write(new byte[] {5, 4});
            s.getOutputStream().flush();
        })) {
            Future<Channel> opened = socks5(server.port(), Map.of()).openStream(TO_EXAMPLE, loop.get());
            assertTrue(opened.await(5, TimeUnit.SECONDS));
            IOException e = assertInstanceOf(IOException.class, opened.cause());
            assertTrue(e.getMessage().contains("0x04 (host unreachable)"), e.getMessage());
        }
    }

    @Test
    void offersUsernamePasswordAndSendsThemPerRfc1929() throws Exception {
        List<byte[]> seen = new CopyOnWriteArrayList<>();
        try (LocalTcpServer server = LocalTcpServer.serving(s -> {
            InputStream in = s.getInputStream();
            seen.add(in.readNBytes(4));
            s.getOutputStream().write(new byte[] {5, 2});
            seen.add(in.readNBytes(1 + 1 + 5 + 1 + 6));
            s.getOutputStream().write(new byte[] {1, 1});
            s.getOutputStream().flush();
            in.read();
        })) {
            Outbound out = socks5(server.port(), Map.of("username", "alice", "password", "secret"));
            Future<Channel> opened = out.openStream(TO_EXAMPLE, loop.get());
            assertTrue(opened.await(5, TimeUnit.SECONDS));
            assertTrue(opened.cause().getMessage().contains("rejected the username and password"), opened.cause().getMessage());
            assertArrayEquals(new byte[] {5, 2, 0, 2}, seen.get(0));
            assertEquals("\u0001\u0005alice\u0006secret", new String(seen.get(1), StandardCharsets.ISO_8859_1));
        }
    }

    @Test
    void udpSessionUsesTheServerAddressForAnUnspecifiedRelayAndEndsWithTheControlConnection() throws Exception {
        try (DatagramSocket relay = new DatagramSocket(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0))) {
            relay.setSoTimeout(5000);
            CountDownLatch release = new CountDownLatch(1);
            int relayPort = relay.getLocalPort();
            try (LocalTcpServer server = LocalTcpServer.serving(s -> {
                greet(s.getInputStream(), s.getOutputStream());
                readRequest(s.getInputStream());
                // BND.ADDR 0.0.0.0: "the server's own address", as many servers answer.
                s.getOutputStream().write(new byte[] {5, 0, 0, 1, 0, 0, 0, 0, (byte) (relayPort >> 8), (byte) relayPort});
                s.getOutputStream().flush();
                try {
                    release.await(5, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            })) {
                Outbound out = socks5(server.port(), Map.of("udp", true));
                Destination target = Destination.ofHost("dns.test", 53);
                java.util.concurrent.BlockingQueue<String> received = new java.util.concurrent.LinkedBlockingQueue<>();
                Future<DatagramSession> opened = out.openDatagram(Metadata.internal(Network.UDP, target), loop.get(),
                        (sender, payload) -> {
                            received.add(sender + " " + payload.toString(StandardCharsets.US_ASCII));
                            payload.release();
                        }).await();
                assertTrue(opened.isSuccess(), () -> "open failed: " + opened.cause());
                DatagramSession session = opened.getNow();
                session.send(target, Unpooled.copiedBuffer("q", StandardCharsets.US_ASCII));
                DatagramPacket packet = new DatagramPacket(new byte[64], 64);
                relay.receive(packet);
                byte[] expected = {0, 0, 0, 3, 8, 'd', 'n', 's', '.', 't', 'e', 's', 't', 0, 53, 'q'};
                assertArrayEquals(expected, java.util.Arrays.copyOf(packet.getData(), packet.getLength()));
                // A reply with a SOCKS5 header from a stranger is dropped; the same from the relay arrives.
                byte[] reply = {0, 0, 0, 1, (byte) 192, 0, 2, 53, 0, 53, 'a'};
                try (DatagramSocket stranger = new DatagramSocket(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0))) {
                    stranger.send(new DatagramPacket(reply, reply.length, packet.getSocketAddress()));
                }
                relay.send(new DatagramPacket(reply, reply.length, packet.getSocketAddress()));
                assertEquals("/192.0.2.53:53 a", received.poll(5, TimeUnit.SECONDS));
                assertEquals(null, received.poll(200, TimeUnit.MILLISECONDS), "the stranger's datagram was dropped");
                assertTrue(session.isOpen());
                release.countDown();
                for (int i = 0; i < 100 && session.isOpen(); i++) {
                    Thread.sleep(20);
                }
                assertFalse(session.isOpen(), "closing the control connection ends the association");
            }
        }
    }
}
