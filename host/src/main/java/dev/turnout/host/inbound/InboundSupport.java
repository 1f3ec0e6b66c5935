package dev.turnout.host.inbound;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.CompositeByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;

/** What the SOCKS5 and HTTP inbounds share: holding bytes the client sent before its flow was open. */
public final class InboundSupport {

    private static final org.slf4j.Logger log = org.slf4j.LoggerFactory.getLogger(InboundSupport.class);

    private InboundSupport() {
    }

    /** Adds {@code msg} to {@code held} (creating it), or releases it if it is not bytes. */
    public static CompositeByteBuf hold(ChannelHandlerContext ctx, CompositeByteBuf held, Object msg) {
        if (!(msg instanceof ByteBuf buf)) {
            io.netty.util.ReferenceCountUtil.release(msg);
            return held;
        }
        CompositeByteBuf out = held != null ? held : ctx.alloc().compositeBuffer();
        out.addComponent(true, buf);
        return out;
    }

    /** Writes what was held to the outbound and forgets it. */
    public static void forward(CompositeByteBuf held, Channel outbound) {
        if (held != null && held.isReadable()) {
            outbound.writeAndFlush(held, outbound.voidPromise());
        } else if (held != null) {
            held.release();
        }
    }

    /**
     * A client connection failed before its flow was open (a handshake timeout, a reset): close it. Only
     * worth a debug line; these are the client's doing, not Turnout's.
     */
    public static void closeOnError(ChannelHandlerContext ctx, Throwable cause) {
        if (log.isDebugEnabled() && !(cause instanceof io.netty.handler.timeout.ReadTimeoutException)) {
            log.debug("client {} failed during its handshake: {}", ctx.channel().remoteAddress(), cause.toString());
        }
        ctx.close();
    }

    public static void release(CompositeByteBuf held) {
        if (held != null && held.refCnt() > 0) {
            held.release();
        }
    }
}
