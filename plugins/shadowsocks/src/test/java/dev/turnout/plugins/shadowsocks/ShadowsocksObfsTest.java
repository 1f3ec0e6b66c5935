package dev.turnout.plugins.shadowsocks;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
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
import io.netty.channel.Channel;
import io.netty.util.concurrent.Future;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * {@code plugin: obfs} against the real thing: shadowsocks-libev's ss-server with simple-obfs's obfs-server as its
 * plugin, in each mode. A stream larger than a TLS record goes both ways, and the server's plugin saw the disguise
 * it expects (obfs-server in the other mode, or none, never gets the request through).
 */
class ShadowsocksObfsTest {

    static final Path OBFS_SERVER = Path.of("/usr/bin/obfs-server");

    @RegisterExtension
    static final OneEventLoop loop = new OneEventLoop();

    @TempDir
    Path dir;

    @BeforeAll
    static void requireServers() {
        Required.that(SsServer.installed() && Files.isExecutable(OBFS_SERVER),
                () -> "ss-server and obfs-server are not installed (apt-get install shadowsocks-libev simple-obfs)");
    }

    private static Outbound ss(DaemonProcess server, String mode) throws Exception {
        Map<String, Object> options = new HashMap<>(Map.of("cipher", "aes-256-gcm", "password", SsServer.PASSWORD,
                "plugin", "obfs", "plugin-opts", Map.of("mode", mode, "host", "www.example.com"), "timeout", 3000));
        return new ShadowsocksType().create(TestOptions.loopbackServer("ss-obfs", "ss", server.port(), options),
                new TestContext(new PlainDialer()));
    }

    private static String logOf(DaemonProcess server) {
        try {
            return server.log();
        } catch (java.io.IOException e) {
            return "(no log: " + e + ")";
        }
    }

    private DaemonProcess server(String mode) throws Exception {
        return SsServer.start(dir, "aes-256-gcm", List.of("--plugin", OBFS_SERVER.toString(), "--plugin-opts",
                "obfs=" + mode));
    }

    @ParameterizedTest
    @ValueSource(strings = {"http", "tls"})
    void echoesThroughObfsServerInTheSameMode(String mode) throws Exception {
        try (DaemonProcess server = server(mode); LocalTcpServer echo = LocalTcpServer.echo()) {
            Future<Channel> opened = ss(server, mode).openStream(Metadata.internal(Network.TCP,
                    Destination.ofHost("localhost", echo.port())), loop.get()).await();
            assertTrue(opened.isSuccess(), () -> "open failed: " + opened.cause());
            Channel channel = opened.getNow();
            String text = "through obfs " + mode + " " + "x".repeat(70_000) + " end";
            String answer = ChannelProbe.exchange(channel, text);
            assertTrue(text.equals(answer), () -> "sent " + text.length() + " chars, got back " + answer.length()
                    + "; ss-server:\n" + logOf(server));
            channel.close().sync();
            assertTrue(server.logShows("connect to localhost:" + echo.port(), 3000), () -> logOf(server));
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"http", "tls"})
    void aServerInTheOtherModeNeverGetsTheRequest(String mode) throws Exception {
        String other = mode.equals("http") ? "tls" : "http";
        try (DaemonProcess server = server(other); LocalTcpServer echo = LocalTcpServer.echo()) {
            Future<Channel> opened = ss(server, mode).openStream(Metadata.internal(Network.TCP,
                    Destination.ofHost("localhost", echo.port())), loop.get()).await();
            if (opened.isSuccess()) {
                Channel channel = opened.getNow();
                String answer = null;
                try {
                    answer = ChannelProbe.exchange(channel, "hello");
                } catch (Exception | AssertionError expected) {
                    // closed or timed out: what a mismatch must give
                }
                assertFalse("hello".equals(answer), "echoed through a server in the other mode");
                channel.close().sync();
            }
            assertFalse(server.logShows("connect to localhost:" + echo.port(), 500), () -> logOf(server));
        }
    }
}
