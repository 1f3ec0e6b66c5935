package dev.turnout.host.sniff;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.socket.ChannelInputShutdownEvent;
import io.netty.util.concurrent.Promise;
import io.netty.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * Looks at what an application sends first, before its flow is routed, and passes every byte on unchanged to
 * the handler that holds them for the relay. Completes with the name found, or {@code null} (nothing found, the
 * bytes are not TLS or HTTP, the application sent nothing in time, ended or left); then removes itself.
 */
final class SniffHandler extends ChannelInboundHandlerAdapter {

    static final String NAME = "sniff";

    private final SniffOptions.Protocol tls;
    private final SniffOptions.Protocol http;
    private final long waitMillis;
    private final Promise<Found> result;
    private ByteBuf seen;
    private ScheduledFuture<?> timer;
    private boolean finishing;

    /** A name and the sniffer that found it (whose {@code override-destination} applies). */
    record Found(String host, SniffOptions.Protocol by) {
    }

    SniffHandler(SniffOptions.Protocol tls, SniffOptions.Protocol http, long waitMillis, Promise<Found> result) {
        this.tls = tls;
        this.http = http;
        this.waitMillis = waitMillis;
        this.result = result;
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        seen = Unpooled.buffer(1024, Math.max(TlsClientHello.MAX_LENGTH, HttpRequestHead.MAX_LENGTH) + 16 * 1024);
        timer = ctx.executor().schedule(() -> finish(ctx, null), waitMillis, TimeUnit.MILLISECONDS);
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (msg instanceof ByteBuf bytes && !result.isDone()) {
            seen.writeBytes(bytes, bytes.readerIndex(), Math.min(bytes.readableBytes(), seen.maxWritableBytes()));
        }
        ctx.fireChannelRead(msg);
        if (result.isDone()) {
            return;
        }
        SniffResult r = look();
        if (r.decided()) {
            finish(ctx, r.host() == null ? null
                    : new Found(r.host(), tls != null && TlsClientHello.looksLikeTls(seen) ? tls : http));
        } else if (seen.maxWritableBytes() == 0) {
            finish(ctx, null);
        } else {
            ctx.read();
        }
    }

    private SniffResult look() {
        if (tls != null && TlsClientHello.looksLikeTls(seen)) {
            return TlsClientHello.serverName(seen);
        }
        return http != null ? HttpRequestHead.host(seen) : SniffResult.NONE;
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
        if (evt instanceof ChannelInputShutdownEvent) {
            finish(ctx, null);
        }
        ctx.fireUserEventTriggered(evt);
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        finish(ctx, null);
        ctx.fireChannelInactive();
    }

    /** Out of the pipeline first: whoever the result wakes finds the bytes with the handler that holds them. */
    private void finish(ChannelHandlerContext ctx, Found found) {
        if (finishing || result.isDone()) {
            return;
        }
        finishing = true;
        if (!ctx.isRemoved()) {
            ctx.pipeline().remove(this);
        }
        result.trySuccess(found);
    }

    @Override
    public void handlerRemoved(ChannelHandlerContext ctx) {
        if (timer != null) {
            timer.cancel(false);
        }
        seen.release();
        if (!finishing) {
            result.trySuccess(null);
        }
    }
}
