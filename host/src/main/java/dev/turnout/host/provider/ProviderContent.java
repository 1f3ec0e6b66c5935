package dev.turnout.host.provider;

import dev.turnout.host.config.ProxyProviderEntry;
import dev.turnout.host.config.ProxyEntry;
import java.time.Instant;
import java.util.List;
import java.util.Map;

/**
 * A proxy provider's nodes as loaded: filtered, renamed and amended by {@code override}, each where it was
 * written. Which of them a plugin can build is decided when the outbounds are built.
 *
 * @param skipped nodes left out while reading, by reason, with how many
 * @param updatedAt when the list was saved (the cache's time; the config's for inline); {@code null} when an
 *     http provider was never fetched
 * @param info the subscription's traffic and expiry, when its server sent them
 */
public record ProviderContent(ProxyProviderEntry entry, List<ProxyEntry> nodes, Map<String, Integer> skipped,
                              Instant updatedAt, SubscriptionInfo info) {

    public String name() {
        return entry.name();
    }

    /** mihomo's vehicleType: HTTP, File or Inline. */
    public String vehicleType() {
        return switch (entry.type()) {
            case "http" -> "HTTP";
            case "file" -> "File";
            default -> "Inline";
        };
    }
}
