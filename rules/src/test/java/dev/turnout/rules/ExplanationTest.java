package dev.turnout.rules;

import static dev.turnout.rules.Rules.addr;
import static dev.turnout.rules.Rules.compile;
import static dev.turnout.rules.Rules.lines;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/** {@code turnout match --explain}: the walk up to the deciding rule, and that it always agrees with the index. */
class ExplanationTest {

    private static List<String> render(List<Explanation.Step> steps) {
        return steps.stream().map(s -> "  ".repeat(s.depth()) + (s.rule() == null ? "" : s.rule() + ": ")
                + (s.matched() ? "MATCH " : "") + s.why()).toList();
    }

    @Test
    void aPassRuleLetsTheFlowGoOnToTheNextRuleAndSaysSo() throws Exception {
        // mihomo's PASS target (a config with one was refused: "unknown target 'PASS'").
        RuleSet s = compile("DOMAIN-SUFFIX,example.org,PASS", "MATCH,PASS", "DOMAIN,www.example.org,PROXY",
                "MATCH,DIRECT");
        Query q = new Query(Network.TCP, "www.example.org", null, 443, null, 0, null);
        assertEquals(2, s.decide(q, NameResolver.NONE).index());
        assertEquals("DIRECT", s.decide(new Query(Network.TCP, "other.test", null, 443, null, 0, null),
                NameResolver.NONE).target(), "a MATCH,PASS passes too");
        assertTrue(s.warnings().stream().noneMatch(w -> w.contains("never reached")), s.warnings()::toString);
        assertEquals(List.of(
                "DOMAIN-SUFFIX,example.org,PASS: its target is PASS: matching goes on to the next rule, as in mihomo",
                "MATCH,PASS: its target is PASS: matching goes on to the next rule, as in mihomo",
                "DOMAIN,www.example.org,PROXY: MATCH matches"), render(s.explanation(Map.of()).walk(q, NameResolver.NONE)));
    }

    @Test
    void aGeoipLanRuleIsNotCalledAProvider() throws Exception {
        // It is compiled as a set of ranges under a name no config can spell; --explain showed that name.
        RuleSet s = compile("GEOIP,LAN,PROXY", "MATCH,DIRECT");
        Query q = new Query(Network.TCP, null, Rules.addr("192.0.2.1"), 443, null, 0, null);
        assertEquals(List.of("GEOIP,LAN,PROXY: 192.0.2.1 is not in GEOIP,LAN", "MATCH,DIRECT: MATCH matches"),
                render(s.explanation(Map.of()).walk(q, NameResolver.NONE)));
    }

    @Test
    void eachRuleBeforeTheDecidingOneSaysWhyItDidNotMatch() throws Exception {
        RuleSet s = compile("DOMAIN,foo.com,REJECT", "DOMAIN-KEYWORD,ads,REJECT", "DST-PORT,25,REJECT",
                "IP-CIDR,10.0.0.0/8,GROUP,no-resolve", "IP-CIDR,192.0.2.0/24,GROUP", "DOMAIN-SUFFIX,example.org,PROXY",
                "MATCH,DIRECT");
        Query q = new Query(Network.TCP, "www.example.org", null, 443, null, 0, null);
        List<String> got = render(s.explanation(Map.of()).walk(q, d -> List.of(addr("198.51.100.7"))));
        assertEquals(List.of(
                "DOMAIN,foo.com,REJECT: www.example.org is not foo.com",
                "DOMAIN-KEYWORD,ads,REJECT: www.example.org does not contain 'ads'",
                "DST-PORT,25,REJECT: port 443 is not listed",
                "IP-CIDR,10.0.0.0/8,GROUP,no-resolve: no address, and no-resolve: the name is not resolved for it",
                "resolved www.example.org to 198.51.100.7 (this rule is the first that needs an address)",
                "IP-CIDR,192.0.2.0/24,GROUP: 198.51.100.7 is outside this range",
                "DOMAIN-SUFFIX,example.org,PROXY: MATCH matches"), got);
        assertEquals(5, s.decide(q, d -> List.of(addr("198.51.100.7"))).index());
    }

    @Test
    void aSubRuleShowsItsListOneLevelDeeperAndGoingOnWhenNothingInItMatches() throws Exception {
        Map<String, List<RuleLine>> subs = Map.of("web", lines("DOMAIN,a.test,PROXY", "DST-PORT,80,GROUP"));
        RuleSet s = RuleSet.compile(lines("SUB-RULE,(NETWORK,TCP),web", "MATCH,REJECT"), Map.of(),
                Rules.TARGETS, subs);
        Query q = new Query(Network.TCP, "b.test", null, 443, null, 0, null);
        assertEquals(List.of(
                "SUB-RULE,(NETWORK,TCP),web: condition holds: walking sub-rules 'web'",
                "  DOMAIN,a.test,PROXY: b.test is not a.test",
                "  DST-PORT,80,GROUP: port 443 is not listed",
                "SUB-RULE,(NETWORK,TCP),web: nothing in sub-rules 'web' matched: going on after it",
                "MATCH,REJECT: MATCH matches"), render(s.explanation(Map.of()).walk(q, NameResolver.NONE)));
        Query port80 = new Query(Network.TCP, "b.test", null, 80, null, 0, null);
        List<String> decided = render(s.explanation(Map.of()).walk(port80, NameResolver.NONE));
        assertEquals("  DST-PORT,80,GROUP: MATCH matches", decided.get(decided.size() - 2));
        assertEquals("SUB-RULE,(NETWORK,TCP),web: MATCH sub-rules 'web' decided", decided.get(decided.size() - 1));
        Query udp = new Query(Network.UDP, "b.test", null, 80, null, 0, null);
        assertEquals("SUB-RULE,(NETWORK,TCP),web: condition does not hold: the flow is UDP, not TCP",
                render(s.explanation(Map.of()).walk(udp, NameResolver.NONE)).get(0));
    }

    @Test
    void eachKindOfRuleSaysWhatItComparedWhenTheNameDoesNotResolve() throws Exception {
        Map<String, ProviderSource> providers = Map.of(
                "ips", Rules.text("ips", Behavior.IPCIDR, "203.0.113.0/24\n"),
                "names", Rules.text("names", Behavior.DOMAIN, "+.example.com\n"));
        RuleSet s = compile(providers, "DOMAIN-WILDCARD,*.example.com,PROXY", "DOMAIN-REGEX,^ads\\.,PROXY",
                "SRC-IP-CIDR,10.0.0.0/8,PROXY", "SRC-IP-SUFFIX,0.0.0.9/8,PROXY", "IP-SUFFIX,0.0.0.9/8,PROXY,no-resolve",
                "PROCESS-NAME,wget,PROXY", "SRC-PORT,25,PROXY", "AND,((NETWORK,udp),(DST-PORT,443)),PROXY",
                "RULE-SET,names,PROXY", "RULE-SET,ips,PROXY,no-resolve", "IP-CIDR,192.0.2.0/24,GROUP",
                "RULE-SET,ips,PROXY", "IP-SUFFIX,0.0.0.9/8,PROXY", "MATCH,GROUP");
        Query q = new Query(Network.TCP, "www.example.org", null, 443, addr("198.51.100.7"), 50000, "curl");
        assertEquals(List.of(
                "DOMAIN-WILDCARD,*.example.com,PROXY: www.example.org does not fit the wildcard *.example.com",
                "DOMAIN-REGEX,^ads\\.,PROXY: /^ads\\./ is not found in www.example.org",
                "SRC-IP-CIDR,10.0.0.0/8,PROXY: 198.51.100.7 is outside this range",
                "SRC-IP-SUFFIX,0.0.0.9/8,PROXY: 198.51.100.7 does not end in these bits",
                "IP-SUFFIX,0.0.0.9/8,PROXY,no-resolve: no address, and no-resolve: the name is not resolved for it",
                "PROCESS-NAME,wget,PROXY: the process is curl",
                "SRC-PORT,25,PROXY: port 50000 is not listed",
                "AND,((NETWORK,udp),(DST-PORT,443)),PROXY: AND does not hold",
                "RULE-SET,names,PROXY: no entry of provider 'names' matches",
                "RULE-SET,ips,PROXY,no-resolve: no entry of provider 'ips' matches (no address, and no-resolve: the "
                        + "name is not resolved for it)",
                "resolving www.example.org (this rule is the first that needs an address): no address",
                "IP-CIDR,192.0.2.0/24,GROUP: no address: the name did not resolve",
                "RULE-SET,ips,PROXY: no entry of provider 'ips' matches (no address: the name did not resolve)",
                "IP-SUFFIX,0.0.0.9/8,PROXY: no address: the name did not resolve",
                "MATCH,GROUP: MATCH matches"), render(s.explanation(providers).walk(q, d -> List.of())));
        assertEquals(13, s.decide(q, d -> List.of()).index());
    }

    @Test
    void aFlowWithoutNameSourceProcessOrPortSaysWhatIsUnknown() throws Exception {
        RuleSet s = compile("DOMAIN,a.test,PROXY", "DOMAIN-SUFFIX,a.test,PROXY", "DOMAIN-KEYWORD,ads,PROXY",
                "DOMAIN-WILDCARD,*.a.test,PROXY", "DOMAIN-REGEX,ads,PROXY", "SRC-IP-CIDR,10.0.0.0/8,PROXY",
                "SRC-IP-SUFFIX,0.0.0.9/8,PROXY", "DST-PORT,25,PROXY", "PROCESS-NAME,wget,PROXY",
                "IP-CIDR,192.0.2.0/24,GROUP", "IP-SUFFIX,0.0.0.9/8,PROXY", "MATCH,GROUP");
        Query q = new Query(Network.UDP, null, addr("203.0.113.5"), 0, null, 0, null);
        assertEquals(List.of(
                "DOMAIN,a.test,PROXY: the flow has no domain",
                "DOMAIN-SUFFIX,a.test,PROXY: the flow has no domain",
                "DOMAIN-KEYWORD,ads,PROXY: the flow has no domain",
                "DOMAIN-WILDCARD,*.a.test,PROXY: the flow has no domain",
                "DOMAIN-REGEX,ads,PROXY: the flow has no domain (and /ads/ does not match the empty name)",
                "SRC-IP-CIDR,10.0.0.0/8,PROXY: the source address is unknown",
                "SRC-IP-SUFFIX,0.0.0.9/8,PROXY: the source address is unknown",
                "DST-PORT,25,PROXY: the port is unknown",
                "PROCESS-NAME,wget,PROXY: the process is unknown",
                "IP-CIDR,192.0.2.0/24,GROUP: 203.0.113.5 is outside this range",
                "IP-SUFFIX,0.0.0.9/8,PROXY: 203.0.113.5 does not end in these bits",
                "MATCH,GROUP: MATCH matches"), render(s.explanation(Map.of()).walk(q, NameResolver.NONE)));
    }

    // ------------------------------------------------------------------ the real rule sets

    private static Path dir(String sub) {
        Optional<Path> root = SharedRulesets.find();
        assumeTrue(root.isPresent(), "../shared/rulesets not found (set -Dturnout.repo); skipping real rule sets");
        return root.get().resolve(sub);
    }

    @Test
    @Tag("real-rulesets") // ~25 s on this machine: left out of the mutation run (rules/pom.xml)
    void explainAgreesWithTheIndexOnTheLoyalsoldierConfig() throws Exception {
        Path root = dir("loyalsoldier-clash-rules");
        Loyalsoldier.Config c = Loyalsoldier.load(root);
        RuleSet s = RuleSet.compile(c.rules(), c.providers(), c.targets());
        agree(s, s.explanation(c.providers()), queries(root, 20261130L));
    }

    @Test
    @Tag("real-rulesets") // ~25 s on this machine: left out of the mutation run (rules/pom.xml)
    void explainAgreesWithTheIndexOnTheAcl4ssrExpansion() throws Exception {
        Path root = dir("acl4ssr");
        Acl4ssr.Expansion e = Acl4ssr.expand(root);
        RuleSet s = RuleSet.compile(e.rules(), Map.of(), e.groups());
        agree(s, s.explanation(Map.of()), queries(dir("loyalsoldier-clash-rules"), 20261201L));
    }

    private static void agree(RuleSet s, Explanation explanation, List<Query> queries) {
        int matched = 0;
        for (Query q : queries) {
            NameResolver dns = ExplanationTest::fakeDns;
            Decision d = s.decide(q, dns);
            List<Explanation.Step> steps = explanation.walk(q, dns);
            Explanation.Step last = steps.get(steps.size() - 1);
            if (d.index() < 0) {
                assertTrue(!last.matched() && last.rule() == null, q + ": " + last);
            } else {
                matched++;
                assertTrue(last.matched(), q + ": " + last);
                assertEquals(s.lines().get(d.index()).origin(), last.origin(), q + " decided by " + d);
                assertEquals(d.index() + 1, steps.stream().filter(x -> x.rule() != null && x.depth() == 0).count(),
                        q + ": every rule up to the deciding one, once");
            }
        }
        System.out.println("ExplanationTest: " + queries.size() + " queries, " + matched + " matched a rule");
        assertTrue(matched > queries.size() / 2, "too few matches: " + matched);
    }

    /** A fixed fake DNS: names land in Chinese ranges, LAN, Telegram's range, elsewhere, or nowhere. */
    private static List<InetAddress> fakeDns(String domain) {
        String[] answers = {"1.0.1.1", "192.168.1.1", "91.108.4.1", "198.51.100.9", null, "2001:db8::1"};
        String a = answers[Math.floorMod(domain.hashCode(), answers.length)];
        return a == null ? List.of() : List.of(addr(a));
    }

    /** Listed names (hits), made-up names (misses that reach IP rules) and address literals; seeded. */
    private static List<Query> queries(Path loyalsoldier, long seed) throws IOException {
        List<String> listed = new ArrayList<>();
        for (String f : new String[] {"direct.txt", "proxy.txt", "gfw.txt", "apple.txt"}) {
            for (String line : Files.readAllLines(loyalsoldier.resolve(f))) {
                String t = line.strip();
                if (t.startsWith("- '")) {
                    listed.add(t.substring(3, t.length() - 1).replace("+.", "www."));
                }
            }
        }
        Random rnd = new Random(seed);
        System.out.println("ExplanationTest seed " + seed);
        String[] ips = {"1.0.1.1", "192.168.1.1", "91.108.4.1", "8.8.8.8", "10.1.2.3", "2001:db8::1", "114.114.114.114"};
        List<Query> out = new ArrayList<>();
        for (int i = 0; i < 400; i++) {
            int kind = rnd.nextInt(10);
            Network net = rnd.nextInt(5) == 0 ? Network.UDP : Network.TCP;
            int port = new int[] {443, 80, 6881, 53}[rnd.nextInt(4)];
            if (kind < 5) {
                out.add(new Query(net, listed.get(rnd.nextInt(listed.size())), null, port, null, 0, null));
            } else if (kind < 8) {
                out.add(new Query(net, "made-up-" + rnd.nextInt(1000) + ".zz", null, port, null, 0,
                        rnd.nextBoolean() ? "aria2c" : null));
            } else {
                out.add(new Query(net, null, addr(ips[rnd.nextInt(ips.length)]), port, null, 0, null));
            }
        }
        return out;
    }

    @Test
    void noRuleMatchingSaysSo() throws Exception {
        RuleSet s = compile("DOMAIN,a.test,PROXY");
        List<Explanation.Step> steps = s.explanation(Map.of()).walk(
                new Query(Network.TCP, null, addr("192.0.2.1"), 443, null, 0, null),
                NameResolver.NONE);
        assertEquals(List.of("DOMAIN,a.test,PROXY: the flow has no domain", "no rule matched: DIRECT"), render(steps));
        assertEquals(Set.of(), Set.copyOf(s.warnings()));
    }
}
