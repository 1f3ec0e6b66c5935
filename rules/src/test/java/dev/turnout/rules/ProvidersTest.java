package dev.turnout.rules;

import static dev.turnout.rules.Rules.compile;
import static dev.turnout.rules.Rules.domain;
import static dev.turnout.rules.Rules.ip;
import static dev.turnout.rules.Rules.text;
import static dev.turnout.rules.Rules.yaml;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ProvidersTest {

    private static final String DOMAINS = """
            payload:
              - 'exact.com'
              - '+.plus.com'
              - '.dot.com'
              - '*.star.com'
              - 'a.*.mid.com'
            """;

    @Test
    void domainProviderSyntax() throws Exception {
        RuleSet s = compile(Map.of("d", yaml("d", Behavior.DOMAIN, DOMAINS)), "RULE-SET,d,PROXY");
        String[] hits = {"exact.com", "plus.com", "x.y.plus.com", "a.dot.com", "a.b.dot.com", "x.star.com",
            "a.b.mid.com", "EXACT.com."};
        String[] misses = {"www.exact.com", "dot.com", "star.com", "x.y.star.com", "a.b.c.mid.com", "b.a.mid.com",
            "xplus.com"};
        for (String h : hits) {
            assertEquals(new Decision("PROXY", "RULE-SET,d", 0), s.decide(domain(h), NameResolver.NONE), h);
        }
        for (String m : misses) {
            assertEquals(-1, s.decide(domain(m), NameResolver.NONE).index(), m);
        }
    }

    @Test
    void textFormatSkipsCommentsAndBlankLines() throws Exception {
        RuleSet s = compile(Map.of("c", text("c", Behavior.CLASSICAL, """
                # comment
                DOMAIN-SUFFIX,example.com

                IP-CIDR,192.0.2.0/24,no-resolve
                URL-REGEX,^http://
                """)), "RULE-SET,c,GROUP");
        assertEquals(0, s.decide(domain("a.example.com"), NameResolver.NONE).index());
        assertEquals(0, s.decide(ip("192.0.2.1"), NameResolver.NONE).index());
        assertTrue(s.warnings().stream().anyMatch(w -> w.contains("c.txt:5:1") && w.contains("URL-REGEX")),
                s.warnings().toString());
        assertTrue(!s.mayResolve(), "the only IP entry has no-resolve");
    }

    @Test
    void ipcidrProviderResolvesUnlessTheRuleSaysNoResolve() throws Exception {
        Map<String, ProviderSource> p = Map.of("ips", text("ips", Behavior.IPCIDR, "192.0.2.0/24\n2001:db8::/32\n"));
        RuleSet s = compile(p, "RULE-SET,ips,PROXY");
        assertEquals(0, s.decide(domain("x.com"), d -> List.of(Rules.addr("2001:db8::5"))).index());
        RuleSet n = compile(p, "RULE-SET,ips,PROXY,no-resolve");
        assertEquals(-1, n.decide(domain("x.com"), d -> List.of(Rules.addr("192.0.2.5"))).index());
        assertEquals(0, n.decide(ip("192.0.2.5"), NameResolver.NONE).index());
    }

    @Test
    void emptyProviderIsAWarning() throws Exception {
        RuleSet s = compile(Map.of("e", yaml("e", Behavior.DOMAIN, "payload:\n")), "RULE-SET,e,PROXY");
        assertTrue(s.warnings().stream().anyMatch(w -> w.contains("'e' is empty")), s.warnings().toString());
    }

    @Test
    void ruleSetInsideLogicalRule() throws Exception {
        RuleSet s = compile(Map.of("d", yaml("d", Behavior.DOMAIN, DOMAINS)),
                "AND,((RULE-SET,d),(NETWORK,udp)),PROXY");
        assertEquals(0, s.decide(new Query(Network.UDP, "plus.com", null, 1, null, 0, null),
                NameResolver.NONE).index());
        assertEquals(-1, s.decide(domain("plus.com"), NameResolver.NONE).index());
    }
}
