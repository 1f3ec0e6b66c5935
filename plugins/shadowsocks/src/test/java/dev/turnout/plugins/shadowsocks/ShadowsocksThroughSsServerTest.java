package dev.turnout.plugins.shadowsocks;

import dev.turnout.api.testing.UdpEchoRound;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

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
import dev.turnout.api.testing.TestContext;
import dev.turnout.api.testing.TestOptions;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.util.concurrent.Future;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The ss outbound against a real shadowsocks-libev server on 127.0.0.1, for each cipher both implement. */
class ShadowsocksThroughSsServerTest {

    @RegisterExtension
    static final OneEventLoop loop = new OneEventLoop();

    @TempDir
    Path dir;

    @BeforeAll
    static void requireServer() {
        Required.that(SsServer.installed(), () -> "ss-server is not installed (apt-get install shadowsocks-libev)");
    }

    private static Outbound ss(DaemonProcess server, String cipher, Object... extra) throws Exception {
        Map<String, Object> options = new HashMap<>(Map.of("cipher", cipher, "password", SsServer.PASSWORD));
        for (int i = 0; i < extra.length; i += 2) {
            options.put((String) extra[i], extra[i + 1]);
        }
        return new ShadowsocksType().create(TestOptions.loopbackServer("ss-test", "ss", server.port(), options),
                new TestContext(new PlainDialer()));
    }

    private static Metadata tcp(Destination d) {
        return Metadata.internal(Network.TCP, d);
    }

    private static Channel open(Outbound out, Destination d) throws InterruptedException {
        Future<Channel> opened = out.openStream(tcp(d), loop.get()).await();
        assertTrue(opened.isSuccess(), () -> "open failed: " + opened.cause());
        return opened.getNow();
    }

    @ParameterizedTest
    @ValueSource(strings = {"aes-128-gcm", "aes-192-gcm", "aes-256-gcm", "chacha20-ietf-poly1305", "xchacha20-ietf-poly1305",
            "aes-128-ctr", "aes-192-ctr", "aes-256-ctr", "aes-128-cfb", "aes-192-cfb", "aes-256-cfb", "rc4-md5", "chacha20-ietf"})
    void echoesThroughTheServerSendingTheName(String cipher) throws Exception {
        try (DaemonProcess server = SsServer.start(dir, cipher); LocalTcpServer echo = LocalTcpServer.echo()) {
            Channel channel = open(ss(server, cipher), Destination.ofHost("localhost", echo.port()));
            String text = "through ss-server with " + cipher + " ".repeat(40_000) + "end";
            assertEquals(text, ChannelProbe.exchange(channel, text));
            channel.close().sync();
            assertTrue(server.logShows("connect to localhost:" + echo.port(), 3000),
                    "ss-server was asked for the name:\n" + server.log());
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"aes-128-gcm", "aes-192-gcm", "aes-256-gcm", "chacha20-ietf-poly1305", "xchacha20-ietf-poly1305",
            "aes-128-ctr", "aes-192-ctr", "aes-256-ctr", "aes-128-cfb", "aes-192-cfb", "aes-256-cfb", "rc4-md5", "chacha20-ietf"})
    void keepsWhatTheDestinationSaysFirst(String cipher) throws Exception {
        try (DaemonProcess server = SsServer.start(dir, cipher); LocalTcpServer greeter = LocalTcpServer.greeting("220 ready\r\n")) {
            Channel channel = open(ss(server, cipher), Destination.of(greeter.address()));
            assertEquals("220 ready\r\n", ChannelProbe.attach(channel).await(11, 5000));
            channel.close().sync();
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"aes-128-gcm", "aes-192-gcm", "aes-256-gcm", "chacha20-ietf-poly1305", "xchacha20-ietf-poly1305",
            "aes-128-ctr", "aes-192-ctr", "aes-256-ctr", "aes-128-cfb", "aes-192-cfb", "aes-256-cfb", "rc4-md5", "chacha20-ietf"})
    void carriesDatagramsThroughTheServersUdpRelay(String cipher) throws Exception {
        try (DaemonProcess server = SsServer.start(dir, cipher)) {
            UdpEchoRound.assertEchoes(ss(server, cipher, "udp", true), loop.get(), () -> "ss-server:\n" + server.log());
        }
    }

    /**
     * AEAD ciphers only: with a stream cipher ss-server decrypts a wrong key's address to random bytes and, now and
     * then, connects to whatever they name, which a test outside a network namespace may not make it do.
     */
    @ParameterizedTest
    @ValueSource(strings = {"aes-128-gcm", "aes-192-gcm", "aes-256-gcm", "chacha20-ietf-poly1305", "xchacha20-ietf-poly1305"})
    void wrongPasswordEndsTheFlowPromptly(String cipher) throws Exception {
        try (DaemonProcess server = SsServer.start(dir, cipher); LocalTcpServer echo = LocalTcpServer.echo()) {
            Outbound wrong = ss(server, cipher, "password", "not-" + SsServer.PASSWORD, "timeout", "1500ms");
            Channel channel = open(wrong, Destination.of(echo.address()));
            StreamEnd end = StreamEnd.attach(channel);
            long start = System.nanoTime();
            channel.writeAndFlush(Unpooled.copiedBuffer("GET / HTTP/1.0\r\n\r\n", StandardCharsets.US_ASCII)).sync();
            // ss-server would hold the connection for its own timeout (60 s here): the flow ends at ours, 1.5 s.
            assertTrue(end.closedWithin(10_000), "the flow must end soon after the timeout, not hang");
            long took = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
            assertTrue(took >= 1400 && took < 10_000, "ended after " + took + " ms");
            Throwable cause = end.failure.get(1, TimeUnit.SECONDS);
            assertInstanceOf(SocketTimeoutException.class, cause);
            assertTrue(cause.getMessage().contains("wrong password or cipher"), cause.getMessage());
            assertEquals("", end.delivered());
            assertTrue(server.logShows("authentication error", 3000), "ss-server could not decrypt:\n" + server.log());
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"aes-128-gcm", "aes-192-gcm", "aes-256-gcm", "chacha20-ietf-poly1305", "xchacha20-ietf-poly1305",
            "aes-128-ctr", "aes-256-cfb", "rc4-md5", "chacha20-ietf"})
    void downloadsSixtyFourMebibytesWhole(String cipher) throws Exception {
        String expected = BulkData.expectedDigest() + " " + BulkData.SIZE;
        try (DaemonProcess server = SsServer.start(dir, cipher); LocalTcpServer source = BulkData.source()) {
            Channel channel = open(ss(server, cipher), Destination.of(source.address()));
            BulkData.Digest digest = BulkData.Digest.attach(channel);
            // Nothing to write: the address, sent at once, is all ss-server needs to connect.
            String got = digest.done.get(120, TimeUnit.SECONDS);
            assertEquals(expected, got, () -> "ss-server:\n" + server.logForMessage());
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"aes-128-gcm", "aes-192-gcm", "aes-256-gcm", "chacha20-ietf-poly1305", "xchacha20-ietf-poly1305",
            "aes-128-ctr", "aes-256-cfb", "rc4-md5", "chacha20-ietf"})
    void uploadsSixtyFourMebibytesWhole(String cipher) throws Exception {
        String expected = BulkData.expectedDigest();
        try (DaemonProcess server = SsServer.start(dir, cipher); LocalTcpServer sink = BulkData.sink()) {
            Channel channel = open(ss(server, cipher), Destination.of(sink.address()));
            ChannelProbe probe = ChannelProbe.attach(channel);
            BulkData.upload(channel);
            assertEquals(expected, probe.await(64, 120_000));
            channel.close().sync();
        }
    }
}
