package dev.turnout.rules;

import java.net.InetAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.ToIntFunction;

/**
 * A rule list cut after each rule whose flows may pass on to the next rule (mihomo's PASS: a target that is PASS, or
 * a group whose choice may be PASS when the flow comes), one {@link Index} per part. An index answers only "the first
 * rule that matches", so a flow that passes goes on in the next part; each rule is in one part, so the tables take
 * no more room than one index would. A list without such rules is one part, matched as before.
 */
final class Parts {

    private final Index[] indexes;
    private final int[] starts;
    private final boolean[] passable;
    // Asked for every flow (RuleSet.mayResolve, needsProcess): worked out once.
    private final int resolveAt;
    private final int processAt;

    private Parts(Index[] indexes, int[] starts, boolean[] passable) {
        this.indexes = indexes;
        this.starts = starts;
        this.passable = passable;
        this.resolveAt = firstOfAnyPart(Index::resolveAt);
        this.processAt = firstOfAnyPart(Index::processAt);
    }

    /** @param passable per rule, whether a flow it decides may go on to the next rule */
    static Parts build(List<Rule> rules, boolean[] passable, Map<String, ProviderParser.Parsed> providers,
                       SubRules subs) {
        List<Index> indexes = new ArrayList<>();
        List<Integer> starts = new ArrayList<>();
        int from = 0;
        for (int i = 0; i < rules.size(); i++) {
            if (passable[i] && i + 1 < rules.size()) {
                indexes.add(Index.build(rules.subList(from, i + 1), providers, subs));
                starts.add(from);
                from = i + 1;
            }
        }
        indexes.add(Index.build(rules.subList(from, rules.size()), providers, subs));
        starts.add(from);
        return new Parts(indexes.toArray(Index[]::new), starts.stream().mapToInt(Integer::intValue).toArray(),
                passable.clone());
    }

    int count() {
        return indexes.length;
    }

    Index index(int part) {
        return indexes[part];
    }

    /** The list position of the part's first rule. */
    int start(int part) {
        return starts[part];
    }

    /** Whether the flows rule {@code i} decides may go on to the next rule. */
    boolean passable(int i) {
        return passable[i];
    }

    boolean mayPass() {
        for (boolean p : passable) {
            if (p) {
                return true;
            }
        }
        return false;
    }

    /** The first match in list order, whatever its target, when the address IP rules see is fixed; NONE without. */
    int firstMatch(Query q, String domain, InetAddress ip) {
        for (int p = 0; p < indexes.length; p++) {
            int j = indexes[p].firstMatch(q, domain, ip);
            if (j != Index.NONE) {
                return starts[p] + j;
            }
        }
        return Index.NONE;
    }

    /** The first rule that makes a name be looked up ({@link Index#resolveAt}), as a list position, or NONE. */
    int resolveAt() {
        return resolveAt;
    }

    /** The first rule that looks at the owning process ({@link Index#processAt}), as a list position, or NONE. */
    int processAt() {
        return processAt;
    }

    /** The first part's answer that is not NONE, as a list position; NONE when no part has one. */
    private int firstOfAnyPart(ToIntFunction<Index> at) {
        for (int p = 0; p < indexes.length; p++) {
            int i = at.applyAsInt(indexes[p]);
            if (i != Index.NONE) {
                return starts[p] + i;
            }
        }
        return Index.NONE;
    }
}
