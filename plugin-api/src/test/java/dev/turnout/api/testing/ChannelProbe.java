package dev.turnout.api.testing;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;

/** Collects what an outbound's channel delivers, the way the relay would take it: last in the pipeline. */
public final class ChannelProbe extends ChannelInboundHandlerAdapter {

    private final ByteArrayOutputStream received = new ByteArrayOutputStream();
    private boolean closed;

    /**
     * Starts reading {@code channel} as the relay does: handler added and auto-read turned on in one task on
     * the channel's event loop. (From another thread, auto-read could flip while the loop is mid-read, and
     * the bytes would reach the pipeline's tail before this handler is in place.)
     */
    public static ChannelProbe attach(Channel channel) throws InterruptedException {
        ChannelProbe probe = new ChannelProbe();
        channel.eventLoop().submit(() -> {
            channel.pipeline().addLast(probe);
            channel.config().setAutoRead(true);
            channel.read();
        }).sync();
        return probe;
    }

    /** Writes {@code text} and returns as much as comes back within 5 s, up to its length: one echo round. */
    public static String exchange(Channel channel, String text) throws InterruptedException {
        ChannelProbe probe = attach(channel);
        channel.writeAndFlush(Unpooled.copiedBuffer(text, StandardCharsets.US_ASCII)).sync();
        return probe.await(text.length(), 5000);
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        ByteBuf buf = (ByteBuf) msg;
        synchronized (this) {
            byte[] bytes = new byte[buf.readableBytes()];
            buf.readBytes(bytes);
            received.writeBytes(bytes);
            notifyAll();
        }
        buf.release();
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        synchronized (this) {
            closed = true;
            notifyAll();
        }
    }

    /** Waits until {@code length} bytes have come, the channel closed, or the time is up; returns what came. */
    public synchronized String await(int length, long millis) throws InterruptedException {
        long end = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(millis);
        while (received.size() < length && !closed) {
            long left = TimeUnit.NANOSECONDS.toMillis(end - System.nanoTime());
            if (left <= 0) {
                break;
            }
            wait(left);
        }
        return received.toString(StandardCharsets.ISO_8859_1);
    }
}
