package dev.turnout.plugins.shadowsocks;

import org.bouncycastle.crypto.engines.ChaChaEngine;
import org.bouncycastle.util.Pack;

/**
 * XChaCha20-Poly1305 (draft-irtf-cfrg-xchacha) on the JDK's ChaCha20-Poly1305: a 24-byte nonce becomes a subkey
 * (HChaCha20 of the key and the nonce's first 16 bytes) and a 12-byte nonce (four zero bytes and the last 8).
 */
final class XChaCha20 {

    static final int NONCE_SIZE = 24;

    /** "expand 32-byte k", the ChaCha constants. */
    private static final int[] SIGMA = {0x61707865, 0x3320646e, 0x79622d32, 0x6b206574};

    private XChaCha20() {
    }

    /** HChaCha20(key, nonce[0..16]): 32 bytes. */
    static byte[] subkey(byte[] key, byte[] nonce) {
        int[] state = new int[16];
        System.arraycopy(SIGMA, 0, state, 0, 4);
        Pack.littleEndianToInt(key, 0, state, 4, 8);
        Pack.littleEndianToInt(nonce, 0, state, 12, 4);
        int[] x = new int[16];
        ChaChaEngine.chachaCore(20, state, x);
        // The block function ends by adding its input back; HChaCha20 is the rounds alone, so that is taken off.
        byte[] subkey = new byte[32];
        for (int i = 0; i < 4; i++) {
            Pack.intToLittleEndian(x[i] - state[i], subkey, 4 * i);
            Pack.intToLittleEndian(x[12 + i] - state[12 + i], subkey, 16 + 4 * i);
        }
        return subkey;
    }

    /** The 12-byte ChaCha20-Poly1305 nonce that goes with {@link #subkey}: zeros, then the nonce's last 8 bytes. */
    static byte[] innerNonce(byte[] nonce) {
        byte[] inner = new byte[12];
        System.arraycopy(nonce, 16, inner, 4, 8);
        return inner;
    }
}
