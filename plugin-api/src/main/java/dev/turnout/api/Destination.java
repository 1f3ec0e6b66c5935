package dev.turnout.api;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.Objects;

/**
 * Where a flow or a datagram goes: a domain name, an address, or both, and a port.
 *
 * <p>When both are known (a fake-IP flow whose name was looked up, or an IP rule that resolved the name),
 * proxies should send the {@code host} upstream so the name is resolved at the far end; a direct dialer
 * uses {@code address} when present and resolves {@code host} otherwise.
 *
 * @param host domain name without a trailing dot and without control characters, or {@code null} when only the
 *     address is known; an address written as a name ({@code 203.0.113.5}, {@code [2001:db8::1]}) is taken as the
 *     address, and a name that ends in a number without being one is refused
 * @param address the IP address, or {@code null} when only the name is known
 * @param port 0 to 65535
 */
public record Destination(String host, InetAddress address, int port) {

    public Destination {
        if (host == null && address == null) {
            throw new IllegalArgumentException("a destination needs a host or an address");
        }
        if (port < 0 || port > 65535) {
            throw new IllegalArgumentException("port out of range: " + port);
        }
        if (host != null) {
            host = normalizeHost(host);
            InetAddress spelled = AddressLiteral.parse(host);
            if (spelled != null) {
                // An address sent as a name is the address: the rules match it and a dialer connects to it.
                address = address != null ? address : spelled;
                host = null;
            }
        }
    }

    public static Destination ofHost(String host, int port) {
        return new Destination(Objects.requireNonNull(host, "host"), null, port);
    }

    public static Destination ofAddress(InetAddress address, int port) {
        return new Destination(null, Objects.requireNonNull(address, "address"), port);
    }

    public static Destination of(InetSocketAddress socketAddress) {
        if (socketAddress.isUnresolved()) {
            return ofHost(socketAddress.getHostString(), socketAddress.getPort());
        }
        return ofAddress(socketAddress.getAddress(), socketAddress.getPort());
    }

    public boolean hasHost() {
        return host != null;
    }

    public boolean hasAddress() {
        return address != null;
    }

    /** The same destination with its address filled in, keeping the name. */
    public Destination withAddress(InetAddress resolved) {
        return new Destination(host, resolved, port);
    }

    /** The name if known, else the address literal: what a proxy should be asked for. */
    public String hostOrAddress() {
        // RFC 5952's form (2001:db8::20), as mihomo and every tool writes it; Java's own is 2001:db8:0:0:0:0:0:20
        return host != null ? host : io.netty.util.NetUtil.toAddressString(address);
    }

    @Override
    public String toString() {
        String h = hostOrAddress();
        return (h.indexOf(':') >= 0 ? "[" + h + "]" : h) + ":" + port;
    }

    private static String normalizeHost(String host) {
        String h = host.endsWith(".") ? host.substring(0, host.length() - 1) : host;
        if (h.isEmpty()) {
            throw new IllegalArgumentException("empty host");
        }
        for (int i = 0; i < h.length(); i++) {
            // A name comes from whoever connects (a SOCKS5 request's bytes): one with a line break or a terminal's
            // escape in it would write lines of its own into the routing log, and no resolver takes it anyway.
            if (Character.isISOControl(h.charAt(i))) {
                throw new IllegalArgumentException("a control character (U+" + String.format("%04X", (int) h.charAt(i))
                        + ") in host '" + h.replaceAll("\\p{Cntrl}", "?") + "'");
            }
        }
        return h.toLowerCase(java.util.Locale.ROOT);
    }
}
