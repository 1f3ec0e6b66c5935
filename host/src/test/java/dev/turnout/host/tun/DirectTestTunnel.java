package dev.turnout.host.tun;

import dev.turnout.api.DatagramSession;
import dev.turnout.api.Destination;
import dev.turnout.api.Metadata;
import dev.turnout.host.flow.FlowTable;
import dev.turnout.host.platform.Platform;
import dev.turnout.host.relay.Relay;
import dev.turnout.host.tunnel.StreamReadiness;
import dev.turnout.host.tunnel.Tunnel;
import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoop;
import io.netty.channel.epoll.EpollDatagramChannel;
import io.netty.channel.epoll.EpollSocketChannel;
import io.netty.channel.socket.DatagramPacket;
import io.netty.util.concurrent.Future;
import io.netty.util.concurrent.Promise;
import java.io.UncheckedIOException;
import java.io.IOException;
import java.net.InetSocketAddress;

/**
 * A test-only DIRECT tunnel: every flow goes straight to its destination through sockets bound to one
 * interface (SO_BINDTODEVICE, applied in the channel factory so a failure fails the connect).
 */
final class DirectTestTunnel implements Tunnel {

    private final Platform platform;
    private final String ifName;
    private final FlowTable flows = new FlowTable(1024);

    DirectTestTunnel(Platform platform, String ifName) {
        this.platform = platform;
        this.ifName = ifName;
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
        Destination d = flow.destination();
        Bootstrap b = new Bootstrap().group(inbound.eventLoop())
                .channelFactory(() -> bound(new EpollSocketChannel()))
                .option(ChannelOption.AUTO_READ, false)
                .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, 5000)
                .handler(new ChannelInboundHandlerAdapter());
        ChannelFuture cf = b.connect(new InetSocketAddress(d.address(), d.port()));
        cf.addListener(f -> {
            if (!f.isSuccess()) {
                inbound.config().setOption(ChannelOption.SO_LINGER, 0);
                inbound.close();
                return;
            }
            // The host's own relay: it also passes on what the TUN inbound held while this dialled.
            Channel outbound = cf.channel();
            Relay.start(inbound, outbound, flows.open(flow, "MATCH", "DIRECT", "DIRECT"), 60, () -> { });
        });
    }

    @Override
    public Future<DatagramSession> routeDatagram(Metadata flow, EventLoop loop, DatagramSession.Receiver toApplication) {
        Promise<DatagramSession> promise = loop.newPromise();
        Bootstrap b = new Bootstrap().group(loop)
                .channelFactory(() -> bound(new EpollDatagramChannel()))
                .handler(new ChannelInboundHandlerAdapter() {
                    @Override
                    public void channelRead(ChannelHandlerContext ctx, Object msg) {
                        DatagramPacket p = (DatagramPacket) msg;
                        toApplication.receive(p.sender(), p.content());
                    }
                });
        ChannelFuture cf = b.bind(0);
        cf.addListener(f -> {
            if (!f.isSuccess()) {
                promise.tryFailure(f.cause());
                return;
            }
            Channel ch = cf.channel();
            promise.trySuccess(new DatagramSession() {
                @Override
                public void send(Destination destination, ByteBuf payload) {
                    ch.writeAndFlush(new DatagramPacket(payload,
                            new InetSocketAddress(destination.address(), destination.port())));
                }

                @Override
                public boolean isOpen() {
                    return ch.isOpen();
                }

                @Override
                public void close() {
                    ch.close();
                }
            });
        });
        return promise;
    }
}
