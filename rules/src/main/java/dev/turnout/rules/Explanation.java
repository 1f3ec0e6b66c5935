package dev.turnout.rules;

import java.net.InetAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Predicate;

/**
 * "Why did this go to PROXY?": walks the rules in list order as Clash does, resolving the name on reaching the
 * first rule that needs an address, and says for each rule why it did not match, until one does. Each rule is
 * tested on its own one-rule index (built on first use and kept), so the walk is plain and linear. Safe to share
 * between threads.
 */
public final class Explanation {

    /**
     * One line of the walk.
     *
     * @param depth 0 for {@code rules:}, 1 and more inside {@code sub-rules:} lists
     * @param rule the rule as written with its target, or null for a note (the resolution)
     * @param origin where the rule was written, or null for a note
     * @param matched whether this rule matched: the last step that matched at depth 0 decides, unless a note
     *     after it says its target passed (mihomo's PASS)
     * @param why what was compared, in words
     */
    public record Step(int depth, String rule, Origin origin, boolean matched, String why) {
    }

    private final Rule[] rules;
    private final List<RuleLine> lines;
    private final String[] targets;
    private final Parts parts;
    private final Map<String, ProviderParser.Parsed> providers;
    private final SubRules subs;
    private final int resolveAt;
    private final Map<Rule, Index> single = new ConcurrentHashMap<>();

    /** @param parts the compiled rules, for where a name is looked up and which rules may pass */
    Explanation(Rule[] rules, List<RuleLine> lines, String[] targets, Parts parts,
                Map<String, ProviderParser.Parsed> providers, SubRules subs) {
        this.rules = rules;
        this.lines = lines;
        this.targets = targets;
        this.parts = parts;
        this.providers = providers;
        this.subs = subs;
        this.resolveAt = parts.resolveAt();
    }

    /**
     * The walk for one query: a plain linear pass (a diagnostic, not the flow path) that resolves where
     * {@link RuleSet#decide} would; its last step is {@link RuleSet#decide}'s answer.
     */
    public List<Step> walk(Query q, NameResolver resolver) {
        return walk(q, resolver, RuleSet.NONE_PASS);
    }

    /** As {@link #walk(Query, NameResolver)}, with {@link RuleSet#decide(Query, NameResolver, Predicate)}'s check. */
    public List<Step> walk(Query q, NameResolver resolver, Predicate<String> passes) {
        return walk(q, resolver, passes, RuleSet.NONE_PASS);
    }

    /** As {@link #walk(Query, NameResolver, Predicate)}, with PASS-RULE's check ({@code withinList}). */
    public List<Step> walk(Query q, NameResolver resolver, Predicate<String> passes, Predicate<String> withinList) {
        String domain = RuleSet.normalize(q.domain());
        List<Step> steps = new ArrayList<>();
        InetAddress ip = q.destination();
        for (int i = 0; i < rules.length; i++) {
            if (i == resolveAt && ip == null && domain != null) {
                ip = RuleSet.firstAddress(resolver, domain);
                steps.add(new Step(0, null, null, false, ip == null
                        ? "resolving " + domain + " (this rule is the first that needs an address): no address"
                        : "resolved " + domain + " to " + ip.getHostAddress()
                                + " (this rule is the first that needs an address)"));
            }
            boolean resolvedYet = i >= resolveAt;
            String target = test(rules[i], targets[i], lines.get(i), 0, q, domain, ip, resolvedYet, steps, withinList);
            if (target == null) {
                continue;
            }
            if (!parts.passable(i) || !RuleSet.passesOn(target, passes)) {
                return steps;
            }
            steps.add(new Step(0, null, null, false, (RuleSet.PASS.equals(target) ? "PASS"
                    : "'" + target + "' chooses PASS now") + ": going on to the next rule, as mihomo does"));
        }
        steps.add(new Step(0, null, null, false, "no rule matched: DIRECT"));
        return steps;
    }

    /**
     * Tests one rule and records it; a SUB-RULE whose condition holds walks its list one level deeper. Returns the
     * target of the rule that decided (inside the list, for a SUB-RULE), {@code null} when it did not match.
     */
    private String test(Rule rule, String target, RuleLine line, int depth, Query q, String domain, InetAddress ip,
                        boolean resolvedYet, List<Step> steps, Predicate<String> withinList) {
        if (rule instanceof Rule.SubRule s) {
            if (!holds(s.condition(), q, domain, ip)) {
                steps.add(new Step(depth, line.text(), line.origin(), false, "condition does not hold: "
                        + why(s.condition(), q, domain, ip, resolvedYet)));
                return null;
            }
            steps.add(new Step(depth, line.text(), line.origin(), false, "condition holds: walking sub-rules '"
                    + s.name() + "'"));
            SubRules.SubList list = subs.list(s.name());
            for (int j = 0; j < list.rules().size(); j++) {
                String decided = test(list.rules().get(j), list.targets()[j], list.lines().get(j), depth + 1, q,
                        domain, ip, resolvedYet, steps, withinList);
                if (decided != null && !(list.rules().get(j) instanceof Rule.SubRule) && withinList.test(decided)) {
                    steps.add(new Step(depth + 1, null, null, false, "'" + decided + "' chooses PASS-RULE now: going"
                            + " on with this list's next rule, as mihomo does"));
                } else if (decided != null) {
                    steps.add(new Step(depth, line.text(), line.origin(), true, "sub-rules '" + s.name()
                            + "' decided"));
                    return decided;
                }
            }
            steps.add(new Step(depth, line.text(), line.origin(), false, "nothing in sub-rules '" + s.name()
                    + "' matched: going on after it"));
            return null;
        }
        if (holds(rule, q, domain, ip)) {
            steps.add(new Step(depth, line.text(), line.origin(), true, "matches"));
            return target;
        }
        steps.add(new Step(depth, line.text(), line.origin(), false, why(rule, q, domain, ip, resolvedYet)));
        return null;
    }

    private boolean holds(Rule rule, Query q, String domain, InetAddress ip) {
        Index x = single.computeIfAbsent(rule, r -> Index.build(List.of(r), providers, subs));
        return x.firstMatch(q, domain, ip) != Index.NONE;
    }

    /** Why a rule that is not a SUB-RULE did not match, in words a user can check. */
    private String why(Rule rule, Query q, String domain, InetAddress ip, boolean resolvedYet) {
        if (rule instanceof Rule.Disabled d) {
            return d.why();
        }
        String name = domain == null ? "the flow has no domain" : null;
        String addr = ip == null ? null : ip.getHostAddress();
        if (rule instanceof Rule.Exact r) {
            return name != null ? name : domain + " is not " + r.domain();
        }
        if (rule instanceof Rule.Suffix r) {
            return name != null ? name : domain + " is neither " + r.domain() + " nor below it";
        }
        if (rule instanceof Rule.Wildcard r) {
            return name != null ? name : domain + " does not fit " + r.pattern();
        }
        if (rule instanceof Rule.Glob r) {
            return name != null ? name : domain + " does not fit the wildcard " + r.pattern();
        }
        if (rule instanceof Rule.Keyword r) {
            return name != null ? name : domain + " does not contain '" + r.keyword() + "'";
        }
        if (rule instanceof Rule.Regex r) {
            return name != null ? name + " (and /" + r.pattern().pattern() + "/ does not match the empty name)"
                    : "/" + r.pattern().pattern() + "/ is not found in " + domain;
        }
        if (rule instanceof Rule.Cidr r) {
            if (r.source()) {
                return q.source() == null ? "the source address is unknown"
                        : q.source().getHostAddress() + " is outside this range";
            }
            return ip != null ? addr + " is outside this range" : noAddress(r.noResolve(), resolvedYet);
        }
        if (rule instanceof Rule.IpSuffix r) {
            if (r.source()) {
                return q.source() == null ? "the source address is unknown"
                        : q.source().getHostAddress() + " does not end in these bits";
            }
            return ip != null ? addr + " does not end in these bits" : noAddress(r.noResolve(), resolvedYet);
        }
        if (rule instanceof Rule.Port r) {
            int port = r.source() ? q.sourcePort() : q.destinationPort();
            return port == 0 ? "the port is unknown" : "port " + port + " is not listed";
        }
        if (rule instanceof Rule.Net r) {
            return "the flow is " + q.network() + ", not " + r.network();
        }
        if (rule instanceof Rule.Process r) {
            return q.process() == null ? "the process is unknown" : "the process is " + q.process();
        }
        if (rule instanceof Rule.SetRef r && GeoRules.isSynthetic(r.provider())) {
            // GEOIP,LAN, a geodata country or a GEOSITE list, compiled as a set under a name no config spells.
            String what = r.provider().substring(1);
            if (what.startsWith("GEOSITE,")) {
                return domain == null ? "the flow has no domain" : domain + " is not in " + what;
            }
            return ip != null ? addr + " is not in " + what : noAddress(r.noResolve(), resolvedYet);
        }
        if (rule instanceof Rule.SetRef r && r.source()) {
            return "no entry of provider '" + r.provider() + "' matches with source and destination swapped (src)";
        }
        if (rule instanceof Rule.SetRef r) {
            return "no entry of provider '" + r.provider() + "' matches"
                    + (ip == null && domain != null && looksAtAddresses(providers.get(r.provider()))
                    ? " (" + noAddress(r.noResolve(), resolvedYet) + ")" : "");
        }
        if (rule instanceof Rule.Logical r && r.children().get(0) instanceof Rule.Named) {
            return name != null ? name + " (a negated GEOSITE matches only names, as in mihomo)"
                    : domain + " is on the list";
        }
        if (rule instanceof Rule.Logical r) {
            return r.op() + " does not hold";
        }
        return "does not match";
    }

    /** Whether some entry of the provider is an IP rule on the destination, so a missing address matters. */
    private static boolean looksAtAddresses(ProviderParser.Parsed p) {
        return p.behavior() == Behavior.IPCIDR || p.entries().stream().anyMatch(e -> e instanceof Rule.Cidr c
                && !c.source() || e instanceof Rule.IpSuffix s && !s.source() || e instanceof Rule.Logical);
    }

    private static String noAddress(boolean noResolve, boolean resolvedYet) {
        if (noResolve && !resolvedYet) {
            return "no address, and no-resolve: the name is not resolved for it";
        }
        return resolvedYet ? "no address: the name did not resolve" : "no address";
    }
}
