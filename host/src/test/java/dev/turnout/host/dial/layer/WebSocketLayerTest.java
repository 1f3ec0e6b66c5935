package dev.turnout.host.dial.layer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.turnout.api.Destination;
import dev.turnout.api.Metadata;
import dev.turnout.api.Network;
import dev.turnout.api.WebSocketOptions;
import dev.turnout.api.testing.ChannelProbe;
import dev.turnout.api.testing.OneEventLoop;
import dev.turnout.api.testing.PlainDialer;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.util.concurrent.Future;
import java.net.InetAddress;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

class WebSocketLayerTest {

    @RegisterExtension
    static final OneEventLoop loop = new OneEventLoop();

    private static EchoServer server;

    @BeforeAll
    static void start() throws Exception {
        server = EchoServer.webSocket("/tunnel");
    }

    @AfterAll
    static void stop() {
        if (server != null) {
            server.close();
        }
    }

    private static Future<Channel> upgrade(WebSocketOptions options) throws InterruptedException {
        Metadata flow = Metadata.internal(Network.TCP,
                Destination.ofAddress(InetAddress.getLoopbackAddress(), server.port()));
        Channel ch = new PlainDialer().openStream(flow, loop.get()).sync().getNow();
        Future<Channel> ready = new WebSocketLayer().start(ch, options, "cdn.example");
        ready.await(15_000);
        assertTrue(ready.isDone(), "the upgrade neither finished nor failed in 15 s");
        return ready;
    }

    @Test
    void carriesAByteStreamAsFramesWithTheHeadersAsked() throws Exception {
        Future<Channel> ready = upgrade(new WebSocketOptions("/tunnel", Map.of("Host", "front.example",
                "X-Turnout-Test", "1")));
        assertTrue(ready.isSuccess(), () -> "upgrade failed: " + ready.cause());
        assertEquals("over a websocket", ChannelProbe.exchange(ready.getNow(), "over a websocket"));
        FullHttpRequest seen = server.upgrades.get(server.upgrades.size() - 1);
        assertEquals("front.example", seen.headers().get("Host"));
        assertEquals("1", seen.headers().get("X-Turnout-Test"));
        assertEquals("/tunnel", seen.uri());
        ready.getNow().close();
    }

    @Test
    void theUpgradeCarriesGosUserAgentAndNoOriginAsMihomosDoes() throws Exception {
        Future<Channel> ready = upgrade(new WebSocketOptions("/tunnel", Map.of("Host", "front.example")));
        assertTrue(ready.isSuccess(), () -> "upgrade failed: " + ready.cause());
        FullHttpRequest seen = server.upgrades.get(server.upgrades.size() - 1);
        assertEquals("Go-http-client/1.1", seen.headers().get("User-Agent"));
        assertEquals(null, seen.headers().get("Origin"));
        ready.getNow().close();
        Future<Channel> own = upgrade(new WebSocketOptions("/tunnel", Map.of("user-agent", "Mozilla/5.0")));
        assertTrue(own.isSuccess(), () -> "upgrade failed: " + own.cause());
        assertEquals("Mozilla/5.0", server.upgrades.get(server.upgrades.size() - 1).headers().get("User-Agent"),
                "the node's own");
        own.getNow().close();
    }

    @Test
    void carriesAMegabyteWhole() throws Exception {
        Future<Channel> ready = upgrade(new WebSocketOptions("/tunnel", Map.of()));
        assertTrue(ready.isSuccess(), () -> "upgrade failed: " + ready.cause());
        byte[] data = new byte[1 << 20];
        new Random(7).nextBytes(data);
        for (int i = 0; i < data.length; i++) {
            data[i] = (byte) ('a' + (data[i] & 15));
        }
        Channel ch = ready.getNow();
        ChannelProbe probe = ChannelProbe.attach(ch);
        for (int off = 0; off < data.length; off += 16384) {
            ch.write(Unpooled.wrappedBuffer(data, off, 16384));
        }
        ch.flush();
        String back = probe.await(data.length, 15_000);
        assertEquals(data.length, back.length());
        assertEquals(new String(data, java.nio.charset.StandardCharsets.ISO_8859_1), back);
        ch.close();
    }

    @Test
    void aPathTheServerDoesNotServeFailsTheUpgrade() throws Exception {
        Future<Channel> ready = upgrade(new WebSocketOptions("/elsewhere", Map.of()));
        assertFalse(ready.isSuccess(), "an upgrade the server refused was taken as a WebSocket");
        assertTrue(ready.cause().getMessage().contains("cdn.example"), ready.cause().getMessage());
        assertTrue(ready.cause().getMessage().contains("404"), "the server's answer, not a timeout: "
                + ready.cause().getMessage());
    }
}
