package dev.turnout.host.relay;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.turnout.api.Destination;
import dev.turnout.api.Metadata;
import dev.turnout.api.Network;
import dev.turnout.host.flow.Flow;
import dev.turnout.host.flow.FlowTable;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelOutboundHandlerAdapter;
import io.netty.channel.ChannelPromise;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.channel.socket.ChannelInputShutdownEvent;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The relay with channels that are not sockets: what {@link dev.turnout.api.Dialer#openStream} allows a plugin to
 * hand back (a stream of a multiplexed connection, a channel of its own). Such a channel cannot half-close, and its
 * writes may complete later than they are made. RelayTest covers sockets on loopback.
 */
class RelayOverAnyChannelTest {

    private final FlowTable flows = new FlowTable(4);
    private final Flow flow = flows.open(new Metadata(Network.TCP,
            Destination.ofAddress(InetAddress.getLoopbackAddress(), 80),
            new InetSocketAddress(InetAddress.getLoopbackAddress(), 40000), "test", null), "MATCH", "X", "X");
    private final AtomicInteger ends = new AtomicInteger();
    private final HeldWrites heldForApplication = new HeldWrites();
    private final EmbeddedChannel application = new EmbeddedChannel(heldForApplication);
    private final EmbeddedChannel outbound = new EmbeddedChannel();

    private void startRelay() {
        Relay.start(application, outbound, flow, new FlowTimeouts(Duration.ofSeconds(60), Duration.ofSeconds(30)),
                ends::incrementAndGet);
    }

    @AfterEach
    void closeBoth() {
        heldForApplication.release();
        application.finishAndReleaseAll();
        outbound.finishAndReleaseAll();
    }

    @Test
    void aFlowEndsWhenBothSidesAreClosedNotWhileTheApplicationIsStillBeingGivenTheServersLastBytes() {
        startRelay();
        heldForApplication.holding = true;
        outbound.writeInbound(ascii("the last of the answer"));
        // The server's side closes while the application's channel has not yet taken what came before the close.
        outbound.close();
        outbound.runPendingTasks();
        application.runPendingTasks();
        assertFalse(outbound.isOpen());
        assertTrue(application.isOpen(), "the application's side closes only once it has been given everything");
        assertEquals(0, ends.get(), "one side is still delivering: the flow has not ended");

        heldForApplication.release();
        application.runPendingTasks();
        assertEquals("the last of the answer", text(application.readOutbound()), "what the server sent, in full");
        assertFalse(application.isOpen(), "then the application's side is closed");
        assertEquals(1, ends.get(), "both sides closed: the flow has ended, once");
    }

    @Test
    void anOutboundThatCannotHalfCloseIsGivenTheEndMarkerAfterTheRequestThenClosedWhenTheApplicationEnds() {
        startRelay();
        application.writeInbound(ascii("request"));
        application.pipeline().fireUserEventTriggered(ChannelInputShutdownEvent.INSTANCE);
        outbound.runPendingTasks();
        application.runPendingTasks();

        assertEquals("request", text(outbound.readOutbound()), "what the application sent before its end");
        ByteBuf marker = outbound.readOutbound();
        assertNotNull(marker, "the application's end is passed on");
        assertEquals(0, marker.readableBytes(),
                "then an empty buffer through the pipeline: a protocol's own end-of-stream marker is sent on it");
        marker.release();
        assertNull(outbound.readOutbound());
        assertFalse(outbound.isOpen(), "a channel that cannot shut down only its output is closed instead");
        assertEquals(1, ends.get(), "and with it the flow, which cannot go on half-closed");
    }

    private static ByteBuf ascii(String s) {
        return Unpooled.copiedBuffer(s, StandardCharsets.US_ASCII);
    }

    private static String text(Object message) {
        ByteBuf buf = (ByteBuf) message;
        try {
            return buf.toString(StandardCharsets.US_ASCII);
        } finally {
            buf.release();
        }
    }

    /** A slow link: while {@code holding}, writes are kept (their promises open) until {@link #release}. */
    private static final class HeldWrites extends ChannelOutboundHandlerAdapter {
        private final ArrayDeque<Object> messages = new ArrayDeque<>();
        private final ArrayDeque<ChannelPromise> promises = new ArrayDeque<>();
        private ChannelHandlerContext ctx;
        boolean holding;

        @Override
        public void handlerAdded(ChannelHandlerContext ctx) {
            this.ctx = ctx;
        }

        @Override
        public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) {
            if (!holding) {
                ctx.write(msg, promise);
                return;
            }
            messages.add(msg);
            promises.add(promise);
        }

        @Override
        public void flush(ChannelHandlerContext ctx) {
            if (!holding) {
                ctx.flush();
            }
        }

        void release() {
            holding = false;
            while (!messages.isEmpty()) {
                ctx.write(messages.poll(), promises.poll());
            }
            ctx.flush();
        }
    }
}
