package dev.turnout.host.route;

import java.time.Instant;
import java.util.Map;

/**
 * When the rule providers of a routing were read: each file's stamp as read (file providers, http providers' copies)
 * and when the routing was compiled (inline providers, whose entries come with the config). mihomo's
 * {@code updatedAt} is the time of the last load (its fetcher's: a file's time at the start, the time of each
 * update since), not the file's time now, which may be that of an edit not yet read.
 *
 * @param stamps by provider name, the file as read; absent for inline providers and files that were not there
 * @param at     when the routing read its providers
 */
public record RuleProviderLoads(Map<String, ProviderLoader.Stamp> stamps, Instant at) {

    public static final RuleProviderLoads NONE = new RuleProviderLoads(Map.of(), Instant.EPOCH);

    public RuleProviderLoads {
        stamps = Map.copyOf(stamps);
    }
}
