package dev.turnout.plugins.shadowsocks;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.ByteToMessageDecoder;
import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * simple-obfs HTTP mode, inbound: the server's {@code 101} response head is read and dropped, then the handler leaves
 * the pipeline (passing on what came after the head) and the stream goes as it is. Anything but a 101 is not an
 * obfs server: a web server's 404, a captive portal's page.
 */
final class ObfsHttpDecoder extends ByteToMessageDecoder {

    /** The longest response head taken: obfs-server's is about 200 bytes. */
    static final int MAX_HEAD = 8192;

    private final String label;

    ObfsHttpDecoder(String label) {
        this.label = label;
    }

    @Override
    protected void decode(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) throws Exception {
        int end = endOfHead(in);
        if (end < 0) {
            if (in.readableBytes() > MAX_HEAD) {
                throw new ShadowsocksProtocolException(label + ": obfs http: no end of the response head in "
                        + MAX_HEAD + " bytes");
            }
            return;
        }
        String head = in.toString(in.readerIndex(), end - in.readerIndex(), StandardCharsets.ISO_8859_1);
        String status = head.lines().findFirst().orElse("");
        if (!status.startsWith("HTTP/1.1 101")) {
            throw new ShadowsocksProtocolException(label + ": obfs http: the server answered '" + status
                    + "', not 101 Switching Protocols: is it an obfs-server in http mode?");
        }
        in.readerIndex(end + 4);
        ctx.pipeline().remove(this);
    }

    private static int endOfHead(ByteBuf in) {
        for (int i = in.readerIndex(); i + 3 < in.writerIndex(); i++) {
            if (in.getByte(i) == '\r' && in.getByte(i + 1) == '\n' && in.getByte(i + 2) == '\r'
                    && in.getByte(i + 3) == '\n') {
                return i;
            }
        }
        return -1;
    }
}
