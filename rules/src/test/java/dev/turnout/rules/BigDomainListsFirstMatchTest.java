package dev.turnout.rules;

import static dev.turnout.rules.Rules.compile;
import static dev.turnout.rules.Rules.domain;
import static dev.turnout.rules.Rules.text;
import static dev.turnout.rules.Rules.yaml;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Domain lists the size of real ones (thousands of entries, the same names in several lists and rules, names
 * whose hashes collide, names outside ASCII) decide exactly as a walk of the rules in order would: the first rule
 * whose list covers the name wins, and a name no list covers matches nothing.
 */
class BigDomainListsFirstMatchTest {

    private static final int N = 3000;

    /** {@code n} names, every third one as {@code +.} (the name and below), the others exact. */
    private static String payload(String prefix, int n) {
        StringBuilder y = new StringBuilder("payload:\n");
        for (int i = 0; i < n; i++) {
            y.append("  - '").append(i % 3 == 0 ? "+." : "").append(prefix).append(i).append(".example.com'\n");
        }
        return y.toString();
    }

    private static int decide(RuleSet s, String name) {
        return s.decide(domain(name), NameResolver.NONE).index();
    }

    @Test
    void everyNameOfABigListMatchesItsRuleAndNothingElseDoes() throws Exception {
        RuleSet s = compile(Map.of("big", yaml("big", Behavior.DOMAIN, payload("n", N))),
                "DOMAIN,first.example.com,GROUP", "RULE-SET,big,PROXY", "MATCH,GROUP");
        for (int i = 0; i < N; i++) {
            assertEquals(1, decide(s, "n" + i + ".example.com"), "n" + i);
            assertEquals(i % 3 == 0 ? 1 : 2, decide(s, "www.n" + i + ".example.com"), "below n" + i);
        }
        assertEquals(2, decide(s, "n" + N + ".example.com"));
        assertEquals(2, decide(s, "example.com"));
        assertEquals(0, decide(s, "first.example.com"));
    }

    @Test
    void aNameInSeveralListsAndRulesIsDecidedByTheFirstOfThem() throws Exception {
        Map<String, ProviderSource> p = new LinkedHashMap<>();
        p.put("one", yaml("one", Behavior.DOMAIN, payload("n", N)));
        p.put("two", yaml("two", Behavior.DOMAIN, payload("n", 2 * N)));
        p.put("three", text("three", Behavior.DOMAIN, "n5.example.com\n+.n7.example.com\n+.n3001.example.com\n"));
        RuleSet s = compile(p, "DOMAIN-SUFFIX,n4.example.com,GROUP", "RULE-SET,three,GROUP", "RULE-SET,one,PROXY",
                "RULE-SET,two,GROUP", "DOMAIN,n2.example.com,PROXY");
        assertEquals(0, decide(s, "n4.example.com"));
        assertEquals(0, decide(s, "a.n4.example.com"));
        assertEquals(1, decide(s, "n5.example.com"));
        assertEquals(1, decide(s, "x.n7.example.com"), "+. in the text list before the exact one in 'one'");
        assertEquals(1, decide(s, "n3001.example.com"));
        assertEquals(1, decide(s, "n7.example.com"), "+. covers the name itself");
        assertEquals(2, decide(s, "n8.example.com"));
        assertEquals(2, decide(s, "n2.example.com"));
        assertEquals(2, decide(s, "n0.example.com"));
        assertEquals(2, decide(s, "a.n3.example.com"), "+.n3 is in 'one' and 'two': the first decides");
        assertEquals(3, decide(s, "n4000.example.com"));
        assertEquals(3, decide(s, "a.n3003.example.com"));
        assertEquals(-1, decide(s, "a.n3004.example.com"), "n3004 is exact in 'two'");
        assertEquals(-1, decide(s, "a.n3002.example.com"), "n3002 is exact in 'two'");
    }

    @Test
    void aListNamedTwiceAndInsideALogicalRuleKeepsItsPlace() throws Exception {
        RuleSet s = compile(Map.of("big", yaml("big", Behavior.DOMAIN, payload("n", N))),
                "AND,((RULE-SET,big),(NETWORK,UDP)),GROUP", "RULE-SET,big,PROXY", "RULE-SET,big,GROUP");
        for (int i = 0; i < N; i += 7) {
            String name = (i % 3 == 0 ? "a." : "") + "n" + i + ".example.com";
            assertEquals(1, decide(s, name), name);
            assertEquals(0, s.decide(new Query(Network.UDP, name, null, 53, null, 0, null), NameResolver.NONE)
                    .index(), name);
        }
        assertEquals(-1, decide(s, "a.n1.example.com"));
        for (int i = 1; i < N; i += 3) { // exact names: nothing below them is in the list, also past the 8th key
            String below = "a.n" + i + ".example.com";
            assertEquals(-1, s.decide(new Query(Network.UDP, below, null, 53, null, 0, null), NameResolver.NONE)
                    .index(), below);
        }
    }

    @Test
    void aNameInTwoYamlListsAsExactAndAsSuffixKeepsBoth() throws Exception {
        Map<String, ProviderSource> p = new LinkedHashMap<>();
        p.put("exact", yaml("exact", Behavior.DOMAIN, "payload:\n  - 'k.com'\n  - 'pfrxlim.com'\n"));
        p.put("suffix", yaml("suffix", Behavior.DOMAIN, "payload:\n  - '+.k.com'\n  - '+.httoksc.com'\n"));
        RuleSet s = compile(p, "RULE-SET,exact,GROUP", "RULE-SET,suffix,PROXY");
        assertEquals(0, decide(s, "k.com"));
        assertEquals(1, decide(s, "x.k.com"));
        assertEquals(0, decide(s, "pfrxlim.com"));
        assertEquals(-1, decide(s, "x.pfrxlim.com"), "its hash is httoksc.com's, not its name");
        assertEquals(1, decide(s, "httoksc.com"));
        assertEquals(1, decide(s, "x.httoksc.com"));
    }

    @Test
    void anIpv6PrefixLongerThan64BitsLooksAtItsLowHalf() throws Exception {
        RuleSet s = compile("IP-CIDR6,2001:db8::8000:0:0:0/65,PROXY,no-resolve",
                "IP-CIDR6,2001:db8::4000:0:0:0/66,GROUP,no-resolve");
        assertEquals(0, s.decide(Rules.ip("2001:db8::8000:0:0:1"), NameResolver.NONE).index());
        assertEquals(1, s.decide(Rules.ip("2001:db8::4000:0:0:1"), NameResolver.NONE).index());
        assertEquals(-1, s.decide(Rules.ip("2001:db8::1"), NameResolver.NONE).index());
        assertEquals(0, s.decide(Rules.ip("2001:db8::c000:0:0:1"), NameResolver.NONE).index());
        assertEquals(1, s.decide(Rules.ip("2001:db8::6000:0:0:1"), NameResolver.NONE).index());
    }

    @Test
    void namesWhoseHashesCollideAreStillTold() throws Exception {
        // Both have the hash 2441308583 (31-polynomial from the right, as the table takes it).
        String listed = "pfrxlim.com";
        String other = "httoksc.com";
        assertEquals(DomainTable.hash(listed), DomainTable.hash(other));
        for (String rules : new String[] {"DOMAIN-SUFFIX," + listed + ",PROXY", "RULE-SET,p,PROXY"}) {
            RuleSet s = compile(Map.of("p", yaml("p", Behavior.DOMAIN, "payload:\n  - '+." + listed + "'\n")),
                    rules);
            assertEquals(0, decide(s, listed), rules);
            assertEquals(0, decide(s, "a." + listed), rules);
            assertEquals(-1, decide(s, other), rules);
            assertEquals(-1, decide(s, "a." + other), rules);
        }
        RuleSet both = compile(Map.of("p", yaml("p", Behavior.DOMAIN, "payload:\n  - '" + other + "'\n")),
                "DOMAIN," + listed + ",GROUP", "RULE-SET,p,PROXY");
        assertEquals(0, decide(both, listed));
        assertEquals(1, decide(both, other));
    }

    @Test
    void namesOutsideAsciiInADomainSetMatchAsWrittenAndInARuleAsPunycode() throws Exception {
        RuleSet s = compile(Map.of("p", yaml("p", Behavior.DOMAIN, "payload:\n  - '+.\u4f8b\u5b50.cn'\n"
                + "  - 'caf\u00e9.fr'\n  - '+.ascii.cn'\n")),
                "DOMAIN-SUFFIX,\u4e2d\u56fd,GROUP", "RULE-SET,p,PROXY");
        assertEquals(0, decide(s, "xn--fsqu00a.xn--fiqs8s"), "a DOMAIN-SUFFIX payload is punycode, as in mihomo");
        assertEquals(-1, decide(s, "\u4f8b\u5b50.\u4e2d\u56fd"));
        assertEquals(1, decide(s, "www.\u4f8b\u5b50.cn"));
        assertEquals(1, decide(s, "caf\u00e9.fr"));
        assertEquals(1, decide(s, "a.ascii.cn"));
        assertEquals(-1, decide(s, "cafe.fr"));
        assertEquals(-1, decide(s, "caf\u00c9x.fr"));
        assertEquals(-1, decide(s, "\u4f8b\u5b51.cn"));
    }
}
