package dev.turnout.plugins.vless;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.turnout.plugins.v2ray.http.DisguiseRefused;
import dev.turnout.plugins.v2ray.http.ResponseHead;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.channel.socket.ChannelInputShutdownEvent;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class VlessCodecTest {

    /** The relay's end of the pipeline: what the flow is failed with. */
    private static final class Failures extends ChannelInboundHandlerAdapter {
        final List<Throwable> seen = new ArrayList<>();

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            seen.add(cause);
        }
    }

    /**
     * Behind an HTTP disguise, a server that refuses the path (V2Ray: 404, then an end or, with the flow's bytes
     * unread, a reset) is named as such once, not taken for a wrong uuid.
     */
    @Test
    void aRefusedDisguisePathIsNotTakenForAWrongUuid() {
        for (boolean reset : new boolean[] {false, true}) {
            Failures failures = new Failures();
            EmbeddedChannel ch = new EmbeddedChannel(new ResponseHead("VLESS server s:1"), new VlessCodec(false, "s:1"),
                    failures);
            ch.writeInbound(Unpooled.copiedBuffer("HTTP/1.1 404 Not Found\r\nConnection: close\r\n\r\n",
                    StandardCharsets.US_ASCII));
            if (reset) {
                ch.pipeline().fireExceptionCaught(new IOException("Connection reset"));
            } else {
                ch.pipeline().fireUserEventTriggered(ChannelInputShutdownEvent.INSTANCE);
            }
            assertEquals(1, failures.seen.size(), () -> "reset " + reset + ": " + failures.seen);
            DisguiseRefused refused = assertInstanceOf(DisguiseRefused.class, failures.seen.get(0));
            assertTrue(refused.getMessage().startsWith("VLESS server s:1 answered 'HTTP/1.1 404 Not Found'"),
                    refused.getMessage());
            assertTrue(!ch.isOpen(), "the flow's connection is closed");
            ch.finishAndReleaseAll();
        }
    }

    @Test
    void aConnectionThatEndsWithoutAnAnswerStillNamesTheLikelyCauses() {
        Failures failures = new Failures();
        EmbeddedChannel ch = new EmbeddedChannel(new ResponseHead("VLESS server s:1"), new VlessCodec(false, "s:1"),
                failures);
        ch.pipeline().fireUserEventTriggered(ChannelInputShutdownEvent.INSTANCE);
        assertEquals(1, failures.seen.size(), () -> String.valueOf(failures.seen));
        assertTrue(failures.seen.get(0).getMessage().contains("without answering (wrong uuid"),
                failures.seen.get(0).getMessage());
        ch.finishAndReleaseAll();
    }
}
