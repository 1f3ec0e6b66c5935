package dev.turnout.plugins.shadowsocks;

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
import dev.turnout.api.testing.TestCertificates;
import dev.turnout.api.testing.TestContext;
import dev.turnout.api.testing.TestOptions;
import dev.turnout.host.dial.layer.TlsLayer;
import dev.turnout.host.dial.layer.WebSocketLayer;
import dev.turnout.host.outbound.PluginContext;
import io.netty.channel.Channel;
import io.netty.util.concurrent.Future;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code plugin: v2ray-plugin} against the real things: ss-server with Debian's v2ray-plugin as its plugin, once plain
 * and once with TLS (a test CA's certificate), on the path {@code /ray}, which wants the Mux.Cool session v2ray-plugin's
 * own client opens (mihomo's default {@code mux: true}); and, for {@code mux: false}, v2ray's own Shadowsocks inbound
 * over a WebSocket, which wants none. A stream larger than a frame goes both ways.
 */
class ShadowsocksV2rayPluginTest {

    static final Path PLUGIN = Path.of("/usr/bin/ss-v2ray-plugin");

    @RegisterExtension
    static final OneEventLoop loop = new OneEventLoop();

    private static TestCertificates cert;
    private static DaemonProcess plain;
    private static DaemonProcess tls;
    private static DaemonProcess v2ray;

    @BeforeAll
    static void start(@TempDir Path dir) throws Exception {
        Required.that(SsServer.installed() && Files.isExecutable(PLUGIN), () -> "ss-server and v2ray-plugin are not"
                + " installed (apt-get install shadowsocks-libev shadowsocks-v2ray-plugin)");
        cert = TestCertificates.issue(dir.resolve("certs"), "ss.test");
        plain = SsServer.start(dir, "aes-128-gcm", List.of("--plugin", PLUGIN.toString(), "--plugin-opts",
                "server;path=/ray"));
        tls = SsServer.start(dir, "chacha20-ietf-poly1305", List.of("--plugin", PLUGIN.toString(), "--plugin-opts",
                "server;tls;host=ss.test;path=/ray;cert=" + cert.certificate() + ";key=" + cert.privateKey()));
        if (V2rayShadowsocks.installed()) {
            v2ray = V2rayShadowsocks.start(dir, "aes-256-gcm", "/ray");
        }
    }

    @AfterAll
    static void stop() throws Exception {
        for (DaemonProcess p : new DaemonProcess[] {plain, tls, v2ray}) {
            if (p != null) {
                p.close();
            }
        }
    }

    private static Outbound ss(DaemonProcess server, String cipher, Map<String, Object> pluginOpts) throws Exception {
        Map<String, Object> options = new HashMap<>(Map.of("cipher", cipher, "password", SsServer.PASSWORD,
                "plugin", "v2ray-plugin", "plugin-opts", pluginOpts, "timeout", 3000));
        PlainDialer dialer = new PlainDialer();
        PluginContext context = new PluginContext(dialer, new TestContext(dialer).resolver(),
                new TlsLayer(cert.caCertificate().toString()), new WebSocketLayer());
        return new ShadowsocksType().create(TestOptions.loopbackServer("ss-ws", "ss", server.port(), options), context);
    }

    private static void echoes(Outbound out, DaemonProcess server, String what) throws Exception {
        echoes(out, server, what, "connect to localhost:");
    }

    private static void echoes(Outbound out, DaemonProcess server, String what, String logged) throws Exception {
        try (LocalTcpServer echo = LocalTcpServer.echo()) {
            Future<Channel> opened = out.openStream(Metadata.internal(Network.TCP,
                    Destination.ofHost("localhost", echo.port())), loop.get()).await();
            assertTrue(opened.isSuccess(), () -> what + ": open failed: " + opened.cause());
            Channel channel = opened.getNow();
            String text = what + " " + "y".repeat(70_000) + " end";
            String answer = ChannelProbe.exchange(channel, text);
            assertTrue(text.equals(answer), () -> what + ": sent " + text.length() + " chars, got back "
                    + answer.length());
            channel.close().sync();
            assertTrue(server.logShows(logged + echo.port(), 3000), what);
        }
    }

    @Test
    void echoesThroughV2rayPluginsServerInAMuxSession() throws Exception {
        echoes(ss(plain, "aes-128-gcm", Map.of("mode", "websocket", "path", "/ray")), plain, "ws mux");
    }

    @Test
    void echoesThroughV2raysShadowsocksOverAWebSocketWithoutMux() throws Exception {
        Required.that(v2ray != null, () -> "v2ray is not installed (apt-get install v2ray)");
        echoes(ss(v2ray, "aes-256-gcm", Map.of("path", "/ray", "mux", false)), v2ray, "ws without mux",
                "accepted tcp:localhost:");
    }

    @Test
    void echoesOverTlsCheckingTheCertificateForTheHost() throws Exception {
        echoes(ss(tls, "chacha20-ietf-poly1305", Map.of("tls", true, "host", "ss.test", "path", "/ray")), tls, "wss");
    }

    @Test
    void aHostTheCertificateDoesNotNameIsRefused() throws Exception {
        Outbound out = ss(tls, "chacha20-ietf-poly1305", Map.of("tls", true, "host", "other.test", "path", "/ray"));
        try (LocalTcpServer echo = LocalTcpServer.echo()) {
            Future<Channel> opened = out.openStream(Metadata.internal(Network.TCP,
                    Destination.ofHost("localhost", echo.port())), loop.get()).await();
            assertFalse(opened.isSuccess(), "the certificate is for ss.test only");
        }
    }
}
