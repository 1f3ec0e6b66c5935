package dev.turnout.plugins.shadowsocks;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.MessageToByteEncoder;
import java.security.SecureRandom;

/** Encrypts what is written to a Shadowsocks stream with a stream cipher: a random IV first, then every byte. */
final class StreamCipherEncoder extends MessageToByteEncoder<ByteBuf> {

    private static final SecureRandom RANDOM = new SecureRandom();
    private static final int SCRATCH = 16 * 1024;

    private final StreamMethod method;
    private final byte[] masterKey;
    private StreamMethod.Crypter crypter;
    private byte[] scratch;

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
        int at = out.arrayOffset() + out.writerIndex();
        if (msg.hasArray()) {
            crypter.process(msg.array(), msg.arrayOffset() + msg.readerIndex(), n, out.array(), at);
        } else {
            if (scratch == null) {
                scratch = new byte[SCRATCH];
            }
            for (int done = 0; done < n; ) {
                int part = Math.min(SCRATCH, n - done);
                msg.getBytes(msg.readerIndex() + done, scratch, 0, part);
                crypter.process(scratch, 0, part, out.array(), at + done);
                done += part;
            }
        }
        out.writerIndex(out.writerIndex() + n);
        msg.skipBytes(n);
    }
}
