package dev.turnout.host.dial;

import io.netty.channel.Channel;
import io.netty.channel.ChannelConfig;
import io.netty.channel.ChannelOption;
import io.netty.channel.epoll.EpollChannelOption;
import io.netty.channel.epoll.EpollSocketChannel;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioChannelOption;
import io.netty.channel.socket.nio.NioSocketChannel;
import jdk.net.ExtendedSocketOptions;

/**
 * TCP keepalive on the connections Turnout makes and on those LAN clients make to its proxy ports, as mihomo sets
 * it ({@code keep-alive-idle}, {@code keep-alive-interval}, {@code disable-keep-alive}; Go's defaults: a first
 * probe after 15 s with nothing moving, then one every 15 s, the connection ended after {@value #PROBES} go
 * unanswered). The kernel finds a peer that is gone (a server that vanished, a NAT that forgot the flow, a phone
 * that left the network), so a flow whose ends are both there may sit idle as long as they like, as with Clash.
 *
 * @param idleSeconds how long a connection sits quiet before the first probe
 * @param intervalSeconds between unanswered probes
 */
public record TcpKeepAlive(boolean enabled, int idleSeconds, int intervalSeconds) implements SocketBinder {

    /** mihomo's, which are Go's. */
    public static final TcpKeepAlive DEFAULT = new TcpKeepAlive(true, 15, 15);
    public static final int PROBES = 9;

    public TcpKeepAlive {
        if (idleSeconds < 1 || intervalSeconds < 1) {
            throw new IllegalArgumentException("keepalive times must be at least 1 s: " + idleSeconds + ", "
                    + intervalSeconds);
        }
    }

    /** Sets keepalive on {@code channel} when it is a TCP socket (a datagram channel is left alone). */
    @Override
    public void bind(Channel channel) {
        if (!enabled || !(channel instanceof SocketChannel)) {
            return;
        }
        ChannelConfig config = channel.config();
        config.setOption(ChannelOption.SO_KEEPALIVE, true);
        if (channel instanceof EpollSocketChannel) {
            config.setOption(EpollChannelOption.TCP_KEEPIDLE, idleSeconds);
            config.setOption(EpollChannelOption.TCP_KEEPINTVL, intervalSeconds);
            config.setOption(EpollChannelOption.TCP_KEEPCNT, PROBES);
        } else if (channel instanceof NioSocketChannel) {
            config.setOption(NioChannelOption.of(ExtendedSocketOptions.TCP_KEEPIDLE), idleSeconds);
            config.setOption(NioChannelOption.of(ExtendedSocketOptions.TCP_KEEPINTERVAL), intervalSeconds);
            config.setOption(NioChannelOption.of(ExtendedSocketOptions.TCP_KEEPCOUNT), PROBES);
        }
        // kqueue (macOS): the system's own times, which Netty's kqueue channels do not set.
    }
}
