package dev.turnout.host.dial;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.netty.bootstrap.Bootstrap;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.nio.NioSocketChannel;
import java.net.InetSocketAddress;
import java.nio.channels.ClosedChannelException;
import org.junit.jupiter.api.Test;

class CausesTest {

    /** Netty's epoll transport: ENETUNREACH as a NoRouteToHostException without a message, annotated. */
    static final class AnnotatedNoRouteToHostException extends java.net.NoRouteToHostException {
        AnnotatedNoRouteToHostException(java.net.NoRouteToHostException cause, String address) {
            super(cause.getMessage() + ": " + address);
            initCause(cause);
        }
    }

    @Test
    void anExceptionWithoutAMessageIsSaidInWordsAndNettysAddressIsKept() {
        assertEquals("no route to host: /119.29.29.29:443", Causes.of(new AnnotatedNoRouteToHostException(
                new java.net.NoRouteToHostException(), "/119.29.29.29:443")));
        assertEquals("closed channel", Causes.of(new ClosedChannelException()));
        assertEquals("ssl handshake", Causes.of(new javax.net.ssl.SSLHandshakeException(null)));
        assertEquals("IOException", Causes.of(new java.io.IOException()));
        assertEquals("connection refused", Causes.of(new java.net.ConnectException("connection refused")));
    }

    @Test
    void aConnectionRefusedByTheKernelKeepsItsMessage() throws Exception {
        EventLoopGroup group = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
        try (java.net.ServerSocket closed = new java.net.ServerSocket(0)) {
            int port = closed.getLocalPort();
            closed.close();
            ChannelFuture f = new Bootstrap().group(group).channel(NioSocketChannel.class)
                    .handler(new ChannelInboundHandlerAdapter()).connect(new InetSocketAddress("127.0.0.1", port))
                    .await();
            assertEquals(false, Causes.of(f.cause()).startsWith("null"), Causes.of(f.cause()));
        } finally {
            group.shutdownGracefully(0, 1, java.util.concurrent.TimeUnit.SECONDS);
        }
    }
}
