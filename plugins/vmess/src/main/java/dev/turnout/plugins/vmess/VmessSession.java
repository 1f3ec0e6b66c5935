package dev.turnout.plugins.vmess;

import dev.turnout.api.Destination;
import dev.turnout.plugins.v2ray.V2rayAddress;
import java.io.ByteArrayOutputStream;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.util.Arrays;
import java.util.zip.CRC32;
import javax.crypto.Cipher;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;

/**
 * One VMess connection's secrets (body keys and IVs, the response check byte) and its request header,
 * sealed the AEAD way (v2ray's {@code SealVMessAEADHeader}): an auth ID (AES-128 of time, random and CRC32
 * under a key derived from the cmd key), the header's length and the header each sealed with AES-128-GCM
 * under keys derived from the cmd key, the auth ID and a random nonce.
 */
final class VmessSession {

    static final byte OPTION_CHUNK_STREAM = 0x01;
    static final byte OPTION_CHUNK_MASKING = 0x04;
    static final byte OPTION_GLOBAL_PADDING = 0x08;

    private static final SecureRandom RANDOM = new SecureRandom();

    final VmessSecurity security;
    final boolean padding;
    final byte[] requestKey;
    final byte[] requestIv;
    final byte[] responseKey;
    final byte[] responseIv;
    final byte responseCheck;

    private VmessSession(VmessSecurity security, boolean padding, byte[] random) {
        this.security = security;
        this.padding = padding;
        this.requestKey = Arrays.copyOfRange(random, 0, 16);
        this.requestIv = Arrays.copyOfRange(random, 16, 32);
        this.responseCheck = random[32];
        this.responseKey = Arrays.copyOf(VmessKdf.digest("SHA-256").digest(requestKey), 16);
        this.responseIv = Arrays.copyOf(VmessKdf.digest("SHA-256").digest(requestIv), 16);
    }

    static VmessSession random(VmessSecurity security, boolean padding) {
        byte[] random = new byte[33];
        RANDOM.nextBytes(random);
        return new VmessSession(security, padding, random);
    }

    /** Options byte: always chunked and masked (what v2ray's client sends), padded when asked. */
    byte options() {
        return (byte) (OPTION_CHUNK_STREAM | OPTION_CHUNK_MASKING | (padding ? OPTION_GLOBAL_PADDING : 0));
    }

    /**
     * The whole sealed request header for {@code command} to {@code destination}.
     *
     * @throws IllegalArgumentException when the destination's name cannot be sent
     */
    byte[] sealedRequest(byte[] cmdKey, byte command, Destination destination, long unixSeconds) {
        byte[] address = V2rayAddress.encode(destination);
        int paddingLength = RANDOM.nextInt(16);
        ByteArrayOutputStream header = new ByteArrayOutputStream(64 + address.length);
        header.write(1);
        header.writeBytes(requestIv);
        header.writeBytes(requestKey);
        header.write(responseCheck);
        header.write(options());
        header.write((paddingLength << 4) | security.wire);
        header.write(0);
        header.write(command);
        header.writeBytes(address);
        byte[] padding = new byte[paddingLength];
        RANDOM.nextBytes(padding);
        header.writeBytes(padding);
        byte[] plain = header.toByteArray();
        int fnv = fnv1a(plain);
        byte[] withHash = Arrays.copyOf(plain, plain.length + 4);
        withHash[plain.length] = (byte) (fnv >>> 24);
        withHash[plain.length + 1] = (byte) (fnv >>> 16);
        withHash[plain.length + 2] = (byte) (fnv >>> 8);
        withHash[plain.length + 3] = (byte) fnv;
        return seal(cmdKey, withHash, unixSeconds);
    }

    /** The AEAD envelope around a request header. */
    static byte[] seal(byte[] cmdKey, byte[] header, long unixSeconds) {
        try {
            return sealWith(cmdKey, header, authId(cmdKey, unixSeconds));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("AES-GCM is part of every JDK", e);
        }
    }

    private static byte[] sealWith(byte[] cmdKey, byte[] header, byte[] authId) throws GeneralSecurityException {
        byte[] nonce = new byte[8];
        RANDOM.nextBytes(nonce);
        byte[] length = {(byte) (header.length >>> 8), (byte) header.length};
        byte[] sealedLength = gcm(Cipher.ENCRYPT_MODE,
                VmessKdf.kdf16(cmdKey, VmessKdf.ascii("VMess Header AEAD Key_Length"), authId, nonce),
                Arrays.copyOf(VmessKdf.kdf(cmdKey, VmessKdf.ascii("VMess Header AEAD Nonce_Length"), authId, nonce), 12),
                authId, length);
        byte[] sealedHeader = gcm(Cipher.ENCRYPT_MODE,
                VmessKdf.kdf16(cmdKey, VmessKdf.ascii("VMess Header AEAD Key"), authId, nonce),
                Arrays.copyOf(VmessKdf.kdf(cmdKey, VmessKdf.ascii("VMess Header AEAD Nonce"), authId, nonce), 12),
                authId, header);
        ByteArrayOutputStream out = new ByteArrayOutputStream(16 + 18 + 8 + sealedHeader.length);
        out.writeBytes(authId);
        out.writeBytes(sealedLength);
        out.writeBytes(nonce);
        out.writeBytes(sealedHeader);
        return out.toByteArray();
    }

    /** Time (8 bytes), 4 random bytes and their CRC32, encrypted with AES-128 under KDF16(cmdKey, "AES Auth ID Encryption"). */
    static byte[] authId(byte[] cmdKey, long unixSeconds) {
        byte[] plain = new byte[16];
        for (int i = 0; i < 8; i++) {
            plain[i] = (byte) (unixSeconds >>> (56 - 8 * i));
        }
        byte[] random = new byte[4];
        RANDOM.nextBytes(random);
        System.arraycopy(random, 0, plain, 8, 4);
        CRC32 crc = new CRC32();
        crc.update(plain, 0, 12);
        long c = crc.getValue();
        plain[12] = (byte) (c >>> 24);
        plain[13] = (byte) (c >>> 16);
        plain[14] = (byte) (c >>> 8);
        plain[15] = (byte) c;
        try {
            Cipher aes = Cipher.getInstance("AES/ECB/NoPadding");
            aes.init(Cipher.ENCRYPT_MODE, new SecretKeySpec(
                    VmessKdf.kdf16(cmdKey, VmessKdf.ascii("AES Auth ID Encryption")), "AES"));
            return aes.doFinal(plain);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("AES is part of every JDK", e);
        }
    }

    /** AES-128-GCM with a 16-byte tag, as every part of the VMess AEAD header uses it. */
    static byte[] gcm(int mode, byte[] key, byte[] iv, byte[] aad, byte[] data) throws GeneralSecurityException {
        Cipher c = Cipher.getInstance("AES/GCM/NoPadding");
        c.init(mode, new SecretKeySpec(key, "AES"), new GCMParameterSpec(128, iv));
        if (aad != null) {
            c.updateAAD(aad);
        }
        return c.doFinal(data);
    }

    static int fnv1a(byte[] data) {
        int hash = 0x811c9dc5;
        for (byte b : data) {
            hash ^= b & 0xff;
            hash *= 0x01000193;
        }
        return hash;
    }
}
