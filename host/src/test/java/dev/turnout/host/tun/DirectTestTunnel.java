package dev.turnout.host.tun;

import dev.turnout.api.DatagramSession;
import dev.turnout.api.Metadata;
import dev.turnout.api.testing.PlainDialer;
import dev.turnout.host.flow.FlowTable;
import dev.turnout.host.platform.Platform;
import dev.turnout.host.relay.FlowTimeouts;
import dev.turnout.host.relay.Relay;
import dev.turnout.host.tunnel.StreamReadiness;
import dev.turnout.host.tunnel.Tunnel;
import io.netty.channel.Channel;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoop;
import io.netty.channel.epoll.EpollDatagramChannel;
import io.netty.channel.epoll.EpollSocketChannel;
import io.netty.util.concurrent.Future;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.time.Duration;

/**
 * A test-only DIRECT tunnel: every flow goes straight to its destination through sockets bound to one
 * interface (SO_BINDTODEVICE, applied in the channel factory so a failure fails the connect).
 */
final class DirectTestTunnel implements Tunnel {

    private final Platform platform;
    private final String ifName;
    private final PlainDialer dialer;
    private final FlowTable flows = new FlowTable(1024);

    DirectTestTunnel(Platform platform, String ifName) {
        this.platform = platform;
        this.ifName = ifName;
        // Native channels: only they carry SO_BINDTODEVICE. Datagrams leave from the wildcard address, as the
        // TUN's flows go anywhere.
        this.dialer = new PlainDialer(() -> bound(new EpollSocketChannel()), () -> bound(new EpollDatagramChannel()),
                new InetSocketAddress(0));
    }

    private <C extends Channel> C bound(C channel) {
        try {
            platform.bindToInterface(channel, ifName);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return channel;
    }

    @Override
    public void routeStream(Channel inbound, Metadata flow, StreamReadiness readiness) {
        dialer.openStream(flow, inbound.eventLoop()).addListener((Future<Channel> f) -> {
            if (!f.isSuccess()) {
                inbound.config().setOption(ChannelOption.SO_LINGER, 0);
                inbound.close();
                return;
            }
            // The host's own relay: it also passes on what the TUN inbound held while this dialled.
            Relay.start(inbound, f.getNow(), flows.open(flow, "MATCH", "DIRECT", "DIRECT"),
                    new FlowTimeouts(Duration.ofSeconds(60), Duration.ofSeconds(30)), () -> { });
        });
    }

    @Override
    public Future<dev.turnout.host.tunnel.RoutedRequest> routeRequest(Channel inbound, Metadata flow) {
        throw new UnsupportedOperationException("the TUN inbound routes streams, not requests");
    }

    @Override
    public Future<DatagramSession> routeDatagram(Metadata flow, EventLoop loop, DatagramSession.Receiver toApplication) {
        return dialer.openDatagram(flow, loop, toApplication);
    }
}
