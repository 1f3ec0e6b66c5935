package dev.turnout.plugins.http;

import dev.turnout.api.DatagramSession;
import dev.turnout.api.Dialer;
import dev.turnout.api.Metadata;
import dev.turnout.api.Network;
import dev.turnout.api.Outbound;
import dev.turnout.api.OutboundContext;
import dev.turnout.api.Steps;
import io.netty.channel.Channel;
import io.netty.channel.EventLoop;
import io.netty.util.concurrent.Future;
import io.netty.util.concurrent.Promise;
import java.io.IOException;
import java.net.SocketTimeoutException;

/**
 * An HTTP proxy as an outbound: each stream is one connection to the proxy and one {@code CONNECT}, asked
 * for the destination's name when it has one so the proxy resolves it. Connect and answer share one
 * deadline, so a proxy that is down or silent fails the flow promptly.
 */
final class HttpConnectOutbound implements Outbound {

    private final String name;
    private final HttpConnectOptions options;
    private final Dialer dialer;
    private final OutboundContext context;
    private final String serverName;

    HttpConnectOutbound(String name, HttpConnectOptions options, OutboundContext context) {
        this.name = name;
        this.options = options;
        this.dialer = context.dialer();
        this.context = context;
        this.serverName = options.server().toString();
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public String type() {
        return "http";
    }

    @Override
    public boolean supportsUdp() {
        return false;
    }

    @Override
    public Future<Channel> openStream(Metadata flow, EventLoop loop) {
        Future<Channel> dial = dialer.openStream(Metadata.internal(Network.TCP, options.server()), loop);
        // An HTTPS proxy: CONNECT and the tunnel after it go through the TLS layer, which stays.
        Future<Channel> secured = options.tls() == null ? dial
                : Steps.then(loop, dial, channel -> context.tls(channel, options.tls()));
        Future<Channel> connected = Steps.then(loop, secured, channel -> connect(channel, flow, loop));
        // Failure, timeout or cancellation by the caller: nothing of this attempt stays open.
        return Steps.within(loop, connected, options.timeoutMillis(), () -> new SocketTimeoutException(
                "HTTP proxy " + serverName + " did not " + (dial.isDone() ? "answer CONNECT" : "accept the connection")
                        + " within " + options.timeoutMillis() + " ms"));
    }

    /** Asks for the tunnel; the channel once the proxy said yes. */
    private Future<Channel> connect(Channel channel, Metadata flow, EventLoop loop) {
        Promise<Void> answered = loop.newPromise();
        channel.pipeline().addLast("http-connect",
                new HttpConnectHandshake(flow.destination(), options.authorization(), serverName, answered));
        return Steps.then(loop, answered, a -> loop.newSucceededFuture(channel), a -> channel.close(), Channel::close);
    }

    @Override
    public Future<DatagramSession> openDatagram(Metadata flow, EventLoop loop, DatagramSession.Receiver receiver) {
        return loop.newFailedFuture(new IOException("http outbound '" + name + "' cannot carry UDP"));
    }

    @Override
    public String toString() {
        return "http '" + name + "' via " + serverName;
    }
}
