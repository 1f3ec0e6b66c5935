package dev.turnout.plugins.vmess;

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
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The vmess outbound against a real v2ray 4.34 on 127.0.0.1 (tcp, ws, ws+tls and h2 inbounds, and a gRPC server
 * in front of a tcp one), reaching local servers through it, built on the host's own plugin context (its TLS,
 * WebSocket and gRPC layers).
 */
class VmessThroughV2rayTest {

    @RegisterExtension
    static final OneEventLoop loop = new OneEventLoop();
    @RegisterExtension
    static final V2rayFixture v2ray = new V2rayFixture("vmess", "tcp", "ws", "ws+tls", "grpc+tls", "h2+tls", "http",
            "http+tls");
    /** Xray's custom id {@code turnout-user} as Python's {@code uuid.uuid5(UUID(int=0), "turnout-user")} gives it. */
    @RegisterExtension
    static final V2rayFixture customIdUser = V2rayFixture.forUser("98b060c5-c92a-5d58-b004-dab035528def", "vmess", "tcp");
    /** A server set up before VMess's AEAD header, its user with alterId 64, as old subscriptions still name it. */
    @RegisterExtension
    static final V2rayFixture alterIdServer = V2rayFixture.withAlterId(64, "tcp", "ws");
    private static final Set<String> ENDS = Set.of("end");

    /** Options for the inbound of that transport ({@code tcp}, {@code ws}, {@code ws+tls}, {@code grpc+tls},
     * {@code h2+tls}, {@code http}, {@code http+tls}). */
    static Map<String, Object> options(String transport, String cipher, String uuid) {
        return options(v2ray, transport, cipher, uuid);
    }

    static Map<String, Object> options(V2rayFixture server, String transport, String cipher, String uuid) {
        Map<String, Object> o = server.options(transport, uuid);
        o.put("alterId", 0);
        o.put("cipher", cipher);
        return o;
    }

    static Outbound vmess(Map<String, Object> options) throws Exception {
        PlainDialer dialer = new PlainDialer();
        return new VmessType().create(TestOptions.loopbackServer("v", "vmess", (Integer) options.get("port"), options),
                PluginContext.of(dialer, (host, l) -> l.newSucceededFuture(InetAddress.getLoopbackAddress())));
    }

    static Stream<Arguments> transportsAndCiphers() {
        List<Arguments> all = new ArrayList<>();
        for (String t : List.of("tcp", "ws", "ws+tls", "grpc+tls", "h2+tls", "http", "http+tls")) {
            for (String c : List.of("aes-128-gcm", "chacha20-poly1305", "none", "auto")) {
                all.add(Arguments.of(t, c));
            }
        }
        return all.stream();
    }

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("transportsAndCiphers")
    void echoesThroughV2rayAndSendsTheDestinationsName(String transport, String cipher) throws Exception {
        V2rayChecks.echoesAndSendsTheName(vmess(options(transport, cipher, v2ray.uuid())), loop.get(), v2ray.daemon(),
                "through v2ray " + transport + " " + cipher);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("bulkCases")
    void sixtyFourMebibytesArriveWholeAndTheEndIsTheServers(String transport, String cipher) throws Exception {
        V2rayChecks.downloadArrivesWhole(vmess(options(transport, cipher, v2ray.uuid())), loop.get(),
                Integer.getInteger("bulk.mib", 64), ENDS);
    }

    static Stream<Arguments> bulkCases() {
        return Stream.of(Arguments.of("tcp", "aes-128-gcm"), Arguments.of("ws+tls", "chacha20-poly1305"),
                Arguments.of("grpc+tls", "aes-128-gcm"), Arguments.of("h2+tls", "chacha20-poly1305"),
                Arguments.of("http", "aes-128-gcm"));
    }

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("transportsAndCiphers")
    void udpDatagramsComeBackFromTheEchoServer(String transport, String cipher) throws Exception {
        V2rayChecks.datagramsComeBack(vmess(options(transport, cipher, v2ray.uuid())), loop.get());
    }

    @ParameterizedTest
    @ValueSource(strings = {"tcp", "ws", "ws+tls", "http"})
    void anAnswerThatComesAfterTheClientsHalfCloseStillArrives(String transport) throws Exception {
        V2rayChecks.answerAfterTheHalfCloseArrives(vmess(options(transport, "aes-128-gcm", v2ray.uuid())), loop.get(), ENDS);
    }

    @Test
    void flowsThroughAGrpcNodeShareOneConnectionUntilTheOutboundCloses() throws Exception {
        V2rayChecks.callsShareOneConnection(vmess(options("grpc+tls", "aes-128-gcm", v2ray.uuid())), loop.get(), v2ray.gunServer("grpc+tls"));
    }

    @Test
    void xraysCustomIdTextReachesTheUserWhoseUuidItMapsTo() throws Exception {
        V2rayChecks.echoesAndSendsTheName(vmess(options(customIdUser, "tcp", "aes-128-gcm", "turnout-user")), loop.get(),
                customIdUser.daemon(), "vmess with the custom id");
    }

    @ParameterizedTest
    @ValueSource(strings = {"tcp", "ws"})
    void aNodeWithTheAlterIdOfItsServerReachesItWithTheAeadHeader(String transport) throws Exception {
        Map<String, Object> o = options(alterIdServer, transport, "auto", alterIdServer.uuid());
        o.put("alterId", 64);
        V2rayChecks.echoesAndSendsTheName(vmess(o), loop.get(), alterIdServer.daemon(), "vmess with alterId 64");
    }

    @Test
    void aWrongUuidEndsTheFlowWithAClearError() throws Exception {
        try (LocalTcpServer echo = LocalTcpServer.echo()) {
            Future<Channel> opened = vmess(options("tcp", "aes-128-gcm", UUID.randomUUID().toString()))
                    .openStream(Metadata.internal(Network.TCP, Destination.of(echo.address())), loop.get()).await();
            assertTrue(opened.isSuccess(), () -> "open failed: " + opened.cause());
            // v2ray reads a while before it drops an unknown user (so a prober learns nothing): give it bytes.
            StreamEnd.Outcome outcome = StreamEnd.attach(opened.getNow(), new byte[4096]).await(20);
            assertEquals("failed", outcome.how(), () -> "ended by " + outcome);
            assertTrue(outcome.cause().getMessage().contains("without answering"), outcome.cause().getMessage());
            assertEquals(0, outcome.bytes());
        }
    }

    @Test
    void aDisguisePathTheServerDoesNotServeEndsTheFlowNamingItsAnswer() throws Exception {
        Map<String, Object> o = options("http", "aes-128-gcm", v2ray.uuid());
        o.put("http-opts", Map.of("path", List.of("/not-served")));
        try (LocalTcpServer echo = LocalTcpServer.echo()) {
            Future<Channel> opened = vmess(o)
                    .openStream(Metadata.internal(Network.TCP, Destination.of(echo.address())), loop.get()).await();
            assertTrue(opened.isSuccess(), () -> "open failed: " + opened.cause());
            StreamEnd.Outcome outcome = StreamEnd.attach(opened.getNow(), "hello".getBytes()).await(20);
            assertEquals("failed", outcome.how(), () -> "ended by " + outcome);
            assertTrue(outcome.cause().getMessage().contains("answered 'HTTP/1.1 404 Not Found' and closed"),
                    outcome.cause().getMessage());
        }
    }
}
