package dev.turnout.api;

import java.net.InetSocketAddress;
import java.util.Objects;

/**
 * What the host knows about a flow when it asks an outbound to carry it.
 *
 * @param network TCP or UDP
 * @param destination where the application wanted to go
 * @param source the application's address, as seen by the inbound
 * @param inbound the name of the inbound that accepted the flow ({@code mixed}, {@code tun}, ...)
 * @param processName the local process, or {@code null} when not known
 * @param inboundType mihomo's inbound type ({@code HTTP}, {@code HTTPS} for CONNECT, {@code SOCKS5},
 *     {@code TUN}), or {@code null}
 * @param inboundName mihomo's inbound name ({@code DEFAULT-MIXED}, {@code DEFAULT-TUN}, ...), or {@code null}
 * @param inboundPort the local port the flow arrived on, 0 when none (TUN) or unknown
 * @param inboundUser the user the inbound authenticated, or {@code null}
 * @param processPath the local process's executable, or {@code null} when not known
 * @param uid the user id (0 to 4294967295) owning the application's socket, -1 when not known
 * @param dscp the DSCP of the flow's first IP packet (TUN), -1 when not known
 */
public record Metadata(Network network, Destination destination, InetSocketAddress source, String inbound,
                       String processName, String inboundType, String inboundName, int inboundPort,
                       String inboundUser, String processPath, long uid, int dscp) {

    public Metadata {
        Objects.requireNonNull(network, "network");
        Objects.requireNonNull(destination, "destination");
        Objects.requireNonNull(inbound, "inbound");
    }

    /** The metadata of earlier versions: nothing known about the inbound's type, name, port or user. */
    public Metadata(Network network, Destination destination, InetSocketAddress source, String inbound,
                    String processName) {
        this(network, destination, source, inbound, processName, null, null, 0, null, null, -1, -1);
    }

    /** Metadata for a connection the host or a plugin makes for itself, not for an application. */
    public static Metadata internal(Network network, Destination destination) {
        return new Metadata(network, destination, null, "internal", null);
    }

    public Metadata withDestination(Destination newDestination) {
        return new Metadata(network, newDestination, source, inbound, processName, inboundType, inboundName,
                inboundPort, inboundUser, processPath, uid, dscp);
    }

    /** The same flow as it came in through a named inbound of a mihomo type, on a local port. */
    public Metadata withInbound(String type, String name, int port, String user) {
        return new Metadata(network, destination, source, inbound, processName, type, name, port, user,
                processPath, uid, dscp);
    }

    /** The same flow with its owning process found: name, executable and user id. */
    public Metadata withProcess(String name, String path, long newUid) {
        return new Metadata(network, destination, source, inbound, name, inboundType, inboundName, inboundPort,
                inboundUser, path, newUid, dscp);
    }

    /** The same flow with the DSCP of its first packet. */
    public Metadata withDscp(int newDscp) {
        return new Metadata(network, destination, source, inbound, processName, inboundType, inboundName,
                inboundPort, inboundUser, processPath, uid, newDscp);
    }
}
