package dev.turnout.host.dns;

import java.util.ArrayList;
import java.util.List;

/**
 * A list of names as Clash writes them where mihomo also takes sets (the DNS's {@code fake-ip-filter}, the sniffer's
 * {@code force-domain} and {@code skip-domain}): patterns ({@code host.example}, {@code *.lan}, {@code +.example.com},
 * {@code .example.com}; case-insensitive) and {@code geosite:NAME} and {@code rule-set:NAME} entries, which are asked of
 * the sets compiled with the rules.
 *
 * @param patterns the patterns; values unused
 * @param setKeys  the set entries, as the sets' keys ({@link DnsMatchers#keysOf})
 */
public record NameList(DomainTrie<Boolean> patterns, List<String> setKeys) {

    public NameList {
        setKeys = List.copyOf(setKeys);
    }

    /**
     * The list {@code entries} write.
     *
     * @throws IllegalArgumentException {@code 'ENTRY': why} for the first entry that is malformed
     */
    public static NameList of(List<String> entries) {
        DomainTrie<Boolean> patterns = new DomainTrie<>();
        List<String> setKeys = new ArrayList<>();
        for (String entry : entries) {
            try {
                List<String> keys = DnsMatchers.keysOf(entry);
                if (keys.isEmpty()) {
                    patterns.insert(entry, Boolean.TRUE);
                } else {
                    setKeys.addAll(keys);
                }
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("'" + entry + "': " + e.getMessage(), e);
            }
        }
        return new NameList(patterns, setKeys);
    }

    /** Whether {@code name} (any case, with or without the trailing dot) matches a pattern or is in one of the sets. */
    public boolean contains(String name, DnsMatchers sets) {
        return patterns.size() != 0 && patterns.match(name) != null || sets.containsAny(setKeys, name);
    }
}
