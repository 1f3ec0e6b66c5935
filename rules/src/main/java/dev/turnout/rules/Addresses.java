package dev.turnout.rules;

import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.UnknownHostException;

/** IP literals and prefixes without ever asking DNS: rule payloads must never trigger a lookup. */
final class Addresses {

    private Addresses() {
    }

    /** Parses {@code a.b.c.d/n} or {@code v6/n}; host bits are cleared as Go's net.ParseCIDR does. */
    static Rule.Prefix parseCidr(String text) {
        int slash = text.indexOf('/');
        if (slash < 0) {
            throw new IllegalArgumentException("not a CIDR (missing /length): " + text);
        }
        String addr = text.substring(0, slash);
        String lenText = text.substring(slash + 1);
        int length = 0;
        for (int i = 0; i < lenText.length(); i++) {
            char c = lenText.charAt(i);
            if (c < '0' || c > '9') {
                length = -1;
                break;
            }
            length = length * 10 + (c - '0');
        }
        if (lenText.isEmpty() || lenText.length() > 3 || length < 0) {
            throw new IllegalArgumentException("bad prefix length in " + text);
        }
        byte[] bytes = parseLiteral(addr);
        if (bytes == null) {
            throw new IllegalArgumentException("bad address in " + text);
        }
        boolean v6 = bytes.length == 16;
        if (length > (v6 ? 128 : 32)) {
            throw new IllegalArgumentException("prefix length " + length + " too long in " + text);
        }
        long hi = 0;
        long lo = 0;
        if (v6) {
            for (int i = 0; i < 8; i++) {
                hi = (hi << 8) | (bytes[i] & 0xff);
                lo = (lo << 8) | (bytes[i + 8] & 0xff);
            }
        } else {
            hi = v4Bits(bytes);
        }
        hi &= length == 0 ? 0 : length >= 64 ? -1L : -1L << (64 - length);
        lo &= length <= 64 ? 0 : -1L << (128 - length);
        return new Rule.Prefix(v6, hi, lo, length);
    }

    /** An IPv4 address as the top 32 bits of a long. */
    static long v4Bits(byte[] b) {
        return ((long) ((b[0] & 0xff) << 24 | (b[1] & 0xff) << 16 | (b[2] & 0xff) << 8 | (b[3] & 0xff)) & 0xffffffffL)
                << 32;
    }

    /** Bytes of an IPv4 or IPv6 literal (4 or 16), or null when {@code text} is not one. Never resolves. */
    static byte[] parseLiteral(String text) {
        if (text.isEmpty()) {
            return null;
        }
        if (text.indexOf(':') < 0) {
            return parseV4(text);
        }
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            boolean ok = c == ':' || c == '.' || (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f')
                    || (c >= 'A' && c <= 'F');
            if (!ok) {
                return null;
            }
        }
        try {
            // Only hex digits, colons and dots: InetAddress parses this as a literal and cannot query DNS.
            InetAddress a = InetAddress.getByName(text);
            byte[] b = a.getAddress();
            if (b.length == 4) {
                // ::ffff:a.b.c.d comes back as IPv4; keep it as the IPv6 the user wrote.
                byte[] m = new byte[16];
                m[10] = (byte) 0xff;
                m[11] = (byte) 0xff;
                System.arraycopy(b, 0, m, 12, 4);
                return m;
            }
            return b;
        } catch (UnknownHostException e) {
            return null;
        }
    }

    private static byte[] parseV4(String text) {
        byte[] out = new byte[4];
        int part = 0;
        int value = -1;
        int digits = 0;
        for (int i = 0; i <= text.length(); i++) {
            char c = i < text.length() ? text.charAt(i) : '.';
            if (c == '.') {
                if (value < 0 || part > 3) {
                    return null;
                }
                out[part++] = (byte) value;
                value = -1;
                digits = 0;
            } else if (c >= '0' && c <= '9') {
                if (digits > 0 && value == 0) {
                    return null; // leading zeros are ambiguous (octal in some parsers); Go rejects them too
                }
                value = (value < 0 ? 0 : value * 10) + (c - '0');
                digits++;
                if (value > 255) {
                    return null;
                }
            } else {
                return null;
            }
        }
        return part == 4 ? out : null;
    }

    /** Whether an IPv6 address is an IPv4-mapped one ({@code ::ffff:a.b.c.d}); rules see those as IPv4. */
    static boolean isMappedV4(long hi, long lo) {
        return hi == 0 && (lo >>> 32) == 0xffffL;
    }

    /** Top 64 bits of an IPv6 address. */
    static long hi(byte[] b) {
        long v = 0;
        for (int i = 0; i < 8; i++) {
            v = (v << 8) | (b[i] & 0xff);
        }
        return v;
    }

    /** Low 64 bits of an IPv6 address. */
    static long lo(byte[] b) {
        long v = 0;
        for (int i = 8; i < 16; i++) {
            v = (v << 8) | (b[i] & 0xff);
        }
        return v;
    }

    static boolean isV6(InetAddress a) {
        return a instanceof Inet6Address;
    }

    static boolean isV4(InetAddress a) {
        return a instanceof Inet4Address;
    }
}
