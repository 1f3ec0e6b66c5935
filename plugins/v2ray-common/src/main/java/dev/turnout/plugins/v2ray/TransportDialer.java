package dev.turnout.plugins.v2ray;

import dev.turnout.api.Destination;
import dev.turnout.api.Metadata;
import dev.turnout.api.Network;
import dev.turnout.api.OutboundContext;
import io.netty.channel.Channel;
import io.netty.channel.EventLoop;
import io.netty.util.concurrent.Future;
import io.netty.util.concurrent.Promise;
import io.netty.util.concurrent.ScheduledFuture;
import java.net.SocketTimeoutException;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;

/**
 * Opens a connection to the server through the host's dialer and puts the transport's layers on it (TLS,
 * then WebSocket), all within one deadline, so a server that is down, slow or silent fails the flow promptly.
 * The channel it completes with has auto-read off: nothing is read before the protocol's handler is in place
 * (the relay turns it on).
 */
public final class TransportDialer {

    private final Destination server;
    private final Transport transport;
    private final OutboundContext context;
    private final long timeoutMillis;
    private final String label;

    /**
     * @param label how to name the server in messages, e.g. {@code vmess server 192.0.2.1:443}
     */
    public TransportDialer(Destination server, Transport transport, OutboundContext context, long timeoutMillis,
                           String label) {
        this.server = server;
        this.transport = transport;
        this.context = context;
        this.timeoutMillis = timeoutMillis;
        this.label = label;
    }

    /** Connects; cancelling the result, or its failure, closes whatever was opened. */
    public Future<Channel> open(EventLoop loop) {
        Promise<Channel> promise = loop.newPromise();
        Future<Channel> dial = context.dialer().openStream(Metadata.internal(Network.TCP, server), loop);
        String[] stage = {"the connection"};
        ScheduledFuture<?> deadline = loop.schedule(() -> {
            promise.tryFailure(new SocketTimeoutException(label + " did not complete " + stage[0] + " within "
                    + timeoutMillis + " ms"));
        }, timeoutMillis, TimeUnit.MILLISECONDS);
        promise.addListener(f -> {
            deadline.cancel(false);
            if (!f.isSuccess() && !dial.cancel(false) && dial.isSuccess()) {
                dial.getNow().close();
            }
        });
        dial.addListener(f -> {
            if (!f.isSuccess()) {
                promise.tryFailure(f.cause());
                return;
            }
            Channel channel = dial.getNow();
            // The dialer hands it over with auto-read off; the TLS and WebSocket layers read what they need.
            Future<Channel> layered = loop.newSucceededFuture(channel);
            if (transport.tls() != null) {
                stage[0] = "the TLS handshake";
                layered = then(layered, c -> context.tls(c, transport.tls()), loop);
            }
            if (transport.webSocket() != null) {
                layered = then(layered, c -> {
                    stage[0] = "the WebSocket upgrade";
                    return context.webSocket(c, transport.webSocket(), server.hostOrAddress());
                }, loop);
            }
            layered.addListener(l -> {
                if (!l.isSuccess()) {
                    channel.close();
                    promise.tryFailure(l.cause());
                    return;
                }
                if (!promise.trySuccess(channel)) {
                    channel.close();
                }
            });
        });
        return promise;
    }

    private static Future<Channel> then(Future<Channel> first, Function<Channel, Future<Channel>> next, EventLoop loop) {
        Promise<Channel> result = loop.newPromise();
        first.addListener(f -> {
            if (!f.isSuccess()) {
                result.tryFailure(f.cause());
                return;
            }
            next.apply(first.getNow()).addListener(n -> {
                if (n.isSuccess()) {
                    result.trySuccess((Channel) n.getNow());
                } else {
                    result.tryFailure(n.cause());
                }
            });
        });
        return result;
    }
}
