package dev.turnout.rules;

import static dev.turnout.rules.Rules.addr;
import static dev.turnout.rules.Rules.lines;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * SUB-RULE as mihomo's rules/logic (Match, matchSubRules) and config (verifySubRule) have it: the condition holds
 * and the named list has a match, whose target decides; otherwise matching goes on after the SUB-RULE line.
 */
class SubRuleTest {

    private static final Set<String> TARGETS = Set.of("ss1", "PROXY");

    private static List<RuleLine> list(int firstLine, String... texts) {
        List<RuleLine> out = new ArrayList<>();
        for (int i = 0; i < texts.length; i++) {
            out.add(new RuleLine(texts[i], new Origin("config.yaml", firstLine + i, 7)));
        }
        return out;
    }

    /** mihomo's documented example (docs/config.yaml), with the two paths its diagram draws. */
    private static RuleSet documented() throws RuleException {
        Map<String, List<RuleLine>> subs = new LinkedHashMap<>();
        subs.put("sub-rule-name1", list(100, "DOMAIN,google.com,ss1", "DOMAIN,baidu.com,DIRECT"));
        subs.put("sub-rule-name2", list(110, "IP-CIDR,1.1.1.1/32,REJECT", "IP-CIDR,8.8.8.8/32,ss1",
                "DOMAIN,dns.alidns.com,REJECT"));
        return RuleSet.compile(lines("DOMAIN-SUFFIX,example.com,PROXY",
                "SUB-RULE,(OR,((NETWORK,TCP),(NETWORK,UDP))),sub-rule-name1",
                "SUB-RULE,(AND,((NETWORK,UDP))),sub-rule-name2"), Map.of(), TARGETS, subs);
    }

    @Test
    void theDocumentedExampleDecidesAsItsDiagramSays() throws Exception {
        RuleSet s = documented();
        Query baidu = new Query(Network.TCP, "baidu.com", null, 443, null, 0, null);
        assertEquals(new Decision("DIRECT", "DOMAIN,baidu.com", 1), s.decide(baidu, NameResolver.NONE));
        Query google = new Query(Network.UDP, "google.com", null, 443, null, 0, null);
        assertEquals(new Decision("ss1", "DOMAIN,google.com", 1), s.decide(google, NameResolver.NONE));
        // DNS to 1.1.1.1: name1's condition holds but nothing in it matches, so name2 (UDP) decides.
        Query dns = new Query(Network.UDP, null, addr("1.1.1.1"), 53, null, 0, null);
        assertEquals(new Decision("REJECT", "IP-CIDR,1.1.1.1/32", 2), s.decide(dns, NameResolver.NONE));
        // TCP to 1.1.1.1: name1 has no match, name2's condition fails: no rule.
        Query tcp = new Query(Network.TCP, null, addr("1.1.1.1"), 443, null, 0, null);
        assertEquals(Decision.NO_MATCH, s.decide(tcp, NameResolver.NONE));
    }

    @Test
    void aListenersListDecidesAloneAndLooksANameUpOnlyWhereAListHasAnIpRule() throws Exception {
        RuleSet s = documented();
        List<String> asked = new ArrayList<>();
        NameResolver resolver = name -> {
            asked.add(name);
            return List.of(addr("8.8.8.8"));
        };
        Query example = new Query(Network.TCP, "example.com", null, 443, null, 0, null);
        assertEquals(new Decision("PROXY", "DOMAIN-SUFFIX,example.com", 0), s.decide(example, resolver));
        assertEquals(Decision.NO_MATCH, s.decideIn("sub-rule-name1", example, resolver),
                "the main rules are not read: nothing in the list matches");
        Query google = new Query(Network.TCP, "google.com", null, 443, null, 0, null);
        assertEquals(new Decision("ss1", "DOMAIN,google.com", -1), s.decideIn("sub-rule-name1", google, resolver));
        Query resolved = new Query(Network.TCP, "dns.google", null, 53, null, 0, null);
        assertEquals(new Decision("ss1", "IP-CIDR,8.8.8.8/32", -1), s.decideIn("sub-rule-name2", resolved, resolver),
                "TCP, though the main rules send only UDP to this list");
        assertEquals(List.of("example.com", "google.com", "dns.google"), asked, "a list holds an IP rule");
        assertTrue(s.hasSubRules("sub-rule-name2"));
        assertThrows(IllegalArgumentException.class, () -> s.decideIn("nope", google, resolver));
    }

    @Test
    void nestedListsDecideAndAnEmptyNestedMatchGoesOnInTheOuterList() throws Exception {
        Map<String, List<RuleLine>> subs = new LinkedHashMap<>();
        subs.put("outer", list(100, "SUB-RULE,(DST-PORT,443),inner", "DOMAIN-SUFFIX,example.org,PROXY",
                "MATCH,REJECT"));
        subs.put("inner", list(110, "DOMAIN,a.example.org,ss1"));
        RuleSet s = RuleSet.compile(lines("SUB-RULE,(NETWORK,TCP),outer", "MATCH,DIRECT"), Map.of(), TARGETS, subs);
        NameResolver none = NameResolver.NONE;
        assertEquals(new Decision("ss1", "DOMAIN,a.example.org", 0),
                s.decide(new Query(Network.TCP, "a.example.org", null, 443, null, 0, null), none));
        assertEquals(new Decision("PROXY", "DOMAIN-SUFFIX,example.org", 0),
                s.decide(new Query(Network.TCP, "b.example.org", null, 443, null, 0, null), none));
        assertEquals(new Decision("REJECT", "MATCH", 0),
                s.decide(new Query(Network.TCP, "x.test", null, 80, null, 0, null), none));
        assertEquals(new Decision("DIRECT", "MATCH", 1),
                s.decide(new Query(Network.UDP, "a.example.org", null, 443, null, 0, null), none));
    }

    @Test
    void anIpRuleInTheListMakesTheSubRuleResolveAsMihomosShouldResolveIp() throws Exception {
        Map<String, List<RuleLine>> subs = Map.of("ips", list(100, "IP-CIDR,192.0.2.0/24,ss1"));
        RuleSet s = RuleSet.compile(lines("SUB-RULE,(NETWORK,TCP),ips"), Map.of(), TARGETS, subs);
        assertTrue(s.mayResolve());
        Query q = new Query(Network.TCP, "example.org", null, 443, null, 0, null);
        assertEquals(new Decision("ss1", "IP-CIDR,192.0.2.0/24", 0), s.decide(q, d -> List.of(addr("192.0.2.9"))));
    }

    @Test
    void unknownListsUnknownTargetsAndCyclesAreAllNamedWithFileLineAndColumn() {
        Map<String, List<RuleLine>> subs = new LinkedHashMap<>();
        subs.put("a", list(100, "SUB-RULE,(NETWORK,TCP),b"));
        subs.put("b", list(110, "DOMAIN,x.test,NOWHERE", "SUB-RULE,(NETWORK,UDP),a"));
        RuleException e = assertThrows(RuleException.class, () -> RuleSet.compile(
                lines("SUB-RULE,(NETWORK,TCP),missing"), Map.of(), TARGETS, subs));
        List<String> problems = e.problems().stream().map(Throwable::getMessage).toList();
        assertEquals(3, problems.size(), problems.toString());
        assertTrue(problems.contains("config.yaml:110:7: unknown target 'NOWHERE': no proxy, group, DIRECT or REJECT"
                + " has that name"), problems.toString());
        assertTrue(problems.contains("config.yaml:111:7: sub-rules cycle: a -> b -> a"), problems.toString());
        assertTrue(problems.contains("config.yaml:10:5: SUB-RULE names unknown sub-rule 'missing': 'sub-rules:' has"
                + " [a, b]"), problems.toString());
    }

    @Test
    void subRuleIsRefusedInsideLogicalRulesAndNeedsOneConditionInParentheses() {
        Map<String, List<RuleLine>> subs = Map.of("s", list(100, "MATCH,DIRECT"));
        RuleException inLogical = assertThrows(RuleException.class, () -> RuleSet.compile(
                lines("AND,((SUB-RULE,(NETWORK,TCP)),(NETWORK,TCP)),PROXY"), Map.of(), TARGETS, subs));
        assertTrue(inLogical.getMessage().contains("cannot appear inside"), inLogical.getMessage());
        RuleException bare = assertThrows(RuleException.class, () -> RuleSet.compile(
                lines("SUB-RULE,NETWORK,s"), Map.of(), TARGETS, subs));
        assertTrue(bare.getMessage().startsWith("config.yaml:10:14: SUB-RULE needs one condition in parentheses"),
                bare.getMessage());
    }
}
