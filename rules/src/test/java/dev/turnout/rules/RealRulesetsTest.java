package dev.turnout.rules;

import static dev.turnout.rules.Rules.addr;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.net.InetAddress;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** The Clash rule sets in ../shared/rulesets load and give the decisions their configs document. */
class RealRulesetsTest {

    private static Path dir(String sub) {
        Optional<Path> root = SharedRulesets.find();
        assumeTrue(root.isPresent(), "../shared/rulesets not found (set -Dturnout.repo); skipping real rule sets");
        return root.get().resolve(sub);
    }

    private static Decision decide(RuleSet s, String host, String resolvesTo) {
        InetAddress literal = host.matches("[0-9.:]+") ? addr(host) : null;
        Query q = new Query(Network.TCP, literal == null ? host : null, literal, 443, null, 0, null);
        return s.decide(q, d -> resolvesTo == null ? List.of() : List.of(addr(resolvesTo)));
    }

    @Test
    void loyalsoldierExampleConfigGivesDocumentedDecisions() throws Exception {
        Loyalsoldier.Config c = Loyalsoldier.load(dir("loyalsoldier-clash-rules"));
        long t0 = System.nanoTime();
        RuleSet s = RuleSet.compile(c.rules(), c.providers(), c.targets());
        System.out.printf("Loyalsoldier: %d rules, compiled in %d ms, missing %s, warnings %s%n", s.size(),
                (System.nanoTime() - t0) / 1_000_000, c.missing(), s.warnings());
        assertEquals(16, s.size());
        assertTrue(s.mayResolve());
        assertEquals(new Decision("PROXY", "RULE-SET,proxy", 10), decide(s, "www.google.com", null));
        assertEquals(new Decision("DIRECT", "RULE-SET,direct", 11), decide(s, "www.baidu.com", null));
        assertEquals(new Decision("PROXY", "DOMAIN,www.icloud.com", 5), decide(s, "www.icloud.com", null));
        assertEquals(new Decision("DIRECT", "RULE-SET,lancidr", 12), decide(s, "192.168.1.1", null));
        assertEquals(new Decision("DIRECT", "RULE-SET,cncidr", 13), decide(s, "1.0.1.1", null));
        assertEquals(new Decision("PROXY", "RULE-SET,telegramcidr", 14), decide(s, "91.108.4.1", null));
        assertEquals(new Decision("PROXY", "MATCH", 15), decide(s, "nothing.invalid-tld-zz", null));
        // a name no list knows, resolving into a Chinese range, goes DIRECT via cncidr
        assertEquals(new Decision("DIRECT", "RULE-SET,cncidr", 13), decide(s, "unlisted.zz", "1.0.1.1"));
        Query aria = new Query(Network.TCP, "tracker.zz", null, 6881, null, 0, "aria2c");
        assertEquals(new Decision("DIRECT", "RULE-SET,applications", 0), s.decide(aria, NameResolver.NONE));
    }

    @Test
    void acl4ssrInlineExpansionGivesDocumentedDecisions() throws Exception {
        Acl4ssr.Expansion e = Acl4ssr.expand(dir("acl4ssr"));
        long t0 = System.nanoTime();
        RuleSet s = RuleSet.compile(e.rules(), Map.of(), e.groups());
        System.out.printf("ACL4SSR: %d rules, compiled in %d ms, skipped %s%n", s.size(),
                (System.nanoTime() - t0) / 1_000_000, e.skipped());
        assertTrue(s.size() > 10_000, "expected ~10k inline rules, got " + s.size());
        assertEquals("MATCH", s.lines().get(s.size() - 1).text().split(",")[0]);
        assertEquals("🚀 节点选择", decide(s, "www.google.com", null).target());
        assertEquals("🎯 全球直连", decide(s, "www.baidu.com", null).target());
        assertEquals("🎯 全球直连", decide(s, "192.168.1.1", null).target());
        assertEquals("🛑 广告拦截", decide(s, "ads.09mk.cn", null).target()); // BanAD.list
        assertEquals("🍃 应用净化", decide(s, "doubleclick.net", null).target()); // BanProgramAD.list
        assertEquals("📲 电报消息", decide(s, "t.me", null).target());
        assertEquals("🎯 全球直连", decide(s, "8.128.0.1", null).target()); // ChinaCompanyIp.list
        assertEquals(new Decision("🐟 漏网之鱼", "MATCH", s.size() - 1), decide(s, "nothing.invalid-tld-zz", null));
        Decision lan = decide(s, "192.168.1.1", null);
        assertTrue(s.lines().get(lan.index()).origin().file().equals("LocalAreaNetwork.list"), lan.toString());
    }
}
