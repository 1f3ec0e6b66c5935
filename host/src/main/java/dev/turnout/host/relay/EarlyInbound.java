package dev.turnout.host.relay;

import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelOption;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.socket.ChannelInputShutdownEvent;
import io.netty.util.ReferenceCountUtil;
import java.util.ArrayDeque;

/**
 * Holds what an application sends while its outbound is still being dialled, for {@link Relay#start} to pass
 * on. Netty's epoll transport reads a socket whose peer has half-closed even with auto-read off, so a client
 * that sends its request and its FIN at once (a scripted HTTP/1.0 client, {@code nc -N}) would otherwise lose
 * the request to the pipeline's tail, and the channel with it (half-closure was not yet allowed).
 */
final class EarlyInbound extends ChannelInboundHandlerAdapter {

    static final String NAME = "early-inbound";

    private final ArrayDeque<Object> held = new ArrayDeque<>(2);
    private boolean inputShutdown;

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        held.add(msg);
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
        if (evt instanceof ChannelInputShutdownEvent) {
            inputShutdown = true;
            return;
        }
        ctx.fireUserEventTriggered(evt);
    }

    @Override
    public void handlerRemoved(ChannelHandlerContext ctx) {
        Object m;
        while ((m = held.poll()) != null) {
            ReferenceCountUtil.release(m);
        }
    }

    /** Installs the hold; call before the channel's first read can happen. */
    static void install(Channel application) {
        application.config().setOption(ChannelOption.ALLOW_HALF_CLOSURE, true);
        application.pipeline().addFirst(NAME, new EarlyInbound());
    }

    /**
     * Removes the hold from {@code pipeline} (if there is one) and replays what it held through the pipeline,
     * now that the relay is in it: the bytes, then the end of input.
     */
    static void replay(ChannelPipeline pipeline) {
        if (!(pipeline.get(NAME) instanceof EarlyInbound early)) {
            return;
        }
        ArrayDeque<Object> messages = new ArrayDeque<>(early.held);
        early.held.clear();
        boolean ended = early.inputShutdown;
        pipeline.remove(early);
        if (!messages.isEmpty()) {
            for (Object m : messages) {
                pipeline.fireChannelRead(m);
            }
            pipeline.fireChannelReadComplete();
        }
        if (ended) {
            pipeline.fireUserEventTriggered(ChannelInputShutdownEvent.INSTANCE);
        }
    }
}
