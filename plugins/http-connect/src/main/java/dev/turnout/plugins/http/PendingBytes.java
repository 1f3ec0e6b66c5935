package dev.turnout.plugins.http;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelOutboundHandlerAdapter;

/**
 * Holds bytes that arrived together with the end of a handshake (the server's first payload in the same
 * segment) until whoever takes the channel asks to read, then hands them on and leaves the pipeline.
 * Firing them at once would lose them: the relay's handlers are not in place when the handshake ends.
 */
final class PendingBytes extends ChannelOutboundHandlerAdapter {

    private ByteBuf bytes;

    PendingBytes(ByteBuf bytes) {
        this.bytes = bytes;
    }

    @Override
    public void read(ChannelHandlerContext ctx) {
        ByteBuf held = bytes;
        bytes = null;
        if (held != null) {
            ctx.pipeline().remove(this);
            ctx.fireChannelRead(held);
            ctx.fireChannelReadComplete();
        }
        // Passed on in any case: with auto-read on, a swallowed read() would leave the socket unwatched.
        ctx.read();
    }

    @Override
    public void handlerRemoved(ChannelHandlerContext ctx) {
        if (bytes != null) {
            bytes.release();
            bytes = null;
        }
    }
}
