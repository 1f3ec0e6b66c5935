package dev.turnout.host.dial.layer;

import dev.turnout.api.GrpcOptions;
import io.netty.channel.Channel;
import io.netty.handler.codec.http2.Http2Headers;
import io.netty.util.concurrent.Future;

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
        String call = "gRPC at " + authority + options.path();
        Http2Headers request = Http2Call.request(connection, "POST", authority, options.path())
                .add("content-type", "application/grpc")
                .add("te", "trailers")
                // What mihomo sends; servers behind CDNs see the same client whichever Clash core dialled.
                .add("user-agent", "grpc-go/1.36.0");
        return Http2Call.open(connection, request, stream -> {
            stream.pipeline().addLast("turnout-grpc-stream", new GunStream(call));
            stream.pipeline().addLast("turnout-grpc-messages", new GunMessages(call));
        }, call);
    }
}
