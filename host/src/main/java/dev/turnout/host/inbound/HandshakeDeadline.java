package dev.turnout.host.inbound;

import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * Drops a client whose handshake (a SOCKS5 greeting and request, an HTTP request head) is not whole in time.
 * One deadline for the whole handshake, not one per read: a client sending a byte every few seconds would
 * otherwise hold its connection forever. On an HTTP keep-alive connection, each next request head gets a
 * deadline of its own, counted from its first byte.
 */
public final class HandshakeDeadline extends ChannelInboundHandlerAdapter {

    public static final String NAME = "handshake-deadline";

    private static final org.slf4j.Logger log = org.slf4j.LoggerFactory.getLogger(HandshakeDeadline.class);

    private final long millis;
    private ChannelHandlerContext ctx;
    private ScheduledFuture<?> timer;
    /** Between two requests of a keep-alive connection: the next byte starts the next head's deadline. */
    private boolean betweenRequests;

    public HandshakeDeadline(long millis) {
        this.millis = millis;
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        this.ctx = ctx;
        arm();
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (betweenRequests) {
            betweenRequests = false;
            arm();
        }
        ctx.fireChannelRead(msg);
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        cancel();
        ctx.fireChannelInactive();
    }

    @Override
    public void handlerRemoved(ChannelHandlerContext ctx) {
        cancel();
    }

    private void arm() {
        cancel();
        timer = ctx.executor().schedule(() -> {
            log.debug("client {} did not finish its handshake within {} ms", ctx.channel().remoteAddress(), millis);
            ctx.close();
        }, millis, TimeUnit.MILLISECONDS);
    }

    private void cancel() {
        if (timer != null) {
            timer.cancel(false);
            timer = null;
        }
    }

    /** The handshake is done and the connection becomes a tunnel: no deadline any more. */
    public static void remove(Channel channel) {
        if (channel.pipeline().get(NAME) != null) {
            channel.pipeline().remove(NAME);
        }
    }

    /** A request head is whole: no deadline until the next one starts (see {@link #awaitNext}). */
    public static void met(Channel channel) {
        if (channel.pipeline().get(NAME) instanceof HandshakeDeadline d) {
            d.cancel();
            d.betweenRequests = false;
        }
    }

    /** The next request's head will start with the next byte the client sends. */
    public static void awaitNext(Channel channel) {
        if (channel.pipeline().get(NAME) instanceof HandshakeDeadline d) {
            d.cancel();
            d.betweenRequests = true;
        }
    }
}
