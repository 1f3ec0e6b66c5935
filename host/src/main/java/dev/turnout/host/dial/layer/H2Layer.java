package dev.turnout.host.dial.layer;

import dev.turnout.api.H2Options;
import io.netty.channel.Channel;
import io.netty.handler.codec.http2.Http2Headers;
import io.netty.util.concurrent.Future;
import java.util.concurrent.ThreadLocalRandom;

/**
 * V2Ray's HTTP/2 transport on a connected TLS channel (Clash's {@code network: h2}): one PUT whose request and
 * answer bodies carry the byte stream ({@link StreamBody}), its {@code :authority} one of the options' hosts at
 * random, as mihomo picks it.
 */
public final class H2Layer {

    /** See {@link dev.turnout.api.OutboundContext#h2}; call it as {@link Http2Call} says. */
    public Future<Channel> start(Channel connection, H2Options options) {
        String host = options.hosts().get(ThreadLocalRandom.current().nextInt(options.hosts().size()));
        String what = "h2 at " + host + options.path();
        Http2Headers request = Http2Call.request(connection, "PUT", host, options.path())
                // What mihomo's (Go's) client sends: the body is the flow, never to be compressed.
                .add("accept-encoding", "identity");
        return Http2Call.open(connection, request,
                stream -> stream.pipeline().addLast("turnout-h2-body", new StreamBody(what)), what);
    }
}
