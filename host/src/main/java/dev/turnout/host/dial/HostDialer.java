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
import io.netty.channel.ConnectTimeoutException;
import io.netty.channel.EventLoop;
import io.netty.channel.socket.DatagramChannel;
import io.netty.channel.socket.SocketChannel;
import io.netty.util.NetUtil;
import io.netty.util.concurrent.Future;
import io.netty.util.concurrent.Promise;
import io.netty.util.concurrent.ScheduledFuture;
import java.net.ConnectException;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.NoRouteToHostException;
import java.net.SocketException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The host's own way out: plain sockets, bound to the physical interface by a {@link SocketBinder} when a
 * TUN is capturing traffic. It is what DIRECT uses and what every plugin's upstream connection goes through
 * unless the user chains it over another outbound.
 */
public final class HostDialer implements Dialer {

    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(HostDialer.class);

    /** Netty's native transport's "finishConnect(..) failed with error(-111): Connection refused: /198.51.100.2:80". */
    private static final Pattern NATIVE_FAILURE =
            Pattern.compile("\\w+\\(\\.\\.\\) failed with error\\(-?\\d+\\): ([^:]+)(: .*)?");

    private final Supplier<SocketBinder> binder;
    private final Resolver resolver;
    private final int connectTimeoutMillis;
    /** How long an attempt may go unanswered before the next address is tried too; 0 tries all at once. */
    /** Read at each dial: a reload may switch {@code tcp-concurrent}. */
    private final java.util.function.IntSupplier attemptDelayMillis;

    /** RFC 8305's recommended Connection Attempt Delay. */
    public static final int ATTEMPT_DELAY_MILLIS = 250;
    /**
     * Attempts of one dial that may wait for an answer at once, when they are staggered: a name the DNS (a third
     * party) gives 100 silent addresses made each flow hold 30-40 connecting sockets, 300 flows 8,000 descriptors.
     * The next address is tried when one of these fails. mihomo dials one at a time.
     */
    static final int MAX_WAITING_ATTEMPTS = 4;

    /**
     * @param binder asked for the current binder at every connection, so a change of physical interface
     *     applies to new connections at once
     */
    public HostDialer(Supplier<SocketBinder> binder, Resolver resolver, int connectTimeoutMillis) {
        this(binder, resolver, connectTimeoutMillis, ATTEMPT_DELAY_MILLIS);
    }

    /** @param attemptDelayMillis 0 for mihomo's {@code tcp-concurrent}: every address of a name at once */
    public HostDialer(Supplier<SocketBinder> binder, Resolver resolver, int connectTimeoutMillis, int attemptDelayMillis) {
        this(binder, resolver, connectTimeoutMillis, () -> attemptDelayMillis);
    }

    /** @param attemptDelayMillis asked at each dial: 0 for mihomo's {@code tcp-concurrent} */
    public HostDialer(Supplier<SocketBinder> binder, Resolver resolver, int connectTimeoutMillis,
                      java.util.function.IntSupplier attemptDelayMillis) {
        this.binder = binder;
        this.resolver = resolver;
        this.connectTimeoutMillis = connectTimeoutMillis;
        this.attemptDelayMillis = attemptDelayMillis;
    }

    public Resolver resolver() {
        return resolver;
    }

    /** This dialer, looking names up through {@code names} instead ({@code direct-nameserver} for DIRECT ...). */
    public HostDialer resolvingWith(Resolver names) {
        return names == null || names == resolver ? this : new HostDialer(binder, names, connectTimeoutMillis, attemptDelayMillis);
    }

    /**
     * This dialer with {@code extra} applied to each socket after the current binder, so its choices win (an
     * outbound's own {@code interface-name} over the TUN's physical interface).
     */
    public HostDialer with(SocketBinder extra) {
        return new HostDialer(() -> binder.get().andThen(extra), resolver, connectTimeoutMillis, attemptDelayMillis);
    }

    @Override
    public Future<Channel> openStream(Metadata flow, EventLoop loop) {
        Promise<Channel> promise = loop.newPromise();
        Destination d = flow.destination();
        if (d.hasAddress()) {
            InetSocketAddress target = new InetSocketAddress(d.address(), d.port());
            if (!LoopbackGuard.allows(flow.source(), d.address())) {
                return promise.setFailure(LoopbackGuard.refusal(flow.source(), target));
            }
            Channel attempt = connect(target, loop, promise);
            // Cancelled when the application left while this connected: the attempt goes too, rather than waiting
            // in SYN-SENT for its answer or its timeout (Attempts does the same for a name's addresses).
            promise.addListener(p -> {
                if (p.isCancelled()) {
                    attempt.close();
                }
            });
            return promise;
        }
        resolver.resolveAll(d.host(), loop).addListener(f -> {
            if (!f.isSuccess()) {
                promise.tryFailure(f.cause());
                return;
            }
            @SuppressWarnings("unchecked")
            List<InetAddress> found = (List<InetAddress>) f.getNow();
            List<InetAddress> all = found.stream().filter(a -> LoopbackGuard.allows(flow.source(), a)).toList();
            if (all.isEmpty() && !found.isEmpty()) {
                promise.tryFailure(LoopbackGuard.refusal(flow.source(), new InetSocketAddress(found.get(0), d.port())));
                return;
            }
            new Attempts(d.host(), all.stream().map(a -> new InetSocketAddress(a, d.port())).toList(), loop,
                    promise).start();
        });
        return promise;
    }

    /**
     * Connection attempts to the addresses of one name (RFC 8305's way): the first at once, the next when one fails
     * or after {@link #attemptDelayMillis} without an answer while fewer than {@link #MAX_WAITING_ATTEMPTS} wait (all
     * at once with {@code tcp-concurrent}, as mihomo's); the first to connect wins and the others are closed.
     * Confined to the flow's event loop.
     */
    private final class Attempts {
        private final String host;
        private final List<InetSocketAddress> targets;
        private final EventLoop loop;
        private final Promise<Channel> promise;
        private final List<Channel> connecting = new ArrayList<>(2);
        private final List<String> failures = new ArrayList<>(2);
        private int next;
        private ScheduledFuture<?> timer;

        Attempts(String host, List<InetSocketAddress> targets, EventLoop loop, Promise<Channel> promise) {
            this.host = host;
            this.targets = targets;
            this.loop = loop;
            this.promise = promise;
        }

        void start() {
            promise.addListener(p -> {
                if (timer != null) {
                    timer.cancel(false);
                }
                Channel won = p.isSuccess() ? (Channel) p.getNow() : null;
                // Over a copy: closing an attempt fails its connect at once, and that takes it out of the list.
                for (Channel c : List.copyOf(connecting)) {
                    if (c != won) {
                        c.close(); // still connecting: the connect is abandoned
                    }
                }
            });
            launch();
        }

        private void launch() {
            if (promise.isDone() || next >= targets.size()) {
                return;
            }
            InetSocketAddress target = targets.get(next++);
            Promise<Channel> one = loop.newPromise();
            Channel attempt = connect(target, loop, one);
            connecting.add(attempt);
            one.addListener(f -> {
                connecting.remove(attempt);
                if (f.isSuccess()) {
                    Channel ch = (Channel) f.getNow();
                    if (!promise.trySuccess(ch)) {
                        ch.close();
                    }
                    return;
                }
                failures.add(target.getAddress().getHostAddress() + " (" + f.cause().getMessage() + ")");
                if (next < targets.size()) {
                    if (timer != null) {
                        timer.cancel(false);
                    }
                    launch();
                } else if (connecting.isEmpty()) {
                    promise.tryFailure(targets.size() == 1 ? f.cause() : new ConnectException(
                            "no address of " + host + " answered: " + String.join(", ", failures)));
                }
            });
            if (next < targets.size() && !promise.isDone()) {
                int delay = attemptDelayMillis.getAsInt();
                if (delay == 0) {
                    launch();
                } else if (connecting.size() < MAX_WAITING_ATTEMPTS) {
                    timer = loop.schedule(this::launch, delay, TimeUnit.MILLISECONDS);
                }
            }
        }
    }

    /** Connects to {@code target}, completing {@code promise}; the channel being connected. */
    private Channel connect(InetSocketAddress target, EventLoop loop, Promise<Channel> promise) {
        SocketBinder current = binder.get();
        ChannelInboundHandlerAdapter attempt = new ChannelInboundHandlerAdapter() {
            @Override
            public void channelRegistered(ChannelHandlerContext ctx) {
                // Here, not in Bootstrap.option(): a failure must fail the connect, not be logged. A throw
                // from here would only reach exceptionCaught while the connect went ahead unbound.
                try {
                    current.bind(ctx.channel(), target.getAddress());
                } catch (Exception e) {
                    promise.tryFailure(e);
                    ctx.channel().close();
                    return;
                }
                ctx.fireChannelRegistered();
            }

            /**
             * Until it connects the attempt is nobody's, and what its socket reports (Netty reads a socket still
             * connecting when it is woken with an error: NotYetConnectedException) is the connect's outcome, said
             * there. It reached the pipeline's tail, a warning with a stack trace for each, hundreds under a burst.
             */
            @Override
            public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
                LOG.debug("connection attempt to {}: {}", NetUtil.toSocketAddressString(target), Causes.of(cause));
            }
        };
        Bootstrap b = new Bootstrap()
                .group(loop)
                .channelFactory(() -> {
                    SocketChannel ch = Transport.newSocketChannel(target.getAddress() instanceof Inet4Address);
                    // Before a plugin's handshake reads from it: the first read fixes how reads are sized.
                    Relay.readsGrowToBulk(ch);
                    return ch;
                })
                .option(ChannelOption.AUTO_READ, false)
                // The timeout is this dialer's (below): Netty's stays referenced by the channel, cancelled, for the
                // channel's whole life (64 bytes a flow).
                .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, 0)
                // Nagle is off already (Netty's socket channels set TCP_NODELAY when made): no second setsockopt.
                .handler(attempt);
        ChannelFuture cf = b.connect(target);
        if (!cf.isDone()) {
            ScheduledFuture<?> timeout = loop.schedule(() -> {
                if (promise.tryFailure(new ConnectTimeoutException(
                        "connection timed out after " + connectTimeoutMillis + " ms: "
                                + NetUtil.toSocketAddressString(target)))) {
                    cf.channel().close();
                }
            }, connectTimeoutMillis, TimeUnit.MILLISECONDS);
            cf.addListener(f -> timeout.cancel(false));
        }
        cf.addListener(f -> {
            if (f.isSuccess()) {
                cf.channel().pipeline().remove(attempt); // connected: what happens now is the flow's to handle
                if (!promise.trySuccess(cf.channel())) {
                    cf.channel().close();
                }
            } else {
                promise.tryFailure(plainly(f.cause(), target));
            }
        });
        return cf.channel();
    }

    /**
     * A failed connect as the log and an HTTP client's 502 say it, "connection refused: 198.51.100.2:80" (mihomo's
     * "connect: connection refused"), not in the words of the syscall Netty made. The exception's kind stays, so what
     * maps kinds to SOCKS5 replies answers as before.
     */
    static Throwable plainly(Throwable cause, InetSocketAddress target) {
        String message = cause.getMessage();
        Matcher syscall = message == null ? null : NATIVE_FAILURE.matcher(message);
        String what;
        if (syscall != null && syscall.matches()) {
            what = syscall.group(1);
        } else if (cause instanceof NoRouteToHostException && (message == null || message.startsWith("null"))) {
            // Netty says EHOSTUNREACH and ENETUNREACH (a LAN host that is off, no IPv6 route) with no words at all:
            // "null: /192.168.1.50:80".
            what = "no route to host";
        } else {
            return cause;
        }
        String text = Character.toLowerCase(what.charAt(0)) + what.substring(1) + ": "
                + NetUtil.toSocketAddressString(target);
        SocketException plain = cause instanceof NoRouteToHostException ? new NoRouteToHostException(text)
                : cause instanceof ConnectException ? new ConnectException(text)
                : cause instanceof SocketException ? new SocketException(text) : null;
        if (plain == null) {
            return cause;
        }
        plain.initCause(cause);
        return plain;
    }

    @Override
    public Future<DatagramSession> openDatagram(Metadata flow, EventLoop loop, DatagramSession.Receiver receiver) {
        Promise<DatagramSession> promise = loop.newPromise();
        SocketBinder current = binder.get();
        Bootstrap b = new Bootstrap()
                .group(loop)
                .channelFactory(Transport::newDatagramChannel)
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
                        Transport.widenReceiveBuffer((DatagramChannel) ctx.channel());
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
            HostDatagramSession session = new HostDatagramSession((DatagramChannel) cf.channel(), resolver, receiver,
                    flow.source() == null || LoopbackGuard.isLocal(flow.source().getAddress()));
            cf.channel().pipeline().addLast(session.inboundHandler());
            promise.trySuccess(session);
        });
        return promise;
    }
}
