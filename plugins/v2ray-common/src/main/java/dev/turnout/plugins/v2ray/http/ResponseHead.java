package dev.turnout.plugins.v2ray.http;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.socket.ChannelInputShutdownEvent;
import io.netty.handler.codec.ByteToMessageDecoder;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * Takes the disguise's response head (a status line and headers, up to the blank line) off what the server sends
 * first, then leaves the pipeline, handing on what followed it. An answer that is not HTTP, or a head longer than
 * 8 KiB, fails the connection with a message saying so: the server was not set up for {@code network: http}.
 */
public final class ResponseHead extends ByteToMessageDecoder {

    static final int MAX_HEAD = 8192;
    private static final byte[] HTTP = "HTTP/".getBytes(StandardCharsets.US_ASCII);

    private final String server;
    private boolean failed;
    /** The status line of a non-2xx answer with nothing after it yet, else {@code null}. */
    private String refusal;

    /** @param server how to name the server in messages */
    public ResponseHead(String server) {
        this.server = server;
    }

    @Override
    protected void decode(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) throws IOException {
        if (failed) {
            // Said once; what comes after (and the decode at close) is dropped.
            in.skipBytes(in.readableBytes());
            return;
        }
        try {
            strip(ctx, in);
        } catch (IOException e) {
            failed = true;
            in.skipBytes(in.readableBytes());
            throw e;
        }
    }

    private void strip(ChannelHandlerContext ctx, ByteBuf in) throws IOException {
        int start = in.readerIndex();
        int checkable = Math.min(in.readableBytes(), HTTP.length);
        for (int i = 0; i < checkable; i++) {
            if (in.getByte(start + i) != HTTP[i]) {
                throw new IOException(server + " did not answer with an HTTP response head (is it set up for"
                        + " network: http?)");
            }
        }
        int end = endOfHead(in);
        if (end < 0) {
            if (in.readableBytes() > MAX_HEAD) {
                throw new IOException(server + " sent an HTTP response head longer than " + MAX_HEAD + " bytes");
            }
            return;
        }
        String status = in.toString(start, lineEnd(in, start) - start, StandardCharsets.ISO_8859_1);
        in.readerIndex(end);
        if (status.length() > 9 && status.charAt(9) == '2' || in.isReadable()) {
            // What is left of this read goes on from handlerRemoved, in order.
            ctx.pipeline().remove(this);
        } else {
            refusal = status;
        }
    }

    /**
     * A refusal's status ({@code 404 Not Found}, as V2Ray answers a path it does not serve) is named if the
     * connection then ends with nothing after it; a server set up to answer another status and then carry the
     * flow (mihomo looks at no status) is not refused for it.
     */
    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) throws Exception {
        if (refusal != null && msg instanceof ByteBuf b && b.isReadable()) {
            refusal = null;
            ctx.fireChannelRead(msg);
            ctx.pipeline().remove(this);
            return;
        }
        super.channelRead(ctx, msg);
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) throws Exception {
        nameRefusal(ctx, null);
        super.channelInactive(ctx);
    }

    /** With half-closure on (as the relay sets a connection up) the server's end arrives as an input shutdown. */
    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) throws Exception {
        // Not passed on once named: the protocol's codec would take the end for a server that never answered.
        if (!(evt instanceof ChannelInputShutdownEvent && nameRefusal(ctx, null))) {
            super.userEventTriggered(ctx, evt);
        }
    }

    /**
     * A server that closes while the rest of the request is still unread in its socket resets the connection instead
     * (V2Ray does when the request's body arrives between its read of the head and its close): the refusal it sent
     * first is still the reason.
     */
    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) throws Exception {
        if (!(cause instanceof IOException && nameRefusal(ctx, cause))) {
            super.exceptionCaught(ctx, cause);
        }
    }

    /** Fails the connection with the refusal the server answered, once; false when there is none to name. */
    private boolean nameRefusal(ChannelHandlerContext ctx, Throwable cause) {
        if (refusal == null || failed) {
            return false;
        }
        failed = true;
        ctx.fireExceptionCaught(new DisguiseRefused(server, refusal, cause));
        return true;
    }

    private static int lineEnd(ByteBuf in, int from) {
        int i = in.indexOf(from, in.writerIndex(), (byte) '\r');
        return i < 0 ? in.writerIndex() : i;
    }

    /** The index just past the blank line that ends the head, or -1. */
    private static int endOfHead(ByteBuf in) {
        int limit = in.writerIndex() - 3;
        for (int i = in.readerIndex(); i < limit; i++) {
            if (in.getByte(i) == '\r' && in.getByte(i + 1) == '\n' && in.getByte(i + 2) == '\r'
                    && in.getByte(i + 3) == '\n') {
                return i + 4;
            }
        }
        return -1;
    }
}
