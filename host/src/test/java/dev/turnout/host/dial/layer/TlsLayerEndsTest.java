package dev.turnout.host.dial.layer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import dev.turnout.api.Destination;
import dev.turnout.api.Metadata;
import dev.turnout.api.Network;
import dev.turnout.api.TlsOptions;
import dev.turnout.api.testing.ChannelProbe;
import dev.turnout.api.testing.OneEventLoop;
import dev.turnout.api.testing.PlainDialer;
import dev.turnout.api.testing.TestCertificates;
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
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;

/**
 * How the TLS layer ends, against a Netty TLS server with a test CA's certificate for {@code close.test} that
 * says "bye" and sends close_notify but keeps its socket open, as trojan-gfw does when a session ends (it waits
 * for the client's close_notify before closing).
 */
class TlsLayerEndsTest {

    @RegisterExtension
    static final OneEventLoop loop = new OneEventLoop();

    private static EventLoopGroup group;
    private static Channel listener;

    @BeforeAll
    static void start(@TempDir Path dir) throws Exception {
        TestCertificates certs = TestCertificates.issue(dir, "close.test");
        SslContext serverContext = SslContextBuilder.forServer(certs.certificate().toFile(), certs.privateKey().toFile())
                .build();
        group = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
        listener = new ServerBootstrap().group(group).channel(NioServerSocketChannel.class)
                .childHandler(new ChannelInitializer<Channel>() {
                    @Override
                    protected void initChannel(Channel ch) {
                        SslHandler ssl = serverContext.newHandler(ch.alloc());
                        ch.pipeline().addLast(ssl, new ChannelInboundHandlerAdapter() {
                            @Override
                            public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
                                if (evt instanceof SslHandshakeCompletionEvent e && e.isSuccess()) {
                                    ctx.writeAndFlush(Unpooled.copiedBuffer("bye", StandardCharsets.US_ASCII));
                                    ssl.closeOutbound();
                                }
                            }

                            @Override
                            public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
                                ctx.close();
                            }
                        });
                    }
                }).bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0)).sync().channel();
    }

    @AfterAll
    static void stop() throws Exception {
        if (listener != null) {
            listener.close().sync();
        }
        if (group != null) {
            group.shutdownGracefully(0, 1, TimeUnit.SECONDS).sync();
        }
    }

    private static Future<Channel> secure(TlsOptions options) throws Exception {
        int port = ((InetSocketAddress) listener.localAddress()).getPort();
        Future<Channel> dialed = new PlainDialer().openStream(Metadata.internal(Network.TCP,
                Destination.ofAddress(InetAddress.getLoopbackAddress(), port)), loop.get()).sync();
        return new TlsLayer(null).start(dialed.getNow(), options).await();
    }

    @Test
    void aServersCloseNotifyEndsTheConnection() throws Exception {
        int port = ((InetSocketAddress) listener.localAddress()).getPort();
        Channel dialed = new PlainDialer().openStream(Metadata.internal(Network.TCP,
                Destination.ofAddress(InetAddress.getLoopbackAddress(), port)), loop.get()).sync().getNow();
        // The server speaks at once, so its "bye" and close_notify can arrive in the read that finishes the
        // handshake. The reader is attached as a relay attaches: in the handshake's own listener, on the event
        // loop, before that read goes on (a reader that comes later is the next test's).
        ChannelProbe probe = new ChannelProbe();
        Future<Channel> secured = loop.get().submit(() -> new TlsLayer(null)
                .start(dialed, new TlsOptions("close.test", true, List.of(), null))
                .addListener(f -> {
                    if (f.isSuccess()) {
                        dialed.pipeline().addLast(probe);
                        dialed.config().setAutoRead(true);
                    }
                })).sync().getNow().await();
        assertTrue(secured.isSuccess(), () -> "handshake failed: " + secured.cause());
        Channel channel = secured.getNow();
        assertEquals("bye", probe.await(3, 5000));
        assertTrue(channel.closeFuture().await(5, TimeUnit.SECONDS),
                "the client ends the connection once the server's close_notify came");
    }

    @Test
    void whatTheServerSaidBeforeTheLayerAboveWasThereWaitsForItsFirstRead() throws Exception {
        // Here the reader comes once the handshake is done and TLS has had time to read the server's "bye" and
        // close_notify on its own, as a step chained from another thread would come: both must wait for it.
        Future<Channel> secured = secure(new TlsOptions("close.test", true, List.of(), null));
        assertTrue(secured.isSuccess(), () -> "handshake failed: " + secured.cause());
        Channel channel = secured.getNow();
        Thread.sleep(300);
        assertTrue(channel.isOpen(), "the close_notify closed the connection before what came with it was taken");
        ChannelProbe probe = new ChannelProbe();
        loop.get().submit(() -> {
            channel.pipeline().addLast(probe);
            channel.config().setAutoRead(true);
        }).sync();
        assertEquals("bye", probe.await(3, 5000));
        assertTrue(channel.closeFuture().await(5, TimeUnit.SECONDS), "then the close_notify ends the connection");
    }

    @Test
    void aRefusedCertificateFailsTheHandshakeWithoutAStackTraceInTheLog() throws Exception {
        Logger root = (Logger) LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
        ListAppender<ILoggingEvent> logged = new ListAppender<>();
        logged.start();
        root.addAppender(logged);
        try {
            // From the test CA, which the JDK's store does not vouch for.
            Future<Channel> secured = secure(new TlsOptions("close.test", false, List.of(), null));
            assertFalse(secured.isSuccess(), "an untrusted certificate is refused");
            assertTrue(secured.cause().getMessage().startsWith("TLS handshake with close.test failed"),
                    secured.cause().getMessage());
            loop.get().submit(() -> { }).sync();
            List<String> warnings = logged.list.stream().filter(e -> e.getLevel().isGreaterOrEqual(Level.WARN))
                    .map(ILoggingEvent::getFormattedMessage).toList();
            assertEquals(List.of(), warnings, "the failure is the caller's to report, once");
        } finally {
            root.detachAppender(logged);
        }
    }
}
