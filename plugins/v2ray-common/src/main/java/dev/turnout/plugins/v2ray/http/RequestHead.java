package dev.turnout.plugins.v2ray.http;

import dev.turnout.plugins.v2ray.Transport;
import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelOutboundHandlerAdapter;
import io.netty.channel.ChannelPromise;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Puts the disguise's request head before the first bytes a connection sends, then steps out of the pipeline.
 * The head is the one mihomo's client writes (Go's {@code Request.Write}): the request line, {@code Host} with
 * port 80, Go's user agent unless the headers give one, a {@code Content-Length} of that first write, the other
 * headers in name order; path, host and each header's value chosen at random per connection.
 */
public final class RequestHead extends ChannelOutboundHandlerAdapter {

    private static final String GO_USER_AGENT = "Go-http-client/1.1";

    private final HttpDisguise disguise;

    public RequestHead(HttpDisguise disguise) {
        this.disguise = disguise;
    }

    @Override
    public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) {
        if (!(msg instanceof ByteBuf first)) {
            ctx.write(msg, promise);
            return;
        }
        byte[] head = head(disguise, first.readableBytes()).getBytes(StandardCharsets.ISO_8859_1);
        ByteBuf joined = ctx.alloc().buffer(head.length + first.readableBytes());
        joined.writeBytes(head).writeBytes(first);
        first.release();
        ctx.pipeline().remove(this);
        ctx.write(joined, promise);
    }

    /** The request head for a first write of {@code length} bytes. */
    static String head(HttpDisguise disguise, int length) {
        Map<String, List<String>> headers = disguise.headers();
        String host = pick(headers.getOrDefault("Host", List.of(disguise.serverHost())));
        StringBuilder out = new StringBuilder(256)
                .append(disguise.method()).append(' ').append(pick(disguise.paths())).append(" HTTP/1.1\r\n")
                .append("Host: ").append(Transport.joinHostPort(host, 80)).append("\r\n")
                .append("User-Agent: ").append(pick(headers.getOrDefault("User-Agent", List.of(GO_USER_AGENT))))
                .append("\r\nContent-Length: ").append(length).append("\r\n");
        // The remaining headers, in the name order HttpDisguise keeps (Go's).
        headers.forEach((name, values) -> {
            if (!name.equals("Host") && !name.equals("User-Agent") && !name.equals("Content-Length")
                    && !name.equals("Transfer-Encoding") && !name.equals("Trailer")) {
                out.append(name).append(": ").append(pick(values).trim()).append("\r\n");
            }
        });
        return out.append("\r\n").toString();
    }

    private static String pick(List<String> choices) {
        return choices.get(ThreadLocalRandom.current().nextInt(choices.size()));
    }
}
