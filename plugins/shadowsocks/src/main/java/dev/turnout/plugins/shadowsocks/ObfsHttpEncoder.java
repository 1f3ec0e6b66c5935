package dev.turnout.plugins.shadowsocks;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelOutboundHandlerAdapter;
import io.netty.channel.ChannelPromise;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.concurrent.ThreadLocalRandom;

/**
 * simple-obfs HTTP mode, outbound: the first bytes go as the body of a WebSocket upgrade request, as obfs-local
 * sends it; then the handler leaves the pipeline and the stream goes as it is.
 */
final class ObfsHttpEncoder extends ChannelOutboundHandlerAdapter {

    private final String hostHeader;

    /** @param port the server's port: the {@code Host} header names it unless it is 80 */
    ObfsHttpEncoder(String host, int port) {
        this.hostHeader = port == 80 ? host : host + ":" + port;
    }

    @Override
    public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) {
        if (!(msg instanceof ByteBuf body)) {
            ctx.write(msg, promise);
            return;
        }
        ThreadLocalRandom random = ThreadLocalRandom.current();
        byte[] key = new byte[16];
        random.nextBytes(key);
        String head = "GET / HTTP/1.1\r\n"
                + "Host: " + hostHeader + "\r\n"
                + "User-Agent: curl/7." + random.nextInt(54) + "." + random.nextInt(2) + "\r\n"
                + "Upgrade: websocket\r\n"
                + "Connection: Upgrade\r\n"
                + "Sec-WebSocket-Key: " + Base64.getEncoder().encodeToString(key) + "\r\n"
                + "Content-Length: " + body.readableBytes() + "\r\n"
                + "\r\n";
        ctx.write(ctx.alloc().buffer(head.length()).writeBytes(head.getBytes(StandardCharsets.US_ASCII)));
        ctx.write(body, promise);
        ctx.pipeline().remove(this);
    }
}
