package dev.turnout.host.provider;

import java.util.List;
import java.util.Map;

/**
 * A proxy provider as the running config holds it: what was loaded and the nodes that became outbounds.
 *
 * @param nodes the names of its outbounds, in the provider's order
 * @param skipped every node left out (unreadable, filtered by a repeated name, a type no plugin provides, refused
 *     by its plugin), by reason, with how many
 */
public record ProxyProvider(ProviderContent content, List<String> nodes, Map<String, Integer> skipped) {

    public String name() {
        return content.name();
    }
}
