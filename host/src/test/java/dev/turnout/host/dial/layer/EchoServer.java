package dev.turnout.host.dial.layer;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.websocketx.BinaryWebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketServerProtocolHandler;
import io.netty.handler.ssl.SniHandler;
import io.netty.handler.ssl.SslContext;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;

/** A loopback echo server for the layer tests: plain bytes, behind TLS, or as binary WebSocket frames. */
final class EchoServer implements AutoCloseable {

    private final EventLoopGroup group = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
    private final Channel server;
    /** The upgrade requests a WebSocket server saw, for checking what the client sent. */
    final List<FullHttpRequest> upgrades = new CopyOnWriteArrayList<>();
    /** The SNI of each TLS client in order, {@code "null"} for one that sent none. */
    List<String> serverNames = List.of();

    private EchoServer(Consumer<SocketChannel> pipeline) throws InterruptedException {
        server = new ServerBootstrap().group(group).channel(NioServerSocketChannel.class)
                .childHandler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel ch) {
                        pipeline.accept(ch);
                    }
                })
                .bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0)).sync().channel();
    }

    /** Echoes bytes behind TLS with {@code context}, noting the name each client asked for ({@link #serverNames}). */
    static EchoServer tls(SslContext context) throws InterruptedException {
        List<String> names = new CopyOnWriteArrayList<>();
        EchoServer s = new EchoServer(ch -> ch.pipeline().addLast(new SniHandler(name -> {
            names.add(String.valueOf(name));
            return context;
        }), new Echo()));
        s.serverNames = names;
        return s;
    }

    /**
     * Echoes bytes behind TLS inside TLS, both with {@code context}: a chain's first hop ending its TLS where the second
     * hop's own begins.
     */
    static EchoServer tlsInTls(SslContext context) throws InterruptedException {
        return new EchoServer(ch -> ch.pipeline().addLast(context.newHandler(ch.alloc()),
                context.newHandler(ch.alloc()), new Echo()));
    }

    /** Echoes the payload of binary frames on a WebSocket at {@code path}. */
    static EchoServer webSocket(String path) throws InterruptedException {
        EchoServer[] self = new EchoServer[1];
        EchoServer s = new EchoServer(ch -> ch.pipeline().addLast(new HttpServerCodec(),
                new HttpObjectAggregator(8192), new ChannelInboundHandlerAdapter() {
                    @Override
                    public void channelRead(ChannelHandlerContext ctx, Object msg) {
                        if (msg instanceof FullHttpRequest r) {
                            self[0].upgrades.add(r.retainedDuplicate());
                        }
                        ctx.fireChannelRead(msg);
                    }
                }, new WebSocketServerProtocolHandler(path), new FrameEcho()));
        self[0] = s;
        return s;
    }

    int port() {
        return ((InetSocketAddress) server.localAddress()).getPort();
    }

    @Override
    public void close() {
        server.close().syncUninterruptibly();
        group.shutdownGracefully(0, 0, java.util.concurrent.TimeUnit.SECONDS).syncUninterruptibly();
        upgrades.forEach(FullHttpRequest::release);
    }

    @ChannelHandler.Sharable
    private static final class Echo extends ChannelInboundHandlerAdapter {
        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            ctx.writeAndFlush(msg);
        }
    }

    private static final class FrameEcho extends ChannelInboundHandlerAdapter {
        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            if (msg instanceof BinaryWebSocketFrame frame) {
                ByteBuf content = frame.content().retain();
                frame.release();
                ctx.writeAndFlush(new BinaryWebSocketFrame(content));
            } else if (msg instanceof FullHttpRequest request) {
                // Another path: the protocol handler passes it on; answered as v2ray and nginx do.
                request.release();
                ctx.writeAndFlush(new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.NOT_FOUND))
                        .addListener(ChannelFutureListener.CLOSE);
            } else {
                ctx.fireChannelRead(msg);
            }
        }
    }
}
