package dev.turnout.plugins.v2ray;

import dev.turnout.api.DatagramSession;
import dev.turnout.api.Destination;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.EventLoop;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.Future;
import java.net.InetSocketAddress;
import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.Map;

/**
 * UDP through VMess or VLESS: a UDP request (command 2) names one destination, so each destination gets its
 * own connection, opened on its first datagram (Clash does the same). On each connection a write is one
 * datagram and a read is one datagram (the protocol's codec frames them). Datagrams sent while it opens wait
 * in a short queue; replies come back named by the destination they were sent to. Everything runs on the
 * flow's loop.
 */
public final class StreamPerDestination implements DatagramSession {

    /** Opens a protocol connection carrying UDP to one destination, its codec in place, auto-read off. */
    @FunctionalInterface
    public interface Opener {
        Future<Channel> open(Destination destination, EventLoop loop);
    }

    /** Destinations one session may talk to at once; more are dropped, as UDP allows. */
    static final int MAX_DESTINATIONS = 64;
    /** Datagrams held per destination while its connection opens. */
    static final int MAX_WAITING = 16;

    private final Opener opener;
    private final EventLoop loop;
    private final Receiver receiver;
    private final Map<Destination, Link> links = new HashMap<>();
    private volatile boolean closed;

    public StreamPerDestination(Opener opener, EventLoop loop, Receiver receiver) {
        this.opener = opener;
        this.loop = loop;
        this.receiver = receiver;
    }

    /** One destination's connection, and what waits for it. */
    private final class Link {
        final Destination destination;
        final ArrayDeque<ByteBuf> waiting = new ArrayDeque<>();
        Channel channel;

        Link(Destination destination) {
            this.destination = destination;
        }

        void send(ByteBuf payload) {
            if (channel != null) {
                channel.writeAndFlush(payload, channel.voidPromise());
            } else if (waiting.size() < MAX_WAITING) {
                waiting.add(payload);
            } else {
                payload.release();
            }
        }

        void opened(Channel c) {
            channel = c;
            InetSocketAddress sender = destination.hasAddress()
                    ? new InetSocketAddress(destination.address(), destination.port())
                    : InetSocketAddress.createUnresolved(destination.host(), destination.port());
            c.pipeline().addLast("v2ray-udp", new ChannelInboundHandlerAdapter() {
                @Override
                public void channelRead(ChannelHandlerContext ctx, Object msg) {
                    if (msg instanceof ByteBuf datagram && !closed) {
                        receiver.receive(sender, datagram);
                    } else {
                        ReferenceCountUtil.release(msg);
                    }
                }

                @Override
                public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
                    ctx.close();
                }
            });
            c.closeFuture().addListener(f -> loop.execute(() -> forget(this)));
            c.config().setAutoRead(true);
            c.read();
            while (!waiting.isEmpty()) {
                c.write(waiting.poll(), c.voidPromise());
            }
            c.flush();
        }

        void drop() {
            while (!waiting.isEmpty()) {
                waiting.poll().release();
            }
            if (channel != null) {
                channel.close();
            }
        }
    }

    @Override
    public void send(Destination destination, ByteBuf payload) {
        if (!loop.inEventLoop()) {
            loop.execute(() -> send(destination, payload));
            return;
        }
        if (closed) {
            payload.release();
            return;
        }
        Link link = links.get(destination);
        if (link == null) {
            if (links.size() >= MAX_DESTINATIONS) {
                payload.release();
                return;
            }
            Link created = new Link(destination);
            links.put(destination, created);
            link = created;
            Future<Channel> opening = opener.open(destination, loop);
            opening.addListener(f -> {
                if (!f.isSuccess() || closed) {
                    forget(created);
                    if (f.isSuccess()) {
                        opening.getNow().close();
                    }
                    return;
                }
                created.opened(opening.getNow());
            });
        }
        link.send(payload);
    }

    private void forget(Link link) {
        if (links.get(link.destination) == link) {
            links.remove(link.destination);
        }
        link.drop();
    }

    @Override
    public boolean isOpen() {
        return !closed;
    }

    @Override
    public void close() {
        closed = true;
        if (loop.inEventLoop()) {
            for (Link link : links.values().toArray(new Link[0])) {
                forget(link);
            }
        } else {
            loop.execute(this::close);
        }
    }
}
