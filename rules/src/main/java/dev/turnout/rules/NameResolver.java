package dev.turnout.rules;

import java.net.InetAddress;
import java.util.List;

/**
 * Resolves a flow's domain for IP rules. Called at most once per decision, only when an IP rule without
 * {@code no-resolve} is reached and the flow has a domain but no address. May block.
 */
@FunctionalInterface
public interface NameResolver {

    /** The addresses of {@code domain}; empty when it does not resolve. */
    List<InetAddress> resolve(String domain);

    NameResolver NONE = domain -> List.of();
}
