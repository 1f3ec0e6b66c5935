package dev.turnout.host.inbound.tproxy;

import dev.turnout.api.Destination;
import dev.turnout.api.Network;
import dev.turnout.host.inbound.Authentication;
import dev.turnout.host.inbound.DatagramFlow;
import dev.turnout.host.inbound.InboundSupport;
import dev.turnout.host.inbound.Refusals;
import dev.turnout.host.tunnel.Tunnel;
import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoop;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.socket.DatagramChannel;
import io.netty.channel.socket.DatagramPacket;
import io.netty.util.concurrent.ScheduledFuture;
import java.io.IOException;
import java.net.Inet4Address;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.util.HashMap;
import java.util.Iterator;
import java.util.Map;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * The UDP side of the tproxy port: each client socket's datagrams (wherever they go: the original destination the
 * transparent socket is told with each) are one flow, routed by the rules by its first datagram and sending each
 * datagram to its own destination, as a TUN flow is (a full-cone NAT, as mihomo's tproxy). Replies go back from
 * whoever sent them, as the client expects: from a transparent socket bound to that address, one per such address,
 * shared by the clients it answers; a reply from a name's address comes from the address the client wrote to.
 * Everything here runs on one loop: datagrams come from the transparent socket Netty reads (IPv4, on that loop:
 * {@link #reader}) and from {@link #fromThread} (IPv6).
 */
final class TransparentDatagrams {

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

    /**
     * One client socket's flow, the original destination of its first datagram, and the last original destination
     * with where its datagrams go (so that a stream of datagrams there works nothing out again).
     */
    private static final class ClientFlow {
        DatagramFlow datagrams;
        final InetSocketAddress first;
        InetSocketAddress lastRecipient;
        Destination lastTo;

        ClientFlow(InetSocketAddress first, Destination to) {
            this.first = first;
            this.lastRecipient = first;
            this.lastTo = to;
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

    /** How many IPv6 datagrams may wait for the loop; more are dropped, as a full socket buffer would. */
    static final int MAX_WAITING = 1024;

    private final EventLoop loop;
    private final Channel port;
    private final Tunnel tunnel;
    private final Supplier<Authentication> authentication;
    private final DestinationOf destinationOf;
    private final Function<Boolean, DatagramChannel> transparentSockets;
    private final Map<InetSocketAddress, ClientFlow> flows = new HashMap<>();
    private final Map<InetSocketAddress, ReplySocket> replySockets = new HashMap<>();
    private final Refusals refusals;
    private final AtomicInteger waiting = new AtomicInteger();
    private final ScheduledFuture<?> sweep;

    /**
     * @param loop               where everything runs
     * @param port               the port's listening channel, whose name and port the flows carry
     * @param destinationOf      the destination of a datagram with this original destination
     * @param transparentSockets a new, unbound transparent UDP socket, of IPv4 or not
     */
    TransparentDatagrams(EventLoop loop, Channel port, String name, Tunnel tunnel,
            Supplier<Authentication> authentication, DestinationOf destinationOf,
            Function<Boolean, DatagramChannel> transparentSockets) {
        this.loop = loop;
        this.port = port;
        this.tunnel = tunnel;
        this.authentication = authentication;
        this.destinationOf = destinationOf;
        this.transparentSockets = transparentSockets;
        this.refusals = new Refusals(name);
        this.sweep = loop.scheduleAtFixedRate(this::sweep, 10, 10, TimeUnit.SECONDS);
    }

    EventLoop loop() {
        return loop;
    }

    /** The handler of the transparent socket Netty reads, whose packets carry their original destination. */
    ChannelHandler reader() {
        return new SimpleChannelInboundHandler<DatagramPacket>(DatagramPacket.class) {
            @Override
            protected void channelRead0(ChannelHandlerContext ctx, DatagramPacket packet) {
                receive(packet.sender(), packet.recipient(), packet.content().retain());
            }
        };
    }

    /** Takes a datagram read on another thread: copied, and handed to the loop. */
    void fromThread(InetSocketAddress client, InetSocketAddress to, ByteBuffer payload) {
        if (waiting.incrementAndGet() > MAX_WAITING) {
            waiting.decrementAndGet();
            return;
        }
        ByteBuf copy = PooledByteBufAllocator.DEFAULT.directBuffer(payload.remaining());
        copy.writeBytes(payload);
        try {
            loop.execute(() -> {
                waiting.decrementAndGet();
                receive(client, to, copy);
            });
        } catch (RejectedExecutionException e) {
            waiting.decrementAndGet();
            copy.release(); // the loop is shutting down with Turnout
        }
    }

    private void sweep() {
        long idle = System.nanoTime() - TimeUnit.MILLISECONDS.toNanos(IDLE_MILLIS);
        for (Iterator<ClientFlow> i = flows.values().iterator(); i.hasNext(); ) {
            DatagramFlow f = i.next().datagrams;
            if (f.ended() || f.quietSince(idle)) {
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
    }

    /** Ends every flow and closes the reply sockets (on the loop). */
    void close() {
        sweep.cancel(false);
        try {
            loop.execute(() -> {
                flows.values().forEach(f -> f.datagrams.close());
                flows.clear();
                replySockets.values().forEach(r -> r.bound.channel().close());
                replySockets.clear();
            });
        } catch (RejectedExecutionException e) {
            // Turnout is stopping: its loops end, and their channels with them
        }
    }

    /** One datagram from {@code client} to {@code recipient}, its original destination; on the loop. */
    private void receive(InetSocketAddress client, InetSocketAddress recipient, ByteBuf payload) {
        ClientFlow flow = flows.get(client);
        if (flow == null || flow.datagrams.ended()) {
            if (flow != null) {
                flows.remove(client);
            } else if (flows.size() >= MAX_FLOWS || !authentication.get().admits(client)) {
                payload.release();
                return;
            }
            flow = open(client, recipient);
            if (flow == null) {
                payload.release();
                return;
            }
            flows.put(client, flow);
        }
        if (!recipient.equals(flow.lastRecipient)) {
            try {
                flow.lastTo = destinationOf.of(recipient);
            } catch (IOException e) {
                refusals.refused(log, client, e.getMessage());
                payload.release();
                return;
            }
            flow.lastRecipient = recipient;
        }
        flow.datagrams.send(flow.lastTo, payload);
    }

    private ClientFlow open(InetSocketAddress client, InetSocketAddress recipient) {
        Destination to;
        try {
            to = destinationOf.of(recipient);
        } catch (IOException e) {
            refusals.refused(log, client, e.getMessage());
            return null;
        }
        ClientFlow flow = new ClientFlow(recipient, to);
        flow.datagrams = new DatagramFlow(tunnel.routeDatagram(InboundSupport.flow(Network.UDP, to, client,
                "tproxy", port, TproxyInbound.TYPE), loop, (source, payload) -> reply(client, flow, source, payload)));
        return flow;
    }

    /**
     * A reply, heard by the client from whoever sent it (the tunnel gives a name's reply the address the client
     * wrote to); from the first destination when the sender is no address of the client's family (an outbound that
     * names it by name).
     */
    private void reply(InetSocketAddress client, ClientFlow flow, InetSocketAddress source, ByteBuf payload) {
        if (!loop.inEventLoop()) {
            // An outbound whose replies come on a loop of its own: the reply sockets are this loop's.
            try {
                loop.execute(() -> reply(client, flow, source, payload));
            } catch (RejectedExecutionException e) {
                payload.release();
            }
            return;
        }
        InetSocketAddress from = source != null && !source.isUnresolved()
                && (source.getAddress() instanceof Inet4Address) == (flow.first.getAddress() instanceof Inet4Address)
                ? source : flow.first;
        ReplySocket socket = replySockets.get(from);
        if (socket == null) {
            if (replySockets.size() >= MAX_FLOWS) {
                payload.release();
                return;
            }
            socket = new ReplySocket(new Bootstrap()
                    .group(loop)
                    .channelFactory(() -> transparentSockets.apply(from.getAddress() instanceof Inet4Address))
                    .option(ChannelOption.SO_REUSEADDR, true)
                    .handler(new io.netty.channel.ChannelInboundHandlerAdapter())
                    .bind(from));
            replySockets.put(from, socket);
            socket.bound.addListener(f -> {
                if (!f.isSuccess()) {
                    log.warn("tproxy: cannot reply from {}: {}", from, f.cause().toString());
                }
            });
        }
        socket.lastUsed = System.nanoTime();
        ChannelFuture bound = socket.bound;
        if (bound.isDone()) {
            write(bound, client, payload);
        } else {
            bound.addListener(f -> write(bound, client, payload));
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
