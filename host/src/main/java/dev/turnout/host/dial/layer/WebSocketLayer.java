package dev.turnout.host.dial.layer;

import dev.turnout.api.WebSocketOptions;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelPipeline;
import io.netty.handler.codec.http.DefaultHttpHeaders;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpClientCodec;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.websocketx.WebSocketClientHandshaker13;
import io.netty.handler.codec.http.websocketx.WebSocketFrameDecoder;
import io.netty.handler.codec.http.websocketx.WebSocketFrameEncoder;
import io.netty.handler.codec.http.websocketx.WebSocketVersion;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.Future;
import io.netty.util.concurrent.Promise;
import io.netty.util.concurrent.ScheduledFuture;
import java.io.IOException;
import java.net.URI;
import java.net.URISyntaxException;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * A WebSocket client upgrade on a connected channel (Clash's {@code network: ws}), after which the channel
 * carries a byte stream as binary frames ({@link WebSocketStream}).
 */
public final class WebSocketLayer {

    private static final long HANDSHAKE_TIMEOUT_MILLIS = 10_000;
    /** Frames larger than this from the server end the connection; v2ray and Xray send at most a few KiB. */
    private static final int MAX_FRAME = 1 << 20;

    /** See {@link dev.turnout.api.OutboundContext#webSocket}. */
    public Future<Channel> start(Channel channel, WebSocketOptions options, String host) {
        Promise<Channel> promise = channel.eventLoop().newPromise();
        HttpHeaders headers = new DefaultHttpHeaders();
        String hostHeader = hostHeader(options, host);
        for (Map.Entry<String, String> h : options.headers().entrySet()) {
            if (!h.getKey().equalsIgnoreCase("host")) {
                headers.set(h.getKey(), h.getValue());
            }
        }
        URI uri;
        try {
            uri = new URI("ws", null, hostHeader, -1, null, null, null).resolve(options.path());
        } catch (URISyntaxException | IllegalArgumentException e) {
            channel.close();
            return promise.setFailure(new IOException("WebSocket path '" + options.path() + "' for " + hostHeader
                    + " is not a valid URI: " + e.getMessage(), e));
        }
        // Netty would add the port when the URI has one; Clash sends the bare host, which servers match on.
        headers.set(HttpHeaderNames.HOST, hostHeader);
        // The upgrade mihomo's Go client writes: a User-Agent (Go's own unless the node gives one) and no Origin,
        // which Netty would add; a server or CDN rule that checks them sees the request it sees from mihomo.
        if (!headers.contains(HttpHeaderNames.USER_AGENT)) {
            headers.set(HttpHeaderNames.USER_AGENT, "Go-http-client/1.1");
        }
        Handshake handshake = new Handshake(uri, headers);
        HttpClientCodec codec = new HttpClientCodec();
        HttpObjectAggregator aggregator = new HttpObjectAggregator(8192);
        // Unnamed (Netty names them uniquely), and found again by reference, never by name or class: a chain may put
        // two WebSocket hops in one pipeline, where Netty's handshaker would add a second "ws-encoder" and take the
        // first hop's HTTP codec for the second's.
        channel.pipeline().addLast(codec, aggregator, new Upgrade(handshake, codec, aggregator, promise, hostHeader));
        ScheduledFuture<?> timeout = channel.eventLoop().schedule(() -> {
            if (promise.tryFailure(new IOException("WebSocket upgrade at " + hostHeader + options.path()
                    + " got no answer in " + HANDSHAKE_TIMEOUT_MILLIS + " ms"))) {
                channel.close();
            }
        }, HANDSHAKE_TIMEOUT_MILLIS, TimeUnit.MILLISECONDS);
        promise.addListener(f -> timeout.cancel(false));
        channel.writeAndFlush(handshake.request()).addListener(f -> {
            if (!f.isSuccess() && promise.tryFailure(f.cause())) {
                channel.close();
            }
        });
        // Dialers hand over channels with auto-read off, so that nothing is read before the relay is in place.
        channel.read();
        return promise;
    }

    private static String hostHeader(WebSocketOptions options, String host) {
        for (Map.Entry<String, String> h : options.headers().entrySet()) {
            if (h.getKey().equalsIgnoreCase("host")) {
                return h.getValue();
            }
        }
        return host;
    }

    /**
     * Netty's RFC 6455 client handshake, used for the request it writes and the answer it checks only: its own
     * {@code handshake} and {@code finishHandshake} change the pipeline by fixed names and by class.
     */
    private static final class Handshake extends WebSocketClientHandshaker13 {

        private final boolean originAsked;

        Handshake(URI uri, HttpHeaders headers) {
            super(uri, WebSocketVersion.V13, null, false, headers, MAX_FRAME, true, false, HANDSHAKE_TIMEOUT_MILLIS);
            this.originAsked = headers.contains(HttpHeaderNames.ORIGIN);
        }

        FullHttpRequest request() {
            FullHttpRequest request = newHandshakeRequest();
            // mihomo's Go client sends none; Netty adds one unless the node gives its own.
            if (!originAsked) {
                request.headers().remove(HttpHeaderNames.ORIGIN);
            }
            return request;
        }

        void check(FullHttpResponse response) {
            verify(response);
        }

        WebSocketFrameEncoder frameEncoder() {
            return newWebSocketEncoder();
        }

        WebSocketFrameDecoder frameDecoder() {
            return newWebsocketDecoder();
        }
    }

    /** Waits for the server's 101, then puts the frame codec where the HTTP codec was and the frame adapter last. */
    private static final class Upgrade extends ChannelInboundHandlerAdapter {

        private final Handshake handshake;
        private final HttpClientCodec codec;
        private final HttpObjectAggregator aggregator;
        private final Promise<Channel> promise;
        private final String host;

        Upgrade(Handshake handshake, HttpClientCodec codec, HttpObjectAggregator aggregator, Promise<Channel> promise,
                String host) {
            this.handshake = handshake;
            this.codec = codec;
            this.aggregator = aggregator;
            this.promise = promise;
            this.host = host;
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            if (!(msg instanceof FullHttpResponse response)) {
                ReferenceCountUtil.release(msg);
                fail(ctx, new IOException("WebSocket upgrade at " + host + " got " + msg.getClass().getSimpleName()));
                return;
            }
            try {
                handshake.check(response);
            } catch (RuntimeException e) {
                fail(ctx, new IOException("WebSocket upgrade at " + host + " refused: " + e.getMessage(), e));
                return;
            } finally {
                response.release();
            }
            ChannelPipeline pipeline = ctx.pipeline();
            String at = pipeline.context(codec).name();
            codec.removeOutboundHandler();
            pipeline.addAfter(at, null, handshake.frameEncoder());
            pipeline.addAfter(at, null, handshake.frameDecoder());
            pipeline.remove(aggregator);
            pipeline.replace(this, null, new WebSocketStream());
            // Later, as Netty's handshaker does: the codec is inside its decode loop and passes on, as bytes, whatever
            // came after the 101 in the same read, which the frame decoder after it takes.
            ctx.channel().eventLoop().execute(() -> {
                if (pipeline.context(codec) != null) {
                    pipeline.remove(codec);
                }
            });
            promise.trySuccess(ctx.channel());
        }

        @Override
        public void channelReadComplete(ChannelHandlerContext ctx) {
            if (!promise.isDone()) {
                ctx.read();
            }
            ctx.fireChannelReadComplete();
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) {
            promise.tryFailure(new IOException("WebSocket upgrade at " + host + ": the server closed the connection"));
            ctx.fireChannelInactive();
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            fail(ctx, cause);
        }

        private void fail(ChannelHandlerContext ctx, Throwable cause) {
            if (promise.tryFailure(cause)) {
                ctx.close();
            }
        }
    }
}
