package dev.turnout.plugins.shadowsocks;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Decrypts what a Shadowsocks server sends with a stream cipher: its IV, then every byte as it comes, each read one
 * buffer. Nothing can be checked (the cipher has no tag): a wrong password gives bytes that mean nothing, which the
 * server, not this side, is the first to see. A stream that ends inside the IV fails the flow.
 */
final class StreamCipherDecoder extends ServerStreamDecoder {

    private static final Logger LOG = LoggerFactory.getLogger(StreamCipherDecoder.class);

    private final StreamMethod method;
    private final byte[] masterKey;
    private final String label;
    private final byte[] scratch = new byte[StreamMethod.SCRATCH];
    private StreamMethod.Crypter crypter;
    private boolean failed;

    /** @param label names the outbound and its server in messages */
    StreamCipherDecoder(StreamMethod method, byte[] masterKey, String label) {
        this.method = method;
        this.masterKey = masterKey;
        this.label = label;
    }

    @Override
    protected void decode(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) {
        if (crypter == null) {
            if (in.readableBytes() < method.ivSize()) {
                return;
            }
            byte[] iv = new byte[method.ivSize()];
            in.readBytes(iv);
            crypter = method.crypter(masterKey, iv, false);
        }
        int n = in.readableBytes();
        if (n == 0) {
            return;
        }
        ByteBuf plain = ctx.alloc().heapBuffer(n);
        crypter.process(in, n, plain.array(), plain.arrayOffset(), scratch);
        plain.writerIndex(n);
        in.skipBytes(n);
        out.add(plain);
    }

    /** The server's stream ended with part of an IV: reported before the end is passed on. */
    @Override
    void streamEnded(ChannelHandlerContext ctx) {
        int held = internalBuffer().readableBytes();
        if (failed || crypter != null || held == 0) {
            return;
        }
        failed = true;
        String message = label + ": the server ended the stream inside its IV (" + held + " bytes of it arrived); "
                + "ending the flow";
        LOG.warn(message);
        ctx.fireExceptionCaught(new ShadowsocksProtocolException(message));
    }
}
