package dev.turnout.host.inbound;

import dev.turnout.api.Destination;
import dev.turnout.api.Metadata;
import dev.turnout.api.Network;
import dev.turnout.host.dial.Transport;
import dev.turnout.host.platform.DescriptorShortage;
import dev.turnout.host.relay.Relay;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.CompositeByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.util.AttributeKey;
import java.net.InetSocketAddress;

/** What the SOCKS5 and HTTP inbounds share: holding bytes the client sent before its flow was open. */
public final class InboundSupport {

    private static final org.slf4j.Logger log = org.slf4j.LoggerFactory.getLogger(InboundSupport.class);

    /** The name of the listener a client connection came in through ({@code DEFAULT-MIXED}, ...), for IN-NAME. */
    public static final AttributeKey<String> INBOUND_NAME = AttributeKey.valueOf("turnout.inbound-name");
    /** The {@code authentication} user a client connection gave, for its flows' IN-USER rules. */
    public static final AttributeKey<String> INBOUND_USER = AttributeKey.valueOf("turnout.inbound-user");

    private InboundSupport() {
    }

    /**
     * A listening port's bootstrap as every inbound's: a deep backlog, accepts held back while descriptors run short,
     * no Nagle delay on the clients' connections; the caller adds its child handler.
     */
    public static ServerBootstrap listening(EventLoopGroup boss, EventLoopGroup workers, DescriptorShortage shortage) {
        return listening(boss, workers, shortage, new io.netty.channel.ReflectiveChannelFactory<>(
                Transport.serverChannelType()));
    }

    /** The same with listening sockets {@code sockets} makes. */
    public static ServerBootstrap listening(EventLoopGroup boss, EventLoopGroup workers, DescriptorShortage shortage,
            io.netty.channel.ChannelFactory<? extends io.netty.channel.ServerChannel> sockets) {
        return new ServerBootstrap()
                .group(boss, workers)
                .channelFactory(sockets)
                .option(ChannelOption.SO_BACKLOG, 1024)
                .option(ChannelOption.SO_REUSEADDR, true)
                .handler(shortage.acceptGuard())
                .childOption(ChannelOption.TCP_NODELAY, true);
    }

    /**
     * A flow that came in on client connection {@code ch} (or, for UDP, the association it controls): with the
     * listener's name and local port, and mihomo's inbound type ({@code HTTP}, {@code HTTPS} for CONNECT,
     * {@code SOCKS5}) that IN-NAME, IN-PORT and IN-TYPE rules match.
     */
    public static Metadata flow(Network network, Destination destination, InetSocketAddress source, String inbound,
                                Channel ch, String type) {
        int port = ch.localAddress() instanceof InetSocketAddress local ? local.getPort() : 0;
        return new Metadata(network, destination, source, inbound, null, type, ch.attr(INBOUND_NAME).get(), port,
                ch.attr(INBOUND_USER).get(), null, -1, -1);
    }

    /**
     * A SOCKS request is being routed: the handshake is over, reading stops until the reply, and what the client
     * sends early goes to the destination as bytes ({@link #hold}), not to the protocol's decoder.
     */
    public static void beginRouting(ChannelHandlerContext ctx, String decoder) {
        Channel ch = ctx.channel();
        ch.config().setAutoRead(false);
        ctx.pipeline().remove(decoder);
        HandshakeDeadline.remove(ch);
        Relay.holdEarlyInput(ch);
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
        if (!(cause instanceof io.netty.handler.timeout.ReadTimeoutException)) {
            sayHandshakeFailed(ctx, cause);
        }
        ctx.close();
    }

    /** At debug: a client's request refused before it was routed leaves no route line to say why. */
    public static void sayHandshakeFailed(ChannelHandlerContext ctx, Throwable cause) {
        if (log.isDebugEnabled()) {
            log.debug("client {} failed during its handshake: {}", ctx.channel().remoteAddress(), cause.toString());
        }
    }

    public static void release(CompositeByteBuf held) {
        if (held != null && held.refCnt() > 0) {
            held.release();
        }
    }
}
