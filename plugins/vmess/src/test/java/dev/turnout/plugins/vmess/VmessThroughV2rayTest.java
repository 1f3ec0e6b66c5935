package dev.turnout.plugins.vmess;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.turnout.api.DatagramSession;
import dev.turnout.api.Destination;
import dev.turnout.api.Metadata;
import dev.turnout.api.Network;
import dev.turnout.api.Outbound;
import dev.turnout.api.testing.ChannelProbe;
import dev.turnout.api.testing.DaemonProcess;
import dev.turnout.api.testing.LocalTcpServer;
import dev.turnout.api.testing.OneEventLoop;
import dev.turnout.api.testing.PlainDialer;
import dev.turnout.api.testing.Required;
import dev.turnout.api.testing.TestCertificates;
import dev.turnout.api.testing.TestOptions;
import dev.turnout.plugins.v2ray.testing.StreamEnd;
import dev.turnout.host.outbound.PluginContext;
import dev.turnout.plugins.v2ray.testing.UdpEcho;
import dev.turnout.plugins.v2ray.testing.V2rayServer;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.util.concurrent.Future;
import java.io.OutputStream;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The vmess outbound against a real v2ray 4.34 on 127.0.0.1 (tcp, ws and ws+tls inbounds), reaching local
 * servers through it, built on the host's own plugin context (its TLS and WebSocket layers).
 */
class VmessThroughV2rayTest {

    @RegisterExtension
    static final OneEventLoop loop = new OneEventLoop();

    static final String UUID_TEXT = UUID.randomUUID().toString();
    private static DaemonProcess v2ray;
    private static final List<V2rayServer.Inbound> inbounds = new ArrayList<>();
    private static TestCertificates certificates;

    @BeforeAll
    static void start(@TempDir Path dir) throws Exception {
        Required.that(V2rayServer.installed(), () -> "v2ray is not installed (apt-get install v2ray)");
        certificates = TestCertificates.issue(dir, "v2ray.test");
        v2ray = V2rayServer.start(dir, List.of(
                new V2rayServer.Inbound("vmess", UUID_TEXT, "tcp", null, null),
                new V2rayServer.Inbound("vmess", UUID_TEXT, "ws", "/vm", null),
                new V2rayServer.Inbound("vmess", UUID_TEXT, "ws", "/vmtls", certificates)), inbounds);
    }

    @AfterAll
    static void stop() throws Exception {
        if (v2ray != null) {
            v2ray.close();
        }
    }

    /** Options for the inbound of that transport ({@code tcp}, {@code ws}, {@code ws+tls}). */
    static Map<String, Object> options(String transport, String cipher, String uuid) {
        Map<String, Object> o = new LinkedHashMap<>();
        V2rayServer.Inbound in = inbounds.get(switch (transport) {
            case "tcp" -> 0;
            case "ws" -> 1;
            default -> 2;
        });
        o.put("port", in.port());
        o.put("uuid", uuid);
        o.put("alterId", 0);
        o.put("cipher", cipher);
        o.put("udp", true);
        if (in.network().equals("ws")) {
            o.put("network", "ws");
            o.put("ws-opts", Map.of("path", in.wsPath()));
        }
        if (in.tls() != null) {
            o.put("tls", true);
            o.put("servername", "v2ray.test");
            o.put("fingerprint", certificates.fingerprintHex());
        }
        return o;
    }

    static Outbound vmess(Map<String, Object> options) throws Exception {
        PlainDialer dialer = new PlainDialer();
        return new VmessType().create(TestOptions.loopbackServer("v", "vmess", (Integer) options.get("port"), options),
                PluginContext.of(dialer, (host, l) -> l.newSucceededFuture(InetAddress.getLoopbackAddress())));
    }

    static Stream<Arguments> transportsAndCiphers() {
        List<Arguments> all = new ArrayList<>();
        for (String t : List.of("tcp", "ws", "ws+tls")) {
            for (String c : List.of("aes-128-gcm", "chacha20-poly1305", "none", "auto")) {
                all.add(Arguments.of(t, c));
            }
        }
        return all.stream();
    }

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("transportsAndCiphers")
    void echoesThroughV2rayAndSendsTheDestinationsName(String transport, String cipher) throws Exception {
        try (LocalTcpServer echo = LocalTcpServer.echo()) {
            Future<Channel> opened = vmess(options(transport, cipher, UUID_TEXT))
                    .openStream(Metadata.internal(Network.TCP, Destination.ofHost("localhost", echo.port())), loop.get())
                    .await();
            assertTrue(opened.isSuccess(), () -> "open failed: " + opened.cause());
            String text = "through v2ray " + transport + " " + cipher;
            assertEquals(text, ChannelProbe.exchange(opened.getNow(), text));
            opened.getNow().close().sync();
            assertTrue(v2ray.logShows("tcp:localhost:" + echo.port(), 3000),
                    () -> "v2ray's access log shows the name:\n" + v2ray.logForMessage());
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("bulkCases")
    void sixtyFourMebibytesArriveWholeAndTheEndIsTheServers(String transport, String cipher) throws Exception {
        int size = Integer.getInteger("bulk.mib", 64) << 20;
        byte[] block = new byte[1 << 16];
        new java.util.Random(7).nextBytes(block);
        MessageDigest sent = VmessKdf.digest("SHA-256");
        for (int i = 0; i < size / block.length; i++) {
            sent.update(block);
        }
        try (LocalTcpServer source = LocalTcpServer.serving(socket -> {
            // Reads the client's two bytes first: a socket closed with unread input sends a reset, not a FIN.
            socket.getInputStream().readNBytes(2);
            OutputStream out = socket.getOutputStream();
            for (int i = 0; i < size / block.length; i++) {
                out.write(block);
            }
            out.flush();
            socket.shutdownOutput();
        })) {
            Future<Channel> opened = vmess(options(transport, cipher, UUID_TEXT))
                    .openStream(Metadata.internal(Network.TCP, Destination.of(source.address())), loop.get()).await();
            assertTrue(opened.isSuccess(), () -> "open failed: " + opened.cause());
            Channel channel = opened.getNow();
            StreamEnd end = new StreamEnd();
            channel.eventLoop().submit(() -> {
                channel.pipeline().addLast(end);
                channel.config().setAutoRead(true);
                channel.read();
            }).sync();
            channel.writeAndFlush(Unpooled.copiedBuffer("go", StandardCharsets.US_ASCII));
            StreamEnd.Outcome outcome = end.outcome.completeOnTimeout(
                    new StreamEnd.Outcome("nothing within 120 s", -1, null, null), 120, TimeUnit.SECONDS).get();
            assertEquals("end", outcome.how(), () -> "ended by " + outcome);
            assertEquals(size, outcome.bytes());
            assertArrayEquals(sent.digest(), outcome.sha256());
            channel.close().sync();
        }
    }

    static Stream<Arguments> bulkCases() {
        return Stream.of(Arguments.of("tcp", "aes-128-gcm"), Arguments.of("ws+tls", "chacha20-poly1305"));
    }

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("transportsAndCiphers")
    void udpDatagramsComeBackFromTheEchoServer(String transport, String cipher) throws Exception {
        try (UdpEcho echo = new UdpEcho()) {
            BlockingQueue<String> replies = new ArrayBlockingQueue<>(16);
            Destination target = Destination.ofAddress(InetAddress.getLoopbackAddress(), echo.port());
            Future<DatagramSession> opened = vmess(options(transport, cipher, UUID_TEXT))
                    .openDatagram(Metadata.internal(Network.UDP, target), loop.get(), (sender, payload) -> {
                        replies.add(sender.getPort() + " " + payload.toString(StandardCharsets.US_ASCII));
                        payload.release();
                    }).await();
            assertTrue(opened.isSuccess(), () -> "open failed: " + opened.cause());
            DatagramSession session = opened.getNow();
            try {
                session.send(target, Unpooled.copiedBuffer("one", StandardCharsets.US_ASCII));
                session.send(target, Unpooled.copiedBuffer("two", StandardCharsets.US_ASCII));
                assertEquals(echo.port() + " one", replies.poll(10, TimeUnit.SECONDS));
                assertEquals(echo.port() + " two", replies.poll(10, TimeUnit.SECONDS));
            } finally {
                session.close();
            }
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"tcp", "ws", "ws+tls"})
    void anAnswerThatComesAfterTheClientsHalfCloseStillArrives(String transport) throws Exception {
        try (LocalTcpServer server = LocalTcpServer.serving(socket -> {
            byte[] request = socket.getInputStream().readNBytes(5);
            try {
                // Answers after the client has ended its side (v2ray passes no half-close on to the destination).
                Thread.sleep(500);
            } catch (InterruptedException e) {
                throw new java.io.IOException(e);
            }
            socket.getOutputStream().write(("got " + new String(request, StandardCharsets.US_ASCII)).getBytes(
                    StandardCharsets.US_ASCII));
            socket.shutdownOutput();
            socket.getInputStream().readAllBytes();
        })) {
            Future<Channel> opened = vmess(options(transport, "aes-128-gcm", UUID_TEXT))
                    .openStream(Metadata.internal(Network.TCP, Destination.of(server.address())), loop.get()).await();
            assertTrue(opened.isSuccess(), () -> "open failed: " + opened.cause());
            Channel channel = opened.getNow();
            StreamEnd end = StreamEnd.attach(channel, "hello".getBytes(StandardCharsets.US_ASCII));
            // What the relay does when the application sends its FIN: an empty write, then a half-close.
            channel.eventLoop().submit(() -> channel.writeAndFlush(Unpooled.EMPTY_BUFFER).addListener(
                    w -> ((io.netty.channel.socket.DuplexChannel) channel).shutdownOutput())).sync();
            StreamEnd.Outcome outcome = end.await(20);
            assertEquals("end", outcome.how(), () -> "ended by " + outcome);
            assertEquals(9, outcome.bytes());
            channel.close().sync();
        }
    }

    @Test
    void aWrongUuidEndsTheFlowWithAClearError() throws Exception {
        try (LocalTcpServer echo = LocalTcpServer.echo()) {
            Future<Channel> opened = vmess(options("tcp", "aes-128-gcm", UUID.randomUUID().toString()))
                    .openStream(Metadata.internal(Network.TCP, Destination.of(echo.address())), loop.get()).await();
            assertTrue(opened.isSuccess(), () -> "open failed: " + opened.cause());
            Channel channel = opened.getNow();
            StreamEnd end = new StreamEnd();
            channel.eventLoop().submit(() -> {
                channel.pipeline().addLast(end);
                channel.config().setAutoRead(true);
                channel.read();
            }).sync();
            // v2ray reads a while before it drops an unknown user (so a prober learns nothing): give it bytes.
            channel.writeAndFlush(Unpooled.wrappedBuffer(new byte[4096]));
            StreamEnd.Outcome outcome = end.outcome.get(20, TimeUnit.SECONDS);
            assertEquals("failed", outcome.how(), () -> "ended by " + outcome);
            assertTrue(outcome.cause().getMessage().contains("without answering"), outcome.cause().getMessage());
            assertEquals(0, outcome.bytes());
        }
    }
}
