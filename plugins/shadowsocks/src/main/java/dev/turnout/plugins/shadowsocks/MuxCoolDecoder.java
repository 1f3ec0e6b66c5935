package dev.turnout.plugins.shadowsocks;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.ByteToMessageDecoder;
import java.util.List;

/**
 * One v2ray Mux.Cool session around the stream, inbound: frames read by their metadata length; the data of
 * session 0 is the stream, keep-alives and other sessions' frames are skipped, and the server's {@code End} ends the
 * stream.
 */
final class MuxCoolDecoder extends ByteToMessageDecoder {

    /** The longest metadata taken (v2ray's own limit). */
    static final int MAX_META = 512;

    private final String label;

    MuxCoolDecoder(String label) {
        this.label = label;
    }

    @Override
    protected void decode(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) throws Exception {
        while (in.readableBytes() >= 2) {
            int start = in.readerIndex();
            int metaLength = in.getUnsignedShort(start);
            if (metaLength < 4 || metaLength > MAX_META) {
                throw new ShadowsocksProtocolException(label + ": v2ray-plugin mux: metadata of " + metaLength
                        + " bytes");
            }
            if (in.readableBytes() < 2 + metaLength) {
                return;
            }
            int id = in.getUnsignedShort(start + 2);
            int status = in.getUnsignedByte(start + 4);
            boolean hasData = (in.getUnsignedByte(start + 5) & MuxCoolEncoder.OPTION_DATA) != 0;
            int dataLength = 0;
            if (hasData) {
                if (in.readableBytes() < 2 + metaLength + 2) {
                    return;
                }
                dataLength = in.getUnsignedShort(start + 2 + metaLength);
                if (in.readableBytes() < 2 + metaLength + 2 + dataLength) {
                    return;
                }
            }
            in.skipBytes(2 + metaLength + (hasData ? 2 : 0));
            if (hasData && id == 0 && status != MuxCoolEncoder.STATUS_KEEP_ALIVE) {
                out.add(in.readRetainedSlice(dataLength));
            } else {
                in.skipBytes(dataLength);
            }
            if (status == MuxCoolEncoder.STATUS_END && id == 0) {
                // After what this read decoded has gone on up the pipeline.
                ctx.executor().execute(ctx::close);
                return;
            }
        }
    }
}
