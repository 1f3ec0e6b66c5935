package dev.turnout.host.dial.layer;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.ByteToMessageDecoder;
import io.netty.handler.codec.CorruptedFrameException;
import java.util.List;

/**
 * Cuts a gRPC call's bytes into its messages and passes on the {@code data} of each {@code Hunk} (field 1), however
 * HTTP/2 split them; Xray's "multi" messages, the field repeated, read the same way. The data goes on as slices of
 * what arrived, without a copy.
 */
final class GunMessages extends ByteToMessageDecoder {

    /** Larger messages from a server are taken as a broken stream rather than buffered. */
    private static final int MAX_MESSAGE = 16 << 20;

    private final String call;

    GunMessages(String call) {
        this.call = call;
    }

    @Override
    protected void decode(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) {
        while (in.readableBytes() >= 5) {
            int start = in.readerIndex();
            if (in.getByte(start) != 0) {
                throw broken("the server sent a compressed message, which was not asked for");
            }
            long length = in.getUnsignedInt(start + 1);
            if (length > MAX_MESSAGE) {
                throw broken("a message of " + length + " bytes");
            }
            if (in.readableBytes() < 5 + length) {
                return;
            }
            in.skipBytes(5);
            int end = in.readerIndex() + (int) length;
            while (in.readerIndex() < end) {
                int tag = varint(in, end);
                switch (tag & 7) {
                    case 0 -> varint(in, end);
                    case 1 -> skip(in, end, 8);
                    case 5 -> skip(in, end, 4);
                    case 2 -> {
                        int size = varint(in, end);
                        if (size < 0 || size > end - in.readerIndex()) {
                            throw broken("a field runs past its message");
                        }
                        if (tag == GunStream.DATA_FIELD_TAG && size > 0) {
                            out.add(in.readRetainedSlice(size));
                        } else {
                            in.skipBytes(size);
                        }
                    }
                    default -> throw broken("not a Hunk message (wire type " + (tag & 7) + ")");
                }
            }
        }
    }

    @Override
    protected void decodeLast(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) {
        decode(ctx, in, out);
        if (in.isReadable()) {
            in.skipBytes(in.readableBytes());
            throw broken("the call ended inside a message");
        }
    }

    private void skip(ByteBuf in, int end, int bytes) {
        if (end - in.readerIndex() < bytes) {
            throw broken("a field runs past its message");
        }
        in.skipBytes(bytes);
    }

    private int varint(ByteBuf in, int end) {
        int value = 0;
        for (int shift = 0; shift < 35 && in.readerIndex() < end; shift += 7) {
            byte b = in.readByte();
            value |= (b & 0x7f) << shift;
            if (b >= 0) {
                return value;
            }
        }
        throw broken("a malformed message");
    }

    private CorruptedFrameException broken(String what) {
        return new CorruptedFrameException(call + ": " + what);
    }
}
