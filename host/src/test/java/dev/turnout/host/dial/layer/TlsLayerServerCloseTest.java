package dev.turnout.host.dial.layer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.turnout.api.Destination;
import dev.turnout.api.Metadata;
import dev.turnout.api.Network;
import dev.turnout.api.TlsOptions;
import dev.turnout.api.testing.ChannelProbe;
import dev.turnout.api.testing.OneEventLoop;
import dev.turnout.api.testing.PlainDialer;
import dev.turnout.api.testing.Required;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslHandler;
import io.netty.handler.ssl.SslHandshakeCompletionEvent;
import io.netty.util.concurrent.Future;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * How the TLS layer ends when the server ends: a server's close_notify is its last word, whether or not it
 * closes the TCP connection too. trojan-gfw sends close_notify and then waits for the client's before it closes
 * the socket; a client that waited for the FIN would keep every such flow open until its idle timeout.
 */
class TlsLayerServerCloseTest {

    @RegisterExtension
    static final OneEventLoop loop = new OneEventLoop();

    @Test
    void aServersCloseNotifyEndsTheConnection(@TempDir Path dir) throws Exception {
        Required.that(Files.isExecutable(Path.of("/usr/bin/openssl")), () -> "openssl is not installed");
        Path cert = dir.resolve("cert.pem");
        Path key = dir.resolve("key.pem");
        Process openssl = new ProcessBuilder(List.of("openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt",
                "ec_paramgen_curve:P-256", "-nodes", "-keyout", key.toString(), "-out", cert.toString(), "-subj",
                "/CN=close.test", "-days", "1")).redirectErrorStream(true).start();
        openssl.getInputStream().readAllBytes();
        assertEquals(0, openssl.waitFor(), "openssl made a certificate");
        SslContext serverContext = SslContextBuilder.forServer(cert.toFile(), key.toFile()).build();
        EventLoopGroup group = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
        try {
            Channel listener = new ServerBootstrap().group(group).channel(NioServerSocketChannel.class)
                    .childHandler(new ChannelInitializer<Channel>() {
                        @Override
                        protected void initChannel(Channel ch) {
                            SslHandler ssl = serverContext.newHandler(ch.alloc());
                            ch.pipeline().addLast(ssl, new ChannelInboundHandlerAdapter() {
                                @Override
                                public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
                                    if (evt instanceof SslHandshakeCompletionEvent e && e.isSuccess()) {
                                        // Says goodbye and sends close_notify, but leaves the socket open.
                                        ctx.writeAndFlush(Unpooled.copiedBuffer("bye", StandardCharsets.US_ASCII));
                                        ssl.closeOutbound();
                                    }
                                }
                            });
                        }
                    }).bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0)).sync().channel();
            int port = ((InetSocketAddress) listener.localAddress()).getPort();
            Future<Channel> dialed = new PlainDialer().openStream(Metadata.internal(Network.TCP,
                    Destination.ofAddress(InetAddress.getLoopbackAddress(), port)), loop.get()).sync();
            Future<Channel> secured = new TlsLayer(null).start(dialed.getNow(),
                    new TlsOptions("close.test", true, List.of(), null)).await();
            assertTrue(secured.isSuccess(), () -> "handshake failed: " + secured.cause());
            Channel channel = secured.getNow();
            ChannelProbe probe = ChannelProbe.attach(channel);
            assertEquals("bye", probe.await(3, 5000));
            assertTrue(channel.closeFuture().await(5, TimeUnit.SECONDS),
                    "the client ends the connection once the server's close_notify came");
            listener.close().sync();
        } finally {
            group.shutdownGracefully(0, 1, TimeUnit.SECONDS).sync();
        }
    }
}
