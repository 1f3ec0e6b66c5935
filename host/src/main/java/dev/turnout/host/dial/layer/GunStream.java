package dev.turnout.host.dial.layer;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPromise;
import io.netty.handler.codec.http2.DefaultHttp2DataFrame;
import io.netty.handler.codec.http2.Http2Headers;
import io.netty.util.concurrent.PromiseCombiner;
import java.io.IOException;

/**
 * A byte stream over one gRPC call of V2Ray's {@code GunService}: each write goes out as one gRPC message (a
 * 5-byte prefix, then the protobuf {@code Hunk { bytes data = 1; }}); what comes back goes on as the DATA frames'
 * bytes, which {@link GunMessages}, next in the pipeline, cuts into the messages' data. Beyond an HTTP answer's
 * checks, the server's refusal (another content type, a {@code grpc-status} other than 0) fails the stream with
 * what the server said.
 */
final class GunStream extends StreamBody {

    /** gRPC servers refuse messages above 4 MiB unless configured otherwise; writes are cut well below. */
    private static final int MAX_WRITE = 1 << 20;
    static final int DATA_FIELD_TAG = 1 << 3 | 2;

    GunStream(String what) {
        super(what);
    }

    @Override
    void send(ChannelHandlerContext ctx, ByteBuf bytes, ChannelPromise promise) {
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
    void checkAnswer(Http2Headers headers) throws IOException {
        CharSequence type = headers.get("content-type");
        if (type == null || !type.toString().startsWith("application/grpc")) {
            throw new IOException(what + ": the server answered " + type + ", not gRPC");
        }
    }

    @Override
    void checkEnd(Http2Headers trailers) throws IOException {
        CharSequence grpcStatus = trailers.get("grpc-status");
        if (grpcStatus != null && !"0".contentEquals(grpcStatus)) {
            CharSequence message = trailers.get("grpc-message");
            throw new IOException(what + ": the server ended the call with status " + grpcStatus
                    + (message == null ? "" : " (" + message + ")"));
        }
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
}
