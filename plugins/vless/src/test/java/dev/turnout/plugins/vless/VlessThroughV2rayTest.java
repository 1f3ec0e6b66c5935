package dev.turnout.plugins.vless;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.turnout.api.Destination;
import dev.turnout.api.Metadata;
import dev.turnout.api.Network;
import dev.turnout.api.Outbound;
import dev.turnout.api.testing.LocalTcpServer;
import dev.turnout.api.testing.OneEventLoop;
import dev.turnout.api.testing.PlainDialer;
import dev.turnout.api.testing.TestOptions;
import dev.turnout.host.outbound.PluginContext;
import dev.turnout.plugins.v2ray.testing.StreamEnd;
import dev.turnout.plugins.v2ray.testing.V2rayChecks;
import dev.turnout.plugins.v2ray.testing.V2rayFixture;
import io.netty.channel.Channel;
import io.netty.util.concurrent.Future;
import java.net.InetAddress;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The vless outbound against a real v2ray 4.34 on 127.0.0.1 (tcp, ws, ws+tls and h2 inbounds, and a gRPC server in
 * front of a tcp one), built on the host's own plugin context (its TLS, WebSocket and gRPC layers).
 */
class VlessThroughV2rayTest {

    @RegisterExtension
    static final OneEventLoop loop = new OneEventLoop();
    @RegisterExtension
    static final V2rayFixture v2ray = new V2rayFixture("vless", "tcp", "ws", "tcp+tls", "ws+tls", "grpc",
            "grpc+tls", "h2+tls", "http", "http+tls");
    /** Xray's custom id {@code turnout-user} as Python's {@code uuid.uuid5(UUID(int=0), "turnout-user")} gives it. */
    @RegisterExtension
    static final V2rayFixture customIdUser = V2rayFixture.forUser("98b060c5-c92a-5d58-b004-dab035528def", "vless", "tcp");
    /** VLESS has no end marker of its own: the end is the connection's (a FIN, or a close after it). */
    private static final Set<String> ENDS = Set.of("end", "closed");

    static Outbound vless(String transport, String uuid) throws Exception {
        return vless(v2ray, transport, uuid);
    }

    static Outbound vless(V2rayFixture server, String transport, String uuid) throws Exception {
        Map<String, Object> o = server.options(transport, uuid);
        return new VlessType().create(TestOptions.loopbackServer("l", "vless", (Integer) o.get("port"), o),
                PluginContext.of(new PlainDialer(), (host, l) -> l.newSucceededFuture(InetAddress.getLoopbackAddress())));
    }

    @ParameterizedTest
    @ValueSource(strings = {"tcp", "ws", "tcp+tls", "ws+tls", "grpc", "grpc+tls", "h2+tls", "http", "http+tls"})
    void echoesThroughV2rayAndSendsTheDestinationsName(String transport) throws Exception {
        V2rayChecks.echoesAndSendsTheName(vless(transport, v2ray.uuid()), loop.get(), v2ray.daemon(),
                "through v2ray vless " + transport);
    }

    /** In clear, as mihomo allows: the connection is HTTP/2 without TLS. */
    @Test
    void flowsThroughAGrpcNodeShareOneConnectionUntilTheOutboundCloses() throws Exception {
        V2rayChecks.callsShareOneConnection(vless("grpc", v2ray.uuid()), loop.get(), v2ray.gunServer("grpc"));
    }

    @ParameterizedTest
    @ValueSource(strings = {"tcp", "ws+tls", "grpc+tls", "h2+tls"})
    void sixtyFourMebibytesArriveWhole(String transport) throws Exception {
        V2rayChecks.downloadArrivesWhole(vless(transport, v2ray.uuid()), loop.get(), 64, ENDS);
    }

    @ParameterizedTest
    @ValueSource(strings = {"tcp", "ws+tls", "grpc+tls", "h2+tls", "http"})
    void udpDatagramsComeBackFromTheEchoServer(String transport) throws Exception {
        V2rayChecks.datagramsComeBack(vless(transport, v2ray.uuid()), loop.get());
    }

    /**
     * Over tcp only: VLESS has no end marker, and v2ray's WebSocket transport takes any end of the socket, even a
     * close frame, for an error, so over ws an answer after the client's half-close is lost (seen here).
     */
    @ParameterizedTest
    @ValueSource(strings = {"tcp", "tcp+tls", "http+tls"})
    void anAnswerThatComesAfterTheClientsHalfCloseStillArrives(String transport) throws Exception {
        V2rayChecks.answerAfterTheHalfCloseArrives(vless(transport, v2ray.uuid()), loop.get(), ENDS);
    }

    @Test
    void xraysCustomIdTextReachesTheUserWhoseUuidItMapsTo() throws Exception {
        V2rayChecks.echoesAndSendsTheName(vless(customIdUser, "tcp", "turnout-user"), loop.get(), customIdUser.daemon(),
                "vless with the custom id");
    }

    @Test
    void aWrongUuidEndsTheFlowWithAClearError() throws Exception {
        try (LocalTcpServer echo = LocalTcpServer.echo()) {
            Future<Channel> opened = vless("tcp", UUID.randomUUID().toString())
                    .openStream(Metadata.internal(Network.TCP, Destination.of(echo.address())), loop.get()).await();
            assertTrue(opened.isSuccess(), () -> "open failed: " + opened.cause());
            StreamEnd.Outcome outcome = StreamEnd.attach(opened.getNow(), new byte[100]).await(20);
            assertEquals("failed", outcome.how(), () -> "ended by " + outcome);
            assertTrue(outcome.cause().getMessage().contains("wrong uuid"), outcome.cause().getMessage());
            assertEquals(0, outcome.bytes());
        }
    }

    @Test
    void aServerAnsweringAnotherVersionEndsTheFlow() throws Exception {
        try (LocalTcpServer hostile = LocalTcpServer.serving(socket -> {
            socket.getInputStream().readNBytes(30);
            socket.getOutputStream().write(new byte[] {5, 0, 'x', 'y'});
            socket.getInputStream().readAllBytes();
        })) {
            Outbound out = new VlessType().create(TestOptions.loopbackServer("l", "vless", hostile.port(),
                    Map.of("uuid", v2ray.uuid())), PluginContext.of(new PlainDialer(), null));
            Future<Channel> opened = out.openStream(Metadata.internal(Network.TCP,
                    Destination.ofHost("example.org", 80)), loop.get()).await();
            assertTrue(opened.isSuccess(), () -> "open failed: " + opened.cause());
            StreamEnd.Outcome outcome = StreamEnd.attach(opened.getNow(), new byte[10]).await(10);
            assertEquals("failed", outcome.how(), () -> "ended by " + outcome);
            assertTrue(outcome.cause().getMessage().contains("version 5"), outcome.cause().getMessage());
            assertTrue(opened.getNow().closeFuture().await(5, TimeUnit.SECONDS));
        }
    }
}
