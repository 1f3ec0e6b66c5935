package dev.turnout.plugins.v2ray.testing;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.socket.ChannelInputShutdownEvent;
import java.security.MessageDigest;
import java.util.concurrent.CompletableFuture;

/**
 * Takes an outbound channel's bytes as the relay would (last in the pipeline) and reports how the stream ended:
 * with the server's end (an input shutdown), a close, or an exception; with the bytes' count and SHA-256.
 */
public final class StreamEnd extends ChannelInboundHandlerAdapter {

    public record Outcome(String how, long bytes, byte[] sha256, Throwable cause) {
    }

    public volatile long progress;

    public final CompletableFuture<Outcome> outcome = new CompletableFuture<>();
    private final MessageDigest sha;
    private long bytes;

    public StreamEnd() {
        try {
            sha = MessageDigest.getInstance("SHA-256");
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /**
     * Puts a StreamEnd last in {@code channel}'s pipeline and starts reading, in one task on its loop (as the
     * relay does), then writes {@code first} so that the server has something to answer.
     */
    public static StreamEnd attach(io.netty.channel.Channel channel, byte[] first) throws InterruptedException {
        StreamEnd end = new StreamEnd();
        channel.eventLoop().submit(() -> {
            channel.pipeline().addLast(end);
            channel.config().setAutoRead(true);
            channel.read();
        }).sync();
        channel.writeAndFlush(io.netty.buffer.Unpooled.wrappedBuffer(first));
        return end;
    }

    /** How the stream ended, or "nothing within N s". */
    public Outcome await(long seconds) throws Exception {
        return outcome.completeOnTimeout(new Outcome("nothing within " + seconds + " s", -1, null, null), seconds,
                java.util.concurrent.TimeUnit.SECONDS).get();
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        ByteBuf buf = (ByteBuf) msg;
        bytes += buf.readableBytes();
        progress = bytes;
        sha.update(buf.nioBuffer());
        buf.release();
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
        if (evt instanceof ChannelInputShutdownEvent) {
            outcome.complete(new Outcome("end", bytes, sha.digest(), null));
        }
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        outcome.complete(new Outcome("closed", bytes, sha.digest(), null));
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        outcome.complete(new Outcome("failed", bytes, sha.digest(), cause));
        ctx.close();
    }
}
