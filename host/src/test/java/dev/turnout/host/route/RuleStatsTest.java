package dev.turnout.host.route;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

/** Hits are counted per rule; a rule's misses are the flows a later rule, or none, decided. */
class RuleStatsTest {

    @Test
    void aRuleMissesEveryFlowDecidedAfterItAndNoneDecidedBeforeIt() throws Exception {
        RuleStats stats = new RuleStats(3);
        stats.decided(0);
        stats.decided(2);
        stats.decided(2);
        Thread.sleep(5);
        stats.decided(-1); // no rule matched
        List<RuleStats.Entry> e = stats.entries();
        assertEquals(List.of(1L, 0L, 2L), e.stream().map(RuleStats.Entry::hitCount).toList());
        assertEquals(List.of(3L, 3L, 1L), e.stream().map(RuleStats.Entry::missCount).toList());
        assertEquals(0, e.get(1).hitAt(), "never decided anything");
        assertTrue(e.get(0).missAt() == e.get(2).missAt() && e.get(2).missAt() > e.get(2).hitAt(),
                "a miss is as recent as the latest flow decided after the rule: " + e);
    }

    @Test
    void anIndexBeyondTheRulesCountsAsNoMatch() {
        RuleStats stats = new RuleStats(1);
        stats.decided(5);
        assertEquals(new RuleStats.Entry(0, 0, 1, stats.entries().get(0).missAt()), stats.entries().get(0));
    }
}
