package dev.turnout.host.dns;

import java.util.List;

/**
 * Clash's {@code fake-ip-filter}: names that must get real answers from upstream instead of fake addresses.
 * Patterns: plain {@code host.example} (exact), {@code *.lan} ({@code *} is one label), {@code +.example.com}
 * (the name and all subdomains), {@code .example.com} (subdomains only); case-insensitive.
 */
public final class FakeIpFilter {

    private static final FakeIpFilter EMPTY = new FakeIpFilter(List.of());

    private final DomainTrie<Boolean> trie = new DomainTrie<>();

    /**
     * @throws IllegalArgumentException naming the offending pattern, including mihomo's {@code geosite:} and
     *                                  {@code rule-set:} forms, which {@link #patternsOf} leaves out
     */
    public FakeIpFilter(List<String> patterns) {
        for (String p : patterns) {
            if (isUnsupported(p)) {
                throw new IllegalArgumentException("fake-ip-filter entry '" + p
                        + "' is not supported yet (only domain patterns such as '*.lan' or '+.example.com')");
            }
            try {
                trie.insert(p, Boolean.TRUE);
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("fake-ip-filter entry '" + p + "': " + e.getMessage(), e);
            }
        }
    }

    /**
     * The entries of a {@code fake-ip-filter} list that are domain patterns, each checked; mihomo's
     * {@code geosite:} and {@code rule-set:} entries are left out (the config loader notes them).
     *
     * @throws IllegalArgumentException naming a domain pattern that is malformed
     */
    public static List<String> patternsOf(List<String> entries) {
        List<String> patterns = entries.stream().filter(p -> !isUnsupported(p)).toList();
        new FakeIpFilter(patterns);
        return patterns;
    }

    /** mihomo's {@code geosite:NAME} and {@code rule-set:NAME} entries, which Turnout does not read yet. */
    public static boolean isUnsupported(String entry) {
        return entry.contains(":");
    }

    public static FakeIpFilter empty() {
        return EMPTY;
    }

    /** True when {@code name} (with or without the trailing dot) must not get a fake address. */
    public boolean matches(String name) {
        return trie.size() != 0 && trie.match(name) != null;
    }
}
