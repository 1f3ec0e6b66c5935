package dev.turnout.host.platform;

import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.Objects;

/**
 * An interface address with its prefix length, as configs write it ({@code 198.18.0.1/30},
 * {@code fdfe:dcba:9876::1/126}).
 */
public record IpPrefix(InetAddress address, int prefixLength) {

    public IpPrefix {
        Objects.requireNonNull(address, "address");
        int max = address instanceof Inet4Address ? 32 : 128;
        if (prefixLength < 0 || prefixLength > max) {
            throw new IllegalArgumentException("prefix length " + prefixLength + " out of range for " + address);
        }
    }

    /** Parses {@code address/length}; only literals are accepted, never names (no lookup happens). */
    public static IpPrefix parse(String text) {
        String s = text.trim();
        int slash = s.indexOf('/');
        if (slash < 0) {
            throw new IllegalArgumentException("expected address/prefix-length: " + text);
        }
        String addr = s.substring(0, slash);
        if (addr.isEmpty() || !(addr.indexOf(':') >= 0 || addr.chars().allMatch(c -> c == '.' || Character.isDigit(c)))) {
            throw new IllegalArgumentException("not an IP literal: " + addr);
        }
        try {
            return new IpPrefix(InetAddress.getByName(addr), Integer.parseInt(s.substring(slash + 1)));
        } catch (UnknownHostException | NumberFormatException e) {
            throw new IllegalArgumentException("bad prefix " + text + ": " + e.getMessage(), e);
        }
    }

    public int version() {
        return address instanceof Inet4Address ? 4 : 6;
    }

    /** Whether {@code other} lies in this prefix. */
    public boolean contains(InetAddress other) {
        byte[] a = address.getAddress();
        byte[] b = other.getAddress();
        if (a.length != b.length) {
            return false;
        }
        int bits = prefixLength;
        for (int i = 0; i < a.length && bits > 0; i++, bits -= 8) {
            int mask = bits >= 8 ? 0xFF : (0xFF << (8 - bits)) & 0xFF;
            if ((a[i] & mask) != (b[i] & mask)) {
                return false;
            }
        }
        return true;
    }

    /**
     * The address {@code offset} after this one (within 32/128 bits): the system stack uses
     * {@code address + 1} as the NAT source address B.
     */
    public InetAddress offset(int offset) {
        byte[] a = address.getAddress();
        int carry = offset;
        for (int i = a.length - 1; i >= 0 && carry != 0; i--) {
            int v = (a[i] & 0xFF) + carry;
            a[i] = (byte) v;
            carry = v >> 8;
        }
        try {
            return InetAddress.getByAddress(a);
        } catch (UnknownHostException e) {
            throw new IllegalStateException(e);
        }
    }

    @Override
    public String toString() {
        // RFC 5952's short form (8000::/1), as ip(8) prints it and as route records have always been written.
        return io.netty.util.NetUtil.toAddressString(address) + "/" + prefixLength;
    }
}
