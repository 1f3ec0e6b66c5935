package dev.turnout.host.controller;

import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * Closes a controller connection whose first request has not arrived whole {@link #SECONDS} after it opened. The read
 * timeout restarts at every byte, so a client that sent a header line every 20 s held its place for good, and 256 of
 * them held every place. A dashboard's request, a WebSocket's upgrade among them, arrives at once; once one has, the
 * read timeout alone applies.
 */
final class FirstRequestDeadline extends ChannelInboundHandlerAdapter {

    static final int SECONDS = 10;

    private ScheduledFuture<?> deadline;

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        deadline = ctx.executor().schedule(() -> {
            ctx.channel().close();
        }, SECONDS, TimeUnit.SECONDS);
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        deadline.cancel(false);
        ctx.pipeline().remove(this);
        ctx.fireChannelRead(msg);
    }

    @Override
    public void handlerRemoved(ChannelHandlerContext ctx) {
        deadline.cancel(false);
    }
}
