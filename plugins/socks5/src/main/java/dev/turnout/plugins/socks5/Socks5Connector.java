package dev.turnout.plugins.socks5;

import dev.turnout.api.Destination;
import dev.turnout.api.Dialer;
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
        Promise<Established> promise = loop.newPromise();
        Future<Channel> dial = dialer.openStream(Metadata.internal(Network.TCP, options.server()), loop);
        ScheduledFuture<?> deadline = loop.schedule(() -> {
            promise.tryFailure(new SocketTimeoutException("SOCKS5 server " + serverName + " did not complete "
                    + (dial.isDone() ? "the handshake" : "the connection") + " within " + options.timeoutMillis() + " ms"));
        }, options.timeoutMillis(), TimeUnit.MILLISECONDS);
        promise.addListener(f -> {
            deadline.cancel(false);
            if (!f.isSuccess()) {
                if (!dial.cancel(false) && dial.isSuccess()) {
                    dial.getNow().close();
                }
            }
        });
        dial.addListener(f -> {
            if (!f.isSuccess()) {
                promise.tryFailure(f.cause());
                return;
            }
            Channel channel = dial.getNow();
            if (promise.isDone()) {
                channel.close();
                return;
            }
            if (options.tls() == null) {
                handshake(channel, command, target, loop, promise);
                return;
            }
            // SOCKS5 over TLS: the handshake and everything after it go through the TLS layer, which stays.
            context.tls(channel, options.tls()).addListener(t -> {
                if (!t.isSuccess()) {
                    promise.tryFailure(t.cause());
                } else if (promise.isDone()) {
                    channel.close();
                } else {
                    handshake(channel, command, target, loop, promise);
                }
            });
        });
        return promise;
    }

    private void handshake(Channel channel, byte command, Destination target, EventLoop loop,
                           Promise<Established> promise) {
        Promise<Destination> reply = loop.newPromise();
        reply.addListener(r -> {
            if (r.isSuccess()) {
                if (!promise.trySuccess(new Established(channel, reply.getNow()))) {
                    channel.close();
                }
            } else {
                promise.tryFailure(r.cause());
            }
        });
        channel.pipeline().addLast("socks5-handshake",
                new Socks5Handshake(options.credentials(), command, target, serverName, reply));
    }
}
