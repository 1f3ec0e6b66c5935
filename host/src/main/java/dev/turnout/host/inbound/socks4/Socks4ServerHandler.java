package dev.turnout.host.inbound.socks4;

import dev.turnout.api.Destination;
import dev.turnout.api.Metadata;
import dev.turnout.api.Network;
import dev.turnout.host.inbound.Authentication;
import dev.turnout.host.inbound.InboundSupport;
import dev.turnout.host.tunnel.StreamReadiness;
import dev.turnout.host.tunnel.Tunnel;
import io.netty.buffer.CompositeByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.socksx.v4.DefaultSocks4CommandResponse;
import io.netty.handler.codec.socksx.v4.Socks4CommandRequest;
import io.netty.handler.codec.socksx.v4.Socks4CommandStatus;
import io.netty.handler.codec.socksx.v4.Socks4CommandType;
import io.netty.util.ReferenceCountUtil;
import java.net.InetSocketAddress;

/**
 * SOCKS4 and SOCKS4a CONNECT, which Clash's and mihomo's mixed and SOCKS ports take beside SOCKS5: an IPv4
 * address, or a name (4a). BIND is refused, as mihomo does. SOCKS4 carries a user id and no password: where the
 * port asks for one, a client gets in only as a user whose password is empty, as in mihomo.
 */
public final class Socks4ServerHandler extends ChannelInboundHandlerAdapter {

    private final Tunnel tunnel;
    private final Authentication authentication;
    private CompositeByteBuf early;
    private boolean routing;

    public Socks4ServerHandler(Tunnel tunnel, Authentication authentication) {
        this.tunnel = tunnel;
        this.authentication = authentication;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (routing) {
            // Bytes the client sent before our reply: hold them for the destination.
            early = InboundSupport.hold(ctx, early, msg);
            return;
        }
        if (!(msg instanceof Socks4CommandRequest request)) {
            ReferenceCountUtil.release(msg);
            ctx.close();
            return;
        }
        if (request.decoderResult().isFailure()) {
            InboundSupport.sayHandshakeFailed(ctx, request.decoderResult().cause());
            refuse(ctx);
            return;
        }
        Channel ch = ctx.channel();
        InetSocketAddress client = (InetSocketAddress) ch.remoteAddress();
        Destination destination = destinationOf(request);
        boolean asked = authentication.asks(client);
        if (request.type() != Socks4CommandType.CONNECT || destination == null
                || asked && !authentication.accepts(request.userId(), "")) {
            refuse(ctx);
            return;
        }
        if (asked) {
            ch.attr(InboundSupport.INBOUND_USER).set(request.userId());
        }
        routing = true;
        InboundSupport.beginRouting(ctx, "socks4-decoder");
        Metadata flow = InboundSupport.flow(Network.TCP, destination, client, "socks4", ch, "SOCKS4");
        tunnel.routeStream(ch, flow, new Readiness(ctx));
    }

    /** 4a sends a name where its address is 0.0.0.x; Netty's decoder hands either over as text. */
    private static Destination destinationOf(Socks4CommandRequest request) {
        String to = request.dstAddr();
        if (to == null || to.isEmpty() || request.dstPort() == 0) {
            return null;
        }
        try {
            return Destination.ofHost(to, request.dstPort());
        } catch (IllegalArgumentException e) {
            return null;
        }
    }

    private static void refuse(ChannelHandlerContext ctx) {
        ctx.writeAndFlush(new DefaultSocks4CommandResponse(Socks4CommandStatus.REJECTED_OR_FAILED))
                .addListener(ChannelFutureListener.CLOSE);
    }

    @Override
    public void handlerRemoved(ChannelHandlerContext ctx) {
        InboundSupport.release(early);
        early = null;
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        InboundSupport.closeOnError(ctx, cause);
    }

    private final class Readiness implements StreamReadiness {
        private final ChannelHandlerContext ctx;

        Readiness(ChannelHandlerContext ctx) {
            this.ctx = ctx;
        }

        @Override
        public void connected(Channel outbound) {
            ctx.writeAndFlush(new DefaultSocks4CommandResponse(Socks4CommandStatus.SUCCESS));
            ctx.pipeline().remove("socks4-encoder");
            InboundSupport.forward(early, outbound);
            early = null;
            ctx.pipeline().remove(Socks4ServerHandler.this);
        }

        @Override
        public void failed(Throwable cause) {
            refuse(ctx);
        }
    }
}
