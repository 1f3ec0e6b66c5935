package dev.turnout.host.inbound.mixed;

import dev.turnout.host.dial.SocketBinder;
import dev.turnout.host.dial.Transport;
import dev.turnout.host.inbound.Authentication;
import dev.turnout.host.inbound.HandshakeDeadline;
import dev.turnout.host.inbound.InboundSupport;
import dev.turnout.host.inbound.PortInbound;
import dev.turnout.host.platform.DescriptorShortage;
import dev.turnout.host.relay.Relay;
import dev.turnout.host.tunnel.Tunnel;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.group.ChannelGroup;
import io.netty.channel.group.DefaultChannelGroup;
import io.netty.util.concurrent.GlobalEventExecutor;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.function.Supplier;

/**
 * One port that speaks SOCKS5 and HTTP proxy, told apart by the first byte. This is how Turnout is used
 * without root: applications point their proxy setting at it.
 */
public final class MixedInbound implements PortInbound {

    /** A client that has not finished its handshake (or an HTTP request head) by then is dropped. */
    static final long HANDSHAKE_TIMEOUT_MILLIS = 10_000;

    private final Channel server;
    private final ChannelGroup connections;

    private MixedInbound(Channel server, ChannelGroup connections) {
        this.server = server;
        this.connections = connections;
    }

    /** mihomo's name for the listener {@code mixed-port} opens, which IN-NAME rules match. */
    public static final String DEFAULT_NAME = "DEFAULT-MIXED";

    public static MixedInbound bind(InetSocketAddress address, EventLoopGroup boss, EventLoopGroup workers,
                                    Tunnel tunnel, DescriptorShortage shortage) throws IOException, InterruptedException {
        return bind(address, boss, workers, tunnel, shortage, HANDSHAKE_TIMEOUT_MILLIS, DEFAULT_NAME,
                () -> Authentication.NONE, SocketBinder.NONE, true);
    }

    /**
     * A listener named as mihomo names it: {@code DEFAULT-MIXED}, {@code DEFAULT-SOCKS} or {@code DEFAULT-HTTP}.
     *
     * @param authentication whom to ask for a user, read as each client connects (a reload changes it)
     * @param clients applied to each client's socket before anything is read (TCP keepalive)
     */
    public static MixedInbound bind(InetSocketAddress address, EventLoopGroup boss, EventLoopGroup workers,
                                    Tunnel tunnel, DescriptorShortage shortage, String name,
                                    Supplier<Authentication> authentication, SocketBinder clients)
            throws IOException, InterruptedException {
        return bind(address, boss, workers, tunnel, shortage, HANDSHAKE_TIMEOUT_MILLIS, name, authentication, clients,
                true);
    }

    /**
     * A listener of mihomo's {@code listeners:}, relaying SOCKS5 UDP only with {@code udp} (a mixed or socks
     * listener's key, true by default there).
     */
    public static MixedInbound bind(InetSocketAddress address, EventLoopGroup boss, EventLoopGroup workers,
                                    Tunnel tunnel, DescriptorShortage shortage, String name,
                                    Supplier<Authentication> authentication, SocketBinder clients, boolean udp)
            throws IOException, InterruptedException {
        return bind(address, boss, workers, tunnel, shortage, HANDSHAKE_TIMEOUT_MILLIS, name, authentication, clients,
                udp);
    }

    static MixedInbound bind(InetSocketAddress address, EventLoopGroup boss, EventLoopGroup workers, Tunnel tunnel,
                             DescriptorShortage shortage, long handshakeMillis) throws IOException, InterruptedException {
        return bind(address, boss, workers, tunnel, shortage, handshakeMillis, DEFAULT_NAME, () -> Authentication.NONE,
                SocketBinder.NONE, true);
    }

    static MixedInbound bindWithoutUdp(InetSocketAddress address, EventLoopGroup group, Tunnel tunnel)
            throws IOException, InterruptedException {
        return bind(address, group, group, tunnel, new DescriptorShortage(), HANDSHAKE_TIMEOUT_MILLIS, DEFAULT_NAME,
                () -> Authentication.NONE, SocketBinder.NONE, false);
    }

    private static MixedInbound bind(InetSocketAddress address, EventLoopGroup boss, EventLoopGroup workers,
                                     Tunnel tunnel, DescriptorShortage shortage, long handshakeMillis, String name,
                                     Supplier<Authentication> authentication, SocketBinder clients, boolean udp)
            throws IOException, InterruptedException {
        ChannelGroup connections = new DefaultChannelGroup("mixed", GlobalEventExecutor.INSTANCE);
        ServerBootstrap b = InboundSupport.listening(boss, workers, shortage)
                .childHandler(new ChannelInitializer<>() {
                    @Override
                    protected void initChannel(Channel ch) {
                        Authentication access = authentication.get();
                        if (!access.admits((InetSocketAddress) ch.remoteAddress())) {
                            // lan-allowed-ips / lan-disallowed-ips: closed before a byte is read, as mihomo does.
                            ch.close();
                            return;
                        }
                        try {
                            clients.bind(ch);
                        } catch (Exception e) {
                            ch.close(); // an option the socket refuses: not served, rather than served without it
                            return;
                        }
                        connections.add(ch);
                        // Before the handshake's first read, which fixes how the channel's reads are sized.
                        Relay.readsGrowToBulk(ch);
                        ch.attr(InboundSupport.INBOUND_NAME).set(name);
                        ch.pipeline().addLast(HandshakeDeadline.NAME, new HandshakeDeadline(handshakeMillis));
                        ch.pipeline().addLast("detect", new ProtocolDetector(tunnel, address.getAddress(), access, udp));
                    }
                });
        Channel server = Transport.bind(b, address);
        return new MixedInbound(server, connections);
    }

    @Override
    public InetSocketAddress localAddress() {
        return (InetSocketAddress) server.localAddress();
    }

    /** The listening channel itself. */
    Channel listener() {
        return server;
    }

    /** Client connections open right now; closed ones leave the group by themselves. */
    public int openConnections() {
        return connections.size();
    }

    @Override
    public void stopListening() {
        server.close().syncUninterruptibly();
    }

    @Override
    public void close() {
        server.close().syncUninterruptibly();
        connections.close();
    }
}
