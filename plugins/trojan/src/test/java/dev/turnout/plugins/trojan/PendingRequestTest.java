package dev.turnout.plugins.trojan;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** When the request goes out: with the first payload, in one write, or alone once the grace time is over. */
class PendingRequestTest {

    private static ByteBuf text(String s) {
        return Unpooled.copiedBuffer(s, StandardCharsets.US_ASCII);
    }

    private static String read(EmbeddedChannel channel) {
        ByteBuf out = channel.readOutbound();
        if (out == null) {
            return null;
        }
        try {
            return out.toString(StandardCharsets.US_ASCII);
        } finally {
            out.release();
        }
    }

    @Test
    void theFirstPayloadGoesInTheSameWrite() {
        EmbeddedChannel channel = new EmbeddedChannel(new PendingRequest(text("REQ|")));
        channel.writeAndFlush(text("GET /"));
        channel.writeAndFlush(text(" more"));
        assertEquals("REQ|GET /", read(channel));
        assertEquals(" more", read(channel));
        assertNull(channel.pipeline().get(PendingRequest.class), "it leaves the pipeline once the request is out");
        channel.advanceTimeBy(PendingRequest.GRACE_MILLIS * 2, TimeUnit.MILLISECONDS);
        channel.runScheduledPendingTasks();
        assertNull(read(channel), "and sends nothing more");
    }

    @Test
    void withNothingWrittenTheRequestGoesAloneAfterTheGraceTime() {
        // The clock frozen before the handler schedules its grace time: only the time advanced below passes. With the
        // real clock running on, a machine that took 1 ms between the two sent the request "before" it (seen in CI).
        EmbeddedChannel channel = new EmbeddedChannel();
        channel.freezeTime();
        channel.pipeline().addLast(new PendingRequest(text("REQ|")));
        channel.advanceTimeBy(PendingRequest.GRACE_MILLIS - 1, TimeUnit.MILLISECONDS);
        channel.runScheduledPendingTasks();
        assertNull(read(channel), "not before the grace time");
        channel.advanceTimeBy(2, TimeUnit.MILLISECONDS);
        channel.runScheduledPendingTasks();
        assertEquals("REQ|", read(channel));
        channel.writeAndFlush(text("later"));
        assertEquals("later", read(channel));
    }

    @Test
    void closingBeforeAnyWriteReleasesTheRequest() {
        ByteBuf request = text("REQ|");
        EmbeddedChannel channel = new EmbeddedChannel(new PendingRequest(request));
        channel.close();
        assertEquals(0, request.refCnt());
    }
}
