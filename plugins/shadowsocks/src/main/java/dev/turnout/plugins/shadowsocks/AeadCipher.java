package dev.turnout.plugins.shadowsocks;

import java.security.GeneralSecurityException;
import java.util.Arrays;
import javax.crypto.Cipher;
import javax.crypto.spec.SecretKeySpec;

/**
 * One direction's AEAD state: the JDK cipher, the current subkey and the nonce, a little-endian counter (12 bytes,
 * XChaCha20's 24) that starts at zero for each subkey and counts every seal or open (SIP004). Not thread-safe: each
 * belongs to one channel or datagram session and is used on its event loop.
 */
final class AeadCipher {

    private final AeadMethod method;
    private final int mode;
    private final Cipher cipher;
    private final byte[] nonce;
    private byte[] subkey;
    private SecretKeySpec key;

    private AeadCipher(AeadMethod method, int mode) {
        this.method = method;
        this.mode = mode;
        this.nonce = new byte[method.nonceSize()];
        try {
            this.cipher = Cipher.getInstance(method.transformation());
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("the JDK lacks " + method.transformation(), e);
        }
    }

    static AeadCipher sealing(AeadMethod method) {
        return new AeadCipher(method, Cipher.ENCRYPT_MODE);
    }

    static AeadCipher opening(AeadMethod method) {
        return new AeadCipher(method, Cipher.DECRYPT_MODE);
    }

    /** Starts over with {@code subkey} and a zero nonce: a new salt, or a new datagram. */
    void rekey(byte[] subkey) {
        this.subkey = subkey;
        key = new SecretKeySpec(subkey, method.keyAlgorithm());
        Arrays.fill(nonce, (byte) 0);
    }

    boolean hasKey() {
        return key != null;
    }

    /** Encrypts {@code length} bytes into {@code out}, followed by the tag; returns {@code length} plus the tag. */
    int seal(byte[] in, int offset, int length, byte[] out, int outOffset) throws GeneralSecurityException {
        return run(in, offset, length, out, outOffset);
    }

    /**
     * Decrypts and checks {@code length} bytes (ciphertext and tag) into {@code out}; returns the plaintext's
     * length.
     *
     * @throws javax.crypto.AEADBadTagException when the tag does not match: a wrong key, or altered bytes
     */
    int open(byte[] in, int offset, int length, byte[] out, int outOffset) throws GeneralSecurityException {
        return run(in, offset, length, out, outOffset);
    }

    private int run(byte[] in, int offset, int length, byte[] out, int outOffset) throws GeneralSecurityException {
        if (method.extended()) {
            cipher.init(mode, new SecretKeySpec(XChaCha20.subkey(subkey, nonce), method.keyAlgorithm()),
                    method.parameters(XChaCha20.innerNonce(nonce)));
        } else {
            cipher.init(mode, key, method.parameters(nonce));
        }
        int n = cipher.doFinal(in, offset, length, out, outOffset);
        for (int i = 0; i < nonce.length && ++nonce[i] == 0; i++) {
            // carry into the next byte
        }
        return n;
    }
}
