package dev.turnout.rules;

import java.net.InetAddress;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.Predicate;

/**
 * A compiled, immutable rule list: {@link #decide} answers Clash's first match in list order from per-kind
 * indexes, at a cost that does not grow with the number of rules. Safe to share between threads.
 *
 * <p>Choices where Clash implementations differ or cannot be followed:
 * <ul>
 *   <li>In {@code rules:} an unsupported type (URL-REGEX, ...) is an error; inside a
 *       classical provider it is skipped with a warning, because lists like ACL4SSR's mix in types for other
 *       clients and dropping one entry is safer than refusing the whole list.</li>
 *   <li>{@code IP-CIDR} and {@code IP-CIDR6} both accept either family, as in Clash.</li>
 *   <li>A resolved domain is matched by its first address, as Clash sets a single destination IP.</li>
 *   <li>Port 0 means unknown: port rules never match it.</li>
 * </ul>
 */
public final class RuleSet {

    private static final Set<String> BUILT_IN_TARGETS = Set.of("DIRECT", "REJECT", "REJECT-DROP");
    /** mihomo's target that is no outbound: a rule naming it lets the flow go on to the next rule. */
    static final String PASS = "PASS";
    /** mihomo's PASS-RULE (June 2026): as PASS, but within a sub-rules list it goes on with that list's next rule. */
    static final String PASS_RULE = "PASS-RULE";
    /** A check of targets that never passes: a caller that knows nothing of groups. PASS itself still passes. */
    public static final Predicate<String> NONE_PASS = target -> false;

    private final List<RuleLine> lines;
    /** Kept (a handle, not the data) so that {@link #explanation} can read the same databases again. */
    private final GeoData geoData;
    private final String[] targets;
    private final String[] written;
    private final Decision[] decisions;
    private final Parts parts;
    /** The one index when no rule may pass (most configs), else null: see {@link #decideWhole}. */
    private final Index whole;
    private final boolean mayPass;
    private final List<String> warnings;
    private final Map<String, Integer> countByType;
    private final SubRules subs;
    /**
     * How many entries the set read from provider {@code name} has, as compiled (what mihomo's
     * {@code /providers/rules} gives as {@code ruleCount}: entries skipped with a warning not counted); -1 for a
     * provider this set was not compiled with.
     */
    public int providerEntries(String name) {
        return providerSizes.getOrDefault(name, -1);
    }

    /** The indexes of the rules switched off. */
    private final Set<Integer> disabled;
    /** Per rule, the entries of the set it stands for (RULE-SET, GEOSITE, GEOIP read as ranges); -1 for the others. */
    private final int[] sizes;
    /** Per provider (every one given, used or not), the entries of the set read from it. */
    private final Map<String, Integer> providerSizes;
    /**
     * For a SUB-RULE line, the list it names and the decision of each rule of every list, by
     * {@link SubRules#decide}'s number; both null when there is no SUB-RULE, so other configs pay nothing.
     */
    private final String[] subNameOf;
    private final Decision[][] subDecisions;
    /** Each sub-rules list's rule's decision when a listener's {@code rule} walks the list alone; empty without lists. */
    private final Decision[] listDecisions;

    private RuleSet(List<RuleLine> lines, String[] targets, String[] written, Parts parts, List<String> warnings,
                    Map<String, Integer> countByType, Rule[] rules, SubRules subs, GeoData geoData,
                    Set<Integer> disabled, int[] sizes, Map<String, Integer> providerSizes) {
        this.geoData = geoData;
        this.providerSizes = providerSizes;
        this.disabled = disabled;
        this.sizes = sizes;
        this.lines = lines;
        this.targets = targets;
        this.written = written;
        this.decisions = new Decision[targets.length];
        for (int i = 0; i < targets.length; i++) {
            decisions[i] = new Decision(targets[i], written[i], i); // immutable: shared, so decide() never allocates
        }
        this.parts = parts;
        this.whole = parts.count() == 1 && !parts.mayPass() ? parts.index(0) : null;
        this.mayPass = parts.mayPass() || subs.names().stream().anyMatch(subs::mayPass);
        this.warnings = warnings;
        this.countByType = countByType;
        this.subs = subs;
        boolean anySub = java.util.Arrays.stream(rules).anyMatch(r -> r instanceof Rule.SubRule);
        this.subNameOf = anySub ? new String[targets.length] : null;
        this.subDecisions = anySub ? new Decision[targets.length][] : null;
        for (int i = 0; anySub && i < rules.length; i++) {
            if (rules[i] instanceof Rule.SubRule sr) {
                subNameOf[i] = sr.name();
                subDecisions[i] = listDecisions(subs, i);
            }
        }
        this.listDecisions = listDecisions(subs, -1);
    }

    /**
     * Each sub-rules list's rule's decision, by {@link SubRules#decide}'s number, as made by rule {@code index} of
     * the rules (a SUB-RULE line; -1 for a listener's {@code rule}, which no line of the rules made).
     */
    private static Decision[] listDecisions(SubRules subs, int index) {
        Decision[] d = new Decision[subs.total()];
        for (String name : subs.names()) {
            SubRules.SubList l = subs.list(name);
            for (int j = 0; j < l.rules().size(); j++) {
                d[l.offset() + j] = new Decision(l.targets()[j], l.written()[j], index);
            }
        }
        return d;
    }

    /**
     * Compiles rules (in order) against providers (by name).
     *
     * @param targets every outbound and group name that exists; DIRECT and REJECT are always valid
     * @throws RuleException naming file:line:column for malformed lines, unknown types, bad CIDRs, regexes or
     *     ports, unknown targets, a RULE-SET naming an unknown provider, and bad provider entries (then the origin
     *     is the provider's file and the line within it)
     */
    public static RuleSet compile(List<RuleLine> rules, Map<String, ProviderSource> providers, Set<String> targets)
            throws RuleException {
        return compile(rules, providers, targets, Map.of(), GeoData.NONE);
    }

    /**
     * What {@link #warnings()} says of a {@code sub-rules:} list no SUB-RULE names, at its first rule (the host
     * drops it for a list a listener's {@code rule} names).
     */
    public static String unusedSubRuleNote(String name, List<RuleLine> lines) {
        return (lines == null || lines.isEmpty() ? "" : lines.get(0).origin() + ": ") + "sub-rule '" + name
                + "' is used by no SUB-RULE and no listener's 'rule'";
    }

    /** What {@link #warnings()} says of a provider with no entry (which the host may have said why already). */
    public static String emptyProviderNote(ProviderSource provider) {
        return provider.file() + ": provider '" + provider.name() + "' is empty";
    }

    /** What {@link #warnings()} says of a provider no rule uses (which the host may know another use of). */
    public static String unusedProviderNote(ProviderSource provider) {
        return provider.declaredAt() + ": provider '" + provider.name() + "' is not used by any rule";
    }

    /** As {@link #compile(List, Map, Set)}, with the databases GEOIP, GEOSITE and IP-ASN rules read. */
    public static RuleSet compile(List<RuleLine> rules, Map<String, ProviderSource> providers, Set<String> targets,
                                  GeoData geoData) throws RuleException {
        return compile(rules, providers, targets, Map.of(), geoData);
    }

    /** As {@link #compile(List, Map, Set)}, with mihomo's {@code sub-rules:}. */
    public static RuleSet compile(List<RuleLine> rules, Map<String, ProviderSource> providers, Set<String> targets,
                                  Map<String, List<RuleLine>> subRules) throws RuleException {
        return compile(rules, providers, targets, subRules, GeoData.NONE);
    }

    /**
     * As {@link #compile(List, Map, Set)}, with mihomo's {@code sub-rules:} (named lists that
     * {@code SUB-RULE,(CONDITION),NAME} lines walk; a SUB-RULE naming no list, a line of a list naming an unknown
     * target, and lists that reach themselves are errors) and the databases GEOIP, GEOSITE and IP-ASN rules read
     * (each asked for only when a rule needs it; one that cannot be had is a problem at the first rule that needs it).
     */
    public static RuleSet compile(List<RuleLine> rules, Map<String, ProviderSource> providers, Set<String> targets,
                                  Map<String, List<RuleLine>> subRules, GeoData geoData) throws RuleException {
        return compile(rules, providers, targets, subRules, geoData, Set.of());
    }

    /**
     * As {@link #compile(List, Map, Set, Map, GeoData)}, with the rules at the indexes {@code disabled} switched off
     * (mihomo's {@code PATCH /rules/disable}): each is still read and checked, keeps its index, and matches nothing.
     */
    public static RuleSet compile(List<RuleLine> rules, Map<String, ProviderSource> providers, Set<String> targets,
                                  Map<String, List<RuleLine>> subRules, GeoData geoData, Set<Integer> disabled)
            throws RuleException {
        return compile(rules, providers, targets, subRules, geoData, disabled, Set.of());
    }

    /**
     * As {@link #compile(List, Map, Set, Map, GeoData, Set)}, knowing which targets may turn out to be mihomo's PASS
     * when a flow comes ({@code passing}: groups that hold PASS, directly or through other groups). A flow a rule
     * naming one of them decides goes on to the next rule when {@link #decide(Query, NameResolver, Predicate)}'s
     * check says the group's choice is PASS, as in mihomo; a SUB-RULE does when the rule its list decides by does.
     * PASS itself may be a target anywhere: a rule of {@code rules:} naming it matches nothing, one in a sub-rules
     * list lets the flow go on after the SUB-RULE.
     */
    public static RuleSet compile(List<RuleLine> rules, Map<String, ProviderSource> providers, Set<String> targets,
                                  Map<String, List<RuleLine>> subRules, GeoData geoData, Set<Integer> disabled,
                                  Set<String> passing) throws RuleException {
        List<String> warnings = new ArrayList<>();
        GeoRules geo = new GeoRules(geoData, warnings::add);
        // Every rule and provider is checked, so that one run names all that is wrong.
        List<RuleException> errors = new ArrayList<>();
        Map<String, ProviderParser.Parsed> parsed = new HashMap<>();
        for (Map.Entry<String, ProviderSource> e : providers.entrySet()) {
            try {
                parsed.put(e.getKey(), geo.resolve(ProviderParser.parse(e.getValue(), warnings::add)));
            } catch (RuleException ex) {
                errors.add(ex);
            }
            errors.addAll(geo.takeErrors());
        }
        Set<String> used = new java.util.HashSet<>();
        SubRules subs = SubRules.compile(subRules, targets, passing, parsed, used, warnings::add, errors, geo);
        List<Rule> compiled = new ArrayList<>(rules.size());
        String[] targetOf = new String[rules.size()];
        String[] writtenOf = new String[rules.size()];
        boolean[] passable = new boolean[rules.size()];
        Map<String, Integer> counts = new TreeMap<>();
        int matchAt = -1;
        for (int i = 0; i < rules.size(); i++) {
            RuleLine line = rules.get(i);
            RuleParser.Parsed p;
            try {
                p = RuleParser.parseLine(line, warnings::add);
                if (p.rule() instanceof Rule.SubRule s) {
                    if (!subRules.containsKey(s.name())) {
                        throw new RuleException(line.origin(), "SUB-RULE names unknown sub-rule '" + s.name()
                                + "'" + (subRules.isEmpty() ? ": the config has no 'sub-rules:'"
                                : ": 'sub-rules:' has " + subRules.keySet()));
                    }
                } else {
                    checkTarget(p.target(), targets, line.origin());
                }
                checkProviders(p.rule(), providers.keySet(), line.origin(), used);
            } catch (RuleException e) {
                errors.add(e);
                continue;
            }
            boolean off = disabled.contains(i) || p.target().equals(PASS) || p.target().equals(PASS_RULE);
            passable[i] = !off && (p.rule() instanceof Rule.SubRule s ? subs != SubRules.NONE && subs.mayPass(s.name())
                    : passing.contains(p.target()));
            if (p.rule() instanceof Rule.Match && matchAt < 0 && !off && !passable[i]) {
                matchAt = i;
            } else if (matchAt >= 0 && i == matchAt + 1) {
                warnings.add(line.origin() + ": rules after MATCH (" + rules.get(matchAt).origin()
                        + ") are never reached");
            }
            Rule resolved = geo.resolve(p.rule(), line.origin());
            compiled.add(offOrPassed(resolved, disabled.contains(i), p.target()));
            errors.addAll(geo.takeErrors());
            targetOf[i] = p.target();
            writtenOf[i] = p.written();
            counts.merge(typeName(p), 1, Integer::sum);
        }
        if (!errors.isEmpty()) {
            throw RuleException.of(errors);
        }
        parsed.putAll(geo.sets());
        for (String name : providers.keySet()) {
            if (!used.contains(name)) {
                warnings.add(unusedProviderNote(providers.get(name)));
            }
        }
        Set<String> named = new java.util.HashSet<>();
        for (Rule r : compiled) {
            if (r instanceof Rule.SubRule sr) {
                named.add(sr.name());
            }
        }
        for (String name : subs.names()) {
            subs.rules(name).stream().filter(r -> r instanceof Rule.SubRule)
                    .forEach(r -> named.add(((Rule.SubRule) r).name()));
        }
        for (String name : subRules.keySet()) {
            if (!named.contains(name)) {
                warnings.add(unusedSubRuleNote(name, subRules.get(name)));
            }
        }
        Parts parts = Parts.build(compiled, passable, targetOf, parsed, subs);
        int[] sizes = new int[compiled.size()];
        for (int i = 0; i < sizes.length; i++) {
            Rule rule = compiled.get(i) instanceof Rule.Disabled d ? d.rule() : compiled.get(i);
            sizes[i] = rule instanceof Rule.SetRef ref ? parsed.get(ref.provider()).entries().size() : -1;
        }
        Map<String, Integer> providerSizes = new HashMap<>();
        for (String name : providers.keySet()) {
            providerSizes.put(name, parsed.get(name).entries().size());
        }
        return new RuleSet(List.copyOf(rules), targetOf, writtenOf, parts, Collections.unmodifiableList(warnings),
                Collections.unmodifiableMap(new LinkedHashMap<>(counts)), compiled.toArray(Rule[]::new), subs, geoData,
                Set.copyOf(disabled), sizes, Map.copyOf(providerSizes));
    }

    /**
     * {@code rule} as it is matched: switched off, or a PASS rule, which matches nothing either, since a flow it would
     * match goes on to the next rule. (A rule naming a group that may choose PASS is cut at instead: {@link Parts}.)
     */
    private static Rule offOrPassed(Rule rule, boolean off, String target) {
        return off ? new Rule.Disabled(rule, Rule.Disabled.SWITCHED_OFF)
                : PASS.equals(target) || PASS_RULE.equals(target) ? new Rule.Disabled(rule, Rule.Disabled.PASSED)
                : rule;
    }

    static void checkTarget(String target, Set<String> targets, Origin origin) throws RuleException {
        if (!target.equals(PASS) && !target.equals(PASS_RULE) && !BUILT_IN_TARGETS.contains(target)
                && !targets.contains(target)) {
            throw new RuleException(origin, "unknown target '" + target
                    + "': no proxy, group, DIRECT or REJECT has that name");
        }
    }

    static void checkProviders(Rule rule, Set<String> providers, Origin origin,
                                       Set<String> used) throws RuleException {
        if (rule instanceof Rule.SetRef s) {
            if (!providers.contains(s.provider())) {
                throw new RuleException(origin, "RULE-SET names unknown provider '" + s.provider() + "'");
            }
            used.add(s.provider());
        } else if (rule instanceof Rule.Logical l) {
            for (Rule c : l.children()) {
                checkProviders(c, providers, origin, used);
            }
        } else if (rule instanceof Rule.SubRule s) {
            checkProviders(s.condition(), providers, origin, used);
        }
    }

    private static String typeName(RuleParser.Parsed p) {
        String type = p.written();
        int comma = type.indexOf(',');
        type = (comma < 0 ? type : type.substring(0, comma)).toUpperCase(Locale.ROOT);
        return type.equals("FINAL") ? "MATCH" : type;
    }

    /**
     * The first rule in list order that matches, or {@link Decision#NO_MATCH}. Calls {@code resolver} at most
     * once, only when the flow has a domain and no address and an IP rule without {@code no-resolve} is the
     * only thing that could still match before the best rule found without it.
     */
    public Decision decide(Query query, NameResolver resolver) {
        return whole != null ? decideWhole(whole, query, resolver) : decide(query, resolver, NONE_PASS);
    }

    /**
     * The first match when the rules are one index and none may pass, the decision nearly every flow pays for. It is
     * kept apart from the walk over parts below, which does the same per part: in one method with that walk the
     * decision took 114 and 130 ns where the single index took 105 (DecideBenchmark, acl4ssr, two interleaved runs on
     * a shared machine).
     */
    private Decision decideWhole(Index index, Query query, NameResolver resolver) {
        String domain = normalize(query.domain());
        InetAddress destination = query.destination();
        int best = index.withoutDestination(query, domain);
        if (destination != null) {
            best = Math.min(best, index.destination(destination));
            if (index.hasLogicals()) {
                best = Math.min(best, index.logicals(query, domain, destination, 0, best));
            }
            return decision(best, query, domain, destination, NONE_PASS);
        }
        int resolveAt = index.resolveAt();
        if (index.hasLogicals()) {
            best = Math.min(best, index.logicals(query, domain, null, 0, Math.min(best, resolveAt)));
        }
        if (best <= resolveAt) {
            return decision(best, query, domain, null, NONE_PASS);
        }
        InetAddress resolved = firstAddress(resolver, domain);
        if (resolved != null) {
            best = Math.min(best, index.resolved(resolved));
        }
        if (index.hasLogicals()) {
            best = Math.min(best, index.logicals(query, domain, resolved, resolveAt, best));
        }
        return decision(best, query, domain, resolved, NONE_PASS);
    }

    /**
     * As {@link #decide(Query, NameResolver)}, in mihomo's way with PASS: when the rule that matched names a target
     * compiled as {@code passing} and {@code passes} says it leads to PASS now (a group's choice), or names PASS
     * within a sub-rules list, matching goes on with the rules after it; a name looked up on the way is not looked up
     * again, and every IP rule after the lookup sees its address, as in mihomo. {@code passes} is asked only then.
     */
    public Decision decide(Query query, NameResolver resolver, Predicate<String> passes) {
        return decide(query, resolver, passes, NONE_PASS);
    }

    /**
     * As {@link #decide(Query, NameResolver, Predicate)}, with mihomo's PASS-RULE: {@code passes} says whether a
     * target leads to PASS or PASS-RULE now (the flow goes on to the next rule), {@code withinList} whether to
     * PASS-RULE (within a sub-rules list, the flow goes on with that list's next rule instead of leaving it).
     */
    public Decision decide(Query query, NameResolver resolver, Predicate<String> passes, Predicate<String> withinList) {
        if (whole != null) {
            return decideWhole(whole, query, resolver);
        }
        String domain = normalize(query.domain());
        InetAddress ip = query.destination();
        // Whether the address IP rules see is known: the flow's own, or what the one lookup gave (maybe none).
        boolean settled = ip != null;
        // Part -1, when there is one, is all the rules in one index: a flow is nearly always decided there, by a rule
        // it does not pass.
        for (int p = parts.all() != null ? -1 : 0; p < parts.count(); p++) {
            Index index = p < 0 ? parts.all() : parts.index(p);
            int best;
            if (settled) {
                best = index.firstMatch(query, domain, ip);
            } else {
                best = index.withoutDestination(query, domain);
                int resolveAt = index.resolveAt();
                if (index.hasLogicals()) {
                    best = Math.min(best, index.logicals(query, domain, null, 0, Math.min(best, resolveAt)));
                }
                if (best > resolveAt) {
                    settled = true;
                    ip = firstAddress(resolver, domain);
                    if (ip != null) {
                        best = Math.min(best, index.resolved(ip));
                    }
                    if (index.hasLogicals()) {
                        best = Math.min(best, index.logicals(query, domain, ip, resolveAt, best));
                    }
                }
            }
            if (best == Index.NONE) {
                if (p < 0) {
                    return Decision.NO_MATCH; // no rule matches at all
                }
                continue;
            }
            int rule = (p < 0 ? 0 : parts.start(p)) + best;
            Decision d = decision(rule, query, domain, ip, withinList);
            if (!parts.passable(rule) || !passesOn(d.target(), passes)) {
                return d;
            }
            // The flow passes the rest of the rule's part too (its run names the same target): on with the next part.
            p = parts.partOf(rule);
            if (!settled && parts.resolveAt() != Index.NONE && parts.resolveAt() <= parts.end(p)) {
                // mihomo looks the name up on reaching a rule that needs the address, the one that passed or one
                // of its run after it: the rules after them see the address, though these matched without it.
                settled = true;
                ip = firstAddress(resolver, domain);
            }
        }
        return Decision.NO_MATCH;
    }

    /** Whether a flow decided for {@code target} goes on to the next rule: PASS itself, or what {@code passes} says. */
    static boolean passesOn(String target, Predicate<String> passes) {
        return PASS.equals(target) || PASS_RULE.equals(target) || passes.test(target);
    }

    /** The address rules see for {@code domain} once it is looked up (the first answer), or null without one. */
    static InetAddress firstAddress(NameResolver resolver, String domain) {
        List<InetAddress> addresses = domain == null ? null : resolver.resolve(domain);
        return addresses == null || addresses.isEmpty() ? null : addresses.get(0);
    }

    /** How many parts the rules are cut into (see {@link Parts}): 1 unless some rule may pass. */
    int partCount() {
        return parts.count();
    }

    /** Whether some rule may let its flows go on to the next rule when a group's choice is PASS (see compile). */
    public boolean mayPass() {
        return mayPass;
    }

    /** Whether {@code sub-rules:} has a list of that name. */
    public boolean hasSubRules(String name) {
        return subs.names().contains(name);
    }

    /**
     * mihomo's listener with a {@code rule}: the first match within the sub-rules list {@code list} alone (nested
     * SUB-RULEs followed), {@link Decision#NO_MATCH} when nothing there matches; the main rules are not read. A
     * flow with only a name is looked up once first when some list holds an IP rule that would need it: the rule
     * that matches first is the same as with mihomo's lookup on reaching that rule, at the cost of a lookup a rule
     * before it might have spared.
     *
     * @throws IllegalArgumentException when there is no such list ({@link #hasSubRules})
     */
    public Decision decideIn(String list, Query query, NameResolver resolver) {
        return decideIn(list, query, resolver, NONE_PASS);
    }

    /** As {@link #decideIn(String, Query, NameResolver)}, going on past a PASS as the main rules do. */
    public Decision decideIn(String list, Query query, NameResolver resolver, Predicate<String> passes) {
        return decideIn(list, query, resolver, passes, NONE_PASS);
    }

    /**
     * As {@link #decideIn(String, Query, NameResolver, Predicate)}, with mihomo's PASS-RULE ({@code withinList}, see
     * {@link #decide(Query, NameResolver, Predicate, Predicate)}): the listener's list goes on past it as past PASS,
     * and a list it walks through a SUB-RULE with that list's next rule.
     */
    public Decision decideIn(String list, Query query, NameResolver resolver, Predicate<String> passes,
                             Predicate<String> withinList) {
        if (!hasSubRules(list)) {
            throw new IllegalArgumentException("no sub-rules list '" + list + "'");
        }
        String domain = normalize(query.domain());
        InetAddress ip = query.destination();
        if (ip == null && domain != null && subs.mayResolve()) {
            ip = firstAddress(resolver, domain);
        }
        int k = subs.decideAsRules(list, query, domain, ip, target -> passesOn(target, passes), withinList);
        return k < 0 ? Decision.NO_MATCH : listDecisions[k];
    }

    /**
     * @param ip the address rule {@code i} was matched against, for a SUB-RULE's list
     * @param withinList which targets lead to PASS-RULE now, within a SUB-RULE's list
     */
    private Decision decision(int i, Query query, String domain, InetAddress ip, Predicate<String> withinList) {
        if (i == Index.NONE) {
            return Decision.NO_MATCH;
        }
        if (subDecisions != null && subDecisions[i] != null) {
            // The list matched (that is what made the SUB-RULE match); walk it again for the rule that decided.
            int k = subs.decide(subNameOf[i], query, domain, ip, withinList);
            // Every rule that matched in it went on (PASS-RULE): the SUB-RULE does not match now, and matching goes
            // on after it (it was cut at: its list may pass).
            return k < 0 ? new Decision(PASS, lines.get(i).text(), i) : subDecisions[i][k];
        }
        return decisions[i];
    }

    /**
     * For {@code turnout match --explain}: walks the rules in order up to the one that decides, each with why it
     * did or did not match ({@link Explanation#walk}). The rules and providers (the same ones this set was
     * compiled from) are parsed again here rather than kept by every rule set, since only the diagnostic needs
     * them.
     */
    public Explanation explanation(Map<String, ProviderSource> providers) throws RuleException {
        GeoRules geo = new GeoRules(geoData, w -> { });
        Map<String, ProviderParser.Parsed> parsed = new HashMap<>();
        for (Map.Entry<String, ProviderSource> e : providers.entrySet()) {
            parsed.put(e.getKey(), geo.resolve(ProviderParser.parse(e.getValue(), w -> { })));
        }
        Rule[] rules = new Rule[lines.size()];
        for (int i = 0; i < rules.length; i++) {
            rules[i] = geo.resolve(RuleParser.parseLine(lines.get(i), w -> { }).rule(), lines.get(i).origin());
            rules[i] = offOrPassed(rules[i], disabled.contains(i), targets[i]);
        }
        // The sub-rule lists were resolved when compiled; their GEOSITE and GEOIP sets go by the same names.
        for (String name : subs.names()) {
            for (RuleLine line : subs.list(name).lines()) {
                geo.resolve(RuleParser.parseLine(line, w -> { }).rule(), line.origin());
            }
        }
        parsed.putAll(geo.sets());
        return new Explanation(rules, lines, targets, parts, parsed, subs);
    }

    /** Lower case without a trailing dot; allocates only when the host passed something else. */
    static String normalize(String domain) {
        if (domain == null) {
            return null;
        }
        int n = domain.length();
        boolean clean = n > 0 && domain.charAt(n - 1) != '.';
        for (int i = 0; clean && i < n; i++) {
            char c = domain.charAt(i);
            clean = !(c >= 'A' && c <= 'Z') && c < 128;
        }
        if (clean) {
            return domain;
        }
        String d = domain.toLowerCase(Locale.ROOT);
        if (d.endsWith(".")) {
            d = d.substring(0, d.length() - 1);
        }
        return d.isEmpty() ? null : d;
    }

    /** True when some IP rule without no-resolve exists, so {@link #decide} may call the resolver. */
    public boolean mayResolve() {
        return parts.resolveAt() != Index.NONE;
    }

    /** True when some rule looks at the owning process (PROCESS-NAME, PROCESS-PATH, UID, also nested). */
    public boolean mayNeedProcess() {
        return parts.processAt() != Index.NONE;
    }

    /**
     * Whether {@code decided}, made without the owning process known, could change once it is: the rules before
     * the first process rule never look at it, so a decision before that rule stands (mihomo looks the process
     * up on reaching such a rule, the same thing).
     */
    public boolean needsProcess(Decision decided) {
        int at = parts.processAt();
        return at != Index.NONE && (decided.index() < 0 || decided.index() >= at);
    }

    /** Things worth telling the user that do not stop the rules from working: empty providers, skipped entries. */
    public List<String> warnings() {
        return warnings;
    }

    /** The number of rules in {@code rules:}. */
    public int size() {
        return targets.length;
    }

    /** How many {@code rules:} lines of each type ({@code FINAL} counts as {@code MATCH}), sorted by type. */
    public Map<String, Integer> countByType() {
        return countByType;
    }

    /** The rule lines this set was compiled from. */
    public List<RuleLine> lines() {
        return lines;
    }

    /**
     * How many entries the set rule {@code index} stands for has (a RULE-SET's provider, a GEOSITE list, a GEOIP
     * country read as ranges or LAN), as mihomo's {@code /rules} gives them; -1 for any other rule.
     */
    public int entries(int index) {
        return sizes[index];
    }

    /** The indexes of the rules switched off ({@code disabled} of {@link #compile}). */
    public Set<Integer> disabled() {
        return disabled;
    }
}
