package dev.turnout.plugins.socks5;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

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
import io.netty.channel.Channel;
import io.netty.util.concurrent.Future;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The handshake read from a server that sends its answers in pieces (one byte per write, as a slow or odd
 * server may), with every kind of bound address, authentication replies of either version byte, and the
 * server's bytes that follow the reply in the same piece: the client must wait for whole messages, consume
 * exactly them, and hand the rest to the relay.
 */
class Socks5HandshakeFramingTest {

    @RegisterExtension
    static final OneEventLoop loop = new OneEventLoop();

    private static final Metadata TO_EXAMPLE = Metadata.internal(Network.TCP, Destination.ofHost("example.test", 443));

    private static Outbound socks5(int port, Map<String, Object> extra) throws Exception {
        return new Socks5Type().create(TestOptions.loopbackServer("test", "socks5", port, extra),
                new TestContext(new PlainDialer()));
    }

    private static void trickle(Socket s, byte[] bytes) throws IOException {
        LocalTcpServer.writeInPieces(s, bytes);
    }

    private static byte[] concat(byte[]... parts) {
        ByteArrayOutputStream all = new ByteArrayOutputStream();
        for (byte[] p : parts) {
            all.writeBytes(p);
        }
        return all.toByteArray();
    }

    /** Reads the CONNECT request for example.test:443 (5 + 12 + 2 bytes) and returns it. */
    private static byte[] request(InputStream in) throws IOException {
        return in.readNBytes(5 + "example.test".length() + 2);
    }

    private static String openAndRead(Outbound out, int length) throws Exception {
        Future<Channel> opened = out.openStream(TO_EXAMPLE, loop.get()).await();
        assertTrue(opened.isSuccess(), () -> "open failed: " + opened.cause());
        Channel ch = opened.getNow();
        try {
            return ChannelProbe.attach(ch).await(length, 5000);
        } finally {
            ch.close().sync();
        }
    }

    @Test
    void repliesInPiecesWithEachKindOfBoundAddressLeaveExactlyTheDataAfterThem() throws Exception {
        byte[][] bound = {
            {1, (byte) 192, 0, 2, 1, 0x10, 0x00},
            {4, 0x20, 0x01, 0x0d, (byte) 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 9, 0x10, 0x00},
            concat(new byte[] {3, 13}, "relay.example".getBytes(StandardCharsets.US_ASCII), new byte[] {0x10, 0}),
        };
        for (byte[] address : bound) {
            List<byte[]> requests = new CopyOnWriteArrayList<>();
            try (LocalTcpServer server = LocalTcpServer.serving(s -> {
                InputStream in = s.getInputStream();
                in.readNBytes(3);
                trickle(s, new byte[] {5, 0});
                requests.add(request(in));
                trickle(s, concat(new byte[] {5, 0, 0}, address, "after".getBytes(StandardCharsets.US_ASCII)));
                in.read();
            })) {
                assertEquals("after", openAndRead(socks5(server.port(), Map.of()), 5), "bound ATYP " + address[0]);
                assertArrayEquals(concat(new byte[] {5, 1, 0, 3, 12}, "example.test".getBytes(StandardCharsets.US_ASCII),
                        new byte[] {1, (byte) 0xbb}), requests.get(0));
            }
        }
    }

    @Test
    void usernameAndPasswordInPiecesAndAnAuthenticationReplyWithVersionFiveOrOne() throws Exception {
        for (byte authVersion : new byte[] {1, 5}) {
            List<byte[]> seen = new CopyOnWriteArrayList<>();
            try (LocalTcpServer server = LocalTcpServer.serving(s -> {
                InputStream in = s.getInputStream();
                seen.add(in.readNBytes(4));
                trickle(s, new byte[] {5, 2});
                seen.add(in.readNBytes(1 + 1 + 5 + 1 + 6));
                trickle(s, new byte[] {authVersion, 0});
                seen.add(request(in));
                trickle(s, new byte[] {5, 0, 0, 1, 127, 0, 0, 1, 0, 80, 'o', 'k'});
                in.read();
            })) {
                Outbound out = socks5(server.port(), Map.of("username", "alice", "password", "secret"));
                assertEquals("ok", openAndRead(out, 2), "authentication reply version " + authVersion);
                assertEquals("\u0001\u0005alice\u0006secret", new String(seen.get(1), StandardCharsets.ISO_8859_1));
                assertEquals(5 + 12 + 2, seen.get(2).length);
            }
        }
    }

    @Test
    void anAuthenticationReplyOfAnotherVersionIsAProtocolError() throws Exception {
        try (LocalTcpServer server = LocalTcpServer.serving(s -> {
            InputStream in = s.getInputStream();
            in.readNBytes(4);
            trickle(s, new byte[] {5, 2});
            in.readNBytes(1 + 1 + 5 + 1 + 6);
            trickle(s, new byte[] {2, 0});
            in.read();
        })) {
            Outbound out = socks5(server.port(), Map.of("username", "alice", "password", "secret"));
            Future<Channel> opened = out.openStream(TO_EXAMPLE, loop.get());
            assertTrue(opened.await(5, TimeUnit.SECONDS));
            Socks5ProtocolException e = assertInstanceOf(Socks5ProtocolException.class, opened.cause());
            assertTrue(e.getMessage().contains("authentication reply of version 0x2"), e.getMessage());
        }
    }

    @Test
    void aRequestReplyOfAnotherVersionIsAProtocolError() throws Exception {
        try (LocalTcpServer server = LocalTcpServer.serving(s -> {
            InputStream in = s.getInputStream();
            in.readNBytes(3);
            trickle(s, new byte[] {5, 0});
            request(in);
            // A whole "success" reply, but of SOCKS version 4: not one to take the connection from.
            trickle(s, new byte[] {4, 0, 0, 1, 127, 0, 0, 1, 0, 80});
            in.read();
        })) {
            Future<Channel> opened = socks5(server.port(), Map.of()).openStream(TO_EXAMPLE, loop.get());
            assertTrue(opened.await(5, TimeUnit.SECONDS));
            Socks5ProtocolException e = assertInstanceOf(Socks5ProtocolException.class, opened.cause());
            assertTrue(e.getMessage().contains("reply starts with 0x4"), e.getMessage());
        }
    }

    @Test
    void eachRefusedMethodChoiceSaysWhy() throws Exception {
        record Case(Map<String, Object> options, byte method, String message) { }
        List<Case> cases = List.of(
                new Case(Map.of(), (byte) 2, "requires a username and password; none are configured"),
                new Case(Map.of(), (byte) 0xff, "accepts none of the offered authentication methods (none)"),
                new Case(Map.of("username", "a", "password", "b"), (byte) 0xff,
                        "accepts none of the offered authentication methods (none, username/password)"),
                new Case(Map.of(), (byte) 1, "chose method 0x1, which was not offered"));
        for (Case c : cases) {
            try (LocalTcpServer server = LocalTcpServer.serving(s -> {
                s.getInputStream().readNBytes(3);
                trickle(s, new byte[] {5, c.method()});
                s.getInputStream().read();
            })) {
                Future<Channel> opened = socks5(server.port(), c.options()).openStream(TO_EXAMPLE, loop.get());
                assertTrue(opened.await(5, TimeUnit.SECONDS));
                String message = String.valueOf(opened.cause().getMessage());
                assertTrue(message.contains(c.message()), "method " + c.method() + ": " + message);
            }
        }
    }

    @Test
    void aFailureCodeIsReportedFromTheFirstTwoBytesWithoutWaitingForTheRest() throws Exception {
        try (LocalTcpServer server = LocalTcpServer.serving(s -> {
            InputStream in = s.getInputStream();
            in.readNBytes(3);
            trickle(s, new byte[] {5, 0});
            request(in);
            trickle(s, new byte[] {5, 5});
            in.read();
        })) {
            Future<Channel> opened = socks5(server.port(), Map.of()).openStream(TO_EXAMPLE, loop.get());
            assertTrue(opened.await(5, TimeUnit.SECONDS));
            String message = opened.cause().getMessage();
            assertTrue(message.contains("0x05") && message.contains("CONNECT example.test"), message);
        }
    }

    @Test
    void aReplyWithNothingAfterItOpensTheStreamAtOnce() throws Exception {
        try (LocalTcpServer server = LocalTcpServer.serving(s -> {
            InputStream in = s.getInputStream();
            in.readNBytes(3);
            trickle(s, new byte[] {5, 0});
            request(in);
            trickle(s, new byte[] {5, 0, 0, 1, 127, 0, 0, 1, 0, 80});
            // Speaks again only when spoken to: the client must not wait for more of the reply.
            if (in.readNBytes(4).length == 4) {
                s.getOutputStream().write("pong".getBytes(StandardCharsets.US_ASCII));
                s.getOutputStream().flush();
            }
            in.read();
        })) {
            Future<Channel> opened = socks5(server.port(), Map.of()).openStream(TO_EXAMPLE, loop.get()).await();
            assertTrue(opened.isSuccess(), () -> "open failed: " + opened.cause());
            Channel ch = opened.getNow();
            try {
                assertEquals("pong", ChannelProbe.exchange(ch, "ping"));
            } finally {
                ch.close().sync();
            }
        }
    }

    @Test
    void answersSentAheadInOneWriteAreReadInTurn() throws Exception {
        // A server that knows what the client will ask may send every answer before reading the questions.
        byte[] reply = {5, 0, 0, 1, 127, 0, 0, 1, 0, 80, 'o', 'k'};
        try (LocalTcpServer server = LocalTcpServer.serving(s -> {
            InputStream in = s.getInputStream();
            in.readNBytes(3);
            s.getOutputStream().write(concat(new byte[] {5, 0}, reply));
            s.getOutputStream().flush();
            request(in);
            in.read();
        })) {
            assertEquals("ok", openAndRead(socks5(server.port(), Map.of()), 2));
        }
        try (LocalTcpServer server = LocalTcpServer.serving(s -> {
            InputStream in = s.getInputStream();
            in.readNBytes(4);
            s.getOutputStream().write(new byte[] {5, 2});
            s.getOutputStream().flush();
            in.readNBytes(1 + 1 + 5 + 1 + 6);
            s.getOutputStream().write(concat(new byte[] {1, 0}, reply));
            s.getOutputStream().flush();
            request(in);
            in.read();
        })) {
            assertEquals("ok", openAndRead(socks5(server.port(), Map.of("username", "alice", "password", "secret")), 2));
        }
    }

    @Test
    void aServerThatIsNotSocks5IsNamedByItsFirstByte() throws Exception {
        try (LocalTcpServer server = LocalTcpServer.serving(s -> {
            s.getInputStream().readNBytes(3);
            trickle(s, "HTTP/1.1 400".getBytes(StandardCharsets.US_ASCII));
            s.getInputStream().read();
        })) {
            Future<Channel> opened = socks5(server.port(), Map.of()).openStream(TO_EXAMPLE, loop.get());
            assertTrue(opened.await(5, TimeUnit.SECONDS));
            assertTrue(opened.cause().getMessage().endsWith("reply starts with 0x48"), opened.cause().getMessage());
        }
    }
}
