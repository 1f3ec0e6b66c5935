package dev.turnout.host.route;

import dev.turnout.host.config.Config;
import dev.turnout.host.config.ConfigException;
import dev.turnout.host.config.Section;
import dev.turnout.host.dns.DnsMatchers;
import dev.turnout.host.dns.DomainTrie;
import dev.turnout.host.dns.FakeIpFilter;
import dev.turnout.rules.Behavior;
import dev.turnout.rules.GeoData;
import dev.turnout.rules.NameResolver;
import dev.turnout.rules.NameRules;
import dev.turnout.rules.Origin;
import dev.turnout.rules.ProviderSource;
import dev.turnout.rules.Query;
import dev.turnout.rules.RuleException;
import dev.turnout.rules.RuleLine;
import dev.turnout.rules.RuleSet;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The {@code geosite:} and {@code rule-set:} entries of {@code dns.fake-ip-filter} and {@code dns.nameserver-policy},
 * compiled with the rules: each is the one rule {@code GEOSITE,NAME} or {@code RULE-SET,NAME} over the same GeoSite.dat
 * and rule providers, so a name is in a set exactly when that rule would match a flow to it, and a provider's refresh
 * or a reload replaces the sets with the rules. As in mihomo, only a provider's domain rules can match: the DNS knows
 * a name, not an address, a port or a network, so the query asked has none of them (rules on them never match it).
 * With {@code fake-ip-filter-mode: rule}, the filter's own rules are compiled here too, over the same databases and
 * providers.
 */
public final class CompiledDnsMatchers implements DnsMatchers {

    private static final CompiledDnsMatchers EMPTY = new CompiledDnsMatchers(Map.of(), Map.of(), null, null);

    /** What a {@code fake-ip-filter} rule may end with. */
    private static final Set<String> FILTER_ACTIONS = Set.of("fake-ip", "real-ip");

    private final Map<String, RuleSet> sets;
    /** The sniffer's address sets ({@code rule-set:NAME}, {@code geoip:CC}), apart: they hold addresses, not names. */
    private final Map<String, RuleSet> addressSets;
    private final FallbackFilter fallbackFilter;
    /** {@code fake-ip-filter-mode: rule}'s rules; null in the other modes. */
    private final NameRules filterRules;

    private CompiledDnsMatchers(Map<String, RuleSet> sets, Map<String, RuleSet> addressSets,
            FallbackFilter fallbackFilter, NameRules filterRules) {
        this.sets = Map.copyOf(sets);
        this.addressSets = Map.copyOf(addressSets);
        this.fallbackFilter = fallbackFilter;
        this.filterRules = filterRules;
    }

    public static CompiledDnsMatchers empty() {
        return EMPTY;
    }

    @Override
    public boolean contains(String key, String name) {
        RuleSet set = sets.get(key);
        return set != null
                && set.decide(new Query(null, name, null, 0, null, 0, null), NameResolver.NONE).index() >= 0;
    }

    @Override
    public boolean containsAddress(String key, java.net.InetAddress address) {
        RuleSet set = addressSets.get(key);
        return set != null
                && set.decide(new Query(null, null, address, 0, null, 0, null), NameResolver.NONE).index() >= 0;
    }

    @Override
    public boolean distrusts(java.net.InetAddress answer) {
        return fallbackFilter != null && fallbackFilter.distrusts(answer);
    }

    @Override
    public boolean fallbackOnly(String name) {
        return fallbackFilter != null && fallbackFilter.fallbackOnly(name);
    }

    @Override
    public boolean realIpByRules(String name) {
        return filterRules != null && "real-ip".equals(filterRules.actionFor(DomainTrie.normalize(name)));
    }

    /** The keys held ({@code geosite:cn}, {@code rule-set:corp}). */
    public Set<String> keys() {
        return sets.keySet();
    }

    /** The address sets' keys held ({@code rule-set:telegram-ip}, {@code geoip:CN}). */
    public Set<String> addressKeys() {
        return addressSets.keySet();
    }

    /** The rule providers the sets read. */
    List<String> providers() {
        List<String> named = new ArrayList<>(java.util.stream.Stream.concat(sets.keySet().stream(),
                addressSets.keySet().stream()).filter(k -> k.startsWith(DnsMatchers.RULE_SET))
                .map(CompiledDnsMatchers::name).toList());
        if (filterRules != null) {
            named.addAll(filterRules.providers());
        }
        return named;
    }

    /**
     * The sets {@code config}'s {@code dns:} section names and its {@code fallback-filter} (none when DNS is off).
     * Each problem (a provider that does not exist or holds addresses, a list GeoSite.dat lacks) is added to
     * {@code errors} at the key that names it.
     */
    static CompiledDnsMatchers compile(Config config, Map<String, ProviderSource> providers, GeoData geo,
            List<ConfigException> errors, List<String> notes) {
        Section dns = config.dns();
        Section sniffer = config.sniffer();
        boolean dnsOn = Boolean.TRUE.equals(dns.values().get("enable"));
        boolean snifferOn = Boolean.TRUE.equals(sniffer.values().get("enable"));
        if (!dnsOn && !snifferOn) {
            return EMPTY;
        }
        Map<String, String> keyToEntry = new LinkedHashMap<>();
        Map<String, String> keyToSetting = new LinkedHashMap<>();
        boolean filterRuled = dnsOn && isRuleMode(dns);
        if (dnsOn && !filterRuled && dns.values().get("fake-ip-filter") instanceof List<?> entries) {
            entries.forEach(e -> collect(String.valueOf(e), "fake-ip-filter", keyToEntry, keyToSetting));
        }
        if (dnsOn && dns.values().get("nameserver-policy") instanceof Map<?, ?> policy) {
            policy.keySet().forEach(k -> collect(String.valueOf(k), "nameserver-policy", keyToEntry, keyToSetting));
        }
        // The sniffer's force-domain and skip-domain take the same entries (SNIFFER marks their settings).
        for (String setting : List.of("force-domain", "skip-domain")) {
            if (snifferOn && sniffer.values().get(setting) instanceof List<?> entries) {
                entries.forEach(e -> collect(String.valueOf(e), SNIFFER + setting, keyToEntry, keyToSetting));
            }
        }
        Map<String, RuleSet> sets = new LinkedHashMap<>();
        for (Map.Entry<String, String> e : keyToEntry.entrySet()) {
            String key = e.getKey();
            String setting = keyToSetting.get(key);
            boolean ofSniffer = setting.startsWith(SNIFFER);
            Origin at = ofSniffer ? sniffer.originOf(setting.substring(SNIFFER.length())) : dns.originOf(setting);
            // A list of twenty rule sets is said once per problem: its start is enough to find it by.
            String written = e.getValue().length() <= 60 ? e.getValue() : e.getValue().substring(0, 57) + "…";
            String about = (ofSniffer ? "sniffer: " + setting.substring(SNIFFER.length()) : "dns: " + setting) + " '"
                    + written + "': ";
            try {
                sets.put(key, compileOne(key, providers, geo, at, about, notes));
            } catch (ConfigException problem) {
                errors.add(problem);
            } catch (RuleException problem) {
                problem.problems().forEach(p -> errors.add(new ConfigException(at, about + RoutingCompiler.stripOrigin(p))));
            }
        }
        Map<String, RuleSet> addressSets = new LinkedHashMap<>();
        for (String setting : List.of("skip-src-address", "skip-dst-address")) {
            if (snifferOn && sniffer.values().get(setting) instanceof List<?> entries) {
                for (Object entry : entries) {
                    compileAddressSets(String.valueOf(entry), setting, sniffer.originOf(setting), providers, geo,
                            addressSets, errors, notes);
                }
            }
        }
        FallbackFilter filter = dnsOn ? FallbackFilter.compile(dns, geo, errors, notes) : null;
        NameRules filterRules = filterRuled ? compileFilterRules(dns, providers, geo, errors, notes) : null;
        return sets.isEmpty() && addressSets.isEmpty() && filter == null && filterRules == null ? EMPTY
                : new CompiledDnsMatchers(sets, addressSets, filter, filterRules);
    }

    /**
     * The address sets a sniffer entry names, as the rules {@code RULE-SET,NAME} and {@code GEOIP,CC} asked with an
     * address alone: a provider must hold addresses (as mihomo's parseIPRuleSet wants: ipcidr, or classical, whose
     * address rules alone can match).
     */
    private static void compileAddressSets(String entry, String setting, Origin at, Map<String, ProviderSource> providers,
            GeoData geo, Map<String, RuleSet> into, List<ConfigException> errors, List<String> notes) {
        List<String> keys;
        try {
            keys = DnsMatchers.addressKeysOf(entry);
        } catch (IllegalArgumentException malformed) {
            return; // the sniffer settings report it, at the same key
        }
        String about = "sniffer: " + setting + " '" + entry + "': ";
        for (String key : keys) {
            if (into.containsKey(key)) {
                continue;
            }
            String name = name(key);
            String rule;
            Map<String, ProviderSource> named = Map.of();
            if (key.startsWith(DnsMatchers.GEOIP)) {
                rule = "GEOIP," + name + ",DIRECT,no-resolve";
            } else {
                ProviderSource provider = providers.get(name);
                if (provider == null) {
                    errors.add(new ConfigException(at, about + "there is no rule provider named '" + name + "'"));
                    continue;
                }
                if (provider.behavior() == Behavior.DOMAIN) {
                    errors.add(new ConfigException(at, about + "rule provider '" + name + "' has behavior domain: it"
                            + " lists names, and this list holds addresses (give an ipcidr or classical provider)"));
                    continue;
                }
                rule = "RULE-SET," + name + ",DIRECT,no-resolve";
                named = Map.of(name, provider);
            }
            try {
                RuleSet set = RuleSet.compile(List.of(new RuleLine(rule, at)), named, Set.of(), geo);
                set.warnings().forEach(w -> notes.add(note(at, about, w)));
                into.put(key, set);
            } catch (RuleException problem) {
                problem.problems().forEach(p -> errors.add(new ConfigException(at, about
                        + RoutingCompiler.stripOrigin(p))));
            }
        }
    }

    private static boolean isRuleMode(Section dns) {
        try {
            return FakeIpFilter.Mode.parse(dns.string("fake-ip-filter-mode", "blacklist")) == FakeIpFilter.Mode.RULE;
        } catch (ConfigException | IllegalArgumentException unreadable) {
            return false; // the dns settings report it, at the same key
        }
    }

    /** {@code fake-ip-filter-mode: rule}'s rules, each problem reported at its entry; null when there are problems. */
    private static NameRules compileFilterRules(Section dns, Map<String, ProviderSource> providers, GeoData geo,
            List<ConfigException> errors, List<String> notes) {
        if (!(dns.values().get("fake-ip-filter") instanceof List<?> entries)) {
            return null; // none, or not a list (the dns settings report that)
        }
        List<RuleLine> lines = new ArrayList<>();
        for (int i = 0; i < entries.size(); i++) {
            lines.add(new RuleLine(String.valueOf(entries.get(i)), dns.originOf("fake-ip-filter", i)));
        }
        String about = "dns: fake-ip-filter (fake-ip-filter-mode: rule): ";
        try {
            NameRules rules = NameRules.compile(lines, FILTER_ACTIONS, providers, geo);
            rules.warnings().forEach(w -> notes.add(w + " (dns: fake-ip-filter)"));
            return rules;
        } catch (RuleException problem) {
            problem.problems().forEach(p -> errors.add(new ConfigException(p.origin(), about
                    + RoutingCompiler.stripOrigin(p))));
            return null;
        }
    }

    /** Marks a setting of the {@code sniffer:} section among the {@code dns:} ones. */
    private static final String SNIFFER = "sniffer:";

    private static void collect(String entry, String setting, Map<String, String> keyToEntry,
            Map<String, String> keyToSetting) {
        List<String> keys;
        try {
            keys = DnsMatchers.keysOf(entry);
        } catch (IllegalArgumentException malformed) {
            return; // the dns settings report it, at the same key
        }
        for (String key : keys) {
            keyToEntry.putIfAbsent(key, entry);
            keyToSetting.putIfAbsent(key, setting);
        }
    }

    private static RuleSet compileOne(String key, Map<String, ProviderSource> providers, GeoData geo, Origin at,
            String about, List<String> notes) throws ConfigException, RuleException {
        if (key.startsWith(DnsMatchers.GEOSITE)) {
            RuleSet set = RuleSet.compile(List.of(new RuleLine("GEOSITE," + name(key) + ",DIRECT", at)), Map.of(),
                    Set.of(), geo);
            set.warnings().forEach(w -> notes.add(note(at, about, w)));
            return set;
        }
        String name = name(key);
        ProviderSource provider = providers.get(name);
        if (provider == null) {
            throw new ConfigException(at, about + "there is no rule provider named '" + name + "'"
                    + (providers.isEmpty() ? " (rule-providers: names none)" : " (rule-providers: has "
                    + String.join(", ", providers.keySet().stream().sorted().toList()) + ")"));
        }
        if (provider.behavior() == Behavior.IPCIDR) {
            throw new ConfigException(at, about + "rule provider '" + name + "' has behavior ipcidr: it lists"
                    + " addresses, and the DNS chooses by name (give a domain or classical provider)");
        }
        if (provider.behavior() == Behavior.CLASSICAL) {
            notes.add(at + ": " + about + "rule provider '" + name + "' is classical: only its domain rules"
                    + " (DOMAIN, DOMAIN-SUFFIX, DOMAIN-KEYWORD, ...) can match a name");
        }
        RuleSet set = RuleSet.compile(List.of(new RuleLine("RULE-SET," + name + ",DIRECT", at)),
                Map.of(name, provider), Set.of(), geo);
        set.warnings().forEach(w -> notes.add(note(at, about, w)));
        return set;
    }

    private static String name(String key) {
        return key.substring(key.indexOf(':') + 1);
    }

    /** A rule compiler's note about a set, said of the dns key that names it. */
    private static String note(Origin at, String about, String warning) {
        String prefix = at + ": ";
        return prefix + about + (warning.startsWith(prefix) ? warning.substring(prefix.length()) : warning);
    }
}
