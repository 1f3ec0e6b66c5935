package dev.turnout.host.inbound.socks5;

import dev.turnout.api.Destination;
import dev.turnout.api.Metadata;
import dev.turnout.api.Network;
import dev.turnout.api.RejectedException;
import dev.turnout.host.inbound.Authentication;
import dev.turnout.host.inbound.HandshakeDeadline;
import dev.turnout.host.inbound.InboundSupport;
import dev.turnout.host.tunnel.StreamReadiness;
import dev.turnout.host.tunnel.Tunnel;
import io.netty.buffer.CompositeByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.DecoderException;
import io.netty.handler.codec.DecoderResult;
import io.netty.handler.codec.socksx.v5.DefaultSocks5CommandResponse;
import io.netty.handler.codec.socksx.v5.DefaultSocks5InitialResponse;
import io.netty.handler.codec.socksx.v5.DefaultSocks5PasswordAuthResponse;
import io.netty.handler.codec.socksx.v5.Socks5AddressDecoder;
import io.netty.handler.codec.socksx.v5.Socks5AddressType;
import io.netty.handler.codec.socksx.v5.Socks5AuthMethod;
import io.netty.handler.codec.socksx.v5.Socks5CommandRequest;
import io.netty.handler.codec.socksx.v5.Socks5CommandRequestDecoder;
import io.netty.handler.codec.socksx.v5.Socks5CommandStatus;
import io.netty.handler.codec.socksx.v5.Socks5CommandType;
import io.netty.handler.codec.socksx.v5.Socks5InitialRequest;
import io.netty.handler.codec.socksx.v5.Socks5Message;
import io.netty.handler.codec.socksx.v5.Socks5PasswordAuthRequest;
import io.netty.handler.codec.socksx.v5.Socks5PasswordAuthStatus;
import io.netty.util.NetUtil;
import io.netty.util.ReferenceCountUtil;
import java.net.ConnectException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.NoRouteToHostException;
import java.net.UnknownHostException;

/**
 * The SOCKS5 side of the mixed port (RFC 1928): no authentication, or a user and password (RFC 1929) from the
 * clients {@code authentication} asks; CONNECT and UDP ASSOCIATE. Every
 * request goes to the tunnel; error replies say why (2 for a rule's REJECT, 4 for an unknown host, 5 for a
 * refused connection).
 */
public final class Socks5ServerHandler extends ChannelInboundHandlerAdapter {

    /**
     * Netty's address decoder, except that an unknown ATYP fails with its own exception, to reply 0x08, and that a
     * name is read as UTF-8, not ASCII: a client that sends a name beyond ASCII as it is, not in punycode, gets it
     * turned into punycode by the request (IDN), the form resolvers and rule sets use. Clash 1.18 takes such a name
     * as its bytes; Netty's reading made it fail IDN and the request was refused.
     */
    static final Socks5AddressDecoder ADDRESSES = (type, in) -> {
        if (type.equals(Socks5AddressType.DOMAIN)) {
            byte[] name = new byte[in.readUnsignedByte()];
            in.readBytes(name);
            return Socks5Text.utf8(java.nio.ByteBuffer.wrap(name), "a name");
        }
        if (!type.equals(Socks5AddressType.IPv4) && !type.equals(Socks5AddressType.IPv6)) {
            throw new UnknownAddressType(type);
        }
        return Socks5AddressDecoder.DEFAULT.decodeAddress(type, in);
    };

    private static final class UnknownAddressType extends DecoderException {
        UnknownAddressType(Socks5AddressType type) {
            super("unsupported address type: " + (type.byteValue() & 0xFF));
        }
    }

    private final Tunnel tunnel;
    private final InetAddress bindAddress;
    private final Authentication authentication;
    private final boolean udp;
    private CompositeByteBuf early;
    private boolean routing;

    /** @param authentication whom to ask for a user and password (RFC 1929) before a command */
    public Socks5ServerHandler(Tunnel tunnel, InetAddress bindAddress, Authentication authentication) {
        this(tunnel, bindAddress, authentication, true);
    }

    /** @param udp whether UDP ASSOCIATE opens a relay (a listener's {@code udp: false} opens none, as mihomo's) */
    public Socks5ServerHandler(Tunnel tunnel, InetAddress bindAddress, Authentication authentication, boolean udp) {
        this.tunnel = tunnel;
        this.bindAddress = bindAddress;
        this.authentication = authentication;
        this.udp = udp;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (routing) {
            // Bytes the client sent before our reply: hold them for the destination.
            early = InboundSupport.hold(ctx, early, msg);
            return;
        }
        if (msg instanceof Socks5Message m && isFailure(m.decoderResult())) {
            ReferenceCountUtil.release(msg);
            // Netty's decoder refuses a name IDN cannot read (an empty label: ".example.com", "a..b").
            InboundSupport.sayHandshakeFailed(ctx, m.decoderResult().cause());
            // Say why before closing: no usable method for a bad greeting, "address type not supported" for an
            // ATYP RFC 1928 does not define, a general failure for any other bad request.
            Object reply = msg instanceof Socks5InitialRequest
                    ? new DefaultSocks5InitialResponse(Socks5AuthMethod.UNACCEPTED)
                    : msg instanceof Socks5PasswordAuthRequest
                    ? new DefaultSocks5PasswordAuthResponse(Socks5PasswordAuthStatus.FAILURE)
                    : new DefaultSocks5CommandResponse(m.decoderResult().cause() instanceof UnknownAddressType
                            ? Socks5CommandStatus.ADDRESS_UNSUPPORTED : Socks5CommandStatus.FAILURE,
                            Socks5AddressType.IPv4, "0.0.0.0", 0);
            ctx.writeAndFlush(reply).addListener(ChannelFutureListener.CLOSE);
            return;
        }
        if (msg instanceof Socks5InitialRequest initial) {
            Socks5AuthMethod method = authentication.asks((InetSocketAddress) ctx.channel().remoteAddress())
                    ? Socks5AuthMethod.PASSWORD : Socks5AuthMethod.NO_AUTH;
            if (!initial.authMethods().contains(method)) {
                ctx.writeAndFlush(new DefaultSocks5InitialResponse(Socks5AuthMethod.UNACCEPTED))
                        .addListener(ChannelFutureListener.CLOSE);
                return;
            }
            ctx.pipeline().replace("socks5-decoder", "socks5-decoder", method == Socks5AuthMethod.PASSWORD
                    ? new Socks5LoginDecoder() : new Socks5CommandRequestDecoder(ADDRESSES));
            ctx.writeAndFlush(new DefaultSocks5InitialResponse(method));
            return;
        }
        if (msg instanceof Socks5PasswordAuthRequest login) {
            if (!authentication.accepts(login.username(), login.password())) {
                ctx.writeAndFlush(new DefaultSocks5PasswordAuthResponse(Socks5PasswordAuthStatus.FAILURE))
                        .addListener(ChannelFutureListener.CLOSE);
                return;
            }
            ctx.channel().attr(InboundSupport.INBOUND_USER).set(login.username());
            ctx.pipeline().replace("socks5-decoder", "socks5-decoder", new Socks5CommandRequestDecoder(ADDRESSES));
            ctx.writeAndFlush(new DefaultSocks5PasswordAuthResponse(Socks5PasswordAuthStatus.SUCCESS));
            return;
        }
        if (msg instanceof Socks5CommandRequest request) {
            command(ctx, request);
            return;
        }
        ReferenceCountUtil.release(msg);
        ctx.close();
    }

    private static boolean isFailure(DecoderResult result) {
        return result != null && result.isFailure();
    }

    private void command(ChannelHandlerContext ctx, Socks5CommandRequest request) {
        Channel ch = ctx.channel();
        Destination destination;
        try {
            destination = destinationOf(request);
        } catch (IllegalArgumentException e) {
            // A name with a control character, or one that ends in a number without being an address.
            InboundSupport.sayHandshakeFailed(ctx, e);
            destination = null;
        }
        if (request.type() == Socks5CommandType.CONNECT) {
            if (destination == null) {
                replyAndClose(ctx, Socks5CommandStatus.ADDRESS_UNSUPPORTED);
                return;
            }
            routing = true;
            InboundSupport.beginRouting(ctx, "socks5-decoder");
            Metadata flow = InboundSupport.flow(Network.TCP, destination, (InetSocketAddress) ch.remoteAddress(),
                    "socks5", ch, "SOCKS5");
            tunnel.routeStream(ch, flow, new Readiness(ctx));
        } else if (request.type() == Socks5CommandType.UDP_ASSOCIATE) {
            ctx.pipeline().remove("socks5-decoder");
            HandshakeDeadline.remove(ch);
            if (udp) {
                Socks5UdpAssociation.open(ctx, tunnel, bindAddress);
            } else {
                answerWithoutRelay(ctx);
            }
            ctx.pipeline().remove(this);
        } else {
            replyAndClose(ctx, Socks5CommandStatus.COMMAND_UNSUPPORTED);
        }
    }

    /**
     * Where {@code request} goes ({@code null}: nowhere it can name); a name that spells an address is the address.
     *
     * @throws IllegalArgumentException for a name no flow may go to, saying why
     */
    private static Destination destinationOf(Socks5CommandRequest request) {
        try {
            if (request.dstAddrType() == Socks5AddressType.DOMAIN) {
                return request.dstAddr().isEmpty() ? null : Destination.ofHost(request.dstAddr(), request.dstPort());
            }
            byte[] raw = NetUtil.createByteArrayFromIpAddressString(request.dstAddr());
            return raw == null ? null : Destination.ofAddress(InetAddress.getByAddress(raw), request.dstPort());
        } catch (UnknownHostException e) {
            return null;
        }
    }

    /**
     * UDP ASSOCIATE on a listener with {@code udp: false}, as mihomo's socks server answers it there: success, naming
     * the control connection's own address (where no relay listens, so a datagram sent there goes nowhere), and
     * the connection held, its bytes discarded, until the client closes it (listener/socks/tcp.go HandleSocks5).
     */
    private static void answerWithoutRelay(ChannelHandlerContext ctx) {
        answerAssociateAndHold(ctx, (InetSocketAddress) ctx.channel().localAddress());
    }

    /**
     * Answers a UDP ASSOCIATE with {@code relay} as the address to send datagrams to, and keeps the control
     * connection open with its bytes discarded: it carries nothing more, and its end is the association's end.
     */
    static void answerAssociateAndHold(ChannelHandlerContext ctx, InetSocketAddress relay) {
        Socks5AddressType type = relay.getAddress() instanceof java.net.Inet6Address
                ? Socks5AddressType.IPv6 : Socks5AddressType.IPv4;
        ctx.writeAndFlush(new DefaultSocks5CommandResponse(Socks5CommandStatus.SUCCESS, type,
                relay.getAddress().getHostAddress(), relay.getPort()));
        ctx.pipeline().remove("socks5-encoder");
        ctx.pipeline().addLast(new io.netty.channel.ChannelInboundHandlerAdapter() {
            @Override
            public void channelRead(ChannelHandlerContext c, Object msg) {
                ReferenceCountUtil.release(msg);
            }

            @Override
            public void exceptionCaught(ChannelHandlerContext c, Throwable cause) {
                c.close();
            }
        });
    }

    private static void replyAndClose(ChannelHandlerContext ctx, Socks5CommandStatus status) {
        ctx.writeAndFlush(new DefaultSocks5CommandResponse(status, Socks5AddressType.IPv4, "0.0.0.0", 0))
                .addListener(ChannelFutureListener.CLOSE);
    }

    static Socks5CommandStatus statusFor(Throwable cause) {
        if (cause instanceof RejectedException) {
            return Socks5CommandStatus.FORBIDDEN;
        }
        if (cause instanceof UnknownHostException || cause instanceof NoRouteToHostException) {
            return Socks5CommandStatus.HOST_UNREACHABLE;
        }
        if (cause instanceof ConnectException) {
            return Socks5CommandStatus.CONNECTION_REFUSED;
        }
        return Socks5CommandStatus.FAILURE;
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
            InetSocketAddress local = (InetSocketAddress) outbound.localAddress();
            Socks5AddressType type = local != null && local.getAddress() instanceof java.net.Inet6Address
                    ? Socks5AddressType.IPv6 : Socks5AddressType.IPv4;
            String host = local == null ? "0.0.0.0" : local.getAddress().getHostAddress();
            int port = local == null ? 0 : local.getPort();
            ctx.writeAndFlush(new DefaultSocks5CommandResponse(Socks5CommandStatus.SUCCESS, type, host, port));
            ctx.pipeline().remove("socks5-encoder");
            InboundSupport.forward(early, outbound);
            early = null;
            ctx.pipeline().remove(Socks5ServerHandler.this);
        }

        @Override
        public void failed(Throwable cause) {
            replyAndClose(ctx, statusFor(cause));
        }
    }
}
