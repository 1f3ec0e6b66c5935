package dev.turnout.rules;

import java.net.InetAddress;

/**
 * The facts about a flow that rules look at.
 *
 * @param domain lower case, no trailing dot, or {@code null}
 * @param destination the destination address, or {@code null} when only the domain is known
 * @param source the source address, or {@code null}
 * @param sourcePort 0 when unknown
 * @param process the process name, or {@code null} when unknown (then PROCESS-NAME never matches)
 */
public record Query(Network network, String domain, InetAddress destination, int destinationPort,
                    InetAddress source, int sourcePort, String process) {

    /** The same flow with {@code address} as its destination: a name's address known without DNS ({@code hosts:}). */
    public Query withDestination(InetAddress address) {
        return new Query(network, domain, address, destinationPort, source, sourcePort, process);
    }
}
