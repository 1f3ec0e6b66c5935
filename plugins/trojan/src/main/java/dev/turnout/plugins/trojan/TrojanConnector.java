package dev.turnout.plugins.trojan;

import dev.turnout.api.GrpcCalls;
import dev.turnout.api.Metadata;
import dev.turnout.api.Network;
import dev.turnout.api.OutboundContext;
import dev.turnout.api.Steps;
import io.netty.channel.Channel;
import io.netty.channel.EventLoop;
import io.netty.util.concurrent.Future;
import io.netty.util.concurrent.Promise;
import java.io.IOException;

/**
 * Reaches the Trojan server through the outbound's dialer and puts the host's layers on the connection: TLS,
 * then the WebSocket when {@code network: ws}; with {@code network: grpc}, a call on a connection it may share.
 * Each layer has its own deadline in the host; a caller that cancels the result closes the connection (with gRPC,
 * the call).
 */
final class TrojanConnector {

    private final TrojanOptions options;
    private final OutboundContext context;
    /** With {@code network: grpc}: calls sharing connections, as in Clash (its authority: the TLS server name). */
    private final GrpcCalls grpcCalls;

    TrojanConnector(TrojanOptions options, OutboundContext context) {
        this.options = options;
        this.context = context;
        this.grpcCalls = options.grpc() == null ? null
                : context.grpcCalls(options.grpc(), options.tls().serverName(), this::secured);
    }

    /** A connection ready for the Trojan request. */
    Future<Channel> connect(EventLoop loop) {
        if (grpcCalls != null) {
            return grpcCalls.open(loop);
        }
        Future<Channel> secured = secured(loop);
        if (options.webSocket() == null) {
            return secured;
        }
        return Steps.then(loop, secured,
                channel -> context.webSocket(channel, options.webSocket(), options.webSocketHost()));
    }

    /** Closes the connections kept for later gRPC calls. */
    void close() {
        if (grpcCalls != null) {
            grpcCalls.close();
        }
    }

    /** A TLS connection to the server. */
    private Future<Channel> secured(EventLoop loop) {
        Future<Channel> dial = context.dialer().openStream(Metadata.internal(Network.TCP, options.server()), loop);
        // The dialer's failure, said as the trojan server's; a cancel reaches the dial.
        Promise<Channel> reached = loop.newPromise();
        dial.addListener(f -> {
            if (f.isSuccess()) {
                if (!reached.trySuccess(dial.getNow())) {
                    dial.getNow().close();
                }
            } else {
                reached.tryFailure(new IOException("trojan server " + options.server() + " cannot be reached: "
                        + f.cause().getMessage(), f.cause()));
            }
        });
        reached.addListener(f -> {
            if (f.isCancelled()) {
                dial.cancel(false);
            }
        });
        return Steps.then(loop, reached, channel -> context.tls(channel, options.tls()));
    }
}
