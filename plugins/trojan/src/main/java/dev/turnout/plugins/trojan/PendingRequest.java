package dev.turnout.plugins.trojan;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.CompositeByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelOutboundHandlerAdapter;
import io.netty.channel.ChannelPromise;
import io.netty.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * Holds the Trojan request until the first payload is written, and sends both in one write, so one TLS record
 * carries both (a lone request-sized record is what Trojan is recognised by, and it costs a record). A server
 * that speaks first (SMTP, SSH) waits for the request, so if nothing is written within {@link #GRACE_MILLIS}
 * the request goes alone. Either way nothing waits for a reply: Trojan servers send none.
 */
final class PendingRequest extends ChannelOutboundHandlerAdapter {

    /**
     * Long enough for a client's first bytes that follow the proxy's own reply (a SOCKS5 or CONNECT answer on
     * this machine, well under a millisecond), short enough not to be felt by a server that speaks first.
     */
    static final long GRACE_MILLIS = 50;

    private ByteBuf request;
    private ScheduledFuture<?> grace;

    PendingRequest(ByteBuf request) {
        this.request = request;
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        grace = ctx.executor().schedule(() -> {
            ByteBuf held = take();
            if (held != null && ctx.channel().isActive()) {
                ctx.writeAndFlush(held, ctx.voidPromise());
                ctx.pipeline().remove(this);
            } else if (held != null) {
                held.release();
            }
        }, GRACE_MILLIS, TimeUnit.MILLISECONDS);
    }

    @Override
    public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) {
        ByteBuf held = take();
        if (held == null) {
            ctx.write(msg, promise);
            return;
        }
        if (msg instanceof ByteBuf payload) {
            CompositeByteBuf both = ctx.alloc().compositeBuffer(2);
            both.addComponents(true, held, payload);
            ctx.write(both, promise);
        } else {
            ctx.write(held, ctx.voidPromise());
            ctx.write(msg, promise);
        }
        ctx.pipeline().remove(this);
    }

    private ByteBuf take() {
        ByteBuf held = request;
        request = null;
        return held;
    }

    @Override
    public void handlerRemoved(ChannelHandlerContext ctx) {
        if (grace != null) {
            grace.cancel(false);
        }
        ByteBuf held = take();
        if (held != null) {
            held.release();
        }
    }
}
