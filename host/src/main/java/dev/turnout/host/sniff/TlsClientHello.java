package dev.turnout.host.sniff;

import io.netty.buffer.ByteBuf;
import java.nio.charset.StandardCharsets;

/**
 * The server name (RFC 6066's {@code server_name} extension) of the TLS ClientHello a flow starts with, read from
 * the bytes seen so far without consuming them. The ClientHello may span several records and segments; a
 * post-quantum key share makes it 1.5 KB or more.
 */
final class TlsClientHello {

    private static final int RECORD_HANDSHAKE = 22;
    private static final int CLIENT_HELLO = 1;
    private static final int EXTENSION_SERVER_NAME = 0;
    private static final int HOST_NAME = 0;
    /** No real ClientHello comes near this; a longer one is not waited for. */
    static final int MAX_LENGTH = 64 * 1024;

    private TlsClientHello() {
    }

    /** Whether the bytes can only be TLS: a handshake record of a TLS version follows. */
    static boolean looksLikeTls(ByteBuf seen) {
        int at = seen.readerIndex();
        return seen.readableBytes() >= 1 && seen.getUnsignedByte(at) == RECORD_HANDSHAKE
                && (seen.readableBytes() < 2 || seen.getUnsignedByte(at + 1) == 3);
    }

    static SniffResult serverName(ByteBuf seen) {
        if (!looksLikeTls(seen)) {
            return SniffResult.NONE;
        }
        // The handshake message, gathered from the payloads of consecutive handshake records.
        byte[] message = null;
        int have = 0;
        int need = -1;
        int at = seen.readerIndex();
        int end = seen.writerIndex();
        while (need < 0 || have < need) {
            if (end - at < 5) {
                return SniffResult.MORE;
            }
            if (seen.getUnsignedByte(at) != RECORD_HANDSHAKE || seen.getUnsignedByte(at + 1) != 3) {
                return SniffResult.NONE;
            }
            int length = seen.getUnsignedShort(at + 3);
            if (length == 0) {
                return SniffResult.NONE;
            }
            int available = Math.min(length, end - at - 5);
            if (message == null) {
                message = new byte[Math.min(MAX_LENGTH, Math.max(available, 4) + 1024)];
            }
            int take = need < 0 ? available : Math.min(available, need - have);
            if (have + take > message.length) {
                if (have + take > MAX_LENGTH) {
                    return SniffResult.NONE;
                }
                message = java.util.Arrays.copyOf(message, Math.min(MAX_LENGTH, Math.max(have + take, message.length * 2)));
            }
            seen.getBytes(at + 5, message, have, take);
            have += take;
            if (need < 0 && have >= 4) {
                if ((message[0] & 0xff) != CLIENT_HELLO) {
                    return SniffResult.NONE;
                }
                need = 4 + ((message[1] & 0xff) << 16 | (message[2] & 0xff) << 8 | (message[3] & 0xff));
                if (need > MAX_LENGTH) {
                    return SniffResult.NONE;
                }
            }
            if (available < length) {
                return need >= 0 && have >= need ? clientHello(message, need) : SniffResult.MORE;
            }
            at += 5 + length;
        }
        return clientHello(message, need);
    }

    /**
     * The {@code host_name} in a complete ClientHello handshake message (header included), or NONE: from TLS
     * records, or from QUIC's CRYPTO frames ({@link QuicClientHello}).
     */
    static SniffResult clientHello(byte[] m, int length) {
        try {
            int p = 4 + 2 + 32; // header, legacy_version, random
            p += 1 + u8(m, p, length); // legacy_session_id
            p += 2 + u16(m, p, length); // cipher_suites
            p += 1 + u8(m, p, length); // legacy_compression_methods
            if (p == length) {
                return SniffResult.NONE; // no extensions at all
            }
            int extensionsEnd = p + 2 + u16(m, p, length);
            p += 2;
            if (extensionsEnd > length) {
                return SniffResult.NONE;
            }
            while (p + 4 <= extensionsEnd) {
                int type = u16(m, p, length);
                int size = u16(m, p + 2, length);
                p += 4;
                if (p + size > extensionsEnd) {
                    return SniffResult.NONE;
                }
                if (type == EXTENSION_SERVER_NAME) {
                    return hostName(m, p, p + size);
                }
                p += size;
            }
            return SniffResult.NONE;
        } catch (IndexOutOfBoundsException e) {
            return SniffResult.NONE; // a length pointing past the message
        }
    }

    private static SniffResult hostName(byte[] m, int p, int end) {
        int listEnd = p + 2 + u16(m, p, end);
        p += 2;
        if (listEnd > end) {
            return SniffResult.NONE;
        }
        while (p + 3 <= listEnd) {
            int nameType = u8(m, p, listEnd);
            int size = u16(m, p + 1, listEnd);
            p += 3;
            if (p + size > listEnd) {
                return SniffResult.NONE;
            }
            if (nameType == HOST_NAME) {
                return SniffResult.ofName(new String(m, p, size, StandardCharsets.US_ASCII));
            }
            p += size;
        }
        return SniffResult.NONE;
    }

    private static int u8(byte[] m, int p, int limit) {
        if (p + 1 > limit) {
            throw new IndexOutOfBoundsException();
        }
        return m[p] & 0xff;
    }

    private static int u16(byte[] m, int p, int limit) {
        if (p + 2 > limit) {
            throw new IndexOutOfBoundsException();
        }
        return (m[p] & 0xff) << 8 | (m[p + 1] & 0xff);
    }
}
