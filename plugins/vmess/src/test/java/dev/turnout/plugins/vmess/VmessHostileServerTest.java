package dev.turnout.plugins.vmess;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.turnout.api.Destination;
import dev.turnout.api.Metadata;
import dev.turnout.api.Network;
import dev.turnout.api.testing.LocalTcpServer;
import dev.turnout.api.testing.OneEventLoop;
import dev.turnout.api.testing.PlainDialer;
import dev.turnout.api.testing.TestContext;
import dev.turnout.api.testing.TestOptions;
import dev.turnout.plugins.v2ray.testing.StreamEnd;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelOption;
import io.netty.util.concurrent.Future;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** A "VMess server" that answers garbage or nothing: the flow fails with a clear error, the process goes on. */
class VmessHostileServerTest {

    @RegisterExtension
    static final OneEventLoop loop = new OneEventLoop();

    private static StreamEnd.Outcome flowAgainst(LocalTcpServer server) throws Exception {
        return flowAgainst(server, Map.of(), false);
    }

    /**
     * @param extra options beside the uuid and cipher
     * @param asTheRelay whether the connection is set up as the host's relay sets it (half-closure on: the server's
     *     end arrives as an input shutdown, not as the channel going inactive)
     */
    private static StreamEnd.Outcome flowAgainst(LocalTcpServer server, Map<String, Object> extra, boolean asTheRelay)
            throws Exception {
        Map<String, Object> options = new HashMap<>(extra);
        options.put("uuid", UUID.randomUUID().toString());
        options.put("cipher", "aes-128-gcm");
        Future<Channel> opened = new VmessType().create(TestOptions.loopbackServer("v", "vmess", server.port(), options),
                new TestContext(new PlainDialer())).openStream(
                        Metadata.internal(Network.TCP, Destination.ofHost("example.org", 80)), loop.get()).await();
        assertTrue(opened.isSuccess(), () -> "open failed: " + opened.cause());
        Channel channel = opened.getNow();
        StreamEnd end = new StreamEnd();
        channel.eventLoop().submit(() -> {
            channel.config().setOption(ChannelOption.ALLOW_HALF_CLOSURE, asTheRelay);
            channel.pipeline().addLast(end);
            channel.config().setAutoRead(true);
            channel.read();
        }).sync();
        channel.writeAndFlush(Unpooled.wrappedBuffer(new byte[100]));
        StreamEnd.Outcome outcome = end.outcome.completeOnTimeout(
                new StreamEnd.Outcome("nothing within 10 s", -1, null, null), 10, TimeUnit.SECONDS).get();
        assertTrue(channel.closeFuture().await(5, TimeUnit.SECONDS), "the connection to the server is closed");
        return outcome;
    }

    @Test
    void garbageInsteadOfAResponseHeaderFailsTheFlow() throws Exception {
        byte[] garbage = new byte[4096];
        new Random(1).nextBytes(garbage);
        try (LocalTcpServer server = LocalTcpServer.serving(socket -> {
            socket.getInputStream().readNBytes(60);
            socket.getOutputStream().write(garbage);
            socket.getInputStream().readAllBytes();
        })) {
            StreamEnd.Outcome outcome = flowAgainst(server);
            assertEquals("failed", outcome.how(), () -> "ended by " + outcome);
            assertTrue(String.valueOf(outcome.cause().getMessage()).contains("does not open"),
                    () -> String.valueOf(outcome.cause()));
            assertEquals(0, outcome.bytes());
        }
    }

    /**
     * V2Ray answers a disguise path it does not serve with 404 and closes; with the flow's first bytes still unread in
     * its socket (they came after its read of the head) the close is a reset. Either way, and whether the end arrives
     * as the channel going inactive or (as the relay sets the connection up) as an input shutdown, the 404 is named.
     */
    @ParameterizedTest(name = "reset {0}, as the relay {1}")
    @CsvSource({"false,false", "false,true", "true,false", "true,true"})
    void aRefusedDisguisePathIsNamedHoweverTheServerEndsTheConnection(boolean reset, boolean asTheRelay)
            throws Exception {
        try (LocalTcpServer server = LocalTcpServer.serving(socket -> {
            InputStream in = socket.getInputStream();
            assertTrue(LocalTcpServer.readHttpHead(in).startsWith("GET /not-served "));
            socket.getOutputStream().write("HTTP/1.1 404 Not Found\r\nConnection: close\r\n\r\n"
                    .getBytes(StandardCharsets.US_ASCII));
            socket.getOutputStream().flush();
            if (reset) {
                // The flow's bytes left unread when the socket closes: the kernel sends a reset, not an end. Once
                // the client's writes are in (the request header, then the 100 bytes' chunk: 200 bytes at least),
                // as when V2Ray is the server: a write after the reset would close the connection before its read
                // of the 404, and then nothing can name the refusal.
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
                while (in.available() < 200 && System.nanoTime() < deadline) {
                    LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(5));
                }
                socket.setSoLinger(true, 0);
            } else {
                socket.shutdownOutput();
                in.readAllBytes();
            }
        })) {
            StreamEnd.Outcome outcome = flowAgainst(server,
                    Map.of("network", "http", "http-opts", Map.of("path", List.of("/not-served"))), asTheRelay);
            assertEquals("failed", outcome.how(), () -> "ended by " + outcome);
            assertTrue(outcome.cause().getMessage().startsWith("VMess server 127.0.0.1:" + server.port()
                    + " answered 'HTTP/1.1 404 Not Found' and closed"), outcome.cause().getMessage());
        }
    }

    @Test
    void aServerThatClosesWithoutAWordFailsTheFlowNamingTheLikelyCauses() throws Exception {
        try (LocalTcpServer server = LocalTcpServer.serving(socket -> socket.getInputStream().readNBytes(60))) {
            StreamEnd.Outcome outcome = flowAgainst(server);
            assertEquals("failed", outcome.how(), () -> "ended by " + outcome);
            assertTrue(outcome.cause().getMessage().contains("wrong uuid"), outcome.cause().getMessage());
        }
    }
}
