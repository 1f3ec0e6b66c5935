package dev.turnout.host.dns;

import java.util.List;
import java.util.Locale;

/**
 * Clash's {@code fake-ip-filter}: names that must get real answers from upstream instead of fake addresses (or, in
 * mihomo's {@code fake-ip-filter-mode: whitelist}, the only names that get fake ones). Patterns: plain
 * {@code host.example} (exact), {@code *.lan} ({@code *} is one label), {@code +.example.com} (the name and all
 * subdomains), {@code .example.com} (subdomains only); case-insensitive. mihomo's {@code geosite:NAME} and
 * {@code rule-set:NAME} entries are asked of the {@link DnsMatchers} compiled with the rules.
 */
public final class FakeIpFilter {

    private static final FakeIpFilter EMPTY = new FakeIpFilter(List.of());

    private final NameList names;
    private final boolean whitelist;
    private final DnsMatchers sets;

    /** Blacklist mode, with no sets to ask. */
    public FakeIpFilter(List<String> entries) {
        this(entries, false, DnsMatchers.NONE);
    }

    /**
     * @param entries   patterns and {@code geosite:}/{@code rule-set:} entries, as written
     * @param whitelist mihomo's {@code fake-ip-filter-mode: whitelist}: only the names listed get fake addresses
     * @param sets      where the set entries are looked up (a live view: the rules' reload replaces what it holds)
     * @throws IllegalArgumentException naming the offending entry
     */
    public FakeIpFilter(List<String> entries, boolean whitelist, DnsMatchers sets) {
        this.whitelist = whitelist;
        this.sets = sets;
        try {
            this.names = NameList.of(entries);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("fake-ip-filter entry " + e.getMessage(), e);
        }
    }

    /**
     * The entries of a {@code fake-ip-filter} list, each checked.
     *
     * @throws IllegalArgumentException naming an entry that is malformed
     */
    public static List<String> checked(List<String> entries) {
        new FakeIpFilter(entries);
        return List.copyOf(entries);
    }

    /**
     * mihomo's {@code fake-ip-filter-mode}: {@code blacklist} (the default) or {@code whitelist}.
     *
     * @return whether the mode is whitelist
     * @throws IllegalArgumentException for another mode (mihomo's newer {@code rule} included)
     */
    public static boolean isWhitelist(String mode) {
        return switch (mode.toLowerCase(Locale.ROOT)) {
            case "blacklist" -> false;
            case "whitelist" -> true;
            default -> throw new IllegalArgumentException("fake-ip-filter-mode must be blacklist or whitelist, got '"
                    + mode + "'");
        };
    }

    public static FakeIpFilter empty() {
        return EMPTY;
    }

    /** True when {@code name} (with or without the trailing dot) is listed: by a pattern or in a set. */
    public boolean matches(String name) {
        return names.contains(name, sets);
    }

    /** True when {@code name} may get a fake address: it is not listed, or (whitelist) it is. */
    public boolean allowsFake(String name) {
        return matches(name) == whitelist;
    }
}
