package dev.turnout.api;

import io.netty.util.NetUtil;
import java.net.InetAddress;
import java.net.UnknownHostException;

/**
 * Tells an address written as a host from a name, without a lookup.
 *
 * <p>A client may name its destination "203.0.113.5" where it could have sent the address (SOCKS5 lets it, and
 * many libraries do): rules must see the address, or an {@code IP-CIDR} rule is walked around. And a name that
 * ends in a number is an address in some resolver's reading or nothing: the JDK reads "3405803781" and
 * "0203.0.113.5" as 203.0.113.5, glibc reads the latter as octal, Go's resolver as no address at all. Only the
 * dotted-decimal form all of them agree on is taken; the others are refused, since routing one as a name would
 * dial an address no IP rule saw.
 */
final class AddressLiteral {

    private AddressLiteral() {
    }

    /**
     * The address {@code host} spells (IPv6 with or without brackets; an IPv4-mapped one as IPv4), or {@code null}
     * when it is a name.
     *
     * @throws IllegalArgumentException when it is neither: an IPv6 form with a zone or a fault, or a name that ends
     *     in a number without being an IPv4 address in dotted decimal
     */
    static InetAddress parse(String host) {
        String h = host.length() > 1 && host.charAt(0) == '[' && host.charAt(host.length() - 1) == ']'
                ? host.substring(1, host.length() - 1) : host;
        if (h.indexOf(':') >= 0) {
            if (h.indexOf('%') >= 0 || !NetUtil.isValidIpV6Address(h)) {
                throw new IllegalArgumentException("'" + host + "' is neither a name nor an IPv6 address");
            }
            return address(h);
        }
        if (!endsInANumber(h)) {
            return null;
        }
        if (!isDottedDecimal(h)) {
            throw new IllegalArgumentException("'" + host + "' ends in a number but is not an IPv4 address in dotted"
                    + " decimal (resolvers read such names as addresses, each its own way)");
        }
        return address(h);
    }

    /** The URL standard's test: the last label is all digits, or 0x and hex digits. */
    private static boolean endsInANumber(String h) {
        int start = h.lastIndexOf('.') + 1;
        if (start == h.length()) {
            return false;
        }
        boolean hex = h.length() - start >= 2 && h.charAt(start) == '0' && (h.charAt(start + 1) | 0x20) == 'x';
        for (int i = hex ? start + 2 : start; i < h.length(); i++) {
            char c = h.charAt(i);
            boolean digit = c >= '0' && c <= '9';
            if (!digit && !(hex && ((c | 0x20) >= 'a' && (c | 0x20) <= 'f'))) {
                return false;
            }
        }
        return true;
    }

    /** Four decimal parts of 0 to 255, none with a leading zero (which some readers take for octal). */
    private static boolean isDottedDecimal(String h) {
        if (!NetUtil.isValidIpV4Address(h)) {
            return false;
        }
        for (int i = 0; i + 1 < h.length(); i++) {
            if (h.charAt(i) == '0' && (i == 0 || h.charAt(i - 1) == '.') && h.charAt(i + 1) != '.') {
                return false;
            }
        }
        return true;
    }

    private static InetAddress address(String literal) {
        try {
            return InetAddress.getByAddress(NetUtil.createByteArrayFromIpAddressString(literal));
        } catch (UnknownHostException | NullPointerException e) {
            throw new IllegalArgumentException("'" + literal + "' is not an address", e);
        }
    }
}
