package dev.turnout.host.inbound.tproxy;

import dev.turnout.api.DatagramSession;
import dev.turnout.api.Destination;
import dev.turnout.api.Network;
import dev.turnout.host.inbound.Authentication;
import dev.turnout.host.inbound.InboundSupport;
import dev.turnout.host.inbound.Refusals;
import dev.turnout.host.tunnel.Tunnel;
import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoop;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.socket.DatagramChannel;
import io.netty.channel.socket.DatagramPacket;
import io.netty.util.concurrent.Future;
import io.netty.util.concurrent.ScheduledFuture;
import java.io.IOException;
import java.net.Inet4Address;
import java.net.InetSocketAddress;
import java.util.HashMap;
import java.util.Iterator;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * The UDP side of the tproxy port: each client's datagrams to one destination (the original destination the
 * transparent socket is told with each) are one flow, routed by the rules as a TUN flow is. Replies go back from the
 * address and port the client sent to, as the client expects: from a transparent socket bound there, one per such
 * address, shared by the clients of that destination. Everything here runs on the listening socket's loop.
 */
final class TransparentDatagrams extends SimpleChannelInboundHandler<DatagramPacket> {

    private static final org.slf4j.Logger log = org.slf4j.LoggerFactory.getLogger(TransparentDatagrams.class);

    /** A flow, or a reply socket, unused this long is closed; the client's next datagram opens a new flow. */
    static final long IDLE_MILLIS = 60_000;
    /**
     * Bounds what clients can make one port hold: flows, and reply sockets (a descriptor each). One port serves a
     * whole LAN, hence more than a tunnel's.
     */
    static final int MAX_FLOWS = 4096;

    /** Where a datagram was going, or why it is not served. */
    @FunctionalInterface
    interface DestinationOf {
        Destination of(InetSocketAddress originalDestination) throws IOException;
    }

    private record Key(InetSocketAddress client, InetSocketAddress destination) {
    }

    /** One client's flow to one destination: opening, open, or ended by the flow table; and when it last sent. */
    private static final class ClientFlow {
        final Future<DatagramSession> session;
        final Destination destination;
        long lastUsed = System.nanoTime();

        ClientFlow(Future<DatagramSession> session, Destination destination) {
            this.session = session;
            this.destination = destination;
        }

        boolean ended() {
            return session.isDone() && (!session.isSuccess() || !session.getNow().isOpen());
        }

        void close() {
            session.addListener(f -> {
                if (f.isSuccess()) {
                    ((DatagramSession) f.getNow()).close();
                }
            });
        }
    }

    /** A transparent socket bound to an address clients send to, replying from it; and when it last sent. */
    private static final class ReplySocket {
        final ChannelFuture bound;
        long lastUsed = System.nanoTime();

        ReplySocket(ChannelFuture bound) {
            this.bound = bound;
        }
    }

    private final Tunnel tunnel;
    private final Supplier<Authentication> authentication;
    private final DestinationOf destinationOf;
    private final Function<Boolean, DatagramChannel> transparentSockets;
    private final Map<Key, ClientFlow> flows = new HashMap<>();
    private final Map<InetSocketAddress, ReplySocket> replySockets = new HashMap<>();
    private final Refusals refusals;
    private ScheduledFuture<?> sweep;

    /**
     * @param destinationOf      the destination of a datagram with this original destination
     * @param transparentSockets a new, unbound transparent UDP socket, of IPv4 or not
     */
    TransparentDatagrams(String name, Tunnel tunnel, Supplier<Authentication> authentication,
            DestinationOf destinationOf, Function<Boolean, DatagramChannel> transparentSockets) {
        super(DatagramPacket.class);
        this.tunnel = tunnel;
        this.authentication = authentication;
        this.destinationOf = destinationOf;
        this.transparentSockets = transparentSockets;
        this.refusals = new Refusals(name);
    }

    void sweepEvery(Channel udp) {
        sweep = udp.eventLoop().scheduleAtFixedRate(() -> {
            long idle = System.nanoTime() - TimeUnit.MILLISECONDS.toNanos(IDLE_MILLIS);
            for (Iterator<ClientFlow> i = flows.values().iterator(); i.hasNext(); ) {
                ClientFlow f = i.next();
                if (f.ended() || f.lastUsed - idle < 0) {
                    f.close();
                    i.remove();
                }
            }
            for (Iterator<ReplySocket> i = replySockets.values().iterator(); i.hasNext(); ) {
                ReplySocket r = i.next();
                if (r.lastUsed - idle < 0) {
                    r.bound.channel().close();
                    i.remove();
                }
            }
        }, 10, 10, TimeUnit.SECONDS);
        udp.closeFuture().addListener(f -> {
            sweep.cancel(false);
            flows.values().forEach(ClientFlow::close);
            flows.clear();
            replySockets.values().forEach(r -> r.bound.channel().close());
            replySockets.clear();
        });
    }

    @Override
    protected void channelRead0(ChannelHandlerContext ctx, DatagramPacket packet) {
        InetSocketAddress client = packet.sender();
        Key key = new Key(client, packet.recipient());
        ClientFlow flow = flows.get(key);
        if (flow == null || flow.ended()) {
            if (flow != null) {
                flows.remove(key);
            } else if (flows.size() >= MAX_FLOWS || !authentication.get().admits(client)) {
                return;
            }
            flow = open(ctx.channel(), key);
            if (flow == null) {
                return;
            }
            flows.put(key, flow);
        }
        flow.lastUsed = System.nanoTime();
        ByteBuf payload = packet.content().retain();
        ClientFlow f = flow;
        if (f.session.isDone()) {
            send(f, payload);
        } else {
            f.session.addListener(done -> send(f, payload));
        }
    }

    private ClientFlow open(Channel udp, Key key) {
        Destination to;
        try {
            if (key.destination().getAddress().isAnyLocalAddress()) {
                // The socket's own address: the kernel's IPV6_ORIGDSTADDR, which Netty does not read.
                throw new IOException("the original destination of an IPv6 datagram is not read: IPv6 UDP through "
                        + "tproxy-port is not supported yet (leave it out of ip6tables' TPROXY rule)");
            }
            to = destinationOf.of(key.destination());
        } catch (IOException e) {
            refusals.refused(log, key.client(), e.getMessage());
            return null;
        }
        EventLoop loop = udp.eventLoop();
        return new ClientFlow(tunnel.routeDatagram(InboundSupport.flow(Network.UDP, to, key.client(), "tproxy", udp,
                TproxyInbound.TYPE), loop, (source, payload) -> reply(loop, key, payload)), to);
    }

    private static void send(ClientFlow flow, ByteBuf payload) {
        if (!flow.session.isSuccess() || !flow.session.getNow().isOpen()) {
            payload.release();
            return;
        }
        flow.session.getNow().send(flow.destination, payload);
    }

    /**
     * A reply, from whichever address the far side sent it: the client hears it from the address it sent to, as
     * through the TUN.
     */
    private void reply(EventLoop loop, Key key, ByteBuf payload) {
        ReplySocket socket = replySockets.get(key.destination());
        if (socket == null) {
            if (replySockets.size() >= MAX_FLOWS) {
                payload.release();
                return;
            }
            socket = new ReplySocket(new Bootstrap()
                    .group(loop)
                    .channelFactory(() -> transparentSockets.apply(key.destination().getAddress()
                            instanceof Inet4Address))
                    .option(ChannelOption.SO_REUSEADDR, true)
                    .handler(new io.netty.channel.ChannelInboundHandlerAdapter())
                    .bind(key.destination()));
            replySockets.put(key.destination(), socket);
            socket.bound.addListener(f -> {
                if (!f.isSuccess()) {
                    log.warn("tproxy: cannot reply from {}: {}", key.destination(), f.cause().toString());
                }
            });
        }
        socket.lastUsed = System.nanoTime();
        ChannelFuture bound = socket.bound;
        if (bound.isDone()) {
            write(bound, key.client(), payload);
        } else {
            bound.addListener(f -> write(bound, key.client(), payload));
        }
    }

    private static void write(ChannelFuture bound, InetSocketAddress client, ByteBuf payload) {
        if (!bound.isSuccess() || !bound.channel().isActive()) {
            payload.release();
            return;
        }
        bound.channel().writeAndFlush(new DatagramPacket(payload, client), bound.channel().voidPromise());
    }
}
