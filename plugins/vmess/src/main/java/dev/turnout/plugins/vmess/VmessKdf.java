package dev.turnout.plugins.vmess;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.util.Arrays;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * VMess AEAD's key derivation: HMAC-SHA256 keyed with "VMess AEAD KDF", and for each element of the path one
 * more HMAC whose hash function is the HMAC before it (v2ray's {@code aead.KDF}). Runs a few times per
 * connection, never per chunk.
 */
final class VmessKdf {

    static final byte[] ROOT = ascii("VMess AEAD KDF");
    private static final int BLOCK = 64;
    /**
     * The innermost HMAC, keyed once per thread: looking up and keying a Mac for each of the KDF's many inner
     * calls was most of a connection's setup time (some 40 us per derivation of depth 3).
     */
    private static final ThreadLocal<Mac> ROOT_MAC = ThreadLocal.withInitial(() -> {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(ROOT, "HmacSHA256"));
            return mac;
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HmacSHA256 is part of every JDK", e);
        }
    });

    private VmessKdf() {
    }

    /** The 32-byte output for {@code key} under the path. */
    static byte[] kdf(byte[] key, byte[]... path) {
        return hash(path, path.length, key);
    }

    /** The first 16 bytes of {@link #kdf}. */
    static byte[] kdf16(byte[] key, byte[]... path) {
        return Arrays.copyOf(kdf(key, path), 16);
    }

    static byte[] ascii(String s) {
        return s.getBytes(StandardCharsets.US_ASCII);
    }

    /** The key the header is sealed with: MD5 of the uuid and VMess's fixed salt. */
    static byte[] cmdKey(byte[] uuid) {
        MessageDigest md5 = digest("MD5");
        md5.update(uuid);
        md5.update(ascii("c48619fe-8f02-49e0-b9e9-edf763e17e21"));
        return md5.digest();
    }

    static MessageDigest digest(String name) {
        try {
            return MessageDigest.getInstance(name);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(name + " is part of every JDK", e);
        }
    }

    /** The hash function of level {@code level}: 0 is HMAC-SHA256 with the root key, n is HMAC over level n-1. */
    private static byte[] hash(byte[][] path, int level, byte[] data) {
        if (level == 0) {
            // doFinal leaves the Mac keyed and ready for the next message.
            return ROOT_MAC.get().doFinal(data);
        }
        byte[] key = path[level - 1];
        if (key.length > BLOCK) {
            key = hash(path, level - 1, key);
        }
        byte[] inner = new byte[BLOCK + data.length];
        byte[] outer = new byte[BLOCK + 32];
        for (int i = 0; i < BLOCK; i++) {
            byte k = i < key.length ? key[i] : 0;
            inner[i] = (byte) (k ^ 0x36);
            outer[i] = (byte) (k ^ 0x5c);
        }
        System.arraycopy(data, 0, inner, BLOCK, data.length);
        System.arraycopy(hash(path, level - 1, inner), 0, outer, BLOCK, 32);
        return hash(path, level - 1, outer);
    }
}
