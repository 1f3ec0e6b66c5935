package dev.turnout.rules;

import java.net.InetAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.ToIntFunction;

/**
 * A rule list cut after each rule whose flows may pass on to the next rule (mihomo's PASS: a target that is PASS, or
 * a group whose choice may be PASS when the flow comes, or a group without UDP for a UDP flow), one {@link Index} per
 * part. An index answers only "the first rule that matches", so a flow that passes goes on in the next part. A list
 * without such rules is one part, matched as before.
 *
 * <p>A list is cut only where a run of passable rules naming the same target ends: a flow that passes one of
 * them passes the rest too, so they are one part. ACL4SSR's 10,409 rules, with every proxy group lacking UDP (a
 * subscription's ss nodes without {@code udp: true}), were thousands of parts walked for every flow: 445 µs a
 * decision (DecideBenchmark, median of 3; 22 parts now). With more than a few parts they also keep the whole list in
 * one index ({@link #all}), which decides nearly every flow in one look (nothing passes a TCP flow); the parts are
 * walked only after a rule that passed.
 */
final class Parts {

    /**
     * Up to this many parts are walked for every flow; more get {@link #all} besides, whose tables cost up to as much
     * again: Loyalsoldier's example with its proxy groups lacking UDP is 3 parts, walked in 180 ns a decision in
     * 5.4 MB, or 90 ns in 13.2 MB with the whole list in one index; ACL4SSR's is 22 parts, 1,519 ns in 4.4 MB, or
     * 80 ns in 5.1 MB (DecideBenchmark and RetainedHeap, "-udpless", one run each on a loaded machine).
     */
    static final int WALKED_PARTS = 4;

    private final Index[] indexes;
    private final int[] starts;
    private final boolean[] passable;
    private final Index all;
    // Asked for every flow (RuleSet.mayResolve, needsProcess): worked out once.
    private final int resolveAt;
    private final int processAt;

    private Parts(Index[] indexes, int[] starts, boolean[] passable, Index all) {
        this.indexes = indexes;
        this.starts = starts;
        this.passable = passable;
        this.all = all;
        this.resolveAt = firstOfAnyPart(Index::resolveAt);
        this.processAt = firstOfAnyPart(Index::processAt);
    }

    /**
     * The parts of a rule list (the main rules, or a sub-rules list): cut where a run of passable rules naming one
     * target ends, with {@link #all} besides when there are more than {@link #WALKED_PARTS}.
     *
     * @param passable per rule, whether a flow it decides may go on to the next rule
     * @param targets per rule, its target (a SUB-RULE's is not looked at: it is never in a run)
     */
    static Parts build(List<Rule> rules, boolean[] passable, String[] targets,
                       Map<String, ProviderParser.Parsed> providers, SubRules subs) {
        List<Index> indexes = new ArrayList<>();
        List<Integer> starts = new ArrayList<>();
        int from = 0;
        for (int i = 0; i < rules.size(); i++) {
            if (passable[i] && i + 1 < rules.size() && !sameRun(rules, passable, targets, i)) {
                indexes.add(Index.build(rules.subList(from, i + 1), providers, subs));
                starts.add(from);
                from = i + 1;
            }
        }
        indexes.add(Index.build(rules.subList(from, rules.size()), providers, subs));
        starts.add(from);
        Index all = indexes.size() == 1 ? indexes.get(0)
                : indexes.size() > WALKED_PARTS ? Index.build(rules, providers, subs) : null;
        return new Parts(indexes.toArray(Index[]::new), starts.stream().mapToInt(Integer::intValue).toArray(),
                passable.clone(), all);
    }

    /** Whether passable rule {@code i} and the next are in one run: a flow passing one passes the other. */
    private static boolean sameRun(List<Rule> rules, boolean[] passable, String[] targets, int i) {
        return passable[i + 1] && targets[i].equals(targets[i + 1])
                && !(rules.get(i) instanceof Rule.SubRule) && !(rules.get(i + 1) instanceof Rule.SubRule);
    }

    /** All the rules in one index, when they are one part or more than {@link #WALKED_PARTS}; else null. */
    Index all() {
        return all;
    }

    /** The part rule {@code i} is in. */
    int partOf(int i) {
        int p = java.util.Arrays.binarySearch(starts, i);
        return p >= 0 ? p : -p - 2;
    }

    /** The list position of the part's last rule. */
    int end(int part) {
        return part + 1 < starts.length ? starts[part + 1] - 1 : passable.length - 1;
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
        if (all != null) {
            return all.firstMatch(q, domain, ip); // one look: a SUB-RULE's condition asks this of its list per flow
        }
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
