package dev.turnout.rules;

import static dev.turnout.rules.Rules.lines;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Warnings about what no rule uses count every way of using it (a sub-rule list reached from another list, a
 * provider named only in a SUB-RULE's condition); a decision made at a process rule while the process was not
 * known yet is one the process may change.
 */
class UnusedListsAndProcessDecisionsTest {

    private static List<RuleLine> list(int line, String... rules) {
        return rules.length == 0 ? List.of() : java.util.stream.IntStream.range(0, rules.length)
                .mapToObj(i -> new RuleLine(rules[i], new Origin("config.yaml", line + i, 7))).toList();
    }

    @Test
    void aListReachedOnlyFromAnotherListAndAProviderNamedOnlyInAConditionAreUsed() throws Exception {
        Map<String, List<RuleLine>> subs = Map.of(
                "outer", list(100, "SUB-RULE,(NETWORK,tcp),inner"),
                "inner", list(110, "DOMAIN,a.example,PROXY"),
                "spare", list(120, "DOMAIN,b.example,PROXY"));
        Map<String, ProviderSource> providers = Map.of("p", Rules.text("p", Behavior.DOMAIN, "c.example\n"));
        RuleSet s = RuleSet.compile(lines("SUB-RULE,(RULE-SET,p),outer"), providers, Rules.TARGETS, subs);
        assertEquals(List.of("config.yaml:120:7: sub-rule 'spare' is used by no SUB-RULE and no listener's 'rule'"),
                s.warnings());
    }

    @Test
    void aDecisionAtAProcessRuleMadeWithoutTheProcessMayChangeOnceItIsKnown() throws Exception {
        RuleSet s = Rules.compile("DOMAIN,a.example,PROXY", "NOT,((PROCESS-NAME,curl)),GROUP", "MATCH,DIRECT");
        Decision d = s.decide(Rules.domain("b.example"), NameResolver.NONE);
        assertEquals(1, d.index(), "no process known: NOT curl holds");
        assertTrue(s.needsProcess(d), "curl would not take this rule");
        assertEquals(false, s.needsProcess(s.decide(Rules.domain("a.example"), NameResolver.NONE)));
    }
}
