package dev.turnout.plugins.trojan;

import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPromise;
import io.netty.channel.socket.ChannelInputShutdownEvent;
import io.netty.channel.socket.DuplexChannel;
import io.netty.handler.ssl.SslCloseCompletionEvent;
import java.io.IOException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Notices a server that ends the connection before a single byte came back. A Trojan server never answers a
 * request, so a wrong password cannot be refused in words: trojan-gfw hands the connection to its fallback
 * ({@code remote_addr}), and one that is not there closes it at once. Passed on as a FIN, that would look to
 * the application like a destination that had nothing to say; it is turned into an error (the relay then
 * resets the application's side) and logged once, naming the likely causes. Leaves the pipeline at the first
 * byte, so a working flow pays nothing for it.
 */
final class FirstReplyWatch extends ChannelDuplexHandler {

    private static final Logger LOG = LoggerFactory.getLogger(FirstReplyWatch.class);

    private final String outbound;
    private final String destination;
    /** We closed, or the end has been dealt with. (A half-close of ours is read off the channel: trojan-gfw ends a
     * session at our FIN, which is no sign of a wrong password.) */
    private boolean closing;

    /**
     * @param outbound how to name the outbound and its server in the log line
     * @param destination what was asked for, for the log line
     */
    FirstReplyWatch(String outbound, String destination) {
        this.outbound = outbound;
        this.destination = destination;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        ctx.pipeline().remove(this);
        ctx.fireChannelRead(msg);
    }

    @Override
    public void close(ChannelHandlerContext ctx, ChannelPromise promise) {
        closing = true;
        ctx.close(promise);
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
        // The server's end, seen while the channel is still open: its close_notify, or its FIN.
        if ((evt instanceof SslCloseCompletionEvent || evt instanceof ChannelInputShutdownEvent)
                && !closing && !(ctx.channel() instanceof DuplexChannel d && d.isOutputShutdown())) {
            closing = true;
            ctx.fireExceptionCaught(silence());
            return;
        }
        ctx.fireUserEventTriggered(evt);
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        if (!closing) {
            closing = true;
            ctx.fireExceptionCaught(silence());
        }
        ctx.fireChannelInactive();
    }

    private IOException silence() {
        String message = outbound + " closed the connection for " + destination + " before any reply: a wrong"
                + " password (Trojan servers pass those to their fallback), or the server could not reach " + destination;
        LOG.warn(message);
        return new IOException(message);
    }
}
