package dev.turnout.plugins.trojan;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.turnout.api.Destination;
import dev.turnout.api.Outbound;
import dev.turnout.api.testing.DaemonProcess;
import dev.turnout.api.testing.LocalTcpServer;
import dev.turnout.api.testing.OneEventLoop;
import dev.turnout.api.testing.Required;
import dev.turnout.api.testing.TestCertificates;
import io.netty.channel.Channel;
import io.netty.util.concurrent.Future;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/** The trojan outbound against a real v2ray's trojan inbound: TLS on TCP, and a WebSocket over TLS ({@code network: ws}). */
class TrojanThroughV2rayTest {

    @RegisterExtension
    static final OneEventLoop loop = new OneEventLoop();

    private static final String PATH = "/tj";

    private static TestCertificates cert;
    private static DaemonProcess overTcp;
    private static DaemonProcess overWs;

    @BeforeAll
    static void start(@TempDir Path dir) throws Exception {
        Required.that(V2rayTrojan.installed(), () -> "v2ray is not installed (apt-get install v2ray)");
        cert = TestCertificates.issue(dir.resolve("certs"), "trojan.test", "127.0.0.1");
        overTcp = V2rayTrojan.start(dir, cert, Trojans.PASSWORD, null);
        overWs = V2rayTrojan.start(dir, cert, Trojans.PASSWORD, PATH);
    }

    @AfterAll
    static void stop() throws Exception {
        if (overTcp != null) {
            overTcp.close();
        }
        if (overWs != null) {
            overWs.close();
        }
    }

    private static Outbound webSocket(String path) throws Exception {
        return Trojans.outbound(overWs.port(), cert.caCertificate(), Map.of("sni", "trojan.test", "network", "ws",
                "ws-opts", Map.of("path", path, "headers", Map.of("User-Agent", "turnout-test")), "udp", true));
    }

    @Test
    void carriesAStreamOverTlsAndV2rayLogsTheDestination() throws Exception {
        try (LocalTcpServer echo = LocalTcpServer.echo()) {
            Outbound outbound = Trojans.outbound(overTcp.port(), cert.caCertificate(), Map.of("sni", "trojan.test"));
            assertEquals("tcp and tls", Transfers.echo(outbound, Destination.of(echo.address()), loop.get(), "tcp and tls"));
            assertTrue(overTcp.logShows("accepted tcp:127.0.0.1:" + echo.port(), 3000), overTcp.logForMessage());
        }
    }

    @Test
    void carriesAStreamOverAWebSocket() throws Exception {
        try (LocalTcpServer echo = LocalTcpServer.echo()) {
            assertEquals("ws and tls", Transfers.echo(webSocket(PATH), Destination.ofHost("localhost", echo.port()),
                    loop.get(), "ws and tls"));
            assertTrue(overWs.logShows("accepted tcp:localhost:" + echo.port(), 3000), overWs.logForMessage());
        }
    }

    @Test
    void carriesDatagramsOverAWebSocket() throws Exception {
        assertEquals("echo:over ws", Transfers.datagramEcho(webSocket(PATH), loop.get(), "over ws"));
    }

    @Test
    void aWrongWebSocketPathIsRefusedWithTheServersAnswer() throws Exception {
        try (LocalTcpServer echo = LocalTcpServer.echo()) {
            Future<Channel> opened = webSocket("/elsewhere").openStream(Trojans.tcp(Destination.of(echo.address())),
                    loop.get()).await();
            assertFalse(opened.isSuccess(), "v2ray answers another path with 404, not an upgrade");
            assertTrue(opened.cause().getMessage().contains("WebSocket upgrade"), opened.cause().toString());
        }
    }

    @Test
    void aDownloadOf64MiBArrivesWholeOverAWebSocket() throws Exception {
        try (LocalTcpServer bulk = BulkServer.start()) {
            Transfers.downloadArrivesWhole(webSocket(PATH), bulk, loop.get());
        }
    }

    @Test
    void anUploadOf64MiBArrivesWholeOverAWebSocket() throws Exception {
        try (LocalTcpServer bulk = BulkServer.start()) {
            Transfers.uploadArrivesWhole(webSocket(PATH), bulk, loop.get());
        }
    }
}
