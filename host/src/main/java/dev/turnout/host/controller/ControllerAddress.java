package dev.turnout.host.controller;

import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.util.List;

/** Parses {@code external-controller} ({@code 127.0.0.1:9090}, {@code [::1]:9090}, {@code :9090}) and says whether it is safe. */
final class ControllerAddress {

    private ControllerAddress() {
    }

    /** The socket address to bind; an empty host means every interface, as in Clash. */
    static InetSocketAddress parse(String text) {
        String t = text.trim();
        int colon = t.lastIndexOf(':');
        if (colon < 0) {
            throw new IllegalArgumentException("external-controller '" + text + "' needs HOST:PORT, e.g. 127.0.0.1:9090");
        }
        String host = t.substring(0, colon);
        int port;
        try {
            port = Integer.parseInt(t.substring(colon + 1));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("external-controller '" + text + "' has no valid port");
        }
        if (port < 0 || port > 65535) {
            throw new IllegalArgumentException("external-controller '" + text + "': port out of range");
        }
        if (host.startsWith("[") && host.endsWith("]")) {
            host = host.substring(1, host.length() - 1);
        }
        try {
            InetAddress address = host.isEmpty() || host.equals("*") ? InetAddress.getByName("::")
                    : InetAddress.getByName(host);
            return new InetSocketAddress(address, port);
        } catch (UnknownHostException e) {
            throw new IllegalArgumentException("external-controller '" + text + "': unknown host '" + host + "'");
        }
    }

    /**
     * The loopback addresses that stand in for {@code asked} when it would be open to other machines without a
     * secret: 127.0.0.1, and [::1] too when an IPv6 address (such as {@code ::}, every interface) was asked for.
     */
    static List<InetSocketAddress> loopbackFor(InetSocketAddress asked) {
        InetSocketAddress v4 = new InetSocketAddress(InetAddress.getLoopbackAddress(), asked.getPort());
        if (!(asked.getAddress() instanceof Inet6Address)) {
            return List.of(v4);
        }
        try {
            return List.of(v4, new InetSocketAddress(InetAddress.getByName("::1"), asked.getPort()));
        } catch (UnknownHostException e) {
            throw new IllegalStateException(e); // a literal is never looked up
        }
    }

    /** Loopback only: nobody else on the network can reach it. */
    static boolean isLoopback(InetSocketAddress address) {
        return address.getAddress().isLoopbackAddress();
    }
}
