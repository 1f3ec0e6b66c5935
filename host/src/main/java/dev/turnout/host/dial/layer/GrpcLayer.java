package dev.turnout.host.dial.layer;

import dev.turnout.api.GrpcOptions;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.handler.codec.http2.DefaultHttp2Headers;
import io.netty.handler.codec.http2.DefaultHttp2HeadersFrame;
import io.netty.handler.codec.http2.DefaultHttp2WindowUpdateFrame;
import io.netty.handler.codec.http2.Http2FrameCodec;
import io.netty.handler.codec.http2.Http2FrameCodecBuilder;
import io.netty.handler.codec.http2.Http2Headers;
import io.netty.handler.codec.http2.Http2MultiplexHandler;
import io.netty.handler.codec.http2.Http2Settings;
import io.netty.handler.codec.http2.Http2StreamChannel;
import io.netty.handler.codec.http2.Http2StreamChannelBootstrap;
import io.netty.handler.ssl.SslHandler;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.Future;
import io.netty.util.concurrent.Promise;
import java.io.IOException;

/**
 * V2Ray's gRPC ("gun") tunnel on a connected channel (Clash's {@code network: grpc}): HTTP/2 over the connection's
 * TLS (or in clear, as mihomo does without {@code tls}), one bidirectional call to {@code /<service>/Tun} whose
 * messages carry the byte stream ({@link GunStream}). One call per connection: the connection lives and dies with
 * its flow, as a WebSocket's does. (mihomo shares one connection among a node's calls.)
 */
public final class GrpcLayer {

    /**
     * The windows Go's HTTP/2 client opens, which mihomo's gRPC transport uses: with HTTP/2's default 64 KiB a
     * stream could carry 64 KiB per round trip, 5 Mbit/s to a server 100 ms away. The stream's window bounds
     * what the server may send ahead of the relay; the connection carries one stream.
     */
    private static final int STREAM_WINDOW = 4 << 20;
    private static final int CONNECTION_WINDOW = 1 << 30;
    private static final int DEFAULT_WINDOW = 65_535;

    /**
     * See {@link dev.turnout.api.OutboundContext#grpc}. Call it on the connection's event loop when the layer
     * below completes (as {@code Steps.then} does): the server speaks first (its SETTINGS), and bytes read before
     * the HTTP/2 codec is in place would be lost.
     */
    public Future<Channel> start(Channel connection, GrpcOptions options, String authority) {
        Promise<Channel> promise = connection.eventLoop().newPromise();
        String call = authority + options.path();
        SslHandler tls = connection.pipeline().get(SslHandler.class);
        if (tls != null && !"h2".equals(tls.applicationProtocol())) {
            connection.close();
            return promise.setFailure(new IOException("gRPC at " + call + ": the server did not agree to HTTP/2"
                    + " in the TLS handshake (ALPN: " + (tls.applicationProtocol() == null ? "none"
                    : tls.applicationProtocol()) + ")"));
        }
        Http2FrameCodec codec = Http2FrameCodecBuilder.forClient()
                .initialSettings(Http2Settings.defaultSettings().initialWindowSize(STREAM_WINDOW).pushEnabled(false))
                .build();
        connection.pipeline().addLast("turnout-h2", codec);
        connection.pipeline().addLast("turnout-h2-streams", new Http2MultiplexHandler(new RefusePushedStreams()));
        connection.pipeline().addLast("turnout-h2-errors", new CloseOnError());
        // No stream: the connection's own window.
        connection.write(new DefaultHttp2WindowUpdateFrame(CONNECTION_WINDOW - DEFAULT_WINDOW));
        Http2Headers request = new DefaultHttp2Headers()
                .method("POST")
                .scheme(tls == null ? "http" : "https")
                .authority(authority)
                .path(options.path())
                .add("content-type", "application/grpc")
                .add("te", "trailers")
                // What mihomo sends; servers behind CDNs see the same client whichever Clash core dialled.
                .add("user-agent", "grpc-go/1.36.0");
        new Http2StreamChannelBootstrap(connection)
                .option(ChannelOption.AUTO_READ, false)
                .handler(new ChannelInitializer<Http2StreamChannel>() {
                    @Override
                    protected void initChannel(Http2StreamChannel stream) {
                        stream.pipeline().addLast("turnout-grpc-stream", new GunStream(call));
                        stream.pipeline().addLast("turnout-grpc-messages", new GunMessages(call));
                    }
                })
                .open()
                .addListener((Future<Http2StreamChannel> opened) -> {
                    if (!opened.isSuccess()) {
                        connection.close();
                        promise.tryFailure(new IOException("gRPC at " + call + ": " + opened.cause(), opened.cause()));
                        return;
                    }
                    Http2StreamChannel stream = opened.getNow();
                    stream.closeFuture().addListener(closed -> connection.close());
                    stream.writeAndFlush(new DefaultHttp2HeadersFrame(request, false)).addListener(sent -> {
                        if (sent.isSuccess()) {
                            promise.trySuccess(stream);
                        } else if (promise.tryFailure(new IOException("gRPC at " + call + ": the request was not"
                                + " sent: " + sent.cause(), sent.cause()))) {
                            connection.close();
                        }
                    });
                });
        // The stream's own reading is the relay's to turn on; the connection's frames (settings, window updates,
        // the stream's data into its queue) must always be read.
        connection.config().setAutoRead(true);
        connection.read();
        return promise;
    }

    /** A server may not open streams toward a client it promised nothing; such a stream is closed at once. */
    @ChannelHandler.Sharable
    private static final class RefusePushedStreams extends ChannelInboundHandlerAdapter {
        @Override
        public void channelActive(ChannelHandlerContext ctx) {
            ctx.close();
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            ReferenceCountUtil.release(msg);
        }
    }

    /** A broken connection (a protocol error, a GOAWAY's aftermath) ends its one call with it. */
    private static final class CloseOnError extends ChannelInboundHandlerAdapter {
        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            ctx.close();
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            // GOAWAY, PING and SETTINGS frames the codec has already acted on.
            ReferenceCountUtil.release(msg);
        }
    }
}
