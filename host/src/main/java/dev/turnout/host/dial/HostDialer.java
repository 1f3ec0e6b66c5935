package dev.turnout.host.dial;

import dev.turnout.api.DatagramSession;
import dev.turnout.api.Destination;
import dev.turnout.api.Dialer;
import dev.turnout.api.Metadata;
import dev.turnout.api.Resolver;
import dev.turnout.host.relay.Relay;
import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoop;
import io.netty.channel.socket.DatagramChannel;
import io.netty.channel.socket.SocketChannel;
import io.netty.util.concurrent.Future;
import io.netty.util.concurrent.Promise;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.function.Supplier;

/**
 * The host's own way out: plain sockets, bound to the physical interface by a {@link SocketBinder} when a
 * TUN is capturing traffic. It is what DIRECT uses and what every plugin's upstream connection goes through
 * unless the user chains it over another outbound.
 */
public final class HostDialer implements Dialer {

    private final Supplier<SocketBinder> binder;
    private final Resolver resolver;
    private final int connectTimeoutMillis;

    /**
     * @param binder asked for the current binder at every connection, so a change of physical interface
     *     applies to new connections at once
     */
    public HostDialer(Supplier<SocketBinder> binder, Resolver resolver, int connectTimeoutMillis) {
        this.binder = binder;
        this.resolver = resolver;
        this.connectTimeoutMillis = connectTimeoutMillis;
    }

    public Resolver resolver() {
        return resolver;
    }

    /** This dialer, looking names up through {@code names} instead ({@code direct-nameserver} for DIRECT ...). */
    public HostDialer resolvingWith(Resolver names) {
        return names == null || names == resolver ? this : new HostDialer(binder, names, connectTimeoutMillis);
    }

    /**
     * This dialer with {@code extra} applied to each socket after the current binder, so its choices win (an
     * outbound's own {@code interface-name} over the TUN's physical interface).
     */
    public HostDialer with(SocketBinder extra) {
        return new HostDialer(() -> {
            SocketBinder base = binder.get();
            return channel -> {
                base.bind(channel);
                extra.bind(channel);
            };
        }, resolver, connectTimeoutMillis);
    }

    @Override
    public Future<Channel> openStream(Metadata flow, EventLoop loop) {
        Promise<Channel> promise = loop.newPromise();
        Future<InetAddress> address = addressOf(flow.destination(), loop);
        address.addListener(f -> {
            if (!f.isSuccess()) {
                promise.tryFailure(f.cause());
                return;
            }
            connect(new InetSocketAddress(address.getNow(), flow.destination().port()), loop, promise);
        });
        return promise;
    }

    private void connect(InetSocketAddress target, EventLoop loop, Promise<Channel> promise) {
        SocketBinder current = binder.get();
        Bootstrap b = new Bootstrap()
                .group(loop)
                .channelFactory(() -> {
                    SocketChannel ch = Transport.newSocketChannel(target.getAddress() instanceof Inet4Address);
                    // Before a plugin's handshake reads from it: the first read fixes how reads are sized.
                    Relay.readsGrowToBulk(ch);
                    return ch;
                })
                .option(ChannelOption.AUTO_READ, false)
                .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, connectTimeoutMillis)
                // Nagle is off already (Netty's socket channels set TCP_NODELAY when made): no second setsockopt.
                .handler(new ChannelInboundHandlerAdapter() {
                    @Override
                    public void channelRegistered(ChannelHandlerContext ctx) {
                        // Here, not in Bootstrap.option(): a failure must fail the connect, not be logged. A throw
                        // from here would only reach exceptionCaught while the connect went ahead unbound.
                        try {
                            current.bind(ctx.channel());
                        } catch (Exception e) {
                            promise.tryFailure(e);
                            ctx.channel().close();
                            return;
                        }
                        ctx.pipeline().remove(this);
                        ctx.fireChannelRegistered();
                    }
                });
        ChannelFuture cf = b.connect(target);
        cf.addListener(f -> {
            if (f.isSuccess()) {
                if (!promise.trySuccess(cf.channel())) {
                    cf.channel().close();
                }
            } else {
                promise.tryFailure(f.cause());
            }
        });
    }

    private Future<InetAddress> addressOf(Destination d, EventLoop loop) {
        if (d.hasAddress()) {
            return loop.newSucceededFuture(d.address());
        }
        return resolver.resolve(d.host(), loop);
    }

    @Override
    public Future<DatagramSession> openDatagram(Metadata flow, EventLoop loop, DatagramSession.Receiver receiver) {
        Promise<DatagramSession> promise = loop.newPromise();
        SocketBinder current = binder.get();
        Bootstrap b = new Bootstrap()
                .group(loop)
                .channelFactory(() -> {
                    DatagramChannel ch = Transport.newDatagramChannel();
                    return ch;
                })
                .handler(new ChannelInboundHandlerAdapter() {
                    @Override
                    public void channelRegistered(ChannelHandlerContext ctx) {
                        try {
                            current.bind(ctx.channel());
                        } catch (Exception e) {
                            promise.tryFailure(e); // never a session on an unbound socket
                            ctx.channel().close();
                            return;
                        }
                        ctx.pipeline().remove(this);
                        ctx.fireChannelRegistered();
                    }
                });
        ChannelFuture cf = b.bind(0);
        cf.addListener(f -> {
            if (!f.isSuccess() || promise.isDone()) {
                promise.tryFailure(f.cause());
                cf.channel().close();
                return;
            }
            HostDatagramSession session = new HostDatagramSession((DatagramChannel) cf.channel(), resolver, receiver);
            cf.channel().pipeline().addLast(session.inboundHandler());
            promise.trySuccess(session);
        });
        return promise;
    }
}
