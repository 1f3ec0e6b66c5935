package dev.turnout.host.inbound.http;

import dev.turnout.api.Metadata;
import dev.turnout.api.Network;
import dev.turnout.api.RejectedException;
import dev.turnout.host.inbound.InboundSupport;
import dev.turnout.host.relay.Relay;
import dev.turnout.host.tunnel.StreamReadiness;
import dev.turnout.host.tunnel.Tunnel;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.CompositeByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;

/**
 * The HTTP side of the mixed port: CONNECT tunnels and plain requests with absolute URIs. It reads the
 * request head itself (bounded), so the bytes after it go to the destination exactly as the client sent them.
 */
public final class HttpProxyHandler extends ChannelInboundHandlerAdapter {

    static final int MAX_HEAD_BYTES = 16 * 1024;

    private final Tunnel tunnel;
    private CompositeByteBuf buffered;
    private boolean routing;

    public HttpProxyHandler(Tunnel tunnel) {
        this.tunnel = tunnel;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        buffered = InboundSupport.hold(ctx, buffered, msg);
        if (routing || buffered == null) {
            return;
        }
        int end = ByteBufUtil.indexOf(Unpooled.wrappedBuffer(new byte[] {'\r', '\n', '\r', '\n'}), buffered);
        if (end < 0) {
            if (buffered.readableBytes() > MAX_HEAD_BYTES) {
                respond(ctx, 431, "request head too large");
            }
            return;
        }
        String head = buffered.toString(buffered.readerIndex(), end - buffered.readerIndex(), StandardCharsets.ISO_8859_1);
        buffered.readerIndex(end + 4);
        ProxyRequestHead request;
        try {
            request = ProxyRequestHead.parse(head);
        } catch (ProxyRequestHead.BadRequest e) {
            respond(ctx, e.status, e.getMessage());
            return;
        }
        routing = true;
        Channel ch = ctx.channel();
        ch.config().setAutoRead(false);
        ctx.pipeline().remove("handshake-timeout");
        Relay.holdEarlyInput(ch); // an HTTP/1.0 client may send its request and its FIN at once
        Metadata flow = new Metadata(Network.TCP, request.destination(), (InetSocketAddress) ch.remoteAddress(), "http", null);
        tunnel.routeStream(ch, flow, new Readiness(ctx, request));
    }

    private void respond(ChannelHandlerContext ctx, int status, String reason) {
        InboundSupport.release(buffered);
        buffered = null;
        routing = true;
        String body = reason + "\n";
        String text = "HTTP/1.1 " + status + " " + phrase(status) + "\r\nContent-Type: text/plain\r\nContent-Length: "
                + body.length() + "\r\nConnection: close\r\nProxy-Agent: Turnout\r\n\r\n" + body;
        ctx.writeAndFlush(Unpooled.copiedBuffer(text, StandardCharsets.ISO_8859_1)).addListener(ChannelFutureListener.CLOSE);
    }

    private static String phrase(int status) {
        return switch (status) {
            case 400 -> "Bad Request";
            case 403 -> "Forbidden";
            case 431 -> "Request Header Fields Too Large";
            case 504 -> "Gateway Timeout";
            default -> "Bad Gateway";
        };
    }

    @Override
    public void handlerRemoved(ChannelHandlerContext ctx) {
        InboundSupport.release(buffered);
        buffered = null;
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        InboundSupport.closeOnError(ctx, cause);
    }

    private final class Readiness implements StreamReadiness {
        private final ChannelHandlerContext ctx;
        private final ProxyRequestHead request;

        Readiness(ChannelHandlerContext ctx, ProxyRequestHead request) {
            this.ctx = ctx;
            this.request = request;
        }

        @Override
        public void connected(Channel outbound) {
            if (request.isConnect()) {
                ctx.writeAndFlush(Unpooled.copiedBuffer("HTTP/1.1 200 Connection established\r\nProxy-Agent: Turnout\r\n\r\n",
                        StandardCharsets.ISO_8859_1));
            } else {
                outbound.write(Unpooled.copiedBuffer(request.rewrittenForOrigin(), StandardCharsets.ISO_8859_1),
                        outbound.voidPromise());
            }
            CompositeByteBuf rest = buffered;
            buffered = null;
            if (rest != null && rest.isReadable()) {
                outbound.write(rest, outbound.voidPromise());
            } else if (rest != null) {
                rest.release();
            }
            outbound.flush();
            ctx.pipeline().remove(HttpProxyHandler.this);
        }

        @Override
        public void failed(Throwable cause) {
            int status = cause instanceof RejectedException ? 403
                    : cause instanceof io.netty.channel.ConnectTimeoutException ? 504 : 502;
            String reason = cause instanceof UnknownHostException ? "cannot resolve " + request.destination().hostOrAddress()
                    : cause.getMessage() != null ? cause.getMessage() : cause.getClass().getSimpleName();
            respond(ctx, status, reason);
        }
    }
}
