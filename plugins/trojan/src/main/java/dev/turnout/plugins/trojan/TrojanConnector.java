package dev.turnout.plugins.trojan;

import dev.turnout.api.Dialer;
import dev.turnout.api.Metadata;
import dev.turnout.api.Network;
import dev.turnout.api.OutboundContext;
import io.netty.channel.Channel;
import io.netty.channel.EventLoop;
import io.netty.util.concurrent.Future;
import io.netty.util.concurrent.Promise;
import java.io.IOException;
import java.util.function.Consumer;

/**
 * Reaches the Trojan server through the outbound's dialer and puts the host's layers on the connection: TLS,
 * then the WebSocket when {@code network: ws}. Each layer has its own deadline in the host; a caller that
 * cancels the result closes the connection.
 */
final class TrojanConnector {

    private final TrojanOptions options;
    private final OutboundContext context;

    TrojanConnector(TrojanOptions options, OutboundContext context) {
        this.options = options;
        this.context = context;
    }

    /** A connection ready for the Trojan request. */
    Future<Channel> connect(EventLoop loop) {
        Promise<Channel> promise = loop.newPromise();
        Dialer dialer = context.dialer();
        Future<Channel> dial = dialer.openStream(Metadata.internal(Network.TCP, options.server()), loop);
        promise.addListener(f -> {
            // Given up or failed half-way: the connection, whatever layer it reached, goes.
            if (!f.isSuccess() && !dial.cancel(false) && dial.isSuccess()) {
                dial.getNow().close();
            }
        });
        dial.addListener(f -> {
            if (!f.isSuccess()) {
                promise.tryFailure(new IOException("trojan server " + options.server() + " cannot be reached: "
                        + f.cause().getMessage(), f.cause()));
                return;
            }
            Channel channel = dial.getNow();
            if (promise.isDone()) {
                channel.close();
                return;
            }
            next(context.tls(channel, options.tls()), promise, layered -> {
                if (options.webSocket() == null) {
                    promise.trySuccess(layered);
                } else {
                    next(context.webSocket(layered, options.webSocket(), options.webSocketHost()), promise,
                            promise::trySuccess);
                }
            });
        });
        return promise;
    }

    /** Runs {@code then} with the layer's channel unless it failed or the caller gave up (then closes it). */
    private static void next(Future<Channel> layer, Promise<Channel> promise, Consumer<Channel> then) {
        layer.addListener(f -> {
            if (!f.isSuccess()) {
                promise.tryFailure(f.cause());
                return;
            }
            Channel channel = layer.getNow();
            if (promise.isDone()) {
                channel.close();
                return;
            }
            then.accept(channel);
        });
    }
}
