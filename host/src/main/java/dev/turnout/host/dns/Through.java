package dev.turnout.host.dns;

import dev.turnout.host.dial.SocketBinder;
import io.netty.channel.Channel;
import io.netty.channel.EventLoop;
import io.netty.util.concurrent.Future;
import java.net.InetSocketAddress;

/**
 * Opens a stream to a nameserver through one of Turnout's outbounds or groups, for mihomo's {@code #PROXY} after a
 * nameserver: a proxy carries streams, so queries to it go as DNS over TCP (or TLS, HTTPS), never as UDP.
 */
@FunctionalInterface
public interface Through {

    /** Nothing to go through: every nameserver naming an outbound fails, saying so. */
    Through NONE = (outbound, server, loop) -> loop.newFailedFuture(new java.io.IOException(
            "no outbound '" + outbound + "' to send DNS queries through"));

    /**
     * A stream to {@code server} (unresolved when it is a name, which the outbound's far end looks up) through
     * {@code outbound}, on {@code loop}, ready for payload as {@code dev.turnout.api.Dialer#openStream} gives it.
     */
    Future<Channel> open(String outbound, InetSocketAddress server, EventLoop loop);

    /**
     * How a socket leaves through the network interface {@code name} when it names no outbound (mihomo's
     * {@code 127.0.0.1#lo}), so a plain server is asked over UDP from there, as mihomo asks it; {@code null} when
     * {@code name} is an outbound, which carries streams only.
     */
    default SocketBinder leavingThrough(String name) {
        return null;
    }
}
