package dev.turnout.rules;

import static dev.turnout.rules.Rules.compile;
import static dev.turnout.rules.Rules.domain;
import static dev.turnout.rules.Rules.ip;
import static dev.turnout.rules.Rules.text;
import static dev.turnout.rules.Rules.yaml;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
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
    void aSetRuleSaysHowManyEntriesItStandsForAndOtherRulesSayMinusOne() throws Exception {
        RuleSet s = compile(Map.of("d", yaml("d", Behavior.DOMAIN, DOMAINS)), "DOMAIN,a.test,PROXY", "RULE-SET,d,PROXY",
                "GEOIP,LAN,DIRECT", "MATCH,GROUP");
        assertEquals(-1, s.entries(0));
        assertEquals(5, s.entries(1), "the provider's five entries");
        assertEquals(GeoRules.LAN.size(), s.entries(2), "LAN's ranges");
        assertEquals(-1, s.entries(3));
    }

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
    void aProviderGivenAsUtf8BytesCompilesAsTheSameTextDoes() throws Exception {
        // The host hands file providers over as bytes; each layout must read from them as from the text: the simple
        // YAML layout, YAML that only SnakeYAML reads (flow style, a double-quoted escape), one entry a line.
        String flow = "payload: ['exact.com', \"+.plus.com\", '.dot.com', \"caf\\u00e9.com\"]\n";
        String lines = "DOMAIN-SUFFIX,plus.com\n# comment\nDOMAIN,exact.com\nDOMAIN,caf\u00e9.com\n";
        String[] hits = {"exact.com", "x.plus.com", "a.dot.com"};
        for (String[] c : new String[][] {{"yaml", DOMAINS}, {"yaml", flow}, {"text", lines}}) {
            ProviderFormat format = c[0].equals("yaml") ? ProviderFormat.YAML : ProviderFormat.TEXT;
            Behavior behavior = c[1] == lines ? Behavior.CLASSICAL : Behavior.DOMAIN;
            ProviderSource asText = new ProviderSource("d", behavior, format, c[1], "d." + c[0], new Origin("c.yaml", 3, 5));
            ProviderSource asBytes = ProviderSource.utf8("d", behavior, format,
                    c[1].getBytes(java.nio.charset.StandardCharsets.UTF_8), "d." + c[0], new Origin("c.yaml", 3, 5));
            assertEquals(c[1], asBytes.content());
            RuleSet fromText = compile(Map.of("d", asText), "RULE-SET,d,PROXY");
            RuleSet fromBytes = compile(Map.of("d", asBytes), "RULE-SET,d,PROXY");
            for (String q : new String[] {"exact.com", "x.plus.com", "a.dot.com", "caf\u00e9.com", "www.exact.com", "dot.com"}) {
                assertEquals(fromText.decide(domain(q), NameResolver.NONE), fromBytes.decide(domain(q), NameResolver.NONE),
                        c[0] + " " + q);
            }
            for (String h : hits) {
                if (c[1] != lines || !h.equals("a.dot.com")) {
                    assertEquals(0, fromBytes.decide(domain(h), NameResolver.NONE).index(), c[0] + " " + h);
                }
            }
            // The same entries in the same places: the explanation names the entry's file, line and column.
            assertEquals(fromText.explanation(Map.of("d", asText)).walk(domain("x.plus.com"), NameResolver.NONE),
                    fromBytes.explanation(Map.of("d", asBytes)).walk(domain("x.plus.com"), NameResolver.NONE));
        }
        assertThrows(IllegalArgumentException.class, () -> ProviderSource.utf8("m", Behavior.DOMAIN, ProviderFormat.MRS,
                new byte[0], "m.mrs", new Origin("c.yaml", 1, 1)));
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
