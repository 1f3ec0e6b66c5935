package dev.turnout.plugins.v2ray.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.turnout.plugins.v2ray.testing.InboundEvents;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.channel.socket.ChannelInputShutdownEvent;
import io.netty.handler.codec.DecoderException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class HttpDisguiseHandlersTest {

    private static ByteBuf ascii(String s) {
        return Unpooled.copiedBuffer(s, StandardCharsets.ISO_8859_1);
    }

    private static String drain(ByteBuf b) {
        try {
            return b.toString(StandardCharsets.ISO_8859_1);
        } finally {
            b.release();
        }
    }

    @Test
    void theFirstWriteGoesOutBehindTheRequestHeadMihomoWritesAndLaterOnesBare() {
        HttpDisguise disguise = new HttpDisguise("GET", List.of("/p"),
                Map.of("Host", List.of("cdn.example"), "Connection", List.of("keep-alive"), "Accept", List.of("*/*")),
                "192.0.2.1");
        EmbeddedChannel ch = new EmbeddedChannel(new RequestHead(disguise));
        ch.writeOutbound(ascii("vmess-header"), ascii("more"));
        assertEquals("GET /p HTTP/1.1\r\nHost: cdn.example:80\r\nUser-Agent: Go-http-client/1.1\r\n"
                + "Content-Length: 12\r\nAccept: */*\r\nConnection: keep-alive\r\n\r\nvmess-header",
                drain(ch.readOutbound()));
        assertEquals("more", drain(ch.readOutbound()));
        assertNull(ch.pipeline().get(RequestHead.class), "the handler leaves after the head");
        ch.finishAndReleaseAll();
    }

    @Test
    void withoutAHostHeaderTheServerIsTheHostAndAUserAgentHeaderReplacesGos() {
        HttpDisguise v6 = new HttpDisguise("PUT", List.of("/"), Map.of("User-Agent", List.of("curl/8")), "2001:db8::1");
        String head = RequestHead.head(v6, 3);
        assertTrue(head.startsWith("PUT / HTTP/1.1\r\nHost: [2001:db8::1]:80\r\nUser-Agent: curl/8\r\n"
                + "Content-Length: 3\r\n\r\n"), head);
    }

    @Test
    void pathsAndValuesAreChosenAmongTheGivenOnes() {
        HttpDisguise disguise = new HttpDisguise("GET", List.of("/a", "/b"), Map.of("Host", List.of("x", "y")), "s");
        java.util.Set<String> lines = new java.util.HashSet<>();
        for (int i = 0; i < 200; i++) {
            String[] head = RequestHead.head(disguise, 1).split("\r\n");
            lines.add(head[0] + " | " + head[1]);
        }
        assertEquals(java.util.Set.of("GET /a HTTP/1.1 | Host: x:80", "GET /a HTTP/1.1 | Host: y:80",
                "GET /b HTTP/1.1 | Host: x:80", "GET /b HTTP/1.1 | Host: y:80"), lines);
    }

    @Test
    void theResponseHeadIsTakenOffHoweverItIsSplitAndWhatFollowsPassesInOrder() {
        String answer = "HTTP/1.1 200 OK\r\nContent-Type: application/octet-stream\r\nConnection: keep-alive\r\n\r\n";
        String data = "binary\r\n\r\nstream";
        String all = answer + data;
        for (int cut = 1; cut < all.length(); cut++) {
            EmbeddedChannel ch = new EmbeddedChannel(new ResponseHead("vmess server s:1"));
            ch.writeInbound(ascii(all.substring(0, cut)));
            ch.writeInbound(ascii(all.substring(cut)));
            StringBuilder got = new StringBuilder();
            for (ByteBuf b; (b = ch.readInbound()) != null; ) {
                got.append(drain(b));
            }
            assertEquals(data, got.toString(), "cut at " + cut);
            assertNull(ch.pipeline().get(ResponseHead.class), "the handler leaves after the head");
            ch.finishAndReleaseAll();
        }
    }

    @Test
    void anAnswerThatIsNotHttpFailsTheConnectionAtOnceWithAMessage() {
        EmbeddedChannel ch = new EmbeddedChannel(new ResponseHead("vmess server s:1"));
        DecoderException e = assertThrows(DecoderException.class, () -> ch.writeInbound(ascii("\u0017\u0003binary")));
        assertTrue(e.getMessage().contains("vmess server s:1 did not answer with an HTTP response head"), e.getMessage());
        ch.finishAndReleaseAll();
    }

    @Test
    void aHeadWithoutEndFailsPastEightKibibytes() {
        EmbeddedChannel ch = new EmbeddedChannel(new ResponseHead("s"));
        ch.writeInbound(ascii("HTTP/1.1 200 OK\r\n" + "X: y\r\n".repeat(1000)));
        assertFalse(ch.inboundMessages().size() > 0);
        DecoderException e = assertThrows(DecoderException.class,
                () -> ch.writeInbound(ascii("X: y\r\n".repeat(500))));
        assertTrue(e.getMessage().contains("longer than 8192"), e.getMessage());
        ch.finishAndReleaseAll();
    }

    @Test
    void aRefusalStatusFollowedByTheEndIsNamedAndOneFollowedByDataIsCarried() {
        EmbeddedChannel refused = new EmbeddedChannel(new ResponseHead("vless server s:1"));
        refused.writeInbound(ascii("HTTP/1.1 404 Not Found\r\nConnection: close\r\n\r\n"));
        assertNull(refused.readInbound());
        refused.pipeline().fireChannelInactive();
        Exception e = assertThrows(Exception.class, refused::checkException);
        assertTrue(e.getMessage().contains("vless server s:1 answered 'HTTP/1.1 404 Not Found' and closed"),
                e.getMessage());
        refused.finishAndReleaseAll();

        EmbeddedChannel odd = new EmbeddedChannel(new ResponseHead("s"));
        odd.writeInbound(ascii("HTTP/1.1 404 Not Found\r\n\r\n"));
        odd.writeInbound(ascii("flow"));
        assertEquals("flow", drain(odd.readInbound()));
        assertNull(odd.pipeline().get(ResponseHead.class));
        odd.finishAndReleaseAll();
    }

    @Test
    void aRefusalIsNamedOnceWhenTheEndComesAsAnInputShutdownOrAReset() {
        IOException reset = new IOException("Connection reset");
        for (Object end : List.of(ChannelInputShutdownEvent.INSTANCE, reset)) {
            InboundEvents behind = new InboundEvents();
            EmbeddedChannel ch = new EmbeddedChannel(new ResponseHead("vmess server s:1"), behind);
            ch.writeInbound(ascii("HTTP/1.1 404 Not Found\r\nConnection: close\r\n\r\n"));
            if (end == reset) {
                ch.pipeline().fireExceptionCaught(reset);
            } else {
                ch.pipeline().fireUserEventTriggered(end);
            }
            ch.pipeline().fireChannelInactive();
            assertEquals(1, behind.seen.size(), () -> "after " + end + ": " + behind.seen);
            DisguiseRefused refused = assertInstanceOf(DisguiseRefused.class, behind.seen.get(0));
            assertTrue(refused.getMessage().startsWith("vmess server s:1 answered 'HTTP/1.1 404 Not Found' and"
                    + " closed"), refused.getMessage());
            assertEquals(end == reset ? reset : null, refused.getCause());
            ch.finishAndReleaseAll();
        }
    }

    @Test
    void aResetBeforeAnyAnswerAndAnEndAfterAnAcceptedOnePassUnchanged() {
        IOException reset = new IOException("Connection reset");
        InboundEvents before = new InboundEvents();
        EmbeddedChannel early = new EmbeddedChannel(new ResponseHead("s"), before);
        early.pipeline().fireExceptionCaught(reset);
        assertEquals(List.of(reset), before.seen);
        early.finishAndReleaseAll();

        InboundEvents after = new InboundEvents();
        EmbeddedChannel carried = new EmbeddedChannel(new ResponseHead("s"), after);
        carried.writeInbound(ascii("HTTP/1.1 200 OK\r\n\r\n"));
        carried.pipeline().fireUserEventTriggered(ChannelInputShutdownEvent.INSTANCE);
        assertEquals(List.of(ChannelInputShutdownEvent.INSTANCE), after.seen);
        carried.finishAndReleaseAll();
    }
}
