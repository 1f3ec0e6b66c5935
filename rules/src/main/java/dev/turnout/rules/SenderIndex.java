package dev.turnout.rules;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The part of an {@link Index} for rules about who sent a flow and how it came in: one table per fact (a port
 * table, hash maps for names, range tables for user ids and DSCP), so a decision costs one lookup per fact
 * present in the rules, whatever their number.
 */
final class SenderIndex {

    private PortTable inPorts;
    private Map<String, Integer> inTypes;
    private Map<String, Integer> inNames;
    private Map<String, Integer> inUsers;
    private Map<String, Integer> processPaths;
    /** PROCESS-NAME-REGEX and PROCESS-PATH-REGEX, in rule order: the first that matches is the lowest. */
    private List<Rule.ProcessRegex> processRegexes;
    private List<Integer> processRegexIdx;
    private RangeTable uids;
    private RangeTable dscps;

    static boolean handles(Rule rule) {
        return rule instanceof Rule.InPort || rule instanceof Rule.InType || rule instanceof Rule.InName
                || rule instanceof Rule.InUser || rule instanceof Rule.ProcessPath || rule instanceof Rule.Uid
                || rule instanceof Rule.Dscp || rule instanceof Rule.ProcessRegex;
    }

    /** Whether matching this rule needs the owning process looked up (mihomo's ShouldFindProcess). */
    static boolean needsProcess(Rule rule, Map<String, ProviderParser.Parsed> providers) {
        if (rule instanceof Rule.Process || rule instanceof Rule.ProcessPath || rule instanceof Rule.Uid
                || rule instanceof Rule.ProcessRegex) {
            return true;
        }
        if (rule instanceof Rule.SetRef s) {
            ProviderParser.Parsed p = providers.get(s.provider());
            return p != null && p.behavior() == Behavior.CLASSICAL
                    && p.entries().stream().anyMatch(e -> needsProcess(e, providers));
        }
        if (rule instanceof Rule.Logical l) {
            return l.children().stream().anyMatch(c -> needsProcess(c, providers));
        }
        return false;
    }

    void add(Rule rule, int i) {
        if (rule instanceof Rule.InPort r) {
            inPorts = inPorts == null ? new PortTable() : inPorts;
            inPorts.add(r.ranges(), i);
        } else if (rule instanceof Rule.InType r) {
            inTypes = put(inTypes, r.types(), i);
        } else if (rule instanceof Rule.InName r) {
            inNames = put(inNames, r.names(), i);
        } else if (rule instanceof Rule.InUser r) {
            inUsers = put(inUsers, r.users(), i);
        } else if (rule instanceof Rule.ProcessPath r) {
            processPaths = put(processPaths, List.of(r.path()), i);
        } else if (rule instanceof Rule.ProcessRegex r) {
            processRegexes = processRegexes == null ? new ArrayList<>() : processRegexes;
            processRegexIdx = processRegexIdx == null ? new ArrayList<>() : processRegexIdx;
            processRegexes.add(r);
            processRegexIdx.add(i);
        } else if (rule instanceof Rule.Uid r) {
            uids = uids == null ? new RangeTable() : uids;
            uids.add(r.ranges(), i);
        } else if (rule instanceof Rule.Dscp r) {
            dscps = dscps == null ? new RangeTable() : dscps;
            dscps.add(r.ranges(), i);
        } else {
            throw new IllegalArgumentException(String.valueOf(rule));
        }
    }

    private static Map<String, Integer> put(Map<String, Integer> map, Iterable<String> keys, int i) {
        Map<String, Integer> m = map == null ? new HashMap<>() : map;
        for (String k : keys) {
            m.merge(k, i, Math::min);
        }
        return m;
    }

    void build() {
        if (inPorts != null) {
            inPorts.build();
        }
        if (uids != null) {
            uids.build();
        }
        if (dscps != null) {
            dscps.build();
        }
    }

    /** The lowest index among these rules that matches {@code q}, or {@link Index#NONE}. */
    int lookup(Query q) {
        Sender s = q.sender();
        int best = Index.NONE;
        if (inPorts != null && s.inboundPort() > 0 && s.inboundPort() <= 65535) {
            best = Math.min(best, inPorts.lookup(s.inboundPort()));
        }
        best = Math.min(best, get(inTypes, s.inboundType()));
        best = Math.min(best, get(inNames, s.inboundName()));
        best = Math.min(best, get(inUsers, s.inboundUser()));
        if (processPaths != null && s.processPath() != null) {
            best = Math.min(best, get(processPaths, s.processPath().toLowerCase(Locale.ROOT)));
        }
        if (processRegexes != null) {
            best = Math.min(best, firstRegex(q.process(), s.processPath()));
        }
        if (uids != null) {
            best = Math.min(best, uids.lookup(s.uid()));
        }
        if (dscps != null) {
            best = Math.min(best, dscps.lookup(s.dscp()));
        }
        return best;
    }

    /** The index of the first process regex found in the name or path it looks at; rules were added in order. */
    private int firstRegex(String name, String path) {
        for (int k = 0; k < processRegexes.size(); k++) {
            Rule.ProcessRegex r = processRegexes.get(k);
            String subject = r.path() ? path : name;
            if (subject != null && r.pattern().matcher(subject).find()) {
                return processRegexIdx.get(k);
            }
        }
        return Index.NONE;
    }

    private static int get(Map<String, Integer> map, String key) {
        if (map == null || key == null) {
            return Index.NONE;
        }
        Integer i = map.get(key);
        return i == null ? Index.NONE : i;
    }
}
