package dev.turnout.plugins.shadowsocks;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelOutboundHandlerAdapter;
import io.netty.channel.ChannelPromise;
import io.netty.util.concurrent.PromiseCombiner;

/**
 * An outbound disguise that cuts the stream into frames, each behind a header of its own, after a preamble written
 * once before the first frame (a TLS ClientHello, a Mux.Cool session's opening). The stream's bytes are passed on as
 * slices, never copied.
 */
abstract class FramingEncoder extends ChannelOutboundHandlerAdapter {

    private final int maxFrame;
    private boolean started;

    FramingEncoder(int maxFrame) {
        this.maxFrame = maxFrame;
    }

    /** Written once, before the first frame; it may take the first of {@code data}'s bytes into itself. */
    abstract ByteBuf preamble(ByteBufAllocator alloc, ByteBuf data);

    /** The header of a frame of {@code length} bytes. */
    abstract ByteBuf header(ByteBufAllocator alloc, int length);

    /** Whether the preamble has been written. */
    final boolean started() {
        return started;
    }

    @Override
    public final void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) {
        if (!(msg instanceof ByteBuf data) || !data.isReadable()) {
            ctx.write(msg, promise);
            return;
        }
        PromiseCombiner all = new PromiseCombiner(ctx.executor());
        if (!started) {
            started = true;
            all.add(ctx.write(preamble(ctx.alloc(), data)));
        }
        while (data.isReadable()) {
            int n = Math.min(data.readableBytes(), maxFrame);
            all.add(ctx.write(header(ctx.alloc(), n)));
            all.add(ctx.write(data.readRetainedSlice(n)));
        }
        data.release();
        all.finish(promise);
    }
}
