package dev.turnout.host.dns;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.Locale;

/**
 * One upstream DNS server as Clash writes it: {@code 8.8.8.8}, {@code 1.2.3.4:5353}, {@code udp://1.2.3.4:53},
 * {@code tcp://1.2.3.4:5353}, {@code [2001:db8::1]:53}. Port 53 unless given.
 */
public record Nameserver(Protocol protocol, InetSocketAddress address) {

    /** How queries reach the server; UDP falls back to TCP when an answer comes back truncated. */
    public enum Protocol { UDP, TCP }

    public Nameserver {
        if (protocol == null || address == null || address.isUnresolved()) {
            throw new IllegalArgumentException("a nameserver needs a protocol and a literal address");
        }
    }

    /**
     * Parses Clash's syntax.
     *
     * @throws IllegalArgumentException with a message naming the entry; DNS over HTTPS/TLS/QUIC, DHCP and
     *                                  per-server outbounds ({@code #proxy}) are rejected as not supported yet
     */
    public static Nameserver parse(String text) {
        String s = text == null ? "" : text.trim();
        if (s.isEmpty()) {
            throw new IllegalArgumentException("empty nameserver");
        }
        if (s.indexOf('#') >= 0) {
            throw new IllegalArgumentException("nameserver '" + s
                    + "': choosing an outbound per nameserver ('#...') is not supported yet");
        }
        Protocol protocol = Protocol.UDP;
        int scheme = s.indexOf("://");
        if (scheme >= 0) {
            String name = s.substring(0, scheme).toLowerCase(Locale.ROOT);
            switch (name) {
                case "udp" -> protocol = Protocol.UDP;
                case "tcp" -> protocol = Protocol.TCP;
                case "https", "h3" -> throw unsupported(s, "DNS over HTTPS");
                case "tls" -> throw unsupported(s, "DNS over TLS");
                case "quic" -> throw unsupported(s, "DNS over QUIC");
                case "dhcp" -> throw unsupported(s, "DHCP nameservers");
                default -> throw new IllegalArgumentException("nameserver '" + s + "': unknown scheme '" + name
                        + "' (use udp:// or tcp://)");
            }
            s = s.substring(scheme + 3);
            if (s.endsWith("/")) {
                s = s.substring(0, s.length() - 1);
            }
        } else if (s.equalsIgnoreCase("system")) {
            throw unsupported(s, "the 'system' nameserver");
        }
        String host = s;
        int port = 53;
        if (s.startsWith("[")) {
            int close = s.indexOf(']');
            if (close < 0) {
                throw new IllegalArgumentException("nameserver '" + text + "': missing ']'");
            }
            host = s.substring(1, close);
            String rest = s.substring(close + 1);
            if (!rest.isEmpty()) {
                if (!rest.startsWith(":")) {
                    throw new IllegalArgumentException("nameserver '" + text + "': junk after ']'");
                }
                port = parsePort(text, rest.substring(1));
            }
        } else if (s.indexOf(':') >= 0 && s.indexOf(':') == s.lastIndexOf(':')) {
            int colon = s.indexOf(':');
            host = s.substring(0, colon);
            port = parsePort(text, s.substring(colon + 1));
        }
        InetAddress address = IpLiteral.parse(host);
        if (address == null) {
            throw new IllegalArgumentException("nameserver '" + text + "': '" + host
                    + "' is not an IP address (host names are only allowed for DoH, which is not supported yet)");
        }
        return new Nameserver(protocol, new InetSocketAddress(address, port));
    }

    private static int parsePort(String text, String port) {
        try {
            int p = Integer.parseInt(port);
            if (p < 1 || p > 65535) {
                throw new NumberFormatException();
            }
            return p;
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("nameserver '" + text + "': bad port '" + port + "'");
        }
    }

    private static IllegalArgumentException unsupported(String text, String what) {
        return new IllegalArgumentException("nameserver '" + text + "': " + what + " is not supported yet");
    }

    @Override
    public String toString() {
        return protocol.name().toLowerCase(Locale.ROOT) + "://" + address.getAddress().getHostAddress() + ":"
                + address.getPort();
    }
}
