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
 * @param sender the inbound and the owning process; {@link Sender#UNKNOWN} when nobody looked
 */
public record Query(Network network, String domain, InetAddress destination, int destinationPort,
                    InetAddress source, int sourcePort, String process, Sender sender) {

    public Query {
        if (sender == null) {
            sender = Sender.UNKNOWN;
        }
    }

    /** A query without inbound or process facts (tests, benchmarks, {@code turnout match}). */
    public Query(Network network, String domain, InetAddress destination, int destinationPort,
                 InetAddress source, int sourcePort, String process) {
        this(network, domain, destination, destinationPort, source, sourcePort, process, Sender.UNKNOWN);
    }

    /** The same query with what a process lookup found: its name, executable and user id. */
    public Query withProcess(String name, String path, long uid) {
        return new Query(network, domain, destination, destinationPort, source, sourcePort, name,
                sender.withProcess(path, uid));
    }

    /** The same flow with {@code address} as its destination: a name's address known without DNS ({@code hosts:}). */
    public Query withDestination(InetAddress address) {
        return new Query(network, domain, address, destinationPort, source, sourcePort, process, sender);
    }
}
