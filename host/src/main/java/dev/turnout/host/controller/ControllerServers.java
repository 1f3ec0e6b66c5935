package dev.turnout.host.controller;

import dev.turnout.host.dial.Transport;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.WriteBufferWaterMark;
import io.netty.handler.ssl.SslContext;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The TCP sockets one controller key listens on ({@code external-controller}, or {@code external-controller-tls} with
 * its certificate): bound at start, moved by reloads as mihomo moves them. Used under the controller's lock.
 */
final class ControllerServers {

    private static final Logger log = LoggerFactory.getLogger(Controller.class);

    private final String key;
    private final EventLoopGroup loop;
    private final Function<SslContext, ChannelInitializer<Channel>> connections;
    private final List<Channel> channels = new ArrayList<>();
    private List<InetSocketAddress> listening = List.of();
    private SslContext tls;

    /**
     * @param key         the config key, for messages
     * @param connections a connection's pipeline, behind TLS with the context given ({@code null}: plain)
     */
    ControllerServers(String key, EventLoopGroup loop, Function<SslContext, ChannelInitializer<Channel>> connections) {
        this.key = key;
        this.loop = loop;
        this.connections = connections;
    }

    /** The addresses asked for, as last bound. */
    List<InetSocketAddress> listening() {
        return listening;
    }

    SslContext tls() {
        return tls;
    }

    boolean isEmpty() {
        return channels.isEmpty();
    }

    /**
     * Listens on {@code next} with {@code nextTls} in place of what is listened on now: the new sockets open before
     * the old ones close, or, where a port stays, right after them; when the new ones cannot open, the old ones
     * listen again and this throws.
     *
     * @param withSecret whether the log says a secret is required there
     * @throws IllegalArgumentException naming the address that could not be bound
     */
    void rebind(List<InetSocketAddress> next, boolean withSecret, SslContext nextTls) throws InterruptedException {
        List<Channel> old = new ArrayList<>(channels);
        List<InetSocketAddress> before = listening;
        SslContext tlsBefore = tls;
        boolean samePort = next.stream().anyMatch(a -> a.getPort() != 0
                && before.stream().anyMatch(o -> o.getPort() == a.getPort()));
        if (samePort) {
            old.forEach(ch -> ch.close().syncUninterruptibly());
        }
        channels.clear();
        try {
            bind(next, withSecret, nextTls);
        } catch (RuntimeException | InterruptedException e) {
            channels.forEach(ch -> ch.close().syncUninterruptibly());
            channels.clear();
            if (samePort) {
                bind(before, withSecret, tlsBefore);
            } else {
                channels.addAll(old);
            }
            throw e;
        }
        listening = next;
        tls = nextTls;
        if (!samePort) {
            old.forEach(ch -> ch.close().syncUninterruptibly());
        }
    }

    private void bind(List<InetSocketAddress> addresses, boolean withSecret, SslContext with)
            throws InterruptedException {
        ServerBootstrap b = new ServerBootstrap()
                .group(loop)
                .channel(Transport.serverChannelType())
                .option(ChannelOption.SO_REUSEADDR, true)
                .childOption(ChannelOption.WRITE_BUFFER_WATER_MARK, new WriteBufferWaterMark(64 * 1024, 256 * 1024))
                .childHandler(connections.apply(with));
        for (InetSocketAddress asked : addresses) {
            // A second address (loopback's [::1] beside 127.0.0.1) takes the port the first was given.
            InetSocketAddress address = channels.isEmpty() || asked.getPort() != 0 ? asked
                    : new InetSocketAddress(asked.getAddress(), localAddress().getPort());
            try {
                channels.add(b.bind(address).sync().channel());
            } catch (Exception e) {
                if (channels.isEmpty()) {
                    throw new IllegalArgumentException(key + " cannot listen on " + address + ": " + e.getMessage(),
                            e);
                }
                // [::1] where IPv6 is off: 127.0.0.1 already answers.
                log.warn("controller cannot also listen on {}: {}", address, e.getMessage());
                continue;
            }
            log.info("controller (Clash API{}) listening on {}{}", with != null ? " over HTTPS" : "",
                    io.netty.util.NetUtil.toSocketAddressString((java.net.InetSocketAddress) channels.get(channels.size()
                            - 1).localAddress()), withSecret ? ", secret required" : "");
        }
    }

    InetSocketAddress localAddress() {
        return (InetSocketAddress) channels.get(0).localAddress();
    }

    String hostPorts() {
        return channels.stream().map(ch -> Controller.hostPort((InetSocketAddress) ch.localAddress()))
                .collect(Collectors.joining(", "));
    }

    void close() {
        channels.forEach(ch -> ch.close().syncUninterruptibly());
        channels.clear();
    }
}
