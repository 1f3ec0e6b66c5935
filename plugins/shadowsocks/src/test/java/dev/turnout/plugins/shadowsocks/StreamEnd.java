package dev.turnout.plugins.shadowsocks;

import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * Stands where the relay stands, last in the pipeline: collects what the outbound's channel delivers, and records
 * the exception that ends a flow (the relay would reset both sides for it).
 */
final class StreamEnd extends ChannelInboundHandlerAdapter {

    final CompletableFuture<Throwable> failure = new CompletableFuture<>();
    private final Channel channel;
    private final ByteArrayOutputStream delivered = new ByteArrayOutputStream();

    private StreamEnd(Channel channel) {
        this.channel = channel;
    }

    /** Adds itself and starts reading in one task on the loop, so nothing can pass before it is in place. */
    static StreamEnd attach(Channel channel) throws InterruptedException {
        StreamEnd end = new StreamEnd(channel);
        channel.eventLoop().submit(() -> {
            channel.pipeline().addLast(end);
            channel.config().setAutoRead(true);
            channel.read();
        }).sync();
        return end;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        ByteBuf buf = (ByteBuf) msg;
        byte[] bytes = new byte[buf.readableBytes()];
        buf.readBytes(bytes);
        synchronized (delivered) {
            delivered.writeBytes(bytes);
        }
        buf.release();
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        failure.complete(cause);
    }

    /** Whether the channel closed within {@code millis}. */
    boolean closedWithin(long millis) throws InterruptedException {
        return channel.closeFuture().await(millis, TimeUnit.MILLISECONDS);
    }

    /** What was delivered so far. */
    String delivered() {
        synchronized (delivered) {
            return delivered.toString(StandardCharsets.ISO_8859_1);
        }
    }
}
