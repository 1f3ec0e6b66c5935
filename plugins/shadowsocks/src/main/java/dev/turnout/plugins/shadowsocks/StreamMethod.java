package dev.turnout.plugins.shadowsocks;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandler;
import java.security.GeneralSecurityException;
import java.security.Key;
import java.security.MessageDigest;
import java.security.spec.AlgorithmParameterSpec;
import javax.crypto.Cipher;
import javax.crypto.ShortBufferException;
import javax.crypto.spec.ChaCha20ParameterSpec;
import javax.crypto.spec.IvParameterSpec;
import javax.crypto.spec.SecretKeySpec;
import org.bouncycastle.crypto.StreamCipher;
import org.bouncycastle.crypto.engines.AESEngine;
import org.bouncycastle.crypto.modes.CFBBlockCipher;
import org.bouncycastle.crypto.params.KeyParameter;
import org.bouncycastle.crypto.params.ParametersWithIV;

/**
 * Shadowsocks' stream ciphers, the ones mihomo takes and shadowsocks-libev serves: a random IV, then everything
 * encrypted as one stream with the master key itself (no subkey, no chunks, no tags). They give no integrity, which
 * is why AEAD replaced them; servers still running them are why they are here. CTR, RC4 and ChaCha20 are the JDK's;
 * CFB is BouncyCastle's, the JDK's holding back every partial block.
 */
enum StreamMethod implements ShadowsocksCipher {
    AES_128_CTR("aes-128-ctr", 16, 16),
    AES_192_CTR("aes-192-ctr", 24, 16),
    AES_256_CTR("aes-256-ctr", 32, 16),
    AES_128_CFB("aes-128-cfb", 16, 16),
    AES_192_CFB("aes-192-cfb", 24, 16),
    AES_256_CFB("aes-256-cfb", 32, 16),
    /** RC4 keyed with MD5(master key, IV) for each stream. */
    RC4_MD5("rc4-md5", 16, 16),
    /** ChaCha20 with RFC 8439's 12-byte nonce, counting from block 0. */
    CHACHA20_IETF("chacha20-ietf", 32, 12);

    /** Turns bytes into as many others, carrying its state from call to call. */
    @FunctionalInterface
    interface Crypter {
        void process(byte[] in, int offset, int length, byte[] out, int outOffset);

        /**
         * Turns {@code length} bytes from {@code in}'s reader index (which stays) into {@code out}; a buffer that is
         * not on the heap is copied through {@code scratch} a part at a time.
         */
        default void process(ByteBuf in, int length, byte[] out, int outOffset, byte[] scratch) {
            if (in.hasArray()) {
                process(in.array(), in.arrayOffset() + in.readerIndex(), length, out, outOffset);
                return;
            }
            for (int done = 0; done < length; ) {
                int part = Math.min(scratch.length, length - done);
                in.getBytes(in.readerIndex() + done, scratch, 0, part);
                process(scratch, 0, part, out, outOffset + done);
                done += part;
            }
        }
    }

    /** Scratch space for {@link Crypter#process(ByteBuf, int, byte[], int, byte[])}, per stream and direction. */
    static final int SCRATCH = 16 * 1024;

    private final String cipherName;
    private final int keySize;
    private final int ivSize;

    StreamMethod(String cipherName, int keySize, int ivSize) {
        this.cipherName = cipherName;
        this.keySize = keySize;
        this.ivSize = ivSize;
    }

    @Override
    public String cipherName() {
        return cipherName;
    }

    @Override
    public int keySize() {
        return keySize;
    }

    int ivSize() {
        return ivSize;
    }

    @Override
    public ChannelHandler decoder(byte[] masterKey, String label) {
        return new StreamCipherDecoder(this, masterKey, label);
    }

    @Override
    public ChannelHandler encoder(byte[] masterKey) {
        return new StreamCipherEncoder(this, masterKey);
    }

    @Override
    public DatagramCodec datagramCodec(byte[] masterKey) {
        return new StreamDatagramCodec(this, masterKey);
    }

    /** A fresh cipher for one stream or datagram that starts with {@code iv}; encrypting and decrypting differ for CFB only. */
    Crypter crypter(byte[] masterKey, byte[] iv, boolean encrypt) {
        try {
            return switch (this) {
                case AES_128_CTR, AES_192_CTR, AES_256_CTR -> jce("AES/CTR/NoPadding", new SecretKeySpec(masterKey, "AES"),
                        new IvParameterSpec(iv), encrypt);
                case AES_128_CFB, AES_192_CFB, AES_256_CFB -> {
                    StreamCipher cfb = CFBBlockCipher.newInstance(AESEngine.newInstance(), 128);
                    cfb.init(encrypt, new ParametersWithIV(new KeyParameter(masterKey), iv));
                    yield cfb::processBytes;
                }
                case RC4_MD5 -> {
                    MessageDigest md5 = MessageDigest.getInstance("MD5");
                    md5.update(masterKey);
                    md5.update(iv);
                    yield jce("ARCFOUR", new SecretKeySpec(md5.digest(), "ARCFOUR"), null, encrypt);
                }
                case CHACHA20_IETF -> jce("ChaCha20", new SecretKeySpec(masterKey, "ChaCha20"),
                        new ChaCha20ParameterSpec(iv, 0), encrypt);
            };
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("the JDK lacks what " + cipherName + " needs", e);
        }
    }

    private static Crypter jce(String transformation, Key key, AlgorithmParameterSpec iv, boolean encrypt)
            throws GeneralSecurityException {
        Cipher cipher = Cipher.getInstance(transformation);
        cipher.init(encrypt ? Cipher.ENCRYPT_MODE : Cipher.DECRYPT_MODE, key, iv);
        return (in, offset, length, out, outOffset) -> {
            try {
                cipher.update(in, offset, length, out, outOffset);
            } catch (ShortBufferException e) {
                throw new IllegalStateException("a stream cipher's output is as long as its input", e);
            }
        };
    }
}
