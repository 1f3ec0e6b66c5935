package dev.turnout.plugins.shadowsocks;

import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.socket.ChannelInputShutdownEvent;
import io.netty.handler.codec.ByteToMessageDecoder;

/**
 * A decoder of what the server sends that has something to say when the server's stream ends, by a half-close or
 * with the connection: what it still holds may be a piece cut short.
 */
abstract class ServerStreamDecoder extends ByteToMessageDecoder {

    /** The server's stream ended; called before the end is passed on. */
    abstract void streamEnded(ChannelHandlerContext ctx);

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) throws Exception {
        if (evt instanceof ChannelInputShutdownEvent) {
            streamEnded(ctx);
        }
        super.userEventTriggered(ctx, evt);
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) throws Exception {
        streamEnded(ctx);
        super.channelInactive(ctx);
    }
}
