package dev.turnout.plugins.vless;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.turnout.plugins.v2ray.http.DisguiseRefused;
import dev.turnout.plugins.v2ray.http.ResponseHead;
import dev.turnout.plugins.v2ray.testing.InboundEvents;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.channel.socket.ChannelInputShutdownEvent;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class VlessCodecTest {

    /**
     * Behind an HTTP disguise, a server that refuses the path (V2Ray: 404, then an end or, with the flow's bytes
     * unread, a reset) is named as such once, not taken for a wrong uuid.
     */
    @Test
    void aRefusedDisguisePathIsNotTakenForAWrongUuid() {
        for (boolean reset : new boolean[] {false, true}) {
            InboundEvents relay = new InboundEvents();
            EmbeddedChannel ch = new EmbeddedChannel(new ResponseHead("VLESS server s:1"), new VlessCodec(false, "s:1"),
                    relay);
            ch.writeInbound(Unpooled.copiedBuffer("HTTP/1.1 404 Not Found\r\nConnection: close\r\n\r\n",
                    StandardCharsets.US_ASCII));
            if (reset) {
                ch.pipeline().fireExceptionCaught(new IOException("Connection reset"));
            } else {
                ch.pipeline().fireUserEventTriggered(ChannelInputShutdownEvent.INSTANCE);
            }
            assertEquals(1, relay.seen.size(), () -> "reset " + reset + ": " + relay.seen);
            DisguiseRefused refused = assertInstanceOf(DisguiseRefused.class, relay.seen.get(0));
            assertTrue(refused.getMessage().startsWith("VLESS server s:1 answered 'HTTP/1.1 404 Not Found'"),
                    refused.getMessage());
            assertTrue(!ch.isOpen(), "the flow's connection is closed");
            ch.finishAndReleaseAll();
        }
    }

    @Test
    void aConnectionThatEndsWithoutAnAnswerStillNamesTheLikelyCauses() {
        InboundEvents relay = new InboundEvents();
        EmbeddedChannel ch = new EmbeddedChannel(new ResponseHead("VLESS server s:1"), new VlessCodec(false, "s:1"),
                relay);
        ch.pipeline().fireUserEventTriggered(ChannelInputShutdownEvent.INSTANCE);
        assertEquals(1, relay.seen.size(), () -> String.valueOf(relay.seen));
        assertTrue(((Throwable) relay.seen.get(0)).getMessage().contains("without answering (wrong uuid"),
                ((Throwable) relay.seen.get(0)).getMessage());
        ch.finishAndReleaseAll();
    }
}
