package dev.turnout.plugins.vless;

import dev.turnout.plugins.v2ray.http.DisguiseRefused;
import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPromise;
import io.netty.channel.socket.ChannelInputShutdownEvent;
import io.netty.handler.codec.ByteToMessageCodec;
import java.io.IOException;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A VLESS connection after its request header: what the server sends back is a response header (version 0,
 * addons length, addons), then the data. For a stream the codec leaves the pipeline once the header is read
 * (what followed it is passed on), so data then flows untouched both ways; for UDP it stays: each datagram
 * goes behind a 2-byte length, and the data read back is split the same way.
 *
 * <p>A connection that ends before the header is a refused request (v2ray drops an unknown uuid that way),
 * reported as such; a header that is not version 0 ends the flow.
 */
final class VlessCodec extends ByteToMessageCodec<ByteBuf> {

    private static final Logger log = LoggerFactory.getLogger(VlessCodec.class);

    private final boolean packets;
    private final String server;
    private boolean headerRead;
    private boolean closing;
    private boolean failed;

    VlessCodec(boolean packets, String server) {
        this.packets = packets;
        this.server = server;
    }

    @Override
    protected void encode(ChannelHandlerContext ctx, ByteBuf msg, ByteBuf out) {
        if (packets) {
            if (msg.readableBytes() > 0xffff) {
                msg.skipBytes(msg.readableBytes());
                return;
            }
            out.writeShort(msg.readableBytes());
        }
        out.writeBytes(msg);
    }

    @Override
    protected void decode(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) throws IOException {
        if (!headerRead) {
            if (in.readableBytes() < 2) {
                return;
            }
            int version = in.getUnsignedByte(in.readerIndex());
            if (version != 0) {
                throw new IOException("VLESS server " + server + " answered with version " + version
                        + ": not a VLESS server, or a different protocol on that port");
            }
            int addons = in.getUnsignedByte(in.readerIndex() + 1);
            if (in.readableBytes() < 2 + addons) {
                return;
            }
            in.skipBytes(2 + addons);
            headerRead = true;
            if (!packets) {
                // From here on the stream is the destination's own bytes: what is buffered goes on as it is.
                ctx.pipeline().remove(this);
            }
            return;
        }
        if (in.readableBytes() < 2) {
            return;
        }
        int length = in.getUnsignedShort(in.readerIndex());
        if (in.readableBytes() < 2 + length) {
            return;
        }
        in.skipBytes(2);
        out.add(in.readRetainedSlice(length));
    }

    @Override
    public void close(ChannelHandlerContext ctx, ChannelPromise promise) throws Exception {
        closing = true;
        super.close(ctx, promise);
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) throws Exception {
        if (evt instanceof ChannelInputShutdownEvent && !headerRead && !failed) {
            fail(ctx, new IOException(noAnswer()));
            return;
        }
        super.userEventTriggered(ctx, evt);
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) throws Exception {
        // Not after a failure: its own close ends here too, and would be reported again as a server that never
        // answered.
        if (!headerRead && !closing && !failed) {
            fail(ctx, new IOException(noAnswer()));
        }
        super.channelInactive(ctx);
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        Throwable reported = cause;
        if (!headerRead && cause instanceof IOException && !(cause.getCause() instanceof IOException)
                && !(cause instanceof DisguiseRefused)) {
            reported = new IOException(noAnswer() + " (" + cause.getMessage() + ")", cause);
        }
        fail(ctx, reported);
    }

    private String noAnswer() {
        return "VLESS server " + server + " closed the connection without answering (wrong uuid, or the destination"
                + " could not be reached)";
    }

    private void fail(ChannelHandlerContext ctx, Throwable cause) {
        if (!failed && !closing) {
            failed = true;
            log.warn("{}", cause.getCause() instanceof IOException io && !(cause instanceof IOException)
                    ? io.getMessage() : cause.getMessage());
        }
        ctx.fireExceptionCaught(cause);
        ctx.close();
    }
}
