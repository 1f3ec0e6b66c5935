package dev.turnout.host.inbound.tunnel;

import dev.turnout.api.Destination;
import dev.turnout.api.Network;
import dev.turnout.host.config.TunnelTarget;
import dev.turnout.host.dial.SocketBinder;
import dev.turnout.host.dial.Transport;
import dev.turnout.host.inbound.Authentication;
import dev.turnout.host.inbound.DatagramFlow;
import dev.turnout.host.inbound.InboundSupport;
import dev.turnout.host.inbound.PortInbound;
import dev.turnout.host.inbound.RoutedAtOnce;
import dev.turnout.host.platform.DescriptorShortage;
import dev.turnout.host.tunnel.Tunnel;
import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.group.ChannelGroup;
import io.netty.channel.group.DefaultChannelGroup;
import io.netty.channel.socket.DatagramPacket;
import io.netty.util.concurrent.GlobalEventExecutor;
import io.netty.util.concurrent.ScheduledFuture;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.HashMap;
import java.util.Iterator;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * mihomo's tunnel: a port whose every TCP connection and every UDP sender's datagrams go to one fixed target, through
 * the tunnel's proxy or where the rules send them ({@code tunnels: [tcp/udp,127.0.0.1:6553,192.0.2.53:53,PROXY]}).
 * No handshake: what a client sends is the target's from the first byte.
 */
public final class TunnelInbound implements PortInbound {

    /** mihomo's inbound type of a tunnel's flows, what {@code IN-TYPE} rules match. */
    public static final String TYPE = "TUNNEL";
    /** A UDP sender quiet this long loses its flow; its next datagram opens a new one. */
    static final long UDP_IDLE_MILLIS = 60_000;
    /** Bounds what senders can make one tunnel hold. */
    static final int MAX_UDP_SENDERS = 1024;

    private final Channel tcp;
    private final Channel udp;
    private final ChannelGroup connections;

    private TunnelInbound(Channel tcp, Channel udp, ChannelGroup connections) {
        this.tcp = tcp;
        this.udp = udp;
        this.connections = connections;
    }

    /**
     * Listens on {@code address} for the target's networks: both or neither.
     *
     * @param name           the flows' inbound name (a listener's, or {@code tunnel:} and the address)
     * @param authentication who may connect ({@code lan-allowed-ips}, {@code lan-disallowed-ips}), read per client
     * @param clients        applied to each TCP client's socket (keepalive)
     * @throws IOException when a port cannot be bound; nothing stays open then
     */
    public static TunnelInbound bind(InetSocketAddress address, TunnelTarget target, EventLoopGroup boss,
            EventLoopGroup workers, Tunnel tunnel, DescriptorShortage shortage, String name,
            Supplier<Authentication> authentication, SocketBinder clients) throws IOException, InterruptedException {
        Destination to = destination(target);
        if (to.hasAddress() && to.port() == address.getPort() && (to.address().equals(address.getAddress())
                || address.getAddress().isAnyLocalAddress() && to.address().isLoopbackAddress())) {
            // Each connection or datagram would come back as another. A target that is the port only through
            // another of the machine's addresses is refused per connection (notItself).
            throw new IOException("the tunnel's target " + target + " is its own port");
        }
        ChannelGroup connections = new DefaultChannelGroup("tunnel", GlobalEventExecutor.INSTANCE);
        Channel tcp = null;
        Channel udp = null;
        try {
            if (target.tcp()) {
                tcp = Transport.bind(InboundSupport.listening(boss, workers, shortage)
                        .childOption(ChannelOption.AUTO_READ, false)
                        .childHandler(new RoutedAtOnce(tunnel, authentication, clients, connections,
                                ch -> notItself(to, ch), "tunnel", TYPE, name)), address);
            }
            if (target.udp()) {
                InetSocketAddress at = tcp == null ? address : (InetSocketAddress) tcp.localAddress();
                Senders senders = new Senders(tunnel, to, authentication);
                udp = Transport.bind(new Bootstrap()
                        .group(workers.next())
                        .channelFactory(Transport::newDatagramChannel)
                        .attr(InboundSupport.INBOUND_NAME, name)
                        .handler(senders), at);
                senders.sweepEvery(udp);
            }
        } catch (IOException | RuntimeException | InterruptedException e) {
            if (tcp != null) {
                tcp.close().syncUninterruptibly();
            }
            throw e;
        }
        return new TunnelInbound(tcp, udp, connections);
    }

    /** {@code to}, unless it is the port the client reached: forwarded there, each connection would make another. */
    private static Destination notItself(Destination to, Channel accepted) throws IOException {
        if (to.hasAddress() && new InetSocketAddress(to.address(), to.port()).equals(accepted.localAddress())) {
            throw new IOException("the tunnel's target is its own port: nowhere to send it");
        }
        return to;
    }

    private static Destination destination(TunnelTarget target) {
        return Destination.ofHost(target.host(), target.port());
    }

    @Override
    public InetSocketAddress localAddress() {
        return (InetSocketAddress) (tcp != null ? tcp : udp).localAddress();
    }

    /** Stops taking TCP clients (those connected go on); UDP ends at once, its senders' flows with it. */
    @Override
    public void stopListening() {
        if (tcp != null) {
            tcp.close().syncUninterruptibly();
        }
        if (udp != null) {
            udp.close().syncUninterruptibly();
        }
    }

    @Override
    public void close() {
        stopListening();
        connections.close();
    }

    /** Each UDP sender's flow to the target, on the socket's loop; a quiet one is closed. */
    private static final class Senders extends SimpleChannelInboundHandler<DatagramPacket> {

        private final Tunnel tunnel;
        private final Destination to;
        private final Supplier<Authentication> authentication;
        private final Map<InetSocketAddress, DatagramFlow> senders = new HashMap<>();
        private ScheduledFuture<?> sweep;

        Senders(Tunnel tunnel, Destination to, Supplier<Authentication> authentication) {
            super(DatagramPacket.class);
            this.tunnel = tunnel;
            this.to = to;
            this.authentication = authentication;
        }

        void sweepEvery(Channel udp) {
            sweep = udp.eventLoop().scheduleAtFixedRate(() -> {
                long idle = System.nanoTime() - TimeUnit.MILLISECONDS.toNanos(UDP_IDLE_MILLIS);
                for (Iterator<DatagramFlow> i = senders.values().iterator(); i.hasNext(); ) {
                    DatagramFlow s = i.next();
                    if (s.ended() || s.quietSince(idle)) {
                        s.close();
                        i.remove();
                    }
                }
            }, 10, 10, TimeUnit.SECONDS);
            udp.closeFuture().addListener(f -> {
                sweep.cancel(false);
                senders.values().forEach(DatagramFlow::close);
                senders.clear();
            });
        }

        @Override
        protected void channelRead0(ChannelHandlerContext ctx, DatagramPacket packet) {
            InetSocketAddress from = packet.sender();
            DatagramFlow s = senders.get(from);
            if (s == null || s.ended()) {
                if (s != null) {
                    senders.remove(from);
                } else if (senders.size() >= MAX_UDP_SENDERS || !authentication.get().admits(from)) {
                    return;
                }
                Channel udp = ctx.channel();
                s = new DatagramFlow(tunnel.routeDatagram(InboundSupport.flow(Network.UDP, to, from, "tunnel", udp,
                        TYPE), udp.eventLoop(), (source, payload) -> toSender(udp, from, payload)));
                senders.put(from, s);
            }
            s.send(to, packet.content().retain());
        }

        /** A reply, from whichever address the target's side sent it: the sender hears it from the tunnel's port. */
        private static void toSender(Channel udp, InetSocketAddress sender, ByteBuf payload) {
            if (!udp.isActive()) {
                payload.release();
                return;
            }
            udp.writeAndFlush(new DatagramPacket(payload, sender), udp.voidPromise());
        }
    }
}
