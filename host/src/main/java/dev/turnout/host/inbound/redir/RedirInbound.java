package dev.turnout.host.inbound.redir;

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
import io.netty.channel.Channel;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.group.ChannelGroup;
import io.netty.channel.group.DefaultChannelGroup;
import io.netty.util.concurrent.GlobalEventExecutor;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.function.Supplier;

/**
 * mihomo's {@code redir-port}: TCP connections the firewall redirected to this port ({@code iptables -t nat ...
 * -j REDIRECT --to-ports 7892}), each routed to where it was going, which the kernel keeps ({@code SO_ORIGINAL_DST}).
 * Linux only; a connection made to the port itself, not redirected, is closed.
 */
public final class RedirInbound implements PortInbound {

    /** mihomo's inbound type of its flows, what {@code IN-TYPE} rules match. */
    public static final String TYPE = "REDIR";

    private final Channel server;
    private final ChannelGroup connections;

    private RedirInbound(Channel server, ChannelGroup connections) {
        this.server = server;
        this.connections = connections;
    }

    /**
     * @param authentication who may connect ({@code lan-allowed-ips}, {@code lan-disallowed-ips}), read per client
     * @param clients        applied to each client's socket (keepalive)
     * @throws IOException when the port cannot be bound
     */
    public static RedirInbound bind(InetSocketAddress address, EventLoopGroup boss, EventLoopGroup workers,
            Tunnel tunnel, DescriptorShortage shortage, String name, Supplier<Authentication> authentication,
            SocketBinder clients) throws IOException, InterruptedException {
        Platform platform = Platform.current();
        if (platform.redirectUnsupported() != null) {
            throw new IOException(platform.redirectUnsupported());
        }
        ChannelGroup connections = new DefaultChannelGroup("redir", GlobalEventExecutor.INSTANCE);
        Channel server = Transport.bind(InboundSupport.listening(boss, workers, shortage)
                .childOption(ChannelOption.AUTO_READ, false)
                .childHandler(new RoutedAtOnce(tunnel, authentication, clients, connections,
                        ch -> redirectedTo(platform, ch), "redir", TYPE, name)), address);
        return new RedirInbound(server, connections);
    }

    /**
     * Where {@code accepted} was going. The kernel tracks a connection made to the port itself as well, and gives
     * the port as its destination: one Turnout would connect to itself, again and again.
     */
    private static Destination redirectedTo(Platform platform, Channel accepted) throws IOException {
        InetSocketAddress to = platform.originalDestination(accepted);
        if (to.equals(accepted.localAddress())) {
            throw new IOException("not redirected (made to the redir port itself): nowhere to send it");
        }
        return Destination.of(to);
    }

    @Override
    public InetSocketAddress localAddress() {
        return (InetSocketAddress) server.localAddress();
    }

    @Override
    public void stopListening() {
        server.close().syncUninterruptibly();
    }

    @Override
    public void close() {
        stopListening();
        connections.close();
    }
}
