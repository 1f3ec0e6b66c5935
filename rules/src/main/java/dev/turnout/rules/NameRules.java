package dev.turnout.rules;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * Rules that choose by a name alone, first match wins, each naming one of a few fixed actions instead of an outbound:
 * mihomo's {@code fake-ip-filter-mode: rule}, whose {@code fake-ip-filter} reads
 * {@code RULE-SET,direct,real-ip}, {@code GEOSITE,gfw,fake-ip}, {@code MATCH,fake-ip}. As there, only rules on the
 * name are taken (DOMAIN, DOMAIN-SUFFIX, DOMAIN-KEYWORD, DOMAIN-REGEX, DOMAIN-WILDCARD, GEOSITE, RULE-SET of a domain
 * or classical provider) and MATCH; a classical provider's other rules never match, since the query has no address,
 * port or network; actions are read in any case.
 */
public final class NameRules {

    private final RuleSet rules;
    /** Each rule's action, lower case, by its index. */
    private final String[] actions;
    private final Set<String> providers;

    private NameRules(RuleSet rules, String[] actions, Set<String> providers) {
        this.rules = rules;
        this.actions = actions;
        this.providers = Set.copyOf(providers);
    }

    /**
     * Compiles {@code lines} (in order).
     *
     * @param actions   the actions a line may end with, lower case
     * @param providers the rule providers a RULE-SET line may name
     * @throws RuleException naming file:line:column for each line that is malformed, is of another type, names another
     *     action, or names a provider that does not exist or lists addresses
     */
    public static NameRules compile(List<RuleLine> lines, Set<String> actions, Map<String, ProviderSource> providers,
            GeoData geoData) throws RuleException {
        List<RuleException> errors = new ArrayList<>();
        Set<String> spellings = new HashSet<>();
        Map<String, ProviderSource> named = new LinkedHashMap<>();
        String[] actionOf = new String[lines.size()];
        List<RuleLine> fit = new ArrayList<>();
        for (int i = 0; i < lines.size(); i++) {
            RuleLine line = lines.get(i);
            try {
                RuleParser.Parsed p = RuleParser.parseLine(line, w -> { });
                String action = p.target().toLowerCase(Locale.ROOT);
                if (!actions.contains(action)) {
                    throw new RuleException(line.origin(), "'" + p.target() + "' is not an action here: write "
                            + String.join(" or ", actions.stream().sorted().toList()));
                }
                if (!onName(p.rule())) {
                    throw new RuleException(line.origin(), "only rules on the name (DOMAIN, DOMAIN-SUFFIX, "
                            + "DOMAIN-KEYWORD, DOMAIN-REGEX, DOMAIN-WILDCARD, GEOSITE, RULE-SET) and MATCH can "
                            + "choose here, as in mihomo: '" + line.text() + "'");
                }
                if (p.rule() instanceof Rule.SetRef ref) {
                    ProviderSource provider = providers.get(ref.provider());
                    if (provider != null && provider.behavior() == Behavior.IPCIDR) {
                        throw new RuleException(line.origin(), "rule provider '" + ref.provider() + "' has behavior "
                                + "ipcidr: it lists addresses, and a name is chosen on (give a domain or classical "
                                + "provider)");
                    }
                    if (provider != null) { // the compiler reports one that does not exist, as in the rules
                        named.put(ref.provider(), provider);
                    }
                }
                spellings.add(p.target());
                actionOf[i] = action;
                fit.add(line);
            } catch (RuleException e) {
                errors.add(e);
            }
        }
        // Only the providers named here: the others are the rules' (it would call them unused). The lines that passed
        // are compiled even when others did not, so what the compiler finds (a list GeoSite.dat lacks) is said too.
        RuleSet compiled = null;
        try {
            compiled = RuleSet.compile(fit, named, spellings, Map.of(), geoData);
        } catch (RuleException e) {
            errors.addAll(e.problems());
        }
        if (!errors.isEmpty()) {
            errors.sort(java.util.Comparator.comparingInt((RuleException e) -> e.origin().line())
                    .thenComparingInt(e -> e.origin().column()));
            throw RuleException.of(errors);
        }
        return new NameRules(compiled, actionOf, named.keySet());
    }

    private static boolean onName(Rule rule) {
        return rule instanceof Rule.Exact || rule instanceof Rule.Suffix || rule instanceof Rule.Keyword
                || rule instanceof Rule.Regex || rule instanceof Rule.Glob || rule instanceof Rule.Wildcard
                || rule instanceof Rule.GeoSite || rule instanceof Rule.SetRef || rule instanceof Rule.Match;
    }

    /**
     * The action of the first rule that matches {@code name} (lower case, no trailing dot), or {@code null} when none
     * does.
     */
    public String actionFor(String name) {
        int index = rules.decide(new Query(null, name, null, 0, null, 0, null), NameResolver.NONE).index();
        return index < 0 ? null : actions[index];
    }

    /** What compiling noticed (rules after MATCH, a list GeoSite.dat lacks, a provider's skipped entries). */
    public List<String> warnings() {
        return rules.warnings();
    }

    /** The rule providers the rules name. */
    public Set<String> providers() {
        return providers;
    }

    /** The number of rules. */
    public int size() {
        return actions.length;
    }
}
