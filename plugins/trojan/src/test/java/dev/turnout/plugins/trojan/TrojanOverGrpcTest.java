package dev.turnout.plugins.trojan;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.turnout.api.Destination;
import dev.turnout.api.Metadata;
import dev.turnout.api.Network;
import dev.turnout.api.Outbound;
import dev.turnout.api.testing.DaemonProcess;
import dev.turnout.api.testing.GunServer;
import dev.turnout.api.testing.LocalTcpServer;
import dev.turnout.api.testing.OneEventLoop;
import dev.turnout.api.testing.Required;
import dev.turnout.api.testing.TestCertificates;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.util.concurrent.Future;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * trojan-grpc ({@code network: grpc}), as Xray serves it: a gRPC server (grpc-java, TLS) whose gun calls carry
 * Trojan to a real v2ray's trojan inbound, which opens the connections.
 */
class TrojanOverGrpcTest {

    @RegisterExtension
    static final OneEventLoop loop = new OneEventLoop();

    private static final String SERVICE = "tj.Gun";

    private static DaemonProcess v2ray;
    private static GunServer grpc;
    private static TestCertificates cert;

    @BeforeAll
    static void start(@TempDir Path dir) throws Exception {
        Required.that(V2rayTrojan.installed(), () -> "v2ray is not installed (apt-get install v2ray)");
        cert = TestCertificates.issue(dir.resolve("certs"), "trojan.test");
        v2ray = V2rayTrojan.startInClear(dir, Trojans.PASSWORD);
        grpc = GunServer.carrying(SERVICE, cert,
                new InetSocketAddress(InetAddress.getLoopbackAddress(), v2ray.port()));
    }

    @AfterAll
    static void stop() throws Exception {
        if (grpc != null) {
            grpc.close();
        }
        if (v2ray != null) {
            v2ray.close();
        }
    }

    private static Outbound overGrpc(String service) throws Exception {
        return Trojans.outbound(grpc.port(), cert.caCertificate(), Map.of("sni", "trojan.test", "network", "grpc",
                "grpc-opts", Map.of("grpc-service-name", service), "udp", true,
                // What a subscription may say; gRPC needs HTTP/2 all the same.
                "alpn", java.util.List.of("http/1.1")));
    }

    @Test
    void carriesAStreamThroughAGunCallAndV2rayLogsTheDestination() throws Exception {
        try (LocalTcpServer echo = LocalTcpServer.echo()) {
            assertEquals("trojan over grpc", Transfers.echo(overGrpc(SERVICE), Destination.of(echo.address()),
                    loop.get(), "trojan over grpc"));
            assertTrue(v2ray.logShows("accepted tcp:127.0.0.1:" + echo.port(), 3000), v2ray.logForMessage());
            assertEquals(new GunServer.Call("trojan.test", "/" + SERVICE + "/Tun", "grpc-go/1.36.0"),
                    grpc.calls.get(grpc.calls.size() - 1));
        }
    }

    @Test
    void flowsThroughOneNodeShareOneConnectionUntilTheOutboundCloses() throws Exception {
        Outbound node = overGrpc(SERVICE);
        int before = grpc.callers.size();
        try (LocalTcpServer echo = LocalTcpServer.echo()) {
            for (int i = 0; i < 3; i++) {
                assertEquals("flow " + i, Transfers.echo(node, Destination.of(echo.address()), loop.get(), "flow " + i));
            }
        }
        List<SocketAddress> callers = grpc.callers.subList(before, grpc.callers.size());
        assertEquals(3, callers.size(), () -> "calls: " + callers);
        assertEquals(1, new HashSet<>(callers).size(), () -> "one connection, calls came from " + callers);
        node.close();
        Future<Channel> refused = node.openStream(Metadata.internal(Network.TCP, Destination.ofHost("localhost", 9)),
                loop.get()).await();
        assertTrue(refused.cause().getMessage().endsWith("the outbound was closed"), refused.cause().toString());
    }

    @Test
    void carriesDatagramsThroughAGunCall() throws Exception {
        assertEquals("echo:over grpc", Transfers.datagramEcho(overGrpc(SERVICE), loop.get(), "over grpc"));
    }

    @Test
    void aServiceTheServerDoesNotHaveEndsTheFlowWithoutAnAnswer() throws Exception {
        try (LocalTcpServer echo = LocalTcpServer.echo()) {
            Channel channel = Transfers.open(overGrpc("Elsewhere"), Destination.of(echo.address()), loop.get());
            StreamProbe probe = StreamProbe.attach(channel);
            channel.writeAndFlush(Unpooled.copiedBuffer("hello?", StandardCharsets.US_ASCII));
            assertTrue(channel.closeFuture().await(10_000), "a call grpc-java refused (UNIMPLEMENTED) stayed open");
            assertEquals(0, probe.received());
        }
    }

    @Test
    void aDownloadOf64MiBArrivesWholeThroughAGunCall() throws Exception {
        try (LocalTcpServer bulk = BulkServer.start()) {
            Transfers.downloadArrivesWhole(overGrpc(SERVICE), bulk, loop.get());
        }
    }

    @Test
    void anUploadOf64MiBArrivesWholeThroughAGunCall() throws Exception {
        try (LocalTcpServer bulk = BulkServer.start()) {
            Transfers.uploadArrivesWhole(overGrpc(SERVICE), bulk, loop.get());
        }
    }
}
