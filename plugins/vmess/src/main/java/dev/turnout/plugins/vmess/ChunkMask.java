package dev.turnout.plugins.vmess;

import org.bouncycastle.crypto.digests.SHAKEDigest;

/**
 * VMess chunk masking: SHAKE128 seeded with a direction's body IV, read two bytes at a time; each chunk
 * takes one value for its padding length (when padding is on) and one to mask its length. BouncyCastle's
 * SHAKE (the JDK has none), relocated into the plugin jar.
 */
final class ChunkMask {

    private final SHAKEDigest shake = new SHAKEDigest(128);
    private final byte[] two = new byte[2];

    ChunkMask(byte[] iv) {
        shake.update(iv, 0, iv.length);
    }

    /** The next 16-bit value of the stream. */
    int next() {
        shake.doOutput(two, 0, 2);
        return ((two[0] & 0xff) << 8) | (two[1] & 0xff);
    }

    /** The next padding length, 0 to 63. */
    int nextPadding() {
        return next() % 64;
    }
}
