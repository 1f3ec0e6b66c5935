package dev.turnout.host.dial.layer;

import dev.turnout.api.GrpcCalls;
import dev.turnout.api.GrpcOptions;
import io.netty.channel.Channel;
import io.netty.channel.EventLoop;
import io.netty.handler.codec.http2.Http2Headers;
import io.netty.util.concurrent.Future;
import java.util.function.Function;

/**
 * V2Ray's gRPC ("gun") tunnel on a connected channel (Clash's {@code network: grpc}): HTTP/2 over the connection's
 * TLS (or in clear, as mihomo does without {@code tls}), one bidirectional call to {@code /<service>/Tun} whose
 * messages carry the byte stream ({@link GunStream}, {@link GunMessages}).
 */
public final class GrpcLayer {

    /**
     * See {@link dev.turnout.api.OutboundContext#grpc}. Call it on the connection's event loop when the layer
     * below completes ({@link Http2Call}).
     */
    public Future<Channel> start(Channel connection, GrpcOptions options, String authority) {
        String call = what(options, authority);
        return Http2Call.open(connection, request(connection, options, authority),
                stream -> addHandlers(stream, call), call);
    }

    /** See {@link dev.turnout.api.OutboundContext#grpcCalls}. */
    public GrpcCalls calls(GrpcOptions options, String authority, Function<EventLoop, Future<Channel>> connect) {
        return calls(options, authority, connect, GrpcConnections.Timing.DEFAULT);
    }

    GrpcConnections calls(GrpcOptions options, String authority, Function<EventLoop, Future<Channel>> connect,
                          GrpcConnections.Timing timing) {
        String call = what(options, authority);
        return new GrpcConnections(connect, call,
                connection -> Http2Call.call(connection, request(connection, options, authority),
                        stream -> addHandlers(stream, call), call), timing);
    }

    private static String what(GrpcOptions options, String authority) {
        return "gRPC at " + authority + options.path();
    }

    private static Http2Headers request(Channel connection, GrpcOptions options, String authority) {
        return Http2Call.request(connection, "POST", authority, options.path())
                .add("content-type", "application/grpc")
                .add("te", "trailers")
                // What mihomo sends; servers behind CDNs see the same client whichever Clash core dialled.
                .add("user-agent", "grpc-go/1.36.0");
    }

    private static void addHandlers(Channel stream, String call) {
        stream.pipeline().addLast("turnout-grpc-stream", new GunStream(call));
        stream.pipeline().addLast("turnout-grpc-messages", new GunMessages(call));
    }
}
