package dev.turnout.rules;

import static dev.turnout.rules.Rules.lines;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** mihomo's fake-ip-filter-mode: rule: rules on a name alone, first match wins, each ending in an action. */
class NameRulesTest {

    private static final Set<String> ACTIONS = Set.of("fake-ip", "real-ip");

    private static NameRules compile(Map<String, ProviderSource> providers, String... lines) throws RuleException {
        return NameRules.compile(lines(lines), ACTIONS, providers, new FakeGeo(false));
    }

    @Test
    void theFirstRuleThatMatchesTheNameGivesItsActionInLowerCase() throws Exception {
        NameRules r = compile(Map.of(),
                "DOMAIN,www.example.com,Real-IP",
                "DOMAIN-SUFFIX,example.com,fake-ip",
                "DOMAIN-KEYWORD,stun,REAL-IP",
                "DOMAIN-REGEX,^ntp[0-9]{1,3}\\.,real-ip",
                "DOMAIN-WILDCARD,*.lan.test,real-ip",
                "GEOSITE,b,real-ip");
        assertEquals("real-ip", r.actionFor("www.example.com"));
        assertEquals("fake-ip", r.actionFor("cdn.example.com"));
        assertEquals("real-ip", r.actionFor("stun.l.test"));
        assertEquals("real-ip", r.actionFor("ntp12.pool.test"));
        assertEquals("real-ip", r.actionFor("nas.lan.test"));
        assertEquals("real-ip", r.actionFor("x.net"), "GEOSITE list b holds the domain net");
        assertNull(r.actionFor("elsewhere.test"), "no rule matches: the caller's default");
        assertEquals(6, r.size());
    }

    @Test
    void matchAnswersEveryNameTheRulesBeforeItLeave() throws Exception {
        NameRules r = compile(Map.of(), "DOMAIN-SUFFIX,cn.test,real-ip", "MATCH,fake-ip");
        assertEquals("real-ip", r.actionFor("a.cn.test"));
        assertEquals("fake-ip", r.actionFor("a.test"));
    }

    @Test
    void aClassicalProviderMatchesByItsDomainRulesOnly() throws Exception {
        ProviderSource classical = Rules.text("mixed", Behavior.CLASSICAL,
                "IP-CIDR,0.0.0.0/0\nDST-PORT,443\nDOMAIN-SUFFIX,direct.test\n");
        NameRules r = compile(Map.of("mixed", classical), "RULE-SET,mixed,real-ip", "MATCH,fake-ip");
        assertEquals("real-ip", r.actionFor("www.direct.test"));
        assertEquals("fake-ip", r.actionFor("www.other.test"), "the name has no address, and none is looked up");
    }

    @Test
    void aDomainProviderIsAsked() throws Exception {
        ProviderSource domains = Rules.text("cn", Behavior.DOMAIN, "+.cn.test\nexact.test\n");
        NameRules r = compile(Map.of("cn", domains, "unused", domains), "RULE-SET,cn,real-ip");
        assertEquals("real-ip", r.actionFor("a.b.cn.test"));
        assertEquals("real-ip", r.actionFor("exact.test"));
        assertNull(r.actionFor("sub.exact.test"));
        assertTrue(r.warnings().stream().noneMatch(w -> w.contains("unused")),
                "a provider the filter does not name is the rules' business: " + r.warnings());
    }

    @Test
    void everyLineThatCannotChooseByNameIsReportedAtItsPlace() {
        ProviderSource cidrs = Rules.text("addrs", Behavior.IPCIDR, "192.0.2.0/24\n");
        RuleException e = assertThrows(RuleException.class, () -> compile(Map.of("addrs", cidrs),
                "DOMAIN,a.test,DIRECT",
                "IP-CIDR,192.0.2.0/24,real-ip",
                "RULE-SET,addrs,real-ip",
                "RULE-SET,nosuch,fake-ip",
                "+.lan",
                "AND,((DOMAIN,a.test)),real-ip",
                "DOMAIN-SUFFIX,fine.test,fake-ip"));
        List<String> problems = e.problems().stream().map(Throwable::getMessage).toList();
        assertEquals(6, problems.size(), String.join("\n", problems));
        assertEquals("config.yaml:10:5: 'DIRECT' is not an action here: write fake-ip or real-ip", problems.get(0));
        assertTrue(problems.get(1).startsWith("config.yaml:11:5: only rules on the name"), problems.get(1));
        assertTrue(problems.get(2).startsWith("config.yaml:12:5: rule provider 'addrs' has behavior ipcidr"),
                problems.get(2));
        assertEquals("config.yaml:13:5: RULE-SET names unknown provider 'nosuch'", problems.get(3));
        assertTrue(problems.get(4).startsWith("config.yaml:14:5: malformed rule"), problems.get(4));
        assertTrue(problems.get(5).startsWith("config.yaml:15:5: only rules on the name"), problems.get(5));
    }

    @Test
    void rulesAfterMatchAreSaidToBeUnreachable() throws Exception {
        NameRules r = compile(Map.of(), "MATCH,real-ip", "DOMAIN,a.test,fake-ip");
        assertEquals("real-ip", r.actionFor("a.test"));
        assertTrue(r.warnings().stream().anyMatch(w -> w.contains("never reached")), r.warnings().toString());
    }
}
