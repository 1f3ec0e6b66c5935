package dev.turnout.plugins.shadowsocks;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * Shadowsocks' keys: the master key from the password (OpenSSL's EVP_BytesToKey with MD5, one iteration, no
 * salt, as every Shadowsocks implementation derives it) and each salt's subkey (HKDF-SHA1, RFC 5869, with
 * info "ss-subkey", SIP004).
 */
final class ShadowsocksKeys {

    private static final byte[] SUBKEY_INFO = "ss-subkey".getBytes(StandardCharsets.US_ASCII);

    private ShadowsocksKeys() {
    }

    /** EVP_BytesToKey(MD5): D_i = MD5(D_{i-1} || password), concatenated until {@code size} bytes. */
    static byte[] masterKey(String password, int size) {
        byte[] pass = password.getBytes(StandardCharsets.UTF_8);
        try {
            MessageDigest md5 = MessageDigest.getInstance("MD5");
            byte[] key = new byte[size];
            byte[] previous = new byte[0];
            for (int filled = 0; filled < size; ) {
                md5.update(previous);
                md5.update(pass);
                previous = md5.digest();
                int n = Math.min(previous.length, size - filled);
                System.arraycopy(previous, 0, key, filled, n);
                filled += n;
            }
            return key;
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("the JDK always has MD5", e);
        }
    }

    /** HKDF-SHA1(ikm = master key, salt, info = "ss-subkey"), as long as the master key. */
    static byte[] subkey(byte[] masterKey, byte[] salt, int saltOffset, int saltLength) {
        return hkdfSha1(masterKey, salt, saltOffset, saltLength, SUBKEY_INFO, masterKey.length);
    }

    /** RFC 5869 HKDF with HMAC-SHA1: extract with {@code salt}, then expand to {@code length} bytes. */
    static byte[] hkdfSha1(byte[] ikm, byte[] salt, int saltOffset, int saltLength, byte[] info, int length) {
        try {
            Mac hmac = Mac.getInstance("HmacSHA1");
            hmac.init(new SecretKeySpec(salt, saltOffset, saltLength, "HmacSHA1"));
            byte[] prk = hmac.doFinal(ikm);
            hmac.init(new SecretKeySpec(prk, "HmacSHA1"));
            byte[] okm = new byte[length];
            byte[] t = new byte[0];
            for (int filled = 0, i = 1; filled < length; i++) {
                hmac.update(t);
                hmac.update(info);
                hmac.update((byte) i);
                t = hmac.doFinal();
                int n = Math.min(t.length, length - filled);
                System.arraycopy(t, 0, okm, filled, n);
                filled += n;
            }
            return okm;
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("the JDK always has HmacSHA1", e);
        }
    }
}
