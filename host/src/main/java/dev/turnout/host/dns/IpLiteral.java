package dev.turnout.host.dns;

import java.net.InetAddress;
import java.net.UnknownHostException;

/** Parses IP literals without ever triggering a name lookup. */
final class IpLiteral {

    private IpLiteral() {
    }

    /** The address {@code text} spells, or {@code null} when it is not an IPv4 or IPv6 literal. */
    static InetAddress parse(String text) {
        if (text == null || text.isEmpty()) {
            return null;
        }
        String s = text;
        if (s.startsWith("[") && s.endsWith("]")) {
            s = s.substring(1, s.length() - 1);
        }
        if (s.indexOf(':') >= 0) {
            // IPv6 (possibly with an embedded IPv4 tail): only hex digits, colons, dots; no zone ids.
            for (int i = 0; i < s.length(); i++) {
                char c = s.charAt(i);
                boolean ok = c == ':' || c == '.' || (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f')
                        || (c >= 'A' && c <= 'F');
                if (!ok) {
                    return null;
                }
            }
        } else if (!io.netty.util.NetUtil.isValidIpV4Address(s)) {
            return null;
        }
        try {
            return InetAddress.getByName(s);
        } catch (UnknownHostException | RuntimeException e) {
            return null;
        }
    }
}
