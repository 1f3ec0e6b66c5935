package dev.turnout.host.dial.layer;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPromise;
import io.netty.handler.codec.http2.DefaultHttp2DataFrame;
import io.netty.handler.codec.http2.Http2DataFrame;
import io.netty.handler.codec.http2.Http2Headers;
import io.netty.handler.codec.http2.Http2HeadersFrame;
import io.netty.handler.codec.http2.Http2ResetFrame;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.PromiseCombiner;
import java.io.IOException;

/**
 * A byte stream over one gRPC call of V2Ray's {@code GunService}: each write goes out as one gRPC message (a
 * 5-byte prefix, then the protobuf {@code Hunk { bytes data = 1; }}); what comes back goes on as the DATA frames'
 * bytes, which {@link GunMessages}, next in the pipeline, cuts into the messages' data. The server's refusal (a
 * status other than 200, another content type, a {@code grpc-status} other than 0, a reset) fails the stream with
 * what the server said; its end of the call closes it after everything before it has been passed on.
 */
final class GunStream extends ChannelDuplexHandler {

    /** gRPC servers refuse messages above 4 MiB unless configured otherwise; writes are cut well below. */
    private static final int MAX_WRITE = 1 << 20;
    static final int DATA_FIELD_TAG = 1 << 3 | 2;

    private final String call;
    private boolean answered;

    GunStream(String call) {
        this.call = call;
    }

    @Override
    public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) {
        if (!(msg instanceof ByteBuf bytes)) {
            ctx.write(msg, promise);
            return;
        }
        if (!bytes.isReadable()) {
            // The relay writes an empty buffer to learn when everything before it is out: an empty DATA frame
            // keeps that order (and is no message).
            ctx.write(new DefaultHttp2DataFrame(bytes), promise);
            return;
        }
        if (bytes.readableBytes() <= MAX_WRITE) {
            ctx.write(new DefaultHttp2DataFrame(message(ctx, bytes)), promise);
            return;
        }
        PromiseCombiner all = new PromiseCombiner(ctx.executor());
        while (bytes.isReadable()) {
            all.add(ctx.write(new DefaultHttp2DataFrame(message(ctx,
                    bytes.readRetainedSlice(Math.min(MAX_WRITE, bytes.readableBytes()))))));
        }
        bytes.release();
        all.finish(promise);
    }

    /** {@code data} framed as one message; takes over its reference. */
    private static ByteBuf message(ChannelHandlerContext ctx, ByteBuf data) {
        int length = data.readableBytes();
        int hunk = 1 + varintSize(length) + length;
        ByteBuf prefix = ctx.alloc().buffer(5 + 1 + 5);
        prefix.writeByte(0); // not compressed
        prefix.writeInt(hunk);
        prefix.writeByte(DATA_FIELD_TAG);
        writeVarint(prefix, length);
        return ctx.alloc().compositeBuffer(2).addComponents(true, prefix, data);
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) throws IOException {
        if (msg instanceof Http2DataFrame frame) {
            // Its content is the next handler's now: GunMessages cuts the messages out of it.
            ctx.fireChannelRead(frame.content());
            if (frame.isEndStream()) {
                finish(ctx, null);
            }
        } else if (msg instanceof Http2HeadersFrame frame) {
            headers(ctx, frame.headers(), frame.isEndStream());
        } else if (msg instanceof Http2ResetFrame reset) {
            throw new IOException("gRPC at " + call + ": the server reset the stream (HTTP/2 error "
                    + reset.errorCode() + ")");
        } else {
            ReferenceCountUtil.release(msg);
        }
    }

    private void headers(ChannelHandlerContext ctx, Http2Headers headers, boolean end) throws IOException {
        if (!answered) {
            answered = true;
            CharSequence status = headers.status();
            if (status == null || !"200".contentEquals(status)) {
                throw new IOException("gRPC at " + call + ": the server answered HTTP status " + status
                        + (status != null && "404".contentEquals(status) ? " (no such service)" : ""));
            }
            CharSequence type = headers.get("content-type");
            if (type == null || !type.toString().startsWith("application/grpc")) {
                throw new IOException("gRPC at " + call + ": the server answered " + type + ", not gRPC");
            }
            if (!end) {
                return;
            }
        }
        finish(ctx, headers);
    }

    /** The server ended the call, with {@code trailers} or with the end of its data. */
    private void finish(ChannelHandlerContext ctx, Http2Headers trailers) throws IOException {
        if (trailers != null) {
            CharSequence grpcStatus = trailers.get("grpc-status");
            if (grpcStatus != null && !"0".contentEquals(grpcStatus)) {
                CharSequence message = trailers.get("grpc-message");
                throw new IOException("gRPC at " + call + ": the server ended the call with status " + grpcStatus
                        + (message == null ? "" : " (" + message + ")"));
            }
        }
        ctx.close();
    }

    private static void writeVarint(ByteBuf out, int value) {
        while ((value & ~0x7f) != 0) {
            out.writeByte(value & 0x7f | 0x80);
            value >>>= 7;
        }
        out.writeByte(value);
    }

    private static int varintSize(int value) {
        return (32 - Integer.numberOfLeadingZeros(value | 1) + 6) / 7;
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        ctx.fireExceptionCaught(cause);
        ctx.close();
    }

}
