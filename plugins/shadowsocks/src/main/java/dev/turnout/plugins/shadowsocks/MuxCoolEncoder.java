package dev.turnout.plugins.shadowsocks;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPromise;

/**
 * One v2ray Mux.Cool session (ID 0) around the stream, outbound, as v2ray-plugin's client and mihomo send it: a
 * {@code New} frame for TCP to 127.0.0.1:0 before the first bytes (the plugin's server forwards to its ss-server
 * whatever the address), each write as {@code Keep} frames with data, and an {@code End} frame before the close.
 */
final class MuxCoolEncoder extends FramingEncoder {

    static final int STATUS_NEW = 1;
    static final int STATUS_KEEP = 2;
    static final int STATUS_END = 3;
    static final int STATUS_KEEP_ALIVE = 4;
    static final int OPTION_DATA = 1;
    /** The most data one frame carries here (its length field allows 65535). */
    static final int MAX_DATA = 16 * 1024;

    private boolean ended;

    MuxCoolEncoder() {
        super(MAX_DATA);
    }

    @Override
    ByteBuf preamble(ByteBufAllocator alloc, ByteBuf data) {
        // metadata: ID, New, no option, TCP, port 0, IPv4 127.0.0.1
        return alloc.buffer(14).writeShort(12).writeShort(0).writeByte(STATUS_NEW).writeByte(0).writeByte(1)
                .writeShort(0).writeByte(1).writeInt(0x7f000001);
    }

    @Override
    ByteBuf header(ByteBufAllocator alloc, int length) {
        return alloc.buffer(8).writeShort(4).writeShort(0).writeByte(STATUS_KEEP).writeByte(OPTION_DATA)
                .writeShort(length);
    }

    @Override
    public void close(ChannelHandlerContext ctx, ChannelPromise promise) {
        if (!started() || ended || !ctx.channel().isActive()) {
            ctx.close(promise);
            return;
        }
        ended = true;
        ByteBuf end = ctx.alloc().buffer(6).writeShort(4).writeShort(0).writeByte(STATUS_END).writeByte(0);
        ctx.writeAndFlush(end).addListener((ChannelFutureListener) f -> ctx.close(promise));
    }
}
