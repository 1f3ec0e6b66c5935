package dev.turnout.api;

import io.netty.channel.Channel;
import io.netty.channel.EventLoop;
import io.netty.util.concurrent.Future;

/**
 * gRPC calls to one server ({@code network: grpc}), made by {@link OutboundContext#grpcCalls}: the host keeps
 * connections open between calls and carries several calls on each, as Clash and mihomo do, so most flows start
 * without a TCP or TLS handshake. An outbound makes one when it is built and closes it with itself.
 */
public interface GrpcCalls extends AutoCloseable {

    /**
     * A new call on {@code loop}, as {@link OutboundContext#grpc} describes its channel; closing that channel ends
     * the call, not the connection under it. Cancelling the result abandons the call only.
     */
    Future<Channel> open(EventLoop loop);

    /** Closes the connections kept for later calls; calls already open go on until they end. */
    @Override
    default void close() {
    }
}
