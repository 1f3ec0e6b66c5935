package dev.turnout.host.dial.layer;

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
import java.util.function.Consumer;

/**
 * One HTTP/2 request whose bodies carry a flow, on a connection of its own ({@link #open}) or on one that carries
 * several ({@link #start}, then {@link #call} for each; {@link GrpcConnections}), over TLS that agreed on
 * {@code h2} or in clear: the transports gRPC and h2 are this with their own request and framing.
 *
 * <p>Start it on the connection's event loop when the layer below completes (as {@code Steps.then} does): the
 * server speaks first (its SETTINGS), and bytes read before the HTTP/2 codec is in place would be lost.
 */
final class Http2Call {

    /**
     * The windows Go's HTTP/2 client opens, which mihomo's transports use: with HTTP/2's default 64 KiB a stream
     * could carry 64 KiB per round trip, 5 Mbit/s to a server 100 ms away. The stream's window bounds what the
     * server may send ahead of the relay (a flow's, since each stream is one); the connection's is shared by its
     * streams, as in Go.
     */
    private static final int STREAM_WINDOW = 4 << 20;
    private static final int CONNECTION_WINDOW = 1 << 30;
    private static final int DEFAULT_WINDOW = 65_535;
    /** The codec's name in a connection's pipeline. */
    static final String CODEC = "turnout-h2";

    private Http2Call() {
    }

    /** A request's headers with the pseudo-headers filled in; {@code https} over TLS. */
    static Http2Headers request(Channel connection, String method, String authority, String path) {
        return new DefaultHttp2Headers()
                .method(method)
                .scheme(TlsLayer.innermost(connection.pipeline()) == null ? "http" : "https")
                .authority(authority)
                .path(path);
    }

    /**
     * Sends {@code request} (its body left open) on a new stream of {@code connection}, a connection of its own,
     * and completes with the stream's channel, auto-read off, {@code streamPipeline} having put its handlers in
     * place; failures are told as {@code what} ({@code gRPC at host/Svc/Tun}). The connection closes with the stream.
     */
    static Future<Channel> open(Channel connection, Http2Headers request, Consumer<Channel> streamPipeline,
                                String what) {
        try {
            start(connection, what);
        } catch (IOException e) {
            return connection.eventLoop().newFailedFuture(e);
        }
        connection.pipeline().addLast("turnout-h2-errors", new CloseOnError());
        Future<Channel> call = call(connection, request, streamPipeline, what);
        call.addListener(opened -> {
            if (opened.isSuccess()) {
                call.getNow().closeFuture().addListener(closed -> connection.close());
            } else {
                connection.close();
            }
        });
        return call;
    }

    /**
     * Makes {@code connection} an HTTP/2 client connection (the codec, and the windows below) and turns its reading
     * on: streams' reading stays theirs. The caller adds what handles the connection's own frames and errors after
     * it. Fails, the connection closed, when its TLS agreed on another protocol than {@code h2}.
     */
    static void start(Channel connection, String what) throws IOException {
        SslHandler tls = TlsLayer.innermost(connection.pipeline());
        if (tls != null && !"h2".equals(tls.applicationProtocol())) {
            connection.close();
            throw new IOException(what + ": the server did not agree to HTTP/2 in the TLS handshake (ALPN: "
                    + (tls.applicationProtocol() == null ? "none" : tls.applicationProtocol()) + ")");
        }
        Http2FrameCodec codec = Http2FrameCodecBuilder.forClient()
                .initialSettings(Http2Settings.defaultSettings().initialWindowSize(STREAM_WINDOW).pushEnabled(false))
                .build();
        connection.pipeline().addLast(CODEC, codec);
        connection.pipeline().addLast("turnout-h2-streams", new Http2MultiplexHandler(new RefusePushedStreams()));
        // No stream: the connection's own window.
        connection.write(new DefaultHttp2WindowUpdateFrame(CONNECTION_WINDOW - DEFAULT_WINDOW));
        // The stream's own reading is the relay's to turn on; the connection's frames (settings, window updates,
        // the stream's data into its queue) must always be read.
        connection.config().setAutoRead(true);
        connection.read();
    }

    /**
     * Sends {@code request} on a new stream of a {@link #start started} {@code connection} and completes with the
     * stream's channel as {@link #open} does; a failure leaves the connection as it is.
     */
    static Future<Channel> call(Channel connection, Http2Headers request, Consumer<Channel> streamPipeline,
                                String what) {
        Promise<Channel> promise = connection.eventLoop().newPromise();
        new Http2StreamChannelBootstrap(connection)
                .option(ChannelOption.AUTO_READ, false)
                .handler(new ChannelInitializer<Http2StreamChannel>() {
                    @Override
                    protected void initChannel(Http2StreamChannel stream) {
                        streamPipeline.accept(stream);
                    }
                })
                .open()
                .addListener((Future<Http2StreamChannel> opened) -> {
                    if (!opened.isSuccess()) {
                        promise.tryFailure(new IOException(what + ": " + opened.cause(), opened.cause()));
                        return;
                    }
                    Http2StreamChannel stream = opened.getNow();
                    stream.writeAndFlush(new DefaultHttp2HeadersFrame(request, false)).addListener(sent -> {
                        if (sent.isSuccess()) {
                            promise.trySuccess(stream);
                        } else {
                            stream.close();
                            promise.tryFailure(new IOException(what + ": the request was not sent: "
                                    + sent.cause(), sent.cause()));
                        }
                    });
                });
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

    /** A broken connection (a protocol error, a GOAWAY's aftermath) ends its one stream with it. */
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
