package dev.turnout.host.platform;

import java.io.IOException;
import java.net.InetSocketAddress;

/** Finds the process behind an application's end of a flow (on Linux: sock_diag netlink, then /proc). */
public interface SocketOwners {

    /**
     * The owner of the socket whose local end is {@code local}.
     *
     * @param udp a UDP socket, else TCP
     * @param remotePort the port the socket is connected to (narrows TCP sockets sharing a local port), or 0
     * @return null when no such socket exists (it closed, or belongs to another network namespace)
     * @throws IOException when the system cannot be asked
     * @throws UnsupportedOperationException on systems where Turnout cannot look
     */
    SocketOwner find(boolean udp, InetSocketAddress local, int remotePort) throws IOException;

    /** For systems where Turnout cannot find processes yet. */
    static SocketOwners unsupported(String system) {
        return (udp, local, remotePort) -> {
            throw new UnsupportedOperationException("finding the process of a flow is not supported on " + system
                    + " yet: PROCESS-NAME, PROCESS-PATH and UID rules never match here");
        };
    }
}
