package dev.turnout.rules;

import static dev.turnout.rules.Rules.compile;
import static dev.turnout.rules.Rules.text;
import static dev.turnout.rules.Rules.yaml;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;

class BadInputTest {

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "DOMAIN-SUFFIX,google.com|config.yaml:11:5|malformed",
        "URL-REGEX,^http,PROXY|config.yaml:11:5|unsupported rule type 'URL-REGEX'",
        "GEOIP,CN,PROXY|config.yaml:11:5|GEOIP,CN: no country database (Country.mmdb) is available",
        "GEOIP,C N,PROXY|config.yaml:11:11|bad GEOIP country 'C N'",
        "GEOSITE,@cn,PROXY|config.yaml:11:13|GEOSITE needs a list name",
        "IP-ASN,AS13335,PROXY|config.yaml:11:12|bad IP-ASN 'AS13335'",
        "FOO,bar,PROXY|config.yaml:11:5|unsupported rule type 'FOO'",
        "IP-CIDR,300.1.2.3/8,PROXY|config.yaml:11:13|bad CIDR",
        "IP-CIDR,10.0.0.0,PROXY|config.yaml:11:13|bad CIDR",
        "IP-CIDR6,2001:db8::/129,PROXY|config.yaml:11:14|bad CIDR",
        "DOMAIN-REGEX,(a,PROXY|config.yaml:11:18|bad regex",
        "DST-PORT,70000,PROXY|config.yaml:11:14|bad port",
        "DST-PORT,/,PROXY|config.yaml:11:14|no port in it",
        "NETWORK,icmp,PROXY|config.yaml:11:13|NETWORK must be tcp or udp",
        "DOMAIN,a.com,NOPE|config.yaml:11:5|unknown target 'NOPE'",
        "RULE-SET,missing,PROXY|config.yaml:11:5|unknown provider 'missing'",
        "AND,((DOMAIN,a.com),(NETWORK,udp),PROXY|config.yaml:11:5|unbalanced",
        "NOT,((DOMAIN,a),(DOMAIN,b)),PROXY|config.yaml:11:9|exactly one",
        "AND,((URL-REGEX,x)),PROXY|config.yaml:11:11|unsupported rule type",
        "MATCH|config.yaml:11:5|malformed",
        // Inside logical rules and SUB-RULEs the column is that of the part in error.
        "AND,((DOMAIN,a.com)x(NETWORK,udp)),PROXY|config.yaml:11:24|between sub-rules",
        "AND,(x(DOMAIN,a.com)),PROXY|config.yaml:11:10|in AND rule",
        "AND,((DOMAIN,a.com))),PROXY|config.yaml:11:25|unbalanced",
        "AND,(),PROXY|config.yaml:11:9|AND has no sub-rules",
        "AND,((DOMAIN,a.com),(FOO,x)),PROXY|config.yaml:11:26|unsupported rule type in AND rule",
        "OR,((DOMAIN,a..com)),PROXY|config.yaml:11:17|bad domain",
        "SUB-RULE,NETWORK,web|config.yaml:11:14|SUB-RULE needs one condition in parentheses",
        "SUB-RULE,(FOO,x),web|config.yaml:11:15|unsupported rule type in SUB-RULE",
        "SUB-RULE,(NETWORK,icmp),web|config.yaml:11:23|NETWORK must be tcp or udp",
        "DOMAIN,a.com,|config.yaml:11:18|empty target",
        "DOMAIN,a..com,PROXY|config.yaml:11:12|bad domain",
        "DOMAIN-WILDCARD,a b.com,PROXY|config.yaml:11:21|bad DOMAIN-WILDCARD",
        "DST-PORT,8x,PROXY|config.yaml:11:14|bad port",
        "IP-SUFFIX,192.0.2.1,PROXY|config.yaml:11:15|bad IP-SUFFIX",
    })
    void eachErrorNamesFileLineAndReason(String line, String where, String reason) {
        RuleException e = assertThrows(RuleException.class, () -> compile("DOMAIN,ok.com,PROXY", line));
        assertTrue(e.getMessage().startsWith(where + ": "), e.getMessage());
        assertTrue(e.getMessage().contains(reason), e.getMessage());
    }

    @Test
    void badProviderEntryIsSkippedWithAWarningNamingTheProviderFileAndLineAndBrokenYamlIsRefused() throws Exception {
        RuleSet e = compile(
                Map.of("ips", yaml("ips", Behavior.IPCIDR, "payload:\n  - '192.0.2.0/24'\n  - 'nope/8'\n")),
                "RULE-SET,ips,PROXY");
        assertTrue(e.warnings().get(0).startsWith("ips.yaml:3:5: bad CIDR"), e.warnings().toString());
        RuleSet t = compile(
                Map.of("c", text("c", Behavior.CLASSICAL, "# x\nDOMAIN-SUFFIX,a.com\nIP-CIDR,1.2.3.4/40\n")),
                "RULE-SET,c,PROXY");
        assertTrue(t.warnings().get(0).startsWith("c.txt:3:"), t.warnings().toString());
        RuleException y = assertThrows(RuleException.class, () -> compile(
                Map.of("y", yaml("y", Behavior.DOMAIN, "payload:\n  - 'a.com'\n  - [broken\n")),
                "RULE-SET,y,PROXY"));
        assertTrue(y.getMessage().startsWith("y.yaml:"), y.getMessage());
    }

    @Test
    void whatMihomoLoadsDespiteASlipIsLoadedWithAWarningAtItsPlace() throws Exception {
        // mihomo's NewUnsignedRanges swaps a backwards range and skips an empty item; its parseRules reads MATCH's
        // target alone. Refused, each stopped the whole config that mihomo runs.
        RuleSet s = compile("DST-PORT,90-80,PROXY", "SRC-PORT,80//443,PROXY", "MATCH,PROXY,extra");
        assertEquals(0, s.decide(new Query(Network.TCP, null, Rules.addr("192.0.2.1"), 85, null, 0, null),
                NameResolver.NONE).index());
        assertEquals(List.of("config.yaml:10:14: port range '90-80' is read as 80-90, as mihomo reads it",
                "config.yaml:11:14: an empty port in '80//443' is skipped, as mihomo skips it",
                "config.yaml:12:17: what follows MATCH's target is ignored, as mihomo ignores it"), s.warnings());
    }

    @Test
    void everyBadRuleIsReportedNotOnlyTheFirst() {
        RuleException e = assertThrows(RuleException.class, () -> compile(
                "DOMAIN,ok.com,PROXY", "GEOIP,CN,PROXY", "DOMAIN,a.com,NOPE", "IP-CIDR,10.0.0.0,PROXY", "MATCH,PROXY"));
        assertEquals(List.of("config.yaml:11:5", "config.yaml:12:5", "config.yaml:13:13"),
                e.problems().stream().map(p -> p.origin().toString()).toList());
        assertEquals(3, e.getMessage().lines().count(), e.getMessage());
    }
}
