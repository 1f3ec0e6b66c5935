package dev.turnout.host.tun;

import dev.turnout.api.DatagramSession;
import dev.turnout.api.Metadata;
import dev.turnout.api.testing.PlainDialer;
import dev.turnout.host.platform.Platform;
import dev.turnout.host.tunnel.StreamReadiness;
import dev.turnout.host.tunnel.Tunnel;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoop;
import io.netty.channel.epoll.EpollDatagramChannel;
import io.netty.channel.epoll.EpollSocketChannel;
import io.netty.util.concurrent.Future;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;

/**
 * A test-only DIRECT tunnel: every flow goes straight to its destination through sockets bound to one
 * interface (SO_BINDTODEVICE, applied in the channel factory so a failure fails the connect).
 */
final class DirectTestTunnel implements Tunnel {

    private final Platform platform;
    private final String ifName;
    private final PlainDialer dialer;

    DirectTestTunnel(Platform platform, String ifName) {
        this.platform = platform;
        this.ifName = ifName;
        // Native channels: only they carry SO_BINDTODEVICE. Datagrams leave from the wildcard address, as the
        // TUN's flows go anywhere.
        this.dialer = new PlainDialer(() -> bound(new EpollSocketChannel()), () -> bound(new EpollDatagramChannel()),
                new InetSocketAddress(0));
    }

    private <C extends Channel> C bound(C channel) {
        try {
            platform.bindToInterface(channel, ifName);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return channel;
    }

    @Override
    public void routeStream(Channel inbound, Metadata flow, StreamReadiness readiness) {
        dialer.openStream(flow, inbound.eventLoop()).addListener((Future<Channel> f) -> {
            if (!f.isSuccess()) {
                inbound.config().setOption(ChannelOption.SO_LINGER, 0);
                inbound.close();
                return;
            }
            Channel outbound = f.getNow();
            outbound.pipeline().addLast(new Pipe(inbound));
            inbound.pipeline().addLast(new Pipe(outbound));
            inbound.config().setAutoRead(true);
            outbound.config().setAutoRead(true);
        });
    }

    /** Copies what one side reads to the other; closes the other when this side ends. */
    private static final class Pipe extends ChannelInboundHandlerAdapter {
        private final Channel peer;

        Pipe(Channel peer) {
            this.peer = peer;
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            peer.writeAndFlush(msg);
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) {
            if (peer.isActive()) {
                peer.writeAndFlush(Unpooled.EMPTY_BUFFER).addListener(ChannelFutureListener.CLOSE);
            }
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            ctx.close();
        }
    }

    @Override
    public Future<DatagramSession> routeDatagram(Metadata flow, EventLoop loop, DatagramSession.Receiver toApplication) {
        return dialer.openDatagram(flow, loop, toApplication);
    }
}
