package dev.turnout.host.platform;

import io.netty.channel.Channel;
import io.netty.channel.IoEventLoopGroup;
import io.netty.channel.socket.ServerSocketChannel;
import java.io.IOException;
import java.util.List;
import java.util.Optional;

/**
 * The platform of an OS Turnout has no TUN support for: every TUN operation fails with a message naming the
 * OS, and nothing binds to an interface. Proxies (the mixed inbound) keep working there.
 */
public final class PlatformUnsupported implements Platform {

    private final String os;

    public PlatformUnsupported(String os) {
        this.os = os;
    }

    @Override
    public String name() {
        return "unsupported";
    }

    @Override
    public int defaultTunMtu() {
        return 9000;
    }

    @Override
    public boolean supportsTun() {
        return false;
    }

    private IOException unsupported() {
        return new IOException("TUN mode is not supported on " + os);
    }

    @Override
    public TunDevice openTun(String requestedName, boolean offload) throws IOException {
        throw unsupported();
    }

    @Override
    public void configure(TunDevice device, List<IpPrefix> addresses, int mtu) throws IOException {
        throw unsupported();
    }

    @Override
    public RouteState installRoutes(TunDevice device, RoutePlan plan, RouteState recorded) throws IOException {
        throw unsupported();
    }

    @Override
    public RouteRemoval removeRoutes(RouteState state) throws IOException {
        throw new IOException("cannot remove routes recorded on " + state.platform() + " from " + os);
    }

    @Override
    public Optional<String> defaultInterface(List<String> ignoring) {
        return Optional.empty();
    }

    @Override
    public void bindToInterface(Channel channel, String ifName) throws IOException {
        throw new IOException("binding sockets to an interface is not supported on " + os);
    }

    @Override
    public void bindToInterface(int socketFd, boolean ipv6, String ifName) throws IOException {
        throw new IOException("binding sockets to an interface is not supported on " + os);
    }

    @Override
    public IoEventLoopGroup newEventLoopGroup(int threads, String threadName) {
        throw new UnsupportedOperationException("no native transport for TUN on " + os);
    }

    @Override
    public ServerSocketChannel newServerSocketChannel() {
        throw new UnsupportedOperationException("no native transport for TUN on " + os);
    }
}
