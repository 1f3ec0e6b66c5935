package dev.turnout.plugins.shadowsocks;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.MessageToByteEncoder;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;

/**
 * Encrypts what is written to a Shadowsocks stream (SIP004): a random salt first, then each write as chunks of
 * [encrypted 2-byte length + tag][encrypted payload + tag], payloads at most 0x3FFF bytes. Each write becomes one
 * buffer sized for its chunks; the only other memory is a scratch array for payloads that are not on the heap.
 */
final class AeadStreamEncoder extends MessageToByteEncoder<ByteBuf> {

    static final int MAX_PAYLOAD = 0x3FFF;
    private static final int CHUNK_OVERHEAD = 2 + 2 * AeadMethod.TAG_SIZE;
    private static final SecureRandom RANDOM = new SecureRandom();

    private final AeadMethod method;
    private final byte[] masterKey;
    private final AeadCipher cipher;
    private final byte[] length = new byte[2];
    private final byte[] scratch = new byte[MAX_PAYLOAD];

    AeadStreamEncoder(AeadMethod method, byte[] masterKey) {
        super(ByteBuf.class, false);
        this.method = method;
        this.masterKey = masterKey;
        this.cipher = AeadCipher.sealing(method);
    }

    /** Bytes the encryption of {@code payload} bytes takes on the wire, salt aside. */
    static int sealedSize(int payload) {
        return payload + (payload + MAX_PAYLOAD - 1) / MAX_PAYLOAD * CHUNK_OVERHEAD;
    }

    @Override
    protected ByteBuf allocateBuffer(ChannelHandlerContext ctx, ByteBuf msg, boolean preferDirect) {
        int salt = cipher.hasKey() ? 0 : method.saltSize();
        return ctx.alloc().heapBuffer(salt + sealedSize(msg.readableBytes()));
    }

    @Override
    protected void encode(ChannelHandlerContext ctx, ByteBuf msg, ByteBuf out) throws GeneralSecurityException {
        if (!msg.isReadable()) {
            return;
        }
        if (!cipher.hasKey()) {
            byte[] salt = new byte[method.saltSize()];
            RANDOM.nextBytes(salt);
            out.writeBytes(salt);
            cipher.rekey(ShadowsocksKeys.subkey(masterKey, salt, 0, salt.length));
        }
        while (msg.isReadable()) {
            int n = Math.min(MAX_PAYLOAD, msg.readableBytes());
            out.ensureWritable(n + CHUNK_OVERHEAD);
            byte[] sealed = out.array();
            int at = out.arrayOffset() + out.writerIndex();
            length[0] = (byte) (n >>> 8);
            length[1] = (byte) n;
            at += cipher.seal(length, 0, 2, sealed, at);
            if (msg.hasArray()) {
                at += cipher.seal(msg.array(), msg.arrayOffset() + msg.readerIndex(), n, sealed, at);
            } else {
                msg.getBytes(msg.readerIndex(), scratch, 0, n);
                at += cipher.seal(scratch, 0, n, sealed, at);
            }
            out.writerIndex(at - out.arrayOffset());
            msg.skipBytes(n);
        }
    }
}
