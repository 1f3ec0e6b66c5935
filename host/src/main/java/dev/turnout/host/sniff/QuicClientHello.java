package dev.turnout.host.sniff;

import io.netty.buffer.ByteBuf;
import java.security.GeneralSecurityException;
import java.util.Arrays;
import java.util.BitSet;
import javax.crypto.Cipher;
import javax.crypto.Mac;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;

/**
 * The server name of the TLS ClientHello a QUIC connection starts with (RFC 9000, RFC 9001), read from the client's
 * first datagrams. Initial packets are encrypted, but with keys anyone can derive from the packet's destination
 * connection id; the ClientHello is carried in their CRYPTO frames, which a browser spreads over two packets or more
 * (a post-quantum key share) and in any order. One per flow, fed its datagrams until it decides.
 */
final class QuicClientHello {

    /** Versions 1 (RFC 9000) and 2 (RFC 9369), and their Initial salts and labels. */
    private static final int VERSION_1 = 0x00000001;
    private static final int VERSION_2 = 0x6b3343cf;
    private static final byte[] SALT_1 = hex("38762cf7f55934b34d179ae6a4c80cadccbb7f0a");
    private static final byte[] SALT_2 = hex("0dede3def700a6db819381be6e269dcbf9bd2ed9");
    /** Past this, a ClientHello is not waited for (real ones are a few kilobytes). */
    static final int MAX_CRYPTO = 16 * 1024;
    private static final int FRAME_PADDING = 0x00;
    private static final int FRAME_PING = 0x01;
    private static final int FRAME_ACK = 0x02;
    private static final int FRAME_ACK_ECN = 0x03;
    private static final int FRAME_CRYPTO = 0x06;

    /**
     * The CRYPTO stream, made at the first CRYPTO frame of a packet that decrypted: a flow that sends anything else
     * (most UDP to port 443 that is not QUIC) costs nothing here, where 18 KB a flow made a spray of tiny datagrams
     * to many addresses hold 20 KB of heap each (7,000 flows: 144 MB, measured from outside).
     */
    private byte[] crypto;
    private BitSet received;
    private byte[] connectionId;
    private int version;

    /**
     * Reads one datagram of the flow without consuming it: {@code FOUND} with the name once the ClientHello is
     * whole, {@code MORE} while it is not, {@code NONE} when the datagram is not a QUIC Initial (or not of this
     * connection) or the ClientHello carries no name.
     */
    SniffResult offer(ByteBuf datagram) {
        byte[] d = new byte[datagram.readableBytes()];
        datagram.getBytes(datagram.readerIndex(), d);
        boolean taken;
        try {
            taken = initial(d);
        } catch (GeneralSecurityException | IndexOutOfBoundsException e) {
            taken = false; // not decryptable (not an Initial of the keys it claims), or cut short
        }
        if (!taken) {
            // Before the first Initial: not QUIC. After it: another packet of the handshake, which tells nothing.
            return connectionId == null ? SniffResult.NONE : SniffResult.MORE;
        }
        int have = received == null ? 0 : received.nextClearBit(0);
        if (have < 4) {
            return SniffResult.MORE;
        }
        if ((crypto[0] & 0xff) != 1) {
            return SniffResult.NONE; // the first handshake message of a client is its ClientHello
        }
        int length = 4 + ((crypto[1] & 0xff) << 16 | (crypto[2] & 0xff) << 8 | (crypto[3] & 0xff));
        if (length > MAX_CRYPTO) {
            return SniffResult.NONE;
        }
        return have < length ? SniffResult.MORE : TlsClientHello.clientHello(crypto, length);
    }

    /** Whether a CRYPTO stream was made: for tests. */
    boolean holdsStream() {
        return crypto != null;
    }

    /** Takes the first packet of {@code d} if it is an Initial: its CRYPTO frames into the stream. */
    private boolean initial(byte[] d) throws GeneralSecurityException {
        int first = d[0] & 0xff;
        if ((first & 0xc0) != 0xc0 || d.length < 7) {
            return false; // not a long header with the fixed bit
        }
        int v = (d[1] & 0xff) << 24 | (d[2] & 0xff) << 16 | (d[3] & 0xff) << 8 | (d[4] & 0xff);
        int type = (first >> 4) & 0x03;
        if (!(v == VERSION_1 && type == 0 || v == VERSION_2 && type == 1)) {
            return false;
        }
        int p = 5;
        int dcidLength = d[p++] & 0xff;
        if (dcidLength > 20) {
            return false;
        }
        byte[] dcid = Arrays.copyOfRange(d, p, p + dcidLength);
        p += dcidLength;
        int scidLength = d[p++] & 0xff;
        p += scidLength;
        long[] varint = new long[1];
        p = varint(d, p, varint); // token length
        p += (int) varint[0];
        p = varint(d, p, varint); // length of packet number and payload
        int pnOffset = p;
        long length = varint[0];
        if (pnOffset + length > d.length || length < 20) {
            return false;
        }
        if (connectionId != null && (!Arrays.equals(connectionId, dcid) || version != v)) {
            return false; // another connection's
        }
        boolean two = v == VERSION_2;
        byte[] secret = expandLabel(extract(two ? SALT_2 : SALT_1, dcid), "client in", 32);
        byte[] key = expandLabel(secret, two ? "quicv2 key" : "quic key", 16);
        byte[] iv = expandLabel(secret, two ? "quicv2 iv" : "quic iv", 12);
        byte[] hp = expandLabel(secret, two ? "quicv2 hp" : "quic hp", 16);

        byte[] header = Arrays.copyOf(d, pnOffset + 4);
        Cipher ecb = Cipher.getInstance("AES/ECB/NoPadding");
        ecb.init(Cipher.ENCRYPT_MODE, new SecretKeySpec(hp, "AES"));
        byte[] mask = ecb.doFinal(d, pnOffset + 4, 16);
        header[0] = (byte) (first ^ (mask[0] & 0x0f));
        int pnLength = (header[0] & 0x03) + 1;
        long packetNumber = 0;
        for (int i = 0; i < pnLength; i++) {
            header[pnOffset + i] = (byte) (d[pnOffset + i] ^ mask[1 + i]);
            packetNumber = packetNumber << 8 | (header[pnOffset + i] & 0xff);
        }
        byte[] nonce = iv.clone();
        for (int i = 0; i < 8; i++) {
            nonce[11 - i] ^= (byte) (packetNumber >>> (8 * i));
        }
        Cipher gcm = Cipher.getInstance("AES/GCM/NoPadding");
        gcm.init(Cipher.DECRYPT_MODE, new SecretKeySpec(key, "AES"), new GCMParameterSpec(128, nonce));
        gcm.updateAAD(header, 0, pnOffset + pnLength);
        int payloadAt = pnOffset + pnLength;
        byte[] frames = gcm.doFinal(d, payloadAt, (int) (pnOffset + length - payloadAt));
        connectionId = dcid; // decrypted: the connection's own
        version = v;
        readFrames(frames);
        return true;
    }

    /** Copies the CRYPTO frames' data into the stream; stops at a frame an Initial should not have. */
    private void readFrames(byte[] f) {
        long[] v = new long[1];
        int p = 0;
        while (p < f.length) {
            int type = f[p++] & 0xff;
            if (type == FRAME_PADDING || type == FRAME_PING) {
                continue;
            }
            if (type == FRAME_ACK || type == FRAME_ACK_ECN) {
                p = varint(f, p, v); // largest acknowledged
                p = varint(f, p, v); // delay
                p = varint(f, p, v); // range count
                long ranges = v[0];
                p = varint(f, p, v); // first range
                for (long i = 0; i < ranges && p < f.length; i++) {
                    p = varint(f, p, v);
                    p = varint(f, p, v);
                }
                if (type == FRAME_ACK_ECN) {
                    for (int i = 0; i < 3; i++) {
                        p = varint(f, p, v);
                    }
                }
                continue;
            }
            if (type != FRAME_CRYPTO) {
                return;
            }
            p = varint(f, p, v);
            long offset = v[0];
            p = varint(f, p, v);
            int length = (int) v[0];
            if (offset + length > MAX_CRYPTO || length < 0 || p + length > f.length) {
                return;
            }
            if (crypto == null) {
                crypto = new byte[MAX_CRYPTO];
                received = new BitSet(MAX_CRYPTO);
            }
            System.arraycopy(f, p, crypto, (int) offset, length);
            received.set((int) offset, (int) offset + length);
            p += length;
        }
    }

    /** A variable-length integer (RFC 9000, 16) at {@code p} into {@code out[0]}; where the next field starts. */
    private static int varint(byte[] b, int p, long[] out) {
        int prefix = (b[p] & 0xff) >> 6;
        int length = 1 << prefix;
        long value = b[p] & 0x3f;
        for (int i = 1; i < length; i++) {
            value = value << 8 | (b[p + i] & 0xff);
        }
        out[0] = value;
        return p + length;
    }

    private static byte[] extract(byte[] salt, byte[] ikm) throws GeneralSecurityException {
        Mac mac = Mac.getInstance("HmacSHA256");
        mac.init(new SecretKeySpec(salt, "HmacSHA256"));
        return mac.doFinal(ikm);
    }

    /** TLS 1.3's HKDF-Expand-Label with an empty context, for at most one hash's length. */
    private static byte[] expandLabel(byte[] secret, String label, int length) throws GeneralSecurityException {
        byte[] full = ("tls13 " + label).getBytes(java.nio.charset.StandardCharsets.US_ASCII);
        byte[] info = new byte[2 + 1 + full.length + 1 + 1];
        info[0] = (byte) (length >> 8);
        info[1] = (byte) length;
        info[2] = (byte) full.length;
        System.arraycopy(full, 0, info, 3, full.length);
        info[3 + full.length] = 0; // context
        info[4 + full.length] = 1; // the block counter of HKDF-Expand's first block
        Mac mac = Mac.getInstance("HmacSHA256");
        mac.init(new SecretKeySpec(secret, "HmacSHA256"));
        return Arrays.copyOf(mac.doFinal(info), length);
    }

    private static byte[] hex(String s) {
        byte[] out = new byte[s.length() / 2];
        for (int i = 0; i < out.length; i++) {
            out[i] = (byte) Integer.parseInt(s.substring(2 * i, 2 * i + 2), 16);
        }
        return out;
    }
}
