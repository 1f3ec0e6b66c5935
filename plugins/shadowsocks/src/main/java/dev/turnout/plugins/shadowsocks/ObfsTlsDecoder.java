package dev.turnout.plugins.shadowsocks;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.ByteToMessageDecoder;
import java.util.List;

/**
 * simple-obfs TLS mode, inbound: TLS records, read by their headers. The server's ServerHello and ChangeCipherSpec
 * come first and are dropped; after them, the bodies of the records are the stream: the first as a handshake record
 * (where real TLS sends its encrypted Finished), the rest as application data. Any other record is not an obfs
 * server.
 */
final class ObfsTlsDecoder extends ByteToMessageDecoder {

    private final String label;
    private boolean changedCipherSpec;

    ObfsTlsDecoder(String label) {
        this.label = label;
    }

    @Override
    protected void decode(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) throws Exception {
        while (in.readableBytes() >= 5) {
            int type = in.getUnsignedByte(in.readerIndex());
            int length = in.getUnsignedShort(in.readerIndex() + 3);
            if (length > ObfsTlsEncoder.MAX_RECORD + 2048) {
                throw new ShadowsocksProtocolException(label + ": obfs tls: a record of " + length + " bytes");
            }
            boolean stream = changedCipherSpec && (type == 0x17 || type == 0x16);
            boolean preamble = !changedCipherSpec && (type == 0x16 || type == 0x14);
            if (!stream && !preamble) {
                throw new ShadowsocksProtocolException(label + ": obfs tls: unexpected TLS record type " + type
                        + (type == 0x15 ? " (an alert: is it a real TLS server rather than an obfs-server in tls mode?)"
                                : ""));
            }
            if (in.readableBytes() < 5 + length) {
                return;
            }
            in.skipBytes(5);
            if (stream) {
                out.add(in.readRetainedSlice(length));
            } else {
                changedCipherSpec = type == 0x14;
                in.skipBytes(length);
            }
        }
    }
}
