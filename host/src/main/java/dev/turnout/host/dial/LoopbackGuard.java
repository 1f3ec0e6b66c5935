package dev.turnout.host.dial;

import java.net.ConnectException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.NetworkInterface;
import java.net.SocketException;

/**
 * This machine's loopback is for its own programs: a client of another machine ({@code allow-lan}, a listener, a
 * redirected or TPROXY connection) may not reach it through a DIRECT flow. Services on loopback trust whoever reaches
 * them there: Turnout's own controller without a secret (which the README keeps off other machines), a database, a
 * development server. Squid refuses the same by default ({@code http_access deny to_localhost}); mihomo does not.
 * A program of this machine (through the TUN, or the proxy port by any of the machine's addresses) still may.
 */
final class LoopbackGuard {

    private LoopbackGuard() {
    }

    /** Whether {@code target} is this machine itself: a loopback address, or the unspecified one (0.0.0.0, ::). */
    static boolean isThisMachine(InetAddress target) {
        return target.isLoopbackAddress() || target.isAnyLocalAddress();
    }

    /**
     * Whether a flow from {@code source} may reach {@code target}; asks the interfaces only for a target on this
     * machine, which few flows have. {@code source} {@code null}: Turnout's own connection (a proxy's server).
     */
    static boolean allows(InetSocketAddress source, InetAddress target) {
        return !isThisMachine(target) || source == null || isLocal(source.getAddress());
    }

    /** Whether {@code source} is one of this machine's addresses. */
    static boolean isLocal(InetAddress source) {
        if (source == null || isThisMachine(source)) {
            return true;
        }
        try {
            return NetworkInterface.getByInetAddress(source) != null;
        } catch (SocketException e) {
            return false;
        }
    }

    static ConnectException refusal(InetSocketAddress source, InetSocketAddress target) {
        return new ConnectException(target.getAddress().getHostAddress() + ":" + target.getPort() + " is this machine's"
                + " loopback, which a client of another machine (" + source.getAddress().getHostAddress()
                + ") may not reach");
    }
}
