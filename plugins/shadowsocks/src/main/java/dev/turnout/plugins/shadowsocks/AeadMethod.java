package dev.turnout.plugins.shadowsocks;

import java.security.spec.AlgorithmParameterSpec;
import java.util.Arrays;
import java.util.Locale;
import java.util.Optional;
import java.util.stream.Collectors;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.IvParameterSpec;

/**
 * The AEAD ciphers of SIP004 the JDK implements. Key and salt have the same size; nonces are 12 bytes and tags 16,
 * for all four.
 */
enum AeadMethod {
    AES_128_GCM("aes-128-gcm", 16, "AES/GCM/NoPadding", "AES"),
    AES_192_GCM("aes-192-gcm", 24, "AES/GCM/NoPadding", "AES"),
    AES_256_GCM("aes-256-gcm", 32, "AES/GCM/NoPadding", "AES"),
    CHACHA20_IETF_POLY1305("chacha20-ietf-poly1305", 32, "ChaCha20-Poly1305", "ChaCha20");

    static final int NONCE_SIZE = 12;
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

    /** The method named as in a config's {@code cipher:}, case aside. */
    static Optional<AeadMethod> named(String name) {
        String n = name.trim().toLowerCase(Locale.ROOT);
        return Arrays.stream(values()).filter(m -> m.cipherName.equals(n)).findFirst();
    }

    /** The names a config may use, for an error message. */
    static String supportedNames() {
        return Arrays.stream(values()).map(m -> m.cipherName).collect(Collectors.joining(", "));
    }

    String cipherName() {
        return cipherName;
    }

    int keySize() {
        return keySize;
    }

    int saltSize() {
        return keySize;
    }

    String transformation() {
        return transformation;
    }

    String keyAlgorithm() {
        return keyAlgorithm;
    }

    /** The JCE parameters for one seal or open with {@code nonce}; the JDK copies the array. */
    AlgorithmParameterSpec parameters(byte[] nonce) {
        return this == CHACHA20_IETF_POLY1305 ? new IvParameterSpec(nonce) : new GCMParameterSpec(TAG_SIZE * 8, nonce);
    }
}
