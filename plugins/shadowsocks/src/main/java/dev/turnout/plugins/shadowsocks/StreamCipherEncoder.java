package dev.turnout.plugins.shadowsocks;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.MessageToByteEncoder;
import java.security.SecureRandom;

/** Encrypts what is written to a Shadowsocks stream with a stream cipher: a random IV first, then every byte. */
final class StreamCipherEncoder extends MessageToByteEncoder<ByteBuf> {

    private static final SecureRandom RANDOM = new SecureRandom();

    private final StreamMethod method;
    private final byte[] masterKey;
    private final byte[] scratch = new byte[StreamMethod.SCRATCH];
    private StreamMethod.Crypter crypter;

    StreamCipherEncoder(StreamMethod method, byte[] masterKey) {
        super(ByteBuf.class, false);
        this.method = method;
        this.masterKey = masterKey;
    }

    @Override
    protected ByteBuf allocateBuffer(ChannelHandlerContext ctx, ByteBuf msg, boolean preferDirect) {
        return ctx.alloc().heapBuffer((crypter == null ? method.ivSize() : 0) + msg.readableBytes());
    }

    @Override
    protected void encode(ChannelHandlerContext ctx, ByteBuf msg, ByteBuf out) {
        if (!msg.isReadable()) {
            return;
        }
        if (crypter == null) {
            byte[] iv = new byte[method.ivSize()];
            RANDOM.nextBytes(iv);
            out.writeBytes(iv);
            crypter = method.crypter(masterKey, iv, true);
        }
        int n = msg.readableBytes();
        out.ensureWritable(n);
        crypter.process(msg, n, out.array(), out.arrayOffset() + out.writerIndex(), scratch);
        out.writerIndex(out.writerIndex() + n);
        msg.skipBytes(n);
    }
}
