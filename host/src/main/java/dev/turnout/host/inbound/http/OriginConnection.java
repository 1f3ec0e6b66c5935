package dev.turnout.host.inbound.http;

import dev.turnout.host.flow.Flow;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelOption;
import io.netty.channel.ChannelPromise;
import io.netty.handler.codec.http.HttpClientCodec;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpDecoderConfig;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.util.ReferenceCountUtil;

/**
 * The proxy's connection to one origin server (through the outbound a request was routed to): sends requests
 * and passes their responses to the client, one at a time. Reading is response-driven: the server is read
 * while a response is wanted and the client can take it.
 */
final class OriginConnection extends ChannelInboundHandlerAdapter {

    private static final String CODEC = "origin-codec";
    private static final String COUNTER = "origin-counter";

    /** As strict as for requests; servers send bigger heads (cookies) than clients. */
    private static final HttpDecoderConfig RESPONSES = HttpProxyHandler.decoding().setMaxHeaderSize(64 * 1024);

    final Channel channel;
    final Counter counter = new Counter();
    private final HttpProxyHandler proxy;
    private final ProxyTarget target;
    private final String outbound;
    /** The request being answered, or null while the connection waits for the next one. */
    HttpProxyHandler.Exchange exchange;
    /** The server lets the connection serve another request. */
    boolean reusable = true;
    private boolean finalResponse;
    /** The response was a 101 to an upgrade request. */
    private boolean switched;

    OriginConnection(HttpProxyHandler proxy, Channel channel, ProxyTarget target, String outbound) {
        this.proxy = proxy;
        this.channel = channel;
        this.target = target;
        this.outbound = outbound;
        channel.config().setAutoRead(false);
        // The server's FIN ends a response read to the close: the codec ends it, and the connection is done.
        channel.config().setOption(ChannelOption.ALLOW_HALF_CLOSURE, false);
        channel.pipeline().addLast(COUNTER, counter);
        channel.pipeline().addLast(CODEC, new HttpClientCodec(RESPONSES, false, false));
        channel.pipeline().addLast("origin", this);
    }

    /** For the next request: the same destination through the same outbound, and still open. */
    boolean serves(ProxyTarget next, String nextOutbound) {
        return reusable && channel.isActive() && target.destination().equals(next.destination())
                && outbound.equals(nextOutbound);
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        HttpProxyHandler.Exchange ex = exchange;
        Channel client = proxy.client();
        if (msg instanceof ByteBuf) {
            // After a switch of protocols: the bytes the codec held past the 101's head.
            client.write(msg, client.voidPromise());
            return;
        }
        if (ex == null || ex.responseDone) {
            // Nothing was asked: a server that speaks out of turn cannot be trusted with the next request.
            ReferenceCountUtil.release(msg);
            reusable = false;
            if (ex == null) {
                channel.close();
            }
            return;
        }
        if (msg instanceof HttpResponse response) {
            if (response.decoderResult().isFailure()) {
                ReferenceCountUtil.release(msg);
                reusable = false;
                channel.close(); // channelInactive answers 502 or cuts the client off
                return;
            }
            int code = response.status().code();
            boolean switching = code == HttpResponseStatus.SWITCHING_PROTOCOLS.code() && ex.upgrading;
            boolean informational = code / 100 == 1 && !switching;
            reusable &= HttpUtil.isKeepAlive(response);
            HopByHop.strip(response, switching);
            finalResponse = !informational;
            switched = switching;
            if (finalResponse && !switching) {
                // Without a length or chunks the response ends at the server's close, and so must the client's.
                boolean delimited = ex.head || code == 204 || code == 304 || HttpUtil.isContentLengthSet(response)
                        || HttpUtil.isTransferEncodingChunked(response);
                ex.closeClient |= !ex.clientKeepAlive || !delimited;
                if (ex.closeClient) {
                    response.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
                } else if (response.protocolVersion().equals(HttpVersion.HTTP_1_0)) {
                    response.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.KEEP_ALIVE);
                }
            }
            ex.responseStarted = true;
            client.write(msg, client.voidPromise());
            return;
        }
        if (msg instanceof HttpContent) {
            if (msg instanceof LastHttpContent && finalResponse) {
                ex.responseDone = true;
                ex.lastWrite = client.writeAndFlush(msg);
                if (switched) {
                    proxy.upgraded(ex);
                } else {
                    proxy.finishIfDone(ex);
                }
                return;
            }
            client.write(msg, client.voidPromise());
            return;
        }
        ReferenceCountUtil.release(msg);
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
        Channel client = proxy.client();
        client.flush();
        HttpProxyHandler.Exchange ex = exchange;
        if (ex != null && !ex.responseDone && client.isWritable()) {
            channel.read();
        }
    }

    @Override
    public void channelWritabilityChanged(ChannelHandlerContext ctx) {
        // The server drained: the request's body may go on.
        HttpProxyHandler.Exchange ex = exchange;
        if (ctx.channel().isWritable() && ex != null && !ex.requestSent) {
            proxy.originWritable();
        }
        ctx.fireChannelWritabilityChanged();
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        HttpProxyHandler.Exchange ex = exchange;
        exchange = null;
        reusable = false;
        if (ex == null || ex.responseDone) {
            return; // a kept connection the server closed, or one whose answer is through
        }
        proxy.originLost(ex);
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        reusable = false;
        ctx.close();
    }

    /** The connection now carries raw bytes: the codec passes on what it held, and this steps aside. */
    void toRaw() {
        exchange = null;
        channel.pipeline().remove(CODEC);
        channel.pipeline().remove(COUNTER);
        channel.pipeline().remove(this);
    }

    /** Counts the connection's raw bytes, heads included, on the flow of the request it serves. */
    static final class Counter extends ChannelDuplexHandler {
        Flow flow;

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            if (flow != null && msg instanceof ByteBuf buf) {
                flow.countDownload(buf.readableBytes());
            }
            ctx.fireChannelRead(msg);
        }

        @Override
        public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) {
            if (flow != null && msg instanceof ByteBuf buf) {
                flow.countUpload(buf.readableBytes());
            }
            ctx.write(msg, promise);
        }
    }
}
