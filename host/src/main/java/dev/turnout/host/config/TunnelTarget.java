package dev.turnout.host.config;

import dev.turnout.api.Destination;
import io.netty.util.NetUtil;
import java.util.Locale;

/**
 * Where a mihomo tunnel ({@code tunnels:}, or a listener of {@code type: tunnel}) sends what arrives on its port: one
 * fixed destination, over the networks it listens on.
 *
 * @param tcp  whether it takes TCP connections
 * @param udp  whether it takes UDP datagrams
 * @param host a name or an IP address (IPv6 without brackets)
 * @param port 1 to 65535
 */
public record TunnelTarget(boolean tcp, boolean udp, String host, int port) {

    public TunnelTarget {
        if (!tcp && !udp) {
            throw new IllegalArgumentException("a tunnel listens on tcp, udp or both");
        }
    }

    /**
     * {@code host:port} as mihomo reads a tunnel's target ({@code [2001:db8::1]:53} for an IPv6 address).
     *
     * @throws IllegalArgumentException naming what is wrong
     */
    public static TunnelTarget parse(boolean tcp, boolean udp, String target) {
        String t = target.trim();
        int colon = t.lastIndexOf(':');
        if (colon <= 0 || colon == t.length() - 1) {
            throw new IllegalArgumentException("tunnel target '" + target + "' is not host:port");
        }
        String host = t.substring(0, colon);
        if (host.startsWith("[") && host.endsWith("]")) {
            host = host.substring(1, host.length() - 1);
            if (!NetUtil.isValidIpV6Address(host)) {
                throw new IllegalArgumentException("tunnel target '" + target + "': " + host
                        + " is not an IPv6 address");
            }
        } else if (host.contains(":") || host.isBlank()) {
            throw new IllegalArgumentException("tunnel target '" + target + "' is not host:port (an IPv6 address goes "
                    + "in brackets: [2001:db8::1]:53)");
        }
        int port = port(t.substring(colon + 1), target);
        try {
            Destination.ofHost(host, port);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("tunnel target '" + target + "': " + e.getMessage());
        }
        return new TunnelTarget(tcp, udp, host.toLowerCase(Locale.ROOT), port);
    }

    static int port(String text, String whole) {
        int port;
        try {
            port = Integer.parseInt(text);
        } catch (NumberFormatException e) {
            port = -1;
        }
        if (port < 1 || port > 65535) {
            throw new IllegalArgumentException("'" + whole + "': port " + text + " is not between 1 and 65535");
        }
        return port;
    }

    /** The networks as mihomo writes them: {@code tcp}, {@code udp} or {@code tcp/udp}. */
    public String networks() {
        return tcp && udp ? "tcp/udp" : tcp ? "tcp" : "udp";
    }

    @Override
    public String toString() {
        return (host.contains(":") ? "[" + host + "]" : host) + ":" + port;
    }
}
