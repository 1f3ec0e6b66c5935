package dev.turnout.api.testing;

import dev.turnout.api.DatagramSession;
import dev.turnout.api.Destination;
import dev.turnout.api.Dialer;
import dev.turnout.api.Metadata;
import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFactory;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoop;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.socket.DatagramPacket;
import io.netty.channel.socket.nio.NioDatagramChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.util.concurrent.Future;
import io.netty.util.concurrent.Promise;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;

/**
 * Test stand-in for the host's dialer: plain NIO sockets, names resolved by the JDK, and channels handed
 * over with auto-read off, as the host does.
 */
public final class PlainDialer implements Dialer {

    private final ChannelFactory<? extends Channel> streams;
    private final ChannelFactory<? extends Channel> datagrams;
    private final InetSocketAddress datagramsFrom;

    /** NIO sockets; datagram sockets on loopback, where the plugin tests' servers are. */
    public PlainDialer() {
        this(NioSocketChannel::new, NioDatagramChannel::new,
                new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
    }

    /**
     * Sockets from the given factories, for a test that must set a socket up before it connects (a TUN test
     * binds it to the physical interface, which only native channels can be).
     *
     * @param datagramsFrom where datagram sockets are bound
     */
    public PlainDialer(ChannelFactory<? extends Channel> streams, ChannelFactory<? extends Channel> datagrams,
            InetSocketAddress datagramsFrom) {
        this.streams = streams;
        this.datagrams = datagrams;
        this.datagramsFrom = datagramsFrom;
    }

    @Override
    public Future<Channel> openStream(Metadata flow, EventLoop loop) {
        InetSocketAddress target;
        try {
            target = addressOf(flow.destination());
        } catch (UnknownHostException e) {
            return loop.newFailedFuture(e);
        }
        Promise<Channel> promise = loop.newPromise();
        ChannelFuture cf = new Bootstrap().group(loop).channelFactory(streams)
                .option(ChannelOption.AUTO_READ, false)
                .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, 5000)
                .handler(new ChannelInboundHandlerAdapter())
                .connect(target);
        cf.addListener(f -> {
            if (!f.isSuccess()) {
                promise.tryFailure(f.cause());
            } else if (!promise.trySuccess(cf.channel())) {
                cf.channel().close();
            }
        });
        return promise;
    }

    @Override
    public Future<DatagramSession> openDatagram(Metadata flow, EventLoop loop, DatagramSession.Receiver receiver) {
        Promise<DatagramSession> promise = loop.newPromise();
        ChannelFuture cf = new Bootstrap().group(loop).channelFactory(datagrams)
                .handler(new SimpleChannelInboundHandler<DatagramPacket>(DatagramPacket.class, false) {
                    @Override
                    protected void channelRead0(ChannelHandlerContext ctx, DatagramPacket packet) {
                        receiver.receive(packet.sender(), packet.content());
                    }
                })
                .bind(datagramsFrom);
        cf.addListener(f -> {
            if (!f.isSuccess()) {
                promise.tryFailure(f.cause());
                return;
            }
            Channel ch = cf.channel();
            promise.trySuccess(new DatagramSession() {
                @Override
                public void send(Destination destination, ByteBuf payload) {
                    try {
                        ch.writeAndFlush(new DatagramPacket(payload, addressOf(destination)), ch.voidPromise());
                    } catch (UnknownHostException e) {
                        payload.release();
                    }
                }

                @Override
                public boolean isOpen() {
                    return ch.isActive();
                }

                @Override
                public void close() {
                    ch.close();
                }
            });
        });
        return promise;
    }

    private static InetSocketAddress addressOf(Destination d) throws UnknownHostException {
        InetAddress address = d.hasAddress() ? d.address() : InetAddress.getByName(d.host());
        return new InetSocketAddress(address, d.port());
    }
}
