package dev.turnout.plugins.socks5;

import dev.turnout.api.Destination;
import dev.turnout.api.Dialer;
import dev.turnout.api.Metadata;
import dev.turnout.api.Network;
import dev.turnout.api.OutboundContext;
import dev.turnout.api.Steps;
import io.netty.channel.Channel;
import io.netty.channel.EventLoop;
import io.netty.util.concurrent.Future;
import io.netty.util.concurrent.Promise;
import java.net.SocketTimeoutException;

/**
 * Reaches the SOCKS5 server through the dialer and runs one handshake on the new connection, within one
 * deadline for both, so a server that is down, slow to accept or silent fails the flow promptly.
 */
final class Socks5Connector {

    /** A finished handshake: the connection, ready for payload, and the address the server reported. */
    record Established(Channel channel, Destination bound) {
    }

    private final Socks5Options options;
    private final Dialer dialer;
    private final OutboundContext context;
    private final String serverName;

    Socks5Connector(Socks5Options options, OutboundContext context) {
        this.options = options;
        this.dialer = context.dialer();
        this.context = context;
        this.serverName = options.server().toString();
    }

    String serverName() {
        return serverName;
    }

    /**
     * Connects and sends {@code command} for {@code target}. Cancelling the result, or failing it, closes
     * the connection.
     */
    Future<Established> establish(byte command, Destination target, EventLoop loop) {
        Future<Channel> dial = dialer.openStream(Metadata.internal(Network.TCP, options.server()), loop);
        // SOCKS5 over TLS: the handshake and everything after it go through the TLS layer, which stays.
        Future<Channel> secured = options.tls() == null ? dial
                : Steps.then(loop, dial, channel -> context.tls(channel, options.tls()));
        Future<Established> established = Steps.then(loop, secured,
                channel -> handshake(channel, command, target, loop), Channel::close, e -> e.channel().close());
        return Steps.within(loop, established, options.timeoutMillis(), () -> new SocketTimeoutException(
                "SOCKS5 server " + serverName + " did not complete " + (dial.isDone() ? "the handshake" : "the connection")
                        + " within " + options.timeoutMillis() + " ms"), e -> e.channel().close());
    }

    private Future<Established> handshake(Channel channel, byte command, Destination target, EventLoop loop) {
        Promise<Destination> reply = loop.newPromise();
        channel.pipeline().addLast("socks5-handshake",
                new Socks5Handshake(options.credentials(), command, target, serverName, reply));
        return Steps.then(loop, reply, bound -> loop.newSucceededFuture(new Established(channel, bound)),
                bound -> channel.close(), e -> e.channel().close());
    }
}
