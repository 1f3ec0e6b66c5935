package dev.turnout.plugins.shadowsocks;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.DecoderException;
import java.security.GeneralSecurityException;
import java.util.List;
import javax.crypto.AEADBadTagException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Decrypts what a Shadowsocks server sends (SIP004): its salt, then chunks of [length + tag][payload + tag]. All
 * whole chunks of a read become one buffer; what is held back is at most one chunk that has not fully arrived.
 *
 * <p>A chunk that fails authentication, a length over 0x3FFF, or a stream that ends inside a chunk fails the flow:
 * the exception goes down the pipeline first (the relay then resets both sides, so the application does not take
 * a cut-off answer for a whole one), then the channel is closed.
 */
final class AeadStreamDecoder extends ServerStreamDecoder {

    private static final Logger LOG = LoggerFactory.getLogger(AeadStreamDecoder.class);

    private enum State { SALT, LENGTH, PAYLOAD, FAILED }

    private final AeadMethod method;
    private final byte[] masterKey;
    private final String label;
    private final AeadCipher cipher;
    private final byte[] length = new byte[2];
    private final byte[] scratch = new byte[AeadStreamEncoder.MAX_PAYLOAD + AeadMethod.TAG_SIZE];
    private State state = State.SALT;
    private int payloadLength;

    /** @param label names the outbound and its server in messages */
    AeadStreamDecoder(AeadMethod method, byte[] masterKey, String label) {
        this.method = method;
        this.masterKey = masterKey;
        this.label = label;
        this.cipher = AeadCipher.opening(method);
    }

    @Override
    protected void decode(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) throws ShadowsocksProtocolException {
        if (state == State.FAILED) {
            in.skipBytes(in.readableBytes());
            return;
        }
        if (state == State.SALT) {
            if (in.readableBytes() < method.saltSize()) {
                return;
            }
            byte[] salt = new byte[method.saltSize()];
            in.readBytes(salt);
            cipher.rekey(ShadowsocksKeys.subkey(masterKey, salt, 0, salt.length));
            state = State.LENGTH;
        }
        ByteBuf plain = null;
        try {
            while (true) {
                if (state == State.LENGTH) {
                    if (in.readableBytes() < 2 + AeadMethod.TAG_SIZE) {
                        return;
                    }
                    open(in, 2 + AeadMethod.TAG_SIZE, length, 0);
                    payloadLength = (length[0] & 0xff) << 8 | (length[1] & 0xff);
                    if (payloadLength > AeadStreamEncoder.MAX_PAYLOAD) {
                        throw fail("sent a chunk length of 0x" + Integer.toHexString(payloadLength)
                                + ", more than the 0x3FFF Shadowsocks allows");
                    }
                    state = State.PAYLOAD;
                }
                if (in.readableBytes() < payloadLength + AeadMethod.TAG_SIZE) {
                    return;
                }
                if (plain == null) {
                    // Every whole chunk in this read fits: ciphertext is longer than its plaintext.
                    plain = ctx.alloc().heapBuffer(in.readableBytes());
                }
                plain.ensureWritable(payloadLength);
                int n = open(in, payloadLength + AeadMethod.TAG_SIZE, plain.array(), plain.arrayOffset() + plain.writerIndex());
                plain.writerIndex(plain.writerIndex() + n);
                state = State.LENGTH;
            }
        } finally {
            // What was decrypted and authenticated goes on even when a later chunk fails.
            if (plain != null && plain.isReadable()) {
                out.add(plain);
            } else if (plain != null) {
                plain.release();
            }
        }
    }

    /** Opens {@code sealedLength} bytes at the reader index into {@code target} and consumes them. */
    private int open(ByteBuf in, int sealedLength, byte[] target, int offset) throws ShadowsocksProtocolException {
        try {
            int n;
            if (in.hasArray()) {
                n = cipher.open(in.array(), in.arrayOffset() + in.readerIndex(), sealedLength, target, offset);
            } else {
                in.getBytes(in.readerIndex(), scratch, 0, sealedLength);
                n = cipher.open(scratch, 0, sealedLength, target, offset);
            }
            in.skipBytes(sealedLength);
            return n;
        } catch (AEADBadTagException e) {
            throw fail("sent a chunk that fails authentication: a wrong password or cipher, or bytes altered on the way");
        } catch (GeneralSecurityException e) {
            throw fail("sent a chunk that cannot be decrypted: " + e.getMessage());
        }
    }

    private ShadowsocksProtocolException fail(String what) {
        state = State.FAILED;
        String message = label + ": the server " + what + "; ending the flow";
        LOG.warn(message);
        return new ShadowsocksProtocolException(message);
    }

    /**
     * The server's stream ended: every whole chunk has been decoded on its read already, so anything still held,
     * or a length without its payload, is a chunk cut short. Reported before the end is passed on.
     */
    @Override
    void streamEnded(ChannelHandlerContext ctx) {
        if (state == State.FAILED) {
            return;
        }
        int held = internalBuffer().readableBytes();
        if (held > 0 || state == State.PAYLOAD) {
            String where = state == State.SALT ? "inside its salt" : "inside a chunk";
            ctx.fireExceptionCaught(fail("ended the stream " + where + " (" + held + " bytes of it arrived)"));
        }
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        // Passed on first, so the relay resets both sides; then the stream is useless.
        Throwable reported = cause instanceof DecoderException && cause.getCause() instanceof ShadowsocksProtocolException
                ? cause.getCause() : cause;
        ctx.fireExceptionCaught(reported);
        ctx.close();
    }
}
