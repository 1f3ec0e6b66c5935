package dev.turnout.rules;

import java.net.InetAddress;

/** A compiled AND/OR/NOT tree; leaves are small indexes of one sub-rule each (a RULE-SET leaf keeps its index). */
sealed interface Cond {

    /**
     * @param domain the normalised domain or null
     * @param ip the address IP sub-rules see: the destination, the resolved address, or null
     */
    boolean test(Query query, String domain, InetAddress ip);

    record And(Cond[] children) implements Cond {
        @Override
        public boolean test(Query query, String domain, InetAddress ip) {
            for (Cond c : children) {
                if (!c.test(query, domain, ip)) {
                    return false;
                }
            }
            return true;
        }
    }

    record Or(Cond[] children) implements Cond {
        @Override
        public boolean test(Query query, String domain, InetAddress ip) {
            for (Cond c : children) {
                if (c.test(query, domain, ip)) {
                    return true;
                }
            }
            return false;
        }
    }

    record Not(Cond child) implements Cond {
        @Override
        public boolean test(Query query, String domain, InetAddress ip) {
            return !child.test(query, domain, ip);
        }
    }

    record Leaf(Index index) implements Cond {
        @Override
        public boolean test(Query query, String domain, InetAddress ip) {
            return index.firstMatch(query, domain, ip) != Index.NONE;
        }
    }

    /**
     * {@code RULE-SET,NAME,TARGET,src}: the set's index asked about the flow with source and destination swapped
     * (addresses and ports; the name stays), as mihomo's RuleSet.Match swaps them around its provider's Match.
     */
    record Swapped(Index index) implements Cond {
        @Override
        public boolean test(Query query, String domain, InetAddress ip) {
            Query swapped = new Query(query.network(), query.domain(), query.source(), query.sourcePort(), ip,
                    query.destinationPort(), query.process(), query.sender());
            return index.firstMatch(swapped, domain, query.source()) != Index.NONE;
        }
    }

    /** A SUB-RULE: it holds when its condition does and its sub-rule list has a match for the same facts. */
    record Sub(Cond condition, Parts list) implements Cond {
        @Override
        public boolean test(Query query, String domain, InetAddress ip) {
            return condition.test(query, domain, ip) && list.firstMatch(query, domain, ip) != Index.NONE;
        }
    }
}
