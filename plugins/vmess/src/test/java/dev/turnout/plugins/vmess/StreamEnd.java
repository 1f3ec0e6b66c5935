package dev.turnout.plugins.vmess;

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
final class StreamEnd extends ChannelInboundHandlerAdapter {

    record Outcome(String how, long bytes, byte[] sha256, Throwable cause) {
    }

    volatile long progress;

    final CompletableFuture<Outcome> outcome = new CompletableFuture<>();
    private final MessageDigest sha = VmessKdf.digest("SHA-256");
    private long bytes;

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
