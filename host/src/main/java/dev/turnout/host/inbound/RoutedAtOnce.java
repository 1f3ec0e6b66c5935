package dev.turnout.host.inbound;

import dev.turnout.api.Destination;
import dev.turnout.api.Metadata;
import dev.turnout.api.Network;
import dev.turnout.host.dial.SocketBinder;
import dev.turnout.host.relay.Relay;
import dev.turnout.host.tunnel.StreamReadiness;
import dev.turnout.host.tunnel.Tunnel;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.group.ChannelGroup;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.function.Supplier;

/**
 * The clients of a port that speaks no proxy protocol (mihomo's tunnel, its redir-port): each admitted one is routed
 * as it connects, to where its port says it goes, and what it sends is the destination's from the first byte.
 * Accepted with auto-read off, as {@link Tunnel#routeStream} needs.
 */
public final class RoutedAtOnce extends ChannelInitializer<Channel> {

    private static final org.slf4j.Logger log = org.slf4j.LoggerFactory.getLogger(RoutedAtOnce.class);

    /** Where one client's connection goes. */
    @FunctionalInterface
    public interface DestinationOf {
        /** @throws IOException when the port cannot tell (a connection the firewall did not redirect) */
        Destination of(Channel accepted) throws IOException;
    }

    private final Tunnel tunnel;
    private final Supplier<Authentication> authentication;
    private final SocketBinder clients;
    private final ChannelGroup connections;
    private final DestinationOf destination;
    private final String inbound;
    private final String type;
    private final String name;
    private final Refusals refusals;

    /**
     * @param authentication who may connect ({@code lan-allowed-ips}, {@code lan-disallowed-ips}), read per client
     * @param clients        applied to each client's socket (keepalive)
     * @param connections    where the clients are kept, to be closed with the port
     * @param inbound        the flows' inbound ({@code tunnel}, {@code redir}); {@code type} and {@code name} mihomo's
     */
    public RoutedAtOnce(Tunnel tunnel, Supplier<Authentication> authentication, SocketBinder clients,
            ChannelGroup connections, DestinationOf destination, String inbound, String type, String name) {
        this.tunnel = tunnel;
        this.authentication = authentication;
        this.clients = clients;
        this.connections = connections;
        this.destination = destination;
        this.inbound = inbound;
        this.type = type;
        this.name = name;
        this.refusals = new Refusals(name);
    }

    @Override
    protected void initChannel(Channel ch) {
        InetSocketAddress client = (InetSocketAddress) ch.remoteAddress();
        if (!authentication.get().admits(client)) {
            ch.close(); // lan-allowed-ips / lan-disallowed-ips, as for every port
            return;
        }
        Destination to;
        try {
            clients.bind(ch);
            to = destination.of(ch);
        } catch (Exception e) {
            refusals.refused(log, client, e.getMessage());
            ch.close();
            return;
        }
        connections.add(ch);
        Relay.readsGrowToBulk(ch);
        Relay.holdEarlyInput(ch); // for the sniffer, and a FIN sent before the outbound is connected
        ch.attr(InboundSupport.INBOUND_NAME).set(name);
        Metadata flow = InboundSupport.flow(Network.TCP, to, client, inbound, ch, type);
        ch.pipeline().addLast(new ChannelInboundHandlerAdapter() {
            @Override
            public void channelActive(ChannelHandlerContext ctx) {
                ctx.pipeline().remove(this);
                tunnel.routeStream(ch, flow, StreamReadiness.SILENT);
            }
        });
    }
}
