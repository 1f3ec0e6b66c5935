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
     *                                  {@code rule-set:} forms, which are not supported yet
     */
    public FakeIpFilter(List<String> patterns) {
        for (String p : patterns) {
            if (p.contains(":")) {
                throw new IllegalArgumentException("fake-ip-filter entry '" + p
                        + "' is not supported yet (only domain patterns such as '*.lan' or '+.example.com')");
            }
            trie.insert(p, Boolean.TRUE);
        }
    }

    public static FakeIpFilter empty() {
        return EMPTY;
    }

    /** True when {@code name} (with or without the trailing dot) must not get a fake address. */
    public boolean matches(String name) {
        return trie.size() != 0 && trie.match(name) != null;
    }
}
