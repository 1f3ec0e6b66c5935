package dev.turnout.host.dns;

import dev.turnout.host.dial.layer.TlsLayer;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoop;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.handler.codec.http.DefaultFullHttpRequest;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http2.Http2FrameCodecBuilder;
import io.netty.handler.codec.http2.Http2GoAwayFrame;
import io.netty.handler.codec.http2.Http2MultiplexHandler;
import io.netty.handler.codec.http2.Http2Settings;
import io.netty.handler.codec.http2.Http2StreamChannel;
import io.netty.handler.codec.http2.Http2StreamChannelBootstrap;
import io.netty.handler.codec.http2.Http2StreamFrameToHttpObjectCodec;
import io.netty.handler.ssl.SslHandler;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.Future;
import io.netty.util.concurrent.Promise;
import java.io.IOException;
import java.util.List;
import java.util.function.Function;

/**
 * DNS over HTTPS (RFC 8484) to one server: its kept HTTP/2 connection ({@link TlsSession}), each query a stream of its
 * own ({@code POST} of the DNS message). A connection the server sends GOAWAY on takes no more queries. HTTP/2 only,
 * which RFC 8484 names the minimum and every public DoH server speaks: a server that does not agree to {@code h2} in
 * ALPN fails the query with a message saying so.
 */
final class DohSession extends TlsSession {

    static final String MEDIA_TYPE = "application/dns-message";
    /** A DNS message is at most 65,535 bytes; a bigger body is not one. */
    private static final int MAX_BODY = 65_535;

    /** See {@link TlsSession#TlsSession}; {@code server} is an {@code https://} nameserver. */
    DohSession(Nameserver server, TlsLayer tls, Function<EventLoop, Future<Channel>> stream) {
        super(server, tls, stream);
    }

    @Override
    protected List<String> alpn() {
        return List.of("h2");
    }

    /** Each query a stream of its own; cancelling resets the stream as well. */
    @Override
    Promise<ByteBuf> exchange(ByteBuf query, int id, EventLoop loop) {
        Promise<ByteBuf> answer = loop.newPromise();
        whenConnected(loop, query, answer, connection -> {
            new Http2StreamChannelBootstrap(connection).handler(new ChannelInitializer<Http2StreamChannel>() {
                @Override
                protected void initChannel(Http2StreamChannel ch) {
                    ch.pipeline().addLast(new Http2StreamFrameToHttpObjectCodec(false),
                            new HttpObjectAggregator(MAX_BODY), new AnswerHandler(answer));
                }
            }).open().addListener((Future<Http2StreamChannel> s) -> {
                if (!s.isSuccess()) {
                    query.release();
                    answer.tryFailure(s.cause());
                    return;
                }
                Http2StreamChannel stream = s.getNow();
                answer.addListener(done -> {
                    stream.close();
                    if (done.isCancelled()) {
                        // No answer in the caller's time: the path may be gone (a network that changed), which
                        // TCP would notice only after minutes. The next query opens a new connection.
                        abandon(stream.parent());
                    }
                });
                stream.writeAndFlush(request(query)).addListener((ChannelFuture w) -> {
                    if (!w.isSuccess()) {
                        answer.tryFailure(w.cause());
                    }
                });
            });
        });
        return answer;
    }

    private FullHttpRequest request(ByteBuf query) {
        FullHttpRequest r = new DefaultFullHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.POST, server.path(), query);
        int port = server.address().getPort();
        String authority = server.host().indexOf(':') >= 0 ? "[" + server.host() + "]" : server.host();
        r.headers().set(HttpHeaderNames.HOST, port == 443 ? authority : authority + ":" + port)
                .set(HttpHeaderNames.CONTENT_TYPE, MEDIA_TYPE)
                .set(HttpHeaderNames.ACCEPT, MEDIA_TYPE)
                .setInt(HttpHeaderNames.CONTENT_LENGTH, query.readableBytes());
        return r;
    }

    @Override
    protected boolean usable(Channel ch) {
        Ending ending = ch.pipeline().get(Ending.class); // null once the channel is closed and its pipeline gone
        return ending != null && !ending.goingAway;
    }

    @Override
    protected void speak(Channel ch, Promise<Channel> ready) {
        String agreed = ch.pipeline().get(SslHandler.class).applicationProtocol();
        if (!"h2".equals(agreed)) {
            ch.close();
            ready.tryFailure(new IOException(server + " did not agree to HTTP/2 (ALPN: "
                    + (agreed == null ? "none" : agreed) + "); DNS over HTTPS is spoken on HTTP/2 only"));
            return;
        }
        ch.pipeline().addLast(Http2FrameCodecBuilder.forClient()
                        .initialSettings(Http2Settings.defaultSettings().pushEnabled(false)).build(),
                new Http2MultiplexHandler(new ChannelInboundHandlerAdapter()), new Ending());
        ready.trySuccess(ch);
    }

    /** Notes GOAWAY, so the next query opens a new connection. */
    private static final class Ending extends ChannelInboundHandlerAdapter {
        volatile boolean goingAway;

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            if (msg instanceof Http2GoAwayFrame) {
                goingAway = true;
            }
            ReferenceCountUtil.release(msg);
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            ctx.close(); // a connection error: its streams fail, and the next query opens a new connection
        }
    }

    /** Takes the response of one stream: a 200 with a DNS message, or a failure naming what came instead. */
    private final class AnswerHandler extends SimpleChannelInboundHandler<FullHttpResponse> {
        private final Promise<ByteBuf> answer;

        AnswerHandler(Promise<ByteBuf> answer) {
            this.answer = answer;
        }

        @Override
        protected void channelRead0(ChannelHandlerContext ctx, FullHttpResponse response) {
            if (!response.status().equals(HttpResponseStatus.OK)) {
                answer.tryFailure(new IOException(server + " answered HTTP " + response.status()));
                return;
            }
            ByteBuf body = response.content();
            if (!answer.trySuccess(body.retain())) {
                body.release();
            }
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) {
            answer.tryFailure(new IOException(server + " ended the stream before an answer"));
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            answer.tryFailure(cause);
            ctx.close();
        }
    }

}
