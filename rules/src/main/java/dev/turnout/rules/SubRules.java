package dev.turnout.rules;

import java.net.InetAddress;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;
import java.util.function.Predicate;

/**
 * The compiled {@code sub-rules:} lists that SUB-RULE lines name (mihomo). Each list has its own index; its rules
 * are numbered after those of the lists before it, so that a decision reached through a list has a fixed slot.
 */
final class SubRules {

    static final SubRules NONE = new SubRules(Map.of(), 0);

    /**
     * One named list.
     *
     * @param offset the number of the list's first rule among all lists' rules
     */
    record SubList(String name, List<RuleLine> lines, List<Rule> rules, String[] targets, String[] written,
                   int offset, Parts parts) {
    }

    private final Map<String, SubList> lists;
    private final int total;
    /** Each rule's target, by {@link #decide}'s number. */
    private final String[] targetOf;

    private SubRules(Map<String, SubList> lists, int total) {
        this.lists = lists;
        this.total = total;
        this.targetOf = new String[total];
        for (SubList l : lists.values()) {
            System.arraycopy(l.targets(), 0, targetOf, l.offset(), l.targets().length);
        }
    }

    /**
     * Parses, checks and compiles every list. Problems (bad lines, unknown targets or lists, cycles) go to
     * {@code errors}, so that one run names them all; the result is then only good for more checking.
     */
    static SubRules compile(Map<String, List<RuleLine>> raw, Set<String> targets, Set<String> passing,
                            Map<String, ProviderParser.Parsed> providers, Set<String> usedProviders,
                            Consumer<String> warnings, List<RuleException> errors, GeoRules geo) {
        if (raw.isEmpty()) {
            return NONE;
        }
        Map<String, List<RuleParser.Parsed>> parsed = new LinkedHashMap<>();
        Map<String, List<RuleLine>> kept = new LinkedHashMap<>();
        int before = errors.size();
        for (Map.Entry<String, List<RuleLine>> e : raw.entrySet()) {
            List<RuleParser.Parsed> list = new ArrayList<>();
            List<RuleLine> lines = new ArrayList<>();
            for (RuleLine line : e.getValue()) {
                try {
                    RuleParser.Parsed p = RuleParser.parseLine(line, warnings);
                    if (p.rule() instanceof Rule.SubRule s) {
                        if (!raw.containsKey(s.name())) {
                            throw new RuleException(line.origin(), "SUB-RULE names unknown sub-rule '" + s.name()
                                    + "': 'sub-rules:' has " + raw.keySet());
                        }
                    } else {
                        RuleSet.checkTarget(p.target(), targets, line.origin());
                    }
                    RuleSet.checkProviders(p.rule(), providers.keySet(), line.origin(), usedProviders);
                    Rule withData = geo.resolve(p.rule(), line.origin());
                    errors.addAll(geo.takeErrors());
                    providers.putAll(geo.sets()); // a GEOSITE list becomes a set the list's index reads
                    list.add(new RuleParser.Parsed(withData, p.target(), p.written()));
                    lines.add(line);
                } catch (RuleException ex) {
                    errors.add(ex);
                }
            }
            parsed.put(e.getKey(), list);
            kept.put(e.getKey(), lines);
        }
        findCycles(parsed, kept, errors);
        if (errors.size() > before) {
            return NONE;
        }
        // Build each list after the lists it names: findCycles has made sure this ends.
        Map<String, SubList> built = new HashMap<>();
        SubRules subs = new SubRules(built, 0);
        int[] offset = {0};
        for (String name : parsed.keySet()) {
            build(name, parsed, kept, providers, passing, subs, built, offset);
        }
        return new SubRules(Map.copyOf(built), offset[0]);
    }

    private static void build(String name, Map<String, List<RuleParser.Parsed>> parsed,
                              Map<String, List<RuleLine>> kept, Map<String, ProviderParser.Parsed> providers,
                              Set<String> passing, SubRules subs, Map<String, SubList> built, int[] offset) {
        if (built.containsKey(name)) {
            return;
        }
        List<RuleParser.Parsed> list = parsed.get(name);
        for (RuleParser.Parsed p : list) {
            if (p.rule() instanceof Rule.SubRule s) {
                build(s.name(), parsed, kept, providers, passing, subs, built, offset);
            }
        }
        // A rule naming PASS-RULE itself matches nothing here: its flows go on with the list's next rule.
        List<Rule> rules = list.stream().map(p -> RuleSet.PASS_RULE.equals(p.target())
                ? new Rule.Disabled(p.rule(), Rule.Disabled.PASSED_IN_LIST) : p.rule()).toList();
        String[] targets = list.stream().map(RuleParser.Parsed::target).toArray(String[]::new);
        String[] written = list.stream().map(RuleParser.Parsed::written).toArray(String[]::new);
        boolean[] passable = new boolean[rules.size()];
        for (int j = 0; j < passable.length; j++) {
            passable[j] = rules.get(j) instanceof Rule.SubRule s ? built.get(s.name()).parts().mayPass()
                    : RuleSet.PASS.equals(targets[j]) || passing.contains(targets[j]);
        }
        built.put(name, new SubList(name, kept.get(name), rules, targets, written, offset[0],
                Parts.build(rules, passable, targets, providers, subs)));
        offset[0] += rules.size();
    }

    /** mihomo's verifySubRule: a list that reaches itself through SUB-RULEs is an error, named at the closing line. */
    private static void findCycles(Map<String, List<RuleParser.Parsed>> parsed, Map<String, List<RuleLine>> lines,
                                   List<RuleException> errors) {
        Set<String> done = new HashSet<>();
        for (String name : parsed.keySet()) {
            walk(name, new ArrayList<>(), parsed, lines, done, errors);
        }
    }

    private static void walk(String name, List<String> path, Map<String, List<RuleParser.Parsed>> parsed,
                             Map<String, List<RuleLine>> lines, Set<String> done, List<RuleException> errors) {
        if (done.contains(name)) {
            return;
        }
        path.add(name);
        List<RuleParser.Parsed> list = parsed.get(name);
        for (int i = 0; i < list.size(); i++) {
            if (list.get(i).rule() instanceof Rule.SubRule s) {
                if (path.contains(s.name())) {
                    errors.add(new RuleException(lines.get(name).get(i).origin(), "sub-rules cycle: "
                            + String.join(" -> ", path) + " -> " + s.name()));
                } else {
                    walk(s.name(), path, parsed, lines, done, errors);
                }
            }
        }
        path.remove(path.size() - 1);
        done.add(name);
    }

    Set<String> names() {
        return lists.keySet();
    }

    SubList list(String name) {
        return lists.get(name);
    }

    List<Rule> rules(String name) {
        SubList l = lists.get(name);
        return l == null ? List.of() : l.rules();
    }

    Parts parts(String name) {
        return lists.get(name).parts();
    }

    /** Whether a flow decided in list {@code name} (or a list it walks) may pass (mihomo's PASS). */
    boolean mayPass(String name) {
        return lists.get(name).parts().mayPass();
    }

    /** Whether some list holds an IP rule that resolves a name (a listener's list may then need the address). */
    boolean mayResolve() {
        return lists.values().stream().anyMatch(l -> l.parts().resolveAt() != Index.NONE);
    }

    /** The number of rules in all lists. */
    int total() {
        return total;
    }

    /**
     * The rule that decides inside list {@code name}, following nested SUB-RULEs, as a number below
     * {@link #total}; -1 when nothing in it matches. A rule whose target {@code withinList} says leads to mihomo's
     * PASS-RULE now (a group's choice) lets the flow go on with the list's next rule, and a nested SUB-RULE whose list
     * decides nothing so does not match; PASS itself decides, and the flow leaves the list (the caller goes on).
     */
    int decide(String name, Query q, String domain, InetAddress ip, Predicate<String> withinList) {
        return walk(name, q, domain, ip, withinList, withinList);
    }

    /**
     * As {@link #decide}, for a listener whose {@code rule} makes list {@code name} its whole rule list (mihomo's
     * getRules): a rule whose target {@code passes} (a nested SUB-RULE's decision included) lets the flow go on to
     * the next rule of this list, as the main rules do.
     */
    int decideAsRules(String name, Query q, String domain, InetAddress ip, Predicate<String> passes,
                      Predicate<String> withinList) {
        return walk(name, q, domain, ip, passes, withinList);
    }

    /**
     * The first rule of list {@code name} that decides, or -1: a match goes on to the list's next part when it is a
     * nested SUB-RULE whose list decided nothing, or when the target decided by may pass and {@code goesOn} says it
     * does; nested lists go on past PASS-RULE alone ({@code withinList}).
     */
    private int walk(String name, Query q, String domain, InetAddress ip, Predicate<String> goesOn,
                     Predicate<String> withinList) {
        SubList l = lists.get(name);
        Parts parts = l.parts();
        // As RuleSet.decide: part -1, when there is one, is the whole list in one index.
        for (int p = parts.all() != null ? -1 : 0; p < parts.count(); p++) {
            int j = (p < 0 ? parts.all() : parts.index(p)).firstMatch(q, domain, ip);
            if (j == Index.NONE) {
                if (p < 0) {
                    return -1;
                }
                continue;
            }
            j += p < 0 ? 0 : parts.start(p);
            int k = l.rules().get(j) instanceof Rule.SubRule s ? walk(s.name(), q, domain, ip, withinList, withinList)
                    : l.offset() + j;
            if (k >= 0 && (!parts.passable(j) || !goesOn.test(targetOf[k]))) {
                return k;
            }
            p = parts.partOf(j); // the rest of j's part is its run, which the flow passes too
        }
        return -1;
    }
}
