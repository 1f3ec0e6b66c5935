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

    private static final org.slf4j.Logger log = org.slf4j.LoggerFactory.getLogger(TproxyInbound.class);

    /** mihomo's inbound type of its flows, what {@code IN-TYPE} rules match. */
    public static final String TYPE = "TPROXY";

    private final Channel tcp;
    private final Channel udp4;
    private final AutoCloseable udp6;
    private final TransparentDatagrams datagrams;
    private final ChannelGroup connections;

    private TproxyInbound(Channel tcp, Channel udp4, AutoCloseable udp6, TransparentDatagrams datagrams,
            ChannelGroup connections) {
        this.tcp = tcp;
        this.udp4 = udp4;
        this.udp6 = udp6;
        this.datagrams = datagrams;
        this.connections = connections;
    }

    /**
     * Listens on {@code address} for TCP and UDP, as mihomo's tproxy-port does: an IPv6 address for IPv6, and
     * {@code ::} for both.
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
        Channel udp4 = null;
        TransparentDatagrams datagrams = null;
        try {
            tcp = Transport.bind(InboundSupport.listening(boss, workers, shortage, () -> {
                        ServerSocketChannel ch = Transport.newServerChannel(ipv4);
                        transparent(platform, ch, ipv4, false);
                        return ch;
                    })
                    .attr(InboundSupport.INBOUND_NAME, name) // for the UDP flows, which come in through no channel
                    .childOption(ChannelOption.AUTO_READ, false)
                    .childHandler(new RoutedAtOnce(tunnel, authentication, clients, connections,
                            ch -> interceptedTo((InetSocketAddress) ch.localAddress(), address.getPort()), "tproxy",
                            TYPE, name)), address);
            int port = ((InetSocketAddress) tcp.localAddress()).getPort();
            datagrams = new TransparentDatagrams(workers.next(), tcp, name, tunnel, authentication,
                    to -> interceptedTo(to, port), replyIpv4 -> {
                        DatagramChannel ch = Transport.newDatagramChannel(replyIpv4);
                        transparent(platform, ch, replyIpv4, false);
                        return ch;
                    });
            if (ipv4 || address.getAddress().isAnyLocalAddress()) {
                // Netty reads IPv4's original destinations; :: takes IPv4 on an IPv4 socket of its own.
                udp4 = Transport.bind(new Bootstrap()
                        .group(datagrams.loop())
                        .channelFactory(() -> {
                            DatagramChannel ch = Transport.newDatagramChannel(true);
                            transparent(platform, ch, true, true);
                            return ch;
                        })
                        .handler(datagrams.reader()), ipv4 ? tcp.localAddress() : new InetSocketAddress(port));
            }
            AutoCloseable udp6 = ipv4 ? null : platform.readTransparentIpv6(
                    new InetSocketAddress(address.getAddress(), port), datagrams::fromThread);
            return new TproxyInbound(tcp, udp4, udp6, datagrams, connections);
        } catch (UncheckedIOException e) {
            closeAll(tcp, udp4, datagrams);
            throw e.getCause(); // from a channel factory: a socket the kernel would not make transparent
        } catch (IOException | RuntimeException | InterruptedException e) {
            closeAll(tcp, udp4, datagrams);
            throw e;
        }
    }

    private static void closeAll(Channel tcp, Channel udp4, TransparentDatagrams datagrams) {
        for (Channel ch : new Channel[] {tcp, udp4}) {
            if (ch != null) {
                ch.close().syncUninterruptibly();
            }
        }
        if (datagrams != null) {
            datagrams.close();
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
        if (udp4 != null) {
            udp4.close().syncUninterruptibly();
        }
        if (udp6 != null) {
            try {
                udp6.close();
            } catch (Exception e) {
                log.debug("closing the IPv6 datagram reader: {}", e.toString());
            }
        }
        datagrams.close();
    }

    @Override
    public void close() {
        stopListening();
        connections.close();
    }
}
