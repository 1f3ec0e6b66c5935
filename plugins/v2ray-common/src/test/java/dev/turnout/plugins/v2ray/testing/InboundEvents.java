package dev.turnout.plugins.v2ray.testing;

import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import java.util.ArrayList;
import java.util.List;

/** Last in a pipeline, where the relay sits: the exceptions and user events that reach it, in order. */
public final class InboundEvents extends ChannelInboundHandlerAdapter {

    public final List<Object> seen = new ArrayList<>();

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        seen.add(cause);
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
        seen.add(evt);
    }
}
