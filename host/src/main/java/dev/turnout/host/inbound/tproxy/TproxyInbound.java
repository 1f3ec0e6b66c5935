package dev.turnout.host.inbound.tproxy;

import dev.turnout.api.Destination;
import dev.turnout.host.dial.SocketBinder;
import dev.turnout.host.dial.Transport;
import dev.turnout.host.inbound.Authentication;
import dev.turnout.host.inbound.InboundSupport;
import dev.turnout.host.inbound.PortInbound;
import dev.turnout.host.inbound.RoutedAtOnce;
import dev.turnout.host.platform.DescriptorShortage;
import dev.turnout.host.platform.Platform;
import dev.turnout.host.tunnel.Tunnel;
import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.group.ChannelGroup;
import io.netty.channel.group.DefaultChannelGroup;
import io.netty.channel.socket.DatagramChannel;
import io.netty.channel.socket.ServerSocketChannel;
import io.netty.util.concurrent.GlobalEventExecutor;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.NetworkInterface;
import java.net.SocketException;
import java.util.function.Supplier;

/**
 * mihomo's {@code tproxy-port}: TCP connections and UDP datagrams the firewall's {@code TPROXY} target hands to this
 * port ({@code iptables -t mangle ... -j TPROXY --on-port 7896 --tproxy-mark 1}, with a policy route delivering the
 * marked packets locally), each routed to where it was going. Its sockets are transparent: an accepted connection's
 * local address is its destination, a datagram's original destination comes with it, and replies are sent from the
 * address the client sent to (see {@link TransparentDatagrams}). Linux only, as root.
 */
public final class TproxyInbound implements PortInbound {

    /** mihomo's inbound type of its flows, what {@code IN-TYPE} rules match. */
    public static final String TYPE = "TPROXY";

    private final Channel tcp;
    private final Channel udp;
    private final ChannelGroup connections;

    private TproxyInbound(Channel tcp, Channel udp, ChannelGroup connections) {
        this.tcp = tcp;
        this.udp = udp;
        this.connections = connections;
    }

    /**
     * Listens on {@code address} for TCP and UDP, as mihomo's tproxy-port does.
     *
     * @param authentication who may connect ({@code lan-allowed-ips}, {@code lan-disallowed-ips}), read per client
     * @param clients        applied to each TCP client's socket (keepalive)
     * @throws IOException when a port cannot be bound or the sockets cannot be made transparent; nothing stays open
     */
    public static TproxyInbound bind(InetSocketAddress address, EventLoopGroup boss, EventLoopGroup workers,
            Tunnel tunnel, DescriptorShortage shortage, String name, Supplier<Authentication> authentication,
            SocketBinder clients) throws IOException, InterruptedException {
        Platform platform = Platform.current();
        if (platform.transparentUnsupported() != null) {
            throw new IOException(platform.transparentUnsupported());
        }
        boolean ipv4 = address.getAddress() instanceof Inet4Address;
        ChannelGroup connections = new DefaultChannelGroup("tproxy", GlobalEventExecutor.INSTANCE);
        Channel tcp = null;
        try {
            tcp = Transport.bind(InboundSupport.listening(boss, workers, shortage, () -> {
                        ServerSocketChannel ch = Transport.newServerChannel(ipv4);
                        transparent(platform, ch, ipv4, false);
                        return ch;
                    })
                    .childOption(ChannelOption.AUTO_READ, false)
                    .childHandler(new RoutedAtOnce(tunnel, authentication, clients, connections,
                            ch -> interceptedTo((InetSocketAddress) ch.localAddress(), address.getPort()), "tproxy",
                            TYPE, name)), address);
            TransparentDatagrams datagrams = new TransparentDatagrams(name, tunnel, authentication,
                    to -> interceptedTo(to, address.getPort()), replyIpv4 -> {
                        DatagramChannel ch = Transport.newDatagramChannel(replyIpv4);
                        transparent(platform, ch, replyIpv4, false);
                        return ch;
                    });
            Channel udp = Transport.bind(new Bootstrap()
                    .group(workers.next())
                    .channelFactory(() -> {
                        DatagramChannel ch = Transport.newDatagramChannel(ipv4);
                        transparent(platform, ch, ipv4, true);
                        return ch;
                    })
                    .attr(InboundSupport.INBOUND_NAME, name)
                    .handler(datagrams), tcp.localAddress());
            datagrams.sweepEvery(udp);
            return new TproxyInbound(tcp, udp, connections);
        } catch (UncheckedIOException e) {
            close(tcp);
            throw e.getCause(); // from a channel factory: a socket the kernel would not make transparent
        } catch (IOException | RuntimeException | InterruptedException e) {
            close(tcp);
            throw e;
        }
    }

    private static void transparent(Platform platform, Channel ch, boolean ipv4, boolean destinations) {
        try {
            platform.makeTransparent(ch, !ipv4, destinations);
        } catch (IOException e) {
            ch.unsafe().closeForcibly();
            throw new UncheckedIOException(e);
        }
    }

    private static void close(Channel ch) {
        if (ch != null) {
            ch.close().syncUninterruptibly();
        }
    }

    /**
     * Where an intercepted connection or datagram was going. One made to the port itself, on one of this machine's
     * addresses, was not intercepted: sent there, it would come back as another, again and again.
     */
    static Destination interceptedTo(InetSocketAddress to, int port) throws IOException {
        if (to.getPort() == port && ownAddress(to.getAddress())) {
            throw new IOException("not intercepted (made to the tproxy port itself): nowhere to send it");
        }
        return Destination.of(to);
    }

    private static boolean ownAddress(InetAddress address) throws IOException {
        try {
            return address.isAnyLocalAddress() || address.isLoopbackAddress()
                    || NetworkInterface.getByInetAddress(address) != null;
        } catch (SocketException e) {
            throw new IOException("cannot tell whether " + address.getHostAddress() + " is this machine's", e);
        }
    }

    @Override
    public InetSocketAddress localAddress() {
        return (InetSocketAddress) tcp.localAddress();
    }

    /** Stops taking TCP clients (those connected go on); UDP ends at once, its flows with it. */
    @Override
    public void stopListening() {
        tcp.close().syncUninterruptibly();
        udp.close().syncUninterruptibly();
    }

    @Override
    public void close() {
        stopListening();
        connections.close();
    }
}
