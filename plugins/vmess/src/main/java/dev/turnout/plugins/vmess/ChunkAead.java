package dev.turnout.plugins.vmess;

import io.netty.buffer.ByteBuf;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.spec.AlgorithmParameterSpec;
import javax.crypto.AEADBadTagException;
import javax.crypto.Cipher;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.IvParameterSpec;
import javax.crypto.spec.SecretKeySpec;

/**
 * One direction's chunk cipher: AES-128-GCM or ChaCha20-Poly1305 on the JDK, keyed with the body key, the
 * nonce a 16-bit chunk count followed by bytes 2 to 12 of the body IV (v2ray's {@code GenerateChunkNonce});
 * or, for {@code none}, a plain copy.
 */
final class ChunkAead {

    private final VmessSecurity security;
    private final Cipher cipher;
    private final SecretKeySpec key;
    private final int mode;
    private final byte[] nonce;
    private int count;

    private ChunkAead(VmessSecurity security, byte[] bodyKey, byte[] bodyIv, int mode) {
        this.security = security;
        this.mode = mode;
        this.nonce = java.util.Arrays.copyOf(bodyIv, 12);
        try {
            switch (security) {
                case AES_128_GCM -> {
                    cipher = Cipher.getInstance("AES/GCM/NoPadding");
                    key = new SecretKeySpec(bodyKey, "AES");
                }
                case CHACHA20_POLY1305 -> {
                    cipher = Cipher.getInstance("ChaCha20-Poly1305");
                    key = new SecretKeySpec(chachaKey(bodyKey), "ChaCha20");
                }
                default -> {
                    cipher = null;
                    key = null;
                }
            }
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(security + " is part of every JDK 17", e);
        }
    }

    static ChunkAead sealing(VmessSecurity security, byte[] bodyKey, byte[] bodyIv) {
        return new ChunkAead(security, bodyKey, bodyIv, Cipher.ENCRYPT_MODE);
    }

    static ChunkAead opening(VmessSecurity security, byte[] bodyKey, byte[] bodyIv) {
        return new ChunkAead(security, bodyKey, bodyIv, Cipher.DECRYPT_MODE);
    }

    int overhead() {
        return security.overhead;
    }

    /** Seals the readable bytes of {@code in} (consuming them) into {@code out}: payload plus tag. */
    void seal(ByteBuf in, ByteBuf out) throws IOException {
        int n = in.readableBytes();
        if (cipher == null) {
            out.writeBytes(in);
            return;
        }
        out.ensureWritable(n + overhead());
        run(in, out, n + overhead());
    }

    /** Opens {@code length} sealed bytes of {@code in} (consuming them) into {@code out}. */
    void open(ByteBuf in, int length, ByteBuf out) throws IOException {
        if (cipher == null) {
            out.writeBytes(in, length);
            return;
        }
        ByteBuf sealed = in.readSlice(length);
        out.ensureWritable(length - overhead());
        run(sealed, out, length - overhead());
    }

    private void run(ByteBuf in, ByteBuf out, int produced) throws IOException {
        nonce[0] = (byte) (count >>> 8);
        nonce[1] = (byte) count;
        count = (count + 1) & 0xffff;
        AlgorithmParameterSpec spec = security == VmessSecurity.AES_128_GCM
                ? new GCMParameterSpec(128, nonce) : new IvParameterSpec(nonce);
        ByteBuffer source = in.nioBuffer(in.readerIndex(), in.readableBytes());
        ByteBuffer target = out.nioBuffer(out.writerIndex(), produced);
        try {
            cipher.init(mode, key, spec);
            int written = cipher.doFinal(source, target);
            in.skipBytes(in.readableBytes());
            out.writerIndex(out.writerIndex() + written);
        } catch (AEADBadTagException e) {
            throw new IOException("a VMess chunk failed authentication (wrong key, or not a VMess server)", e);
        } catch (GeneralSecurityException e) {
            throw new IOException("VMess chunk cipher failed: " + e.getMessage(), e);
        }
    }

    /** v2ray's ChaCha20-Poly1305 key from a 16-byte body key: MD5(key) followed by MD5 of that. */
    static byte[] chachaKey(byte[] bodyKey) {
        MessageDigest md5 = VmessKdf.digest("MD5");
        byte[] first = md5.digest(bodyKey);
        byte[] second = md5.digest(first);
        byte[] key = new byte[32];
        System.arraycopy(first, 0, key, 0, 16);
        System.arraycopy(second, 0, key, 16, 16);
        return key;
    }
}
