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
import io.netty.util.concurrent.Future;
import java.util.Map;
import java.util.Random;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** A "VMess server" that answers garbage or nothing: the flow fails with a clear error, the process goes on. */
class VmessHostileServerTest {

    @RegisterExtension
    static final OneEventLoop loop = new OneEventLoop();

    private static StreamEnd.Outcome flowAgainst(LocalTcpServer server) throws Exception {
        Map<String, Object> options = Map.of("uuid", UUID.randomUUID().toString(), "cipher", "aes-128-gcm");
        Future<Channel> opened = new VmessType().create(TestOptions.loopbackServer("v", "vmess", server.port(), options),
                new TestContext(new PlainDialer())).openStream(
                        Metadata.internal(Network.TCP, Destination.ofHost("example.org", 80)), loop.get()).await();
        assertTrue(opened.isSuccess(), () -> "open failed: " + opened.cause());
        Channel channel = opened.getNow();
        StreamEnd end = new StreamEnd();
        channel.eventLoop().submit(() -> {
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

    @Test
    void aServerThatClosesWithoutAWordFailsTheFlowNamingTheLikelyCauses() throws Exception {
        try (LocalTcpServer server = LocalTcpServer.serving(socket -> socket.getInputStream().readNBytes(60))) {
            StreamEnd.Outcome outcome = flowAgainst(server);
            assertEquals("failed", outcome.how(), () -> "ended by " + outcome);
            assertTrue(outcome.cause().getMessage().contains("wrong uuid"), outcome.cause().getMessage());
        }
    }
}
