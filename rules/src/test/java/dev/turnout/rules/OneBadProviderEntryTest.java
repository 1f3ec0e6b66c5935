package dev.turnout.rules;

import static dev.turnout.rules.Rules.compile;
import static dev.turnout.rules.Rules.domain;
import static dev.turnout.rules.Rules.ip;
import static dev.turnout.rules.Rules.text;
import static dev.turnout.rules.Rules.yaml;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * One entry mihomo skips (with a warning) does not cost the rest of its provider: mihomo's domain, ipcidr and
 * classical strategies skip an entry they cannot insert and keep the others. Turnout refused the config (a file
 * provider) or the download (an http one), so a third-party list with one odd line routed everything it lists
 * elsewhere. One warning per provider names the first such entry and where it is.
 */
class OneBadProviderEntryTest {

    @Test
    void anIpcidrListKeepsItsGoodEntriesAroundABareAddressAndACommentedLine() throws Exception {
        RuleSet s = compile(Map.of("ips", text("ips", Behavior.IPCIDR,
                "192.0.2.0/24\n198.51.100.9\n10.0.0.0/8 # c\n1.2.3.0/33\n203.0.113.0/24\n")), "RULE-SET,ips,PROXY");
        assertEquals(0, s.decide(ip("192.0.2.7"), NameResolver.NONE).index());
        assertEquals(0, s.decide(ip("203.0.113.7"), NameResolver.NONE).index());
        assertEquals(-1, s.decide(ip("198.51.100.9"), NameResolver.NONE).index());
        assertEquals(List.of("ips.txt:2:1: bad CIDR: " + badCidr("198.51.100.9") + ": provider 'ips': entry"
                + " '198.51.100.9' skipped, as mihomo skips it (3 such entries skipped in all)"), s.warnings());
        assertEquals(2, s.entries(0));
    }

    @Test
    void aDomainListKeepsItsGoodEntriesAroundASlashAndAnEmptyLabel() throws Exception {
        RuleSet s = compile(Map.of("dom", yaml("dom", Behavior.DOMAIN,
                "payload:\n  - '+.plus.test'\n  - 'has/slash.test'\n  - 'a..b.test'\n  - '+.'\n  - 'exact.test'\n")),
                "RULE-SET,dom,PROXY");
        assertEquals(0, s.decide(domain("x.plus.test"), NameResolver.NONE).index());
        assertEquals(0, s.decide(domain("exact.test"), NameResolver.NONE).index());
        assertEquals(List.of("dom.yaml:3:5: bad domain entry 'has/slash.test': provider 'dom': entry"
                + " 'has/slash.test' skipped, as mihomo skips it (3 such entries skipped in all)"), s.warnings());
    }

    @Test
    void aClassicalListKeepsItsGoodEntriesAroundRulesMihomoCannotParseThere() throws Exception {
        RuleSet s = compile(Map.of("cls", text("cls", Behavior.CLASSICAL,
                "DOMAIN-SUFFIX,good.test\nIP-CIDR,198.51.100.9\nDOMAIN-SUFFIX\nMATCH\nRULE-SET,other\n"
                        + "IP-CIDR,192.0.2.0/24,no-resolve\n")), "RULE-SET,cls,PROXY");
        assertEquals(0, s.decide(domain("a.good.test"), NameResolver.NONE).index());
        assertEquals(0, s.decide(ip("192.0.2.1"), NameResolver.NONE).index());
        assertEquals(1, s.warnings().size(), s.warnings().toString());
        assertEquals(true, s.warnings().get(0).startsWith("cls.txt:2:"), s.warnings().get(0));
        assertEquals(true, s.warnings().get(0).endsWith(": provider 'cls': entry 'IP-CIDR,198.51.100.9' skipped,"
                + " as mihomo skips it (4 such entries skipped in all)"), s.warnings().get(0));
    }

    @Test
    void whatMihomoRefusesAsAWholeIsStillRefused() {
        // go-yaml cannot decode the payload: mihomo's provider fails to load, so does this config.
        assertThrows(RuleException.class, () -> compile(Map.of("c", yaml("c", Behavior.CLASSICAL,
                "payload:\n  - DOMAIN,a.test\n  - [x, y]\n")), "RULE-SET,c,PROXY"));
        assertThrows(RuleException.class, () -> compile(Map.of("c", yaml("c", Behavior.DOMAIN,
                "payload:\n  - 'a.test'\n  - 'unclosed\n")), "RULE-SET,c,PROXY"));
    }

    @Test
    void aDownloadWithOneBadLineReadsAsARuleSetSoTheHostKeepsIt() throws Exception {
        assertEquals(2, text("dom", Behavior.DOMAIN, "+.plus.t13.test\nhas/slash.t13.test\nx.test\n").entries());
        assertEquals(1, text("ips", Behavior.IPCIDR, "192.0.2.0/24\n198.51.100.9\n").entries());
    }

    private static String badCidr(String text) {
        try {
            Addresses.parseCidr(text);
            throw new AssertionError(text + " parsed");
        } catch (IllegalArgumentException e) {
            return e.getMessage();
        }
    }
}
