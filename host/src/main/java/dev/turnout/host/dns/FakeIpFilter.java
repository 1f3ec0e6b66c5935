package dev.turnout.host.dns;

import java.util.List;
import java.util.Locale;

/**
 * Clash's {@code fake-ip-filter}: names that must get real answers from upstream instead of fake addresses (or, in
 * mihomo's {@code fake-ip-filter-mode: whitelist}, the only names that get fake ones). Patterns: plain
 * {@code host.example} (exact), {@code *.lan} ({@code *} is one label), {@code +.example.com} (the name and all
 * subdomains), {@code .example.com} (subdomains only); case-insensitive. mihomo's {@code geosite:NAME} and
 * {@code rule-set:NAME} entries are asked of the {@link DnsMatchers} compiled with the rules. In mihomo's
 * {@code fake-ip-filter-mode: rule} the entries are rules instead ({@code GEOSITE,cn,real-ip}, {@code MATCH,fake-ip}),
 * compiled with the rules too and asked there.
 */
public final class FakeIpFilter {

    private static final FakeIpFilter EMPTY = new FakeIpFilter(List.of());

    /** mihomo's {@code fake-ip-filter-mode}. */
    public enum Mode {
        /** The names listed get real answers (the default). */
        BLACKLIST,
        /** Only the names listed get fake addresses. */
        WHITELIST,
        /** The entries are rules ending in {@code fake-ip} or {@code real-ip}; a name no rule matches gets a fake one. */
        RULE;

        /**
         * The mode {@code text} names, in any case.
         *
         * @throws IllegalArgumentException for another mode
         */
        public static Mode parse(String text) {
            return switch (text.toLowerCase(Locale.ROOT)) {
                case "blacklist" -> BLACKLIST;
                case "whitelist" -> WHITELIST;
                case "rule" -> RULE;
                default -> throw new IllegalArgumentException("fake-ip-filter-mode must be blacklist, whitelist or rule, "
                        + "got '" + text + "'");
            };
        }

        @Override
        public String toString() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    private final NameList names;
    private final Mode mode;
    private final DnsMatchers sets;

    /** Blacklist mode, with no sets to ask. */
    public FakeIpFilter(List<String> entries) {
        this(entries, Mode.BLACKLIST, DnsMatchers.NONE);
    }

    /**
     * @param entries patterns and {@code geosite:}/{@code rule-set:} entries, as written; in {@link Mode#RULE}, the
     *                rules (which {@code sets} holds compiled, so they are not read here)
     * @param mode    mihomo's {@code fake-ip-filter-mode}
     * @param sets    where the set entries are looked up and the rules asked (a live view: the rules' reload replaces
     *                what it holds)
     * @throws IllegalArgumentException naming the offending entry
     */
    public FakeIpFilter(List<String> entries, Mode mode, DnsMatchers sets) {
        this.mode = mode;
        this.sets = sets;
        try {
            this.names = NameList.of(mode == Mode.RULE ? List.of() : entries);
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

    public static FakeIpFilter empty() {
        return EMPTY;
    }

    /** True when {@code name} (with or without the trailing dot) is listed: by a pattern or in a set (never in rule mode). */
    public boolean matches(String name) {
        return names.contains(name, sets);
    }

    /**
     * True when {@code name} may get a fake address: it is not listed, or (whitelist) it is, or (rule) the first rule
     * that matches it says {@code fake-ip} or none does.
     */
    public boolean allowsFake(String name) {
        return switch (mode) {
            case BLACKLIST -> !matches(name);
            case WHITELIST -> matches(name);
            case RULE -> !sets.realIpByRules(name);
        };
    }
}
