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
 */
public record Metadata(Network network, Destination destination, InetSocketAddress source, String inbound,
                       String processName) {

    public Metadata {
        Objects.requireNonNull(network, "network");
        Objects.requireNonNull(destination, "destination");
        Objects.requireNonNull(inbound, "inbound");
    }

    /** Metadata for a connection the host or a plugin makes for itself, not for an application. */
    public static Metadata internal(Network network, Destination destination) {
        return new Metadata(network, destination, null, "internal", null);
    }

    public Metadata withDestination(Destination newDestination) {
        return new Metadata(network, newDestination, source, inbound, processName);
    }
}
