package dev.turnout.plugins.shadowsocks;

import io.netty.channel.ChannelHandler;
import java.security.spec.AlgorithmParameterSpec;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.IvParameterSpec;

/**
 * The AEAD ciphers of SIP004. Key and salt have the same size and tags are 16 bytes for all; nonces are 12 bytes,
 * 24 for XChaCha20, which the JDK runs as ChaCha20-Poly1305 with a subkey per nonce ({@link XChaCha20}).
 */
enum AeadMethod implements ShadowsocksCipher {
    AES_128_GCM("aes-128-gcm", 16, "AES/GCM/NoPadding", "AES"),
    AES_192_GCM("aes-192-gcm", 24, "AES/GCM/NoPadding", "AES"),
    AES_256_GCM("aes-256-gcm", 32, "AES/GCM/NoPadding", "AES"),
    CHACHA20_IETF_POLY1305("chacha20-ietf-poly1305", 32, "ChaCha20-Poly1305", "ChaCha20"),
    XCHACHA20_IETF_POLY1305("xchacha20-ietf-poly1305", 32, "ChaCha20-Poly1305", "ChaCha20");

    static final int TAG_SIZE = 16;

    private final String cipherName;
    private final int keySize;
    private final String transformation;
    private final String keyAlgorithm;

    AeadMethod(String cipherName, int keySize, String transformation, String keyAlgorithm) {
        this.cipherName = cipherName;
        this.keySize = keySize;
        this.transformation = transformation;
        this.keyAlgorithm = keyAlgorithm;
    }

    @Override
    public String cipherName() {
        return cipherName;
    }

    @Override
    public int keySize() {
        return keySize;
    }

    @Override
    public ChannelHandler decoder(byte[] masterKey, String label) {
        return new AeadStreamDecoder(this, masterKey, label);
    }

    @Override
    public ChannelHandler encoder(byte[] masterKey) {
        return new AeadStreamEncoder(this, masterKey);
    }

    @Override
    public DatagramCodec datagramCodec(byte[] masterKey) {
        return new AeadDatagramCodec(this, masterKey);
    }

    int saltSize() {
        return keySize;
    }

    int nonceSize() {
        return extended() ? XChaCha20.NONCE_SIZE : 12;
    }

    /** Whether the nonce is XChaCha20's: the key the JDK gets is derived from it for each seal or open. */
    boolean extended() {
        return this == XCHACHA20_IETF_POLY1305;
    }

    String transformation() {
        return transformation;
    }

    String keyAlgorithm() {
        return keyAlgorithm;
    }

    /** The JCE parameters for one seal or open with a 12-byte {@code nonce}; the JDK copies the array. */
    AlgorithmParameterSpec parameters(byte[] nonce) {
        return this == AES_128_GCM || this == AES_192_GCM || this == AES_256_GCM
                ? new GCMParameterSpec(TAG_SIZE * 8, nonce) : new IvParameterSpec(nonce);
    }
}
