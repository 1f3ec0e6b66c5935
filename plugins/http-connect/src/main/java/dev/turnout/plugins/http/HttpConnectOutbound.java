package dev.turnout.plugins.http;

import dev.turnout.api.DatagramSession;
import dev.turnout.api.Dialer;
import dev.turnout.api.Metadata;
import dev.turnout.api.Network;
import dev.turnout.api.Outbound;
import dev.turnout.api.OutboundContext;
import io.netty.channel.Channel;
import io.netty.channel.EventLoop;
import io.netty.util.concurrent.Future;
import io.netty.util.concurrent.Promise;
import io.netty.util.concurrent.ScheduledFuture;
import java.io.IOException;
import java.net.SocketTimeoutException;
import java.util.concurrent.TimeUnit;

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
        Promise<Channel> promise = loop.newPromise();
        Future<Channel> dial = dialer.openStream(Metadata.internal(Network.TCP, options.server()), loop);
        ScheduledFuture<?> deadline = loop.schedule(() -> {
            promise.tryFailure(new SocketTimeoutException("HTTP proxy " + serverName + " did not "
                    + (dial.isDone() ? "answer CONNECT" : "accept the connection") + " within "
                    + options.timeoutMillis() + " ms"));
        }, options.timeoutMillis(), TimeUnit.MILLISECONDS);
        // Failure, timeout or cancellation by the caller: nothing of this attempt stays open.
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
            if (promise.isDone()) {
                channel.close();
                return;
            }
            if (options.tls() == null) {
                connect(channel, flow, loop, promise);
                return;
            }
            // An HTTPS proxy: CONNECT and the tunnel after it go through the TLS layer, which stays.
            context.tls(channel, options.tls()).addListener(t -> {
                if (!t.isSuccess()) {
                    promise.tryFailure(t.cause());
                } else if (promise.isDone()) {
                    channel.close();
                } else {
                    connect(channel, flow, loop, promise);
                }
            });
        });
        return promise;
    }

    private void connect(Channel channel, Metadata flow, EventLoop loop, Promise<Channel> promise) {
        Promise<Void> answered = loop.newPromise();
        answered.addListener(a -> {
            if (!a.isSuccess()) {
                promise.tryFailure(a.cause());
            } else if (!promise.trySuccess(channel)) {
                channel.close();
            }
        });
        channel.pipeline().addLast("http-connect",
                new HttpConnectHandshake(flow.destination(), options.authorization(), serverName, answered));
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
