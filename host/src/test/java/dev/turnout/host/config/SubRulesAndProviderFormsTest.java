package dev.turnout.host.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.turnout.host.route.ProviderLoader;
import dev.turnout.rules.Decision;
import dev.turnout.rules.NameResolver;
import dev.turnout.rules.Network;
import dev.turnout.rules.Origin;
import dev.turnout.rules.ProviderFormat;
import dev.turnout.rules.Query;
import dev.turnout.rules.RuleSet;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** mihomo's {@code sub-rules:}, {@code type: inline} and {@code format: mrs} as the config loader reads them. */
class SubRulesAndProviderFormsTest {

    /** a.cn and +.b.cn in mihomo's MRS format (rules' InlineAndMrsProvidersTest spells out its bytes). */
    static final byte[] DOMAIN_MRS = Base64.getDecoder().decode(
            "KLUv/SRFDQEAmE1SUwEAAgABsGsqB25jLmFiLisFACDDmTJ7uwAZZ0ALc9pJlA==");

    private static final String CONFIG = String.join("\n",
            "rule-providers:",
            "  rule4:",
            "    type: inline",
            "    behavior: domain",
            "    payload:",
            "      - '.blogger.com'",
            "      - 'books.itunes.apple.com'",
            "  cn:",
            "    type: file",
            "    format: mrs",
            "    behavior: domain",
            "    path: ./cn.mrs",
            "rules:",
            "  - RULE-SET,rule4,REJECT",
            "  - SUB-RULE,(NETWORK,TCP),web",
            "  - MATCH,DIRECT",
            "sub-rules:",
            "  web:",
            "    - RULE-SET,cn,DIRECT",
            "    - DST-PORT,443,REJECT",
            "");

    @Test
    void subRulesInlineAndMrsProvidersLoadAndDecide(@TempDir Path dir) throws Exception {
        Files.write(dir.resolve("cn.mrs"), DOMAIN_MRS);
        Config c = ConfigLoader.parse(CONFIG, "t.yaml", dir.resolve("t.yaml"), dir);
        assertTrue(c.warnings().isEmpty(), c.warnings().toString());
        assertEquals(List.of("RULE-SET,cn,DIRECT", "DST-PORT,443,REJECT"),
                c.subRules().get("web").stream().map(l -> l.text()).toList());
        assertEquals(new Origin("t.yaml", 19, 7), c.subRules().get("web").get(0).origin());
        ProviderEntry inline = c.providers().get("rule4");
        assertNull(inline.path());
        assertEquals(new Origin("t.yaml", 7, 9), inline.payload().get(1).origin());
        assertEquals(ProviderFormat.MRS, c.providers().get("cn").format());
        RuleSet rules = RuleSet.compile(c.rules(), ProviderLoader.load(c, false).sources(), Set.of(),
                c.subRules());
        assertEquals(new Decision("REJECT", "RULE-SET,rule4", 0), decide(rules, "www.blogger.com", 80));
        assertEquals(new Decision("DIRECT", "RULE-SET,cn", 1), decide(rules, "x.b.cn", 443));
        assertEquals(new Decision("REJECT", "DST-PORT,443", 1), decide(rules, "example.org", 443));
        assertEquals(new Decision("DIRECT", "MATCH", 2), decide(rules, "example.org", 80));
    }

    private static Decision decide(RuleSet rules, String domain, int port) {
        return rules.decide(new Query(Network.TCP, domain, null, port, null, 0, null), NameResolver.NONE);
    }

    @Test
    void badProviderFormsAndSubRulesShapesAreErrorsWithTheirPositions() {
        ConfigException e = assertThrows(ConfigException.class, () -> ConfigLoader.parse(String.join("\n",
                "rule-providers:",
                "  a: {type: inline, behavior: domain}",
                "  b: {type: file, behavior: classical, format: mrs, path: b.mrs}",
                "  c: {type: inline, behavior: domain, payload: {x: 1}}",
                "sub-rules:",
                "  web: DOMAIN,a.test,DIRECT",
                ""), "t.yaml", Path.of("t.yaml"), Path.of("/base")));
        List<String> problems = e.problems().stream().map(Throwable::getMessage).toList();
        assertEquals(List.of(
                "t.yaml:6:8: expected sub-rule 'web' (a list of TYPE,PAYLOAD,TARGET lines), got 'DOMAIN,a.test,DIRECT'",
                "t.yaml:2:6: inline provider 'a' needs a 'payload' list",
                "t.yaml:3:48: format mrs holds domain or ipcidr rule sets only (as in mihomo), not behavior classical",
                "t.yaml:4:48: expected 'payload' (a list of entries), got a mapping"),
                problems);
    }
}
