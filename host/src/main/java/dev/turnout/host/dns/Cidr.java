package dev.turnout.host.dns;

import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.UnknownHostException;

/**
 * An address range such as {@code 198.18.0.1/16}. Clash writes the range with its first host address (the
 * gateway), so the written {@code address} is kept beside the {@code network} it belongs to.
 */
public record Cidr(InetAddress address, int prefix) {

    public Cidr {
        int bits = address instanceof Inet4Address ? 32 : 128;
        if (prefix < 0 || prefix > bits) {
            throw new IllegalArgumentException("prefix /" + prefix + " out of range for " + address);
        }
    }

    public static Cidr parse(String text) {
        int slash = text == null ? -1 : text.indexOf('/');
        if (slash < 0) {
            throw new IllegalArgumentException("'" + text + "' is not an address range like 198.18.0.1/16");
        }
        InetAddress a = IpLiteral.parse(text.substring(0, slash).trim());
        if (a == null) {
            throw new IllegalArgumentException("'" + text + "': not an IP address before '/'");
        }
        try {
            return new Cidr(a, Integer.parseInt(text.substring(slash + 1).trim()));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("'" + text + "': bad prefix length");
        }
    }

    /** A range, or a lone address as the range of that one host ({@code 10.0.0.1} is {@code 10.0.0.1/32}). */
    public static Cidr parseHostOrRange(String text) {
        return parse(text == null || text.contains("/") ? text : text + (text.contains(":") ? "/128" : "/32"));
    }

    public boolean isIpv4() {
        return address instanceof Inet4Address;
    }

    /** The range's first address (host bits cleared). */
    public InetAddress network() {
        byte[] b = address.getAddress();
        for (int i = 0; i < b.length; i++) {
            int keep = Math.max(0, Math.min(8, prefix - i * 8));
            b[i] &= (byte) (0xFF << (8 - keep));
        }
        try {
            return InetAddress.getByAddress(b);
        } catch (UnknownHostException e) {
            throw new IllegalStateException(e);
        }
    }

    public boolean contains(InetAddress a) {
        byte[] x = a.getAddress();
        byte[] n = network().getAddress();
        if (x.length != n.length) {
            return false;
        }
        for (int i = 0; i < x.length; i++) {
            int keep = Math.max(0, Math.min(8, prefix - i * 8));
            int mask = (0xFF << (8 - keep)) & 0xFF;
            if ((x[i] & mask) != (n[i] & mask)) {
                return false;
            }
        }
        return true;
    }

    @Override
    public String toString() {
        return address.getHostAddress() + "/" + prefix;
    }
}
