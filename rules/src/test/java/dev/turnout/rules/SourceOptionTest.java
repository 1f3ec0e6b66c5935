package dev.turnout.rules;

import static dev.turnout.rules.Rules.addr;
import static dev.turnout.rules.Rules.lines;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * mihomo's {@code src} option (rules/common/base.go ParseParams; rules/parser.go): IP-CIDR, IP-CIDR6, IP-SUFFIX,
 * GEOIP and IP-ASN then test the flow's source address, RULE-SET tests its provider with source and destination
 * swapped (rules/provider/rule_set.go SwapSrcDst: addresses and ports, not the name), and none of them ever resolves
 * the name (src implies no-resolve).
 */
class SourceOptionTest {

    private static final NameResolver NEVER = d -> {
        throw new AssertionError("resolved " + d + ": a src rule never resolves");
    };

    private static RuleSet compile(Map<String, ProviderSource> providers, String... rules) throws RuleException {
        return RuleSet.compile(lines(rules), providers, Rules.TARGETS, Map.of(), new FakeGeo(false));
    }

    private static Query flow(String name, String destination, int port, String source, int sourcePort) {
        return new Query(Network.TCP, name, destination == null ? null : addr(destination), port,
                source == null ? null : addr(source), sourcePort, null);
    }

    private static String decide(RuleSet s, Query q) {
        Decision d = s.decide(q, NEVER);
        return d.index() < 0 ? "none" : d.target() + " " + d.rule();
    }

    @Test
    void ipRulesWithSrcTestTheSourceAddressAndNeverTheDestination() throws Exception {
        RuleSet s = compile(Map.of(),
                "IP-CIDR,127.0.0.0/8,PROXY,src",
                "IP-CIDR6,2001:db8:5::/48,GROUP,src",
                "IP-SUFFIX,0.0.0.7/8,PROXY,src",
                "GEOIP,JP,GROUP,src",
                "IP-ASN,3,PROXY,src");
        assertEquals(List.of(), s.warnings());
        assertFalse(s.mayResolve(), "src implies no-resolve");
        assertEquals("PROXY IP-CIDR,127.0.0.0/8", decide(s, flow(null, "192.0.2.1", 80, "127.0.0.1", 43128)));
        assertEquals("none", decide(s, flow(null, "127.0.0.5", 80, "192.0.2.1", 43128)));
        assertEquals("GROUP IP-CIDR6,2001:db8:5::/48", decide(s, flow("a.test", null, 80, "2001:db8:5::9", 1)));
        assertEquals("PROXY IP-SUFFIX,0.0.0.7/8", decide(s, flow(null, "192.0.2.8", 80, "198.51.100.7", 1)));
        assertEquals("GROUP GEOIP,JP", decide(s, flow("b.test", null, 80, "203.0.113.9", 1)));
        assertEquals("none", decide(s, flow(null, "203.0.113.9", 80, "198.51.100.8", 1)));
        assertEquals("PROXY IP-ASN,3", decide(s, flow(null, "192.0.2.8", 80, "198.51.100.11", 1)));
        assertEquals("none", decide(s, flow(null, "192.0.2.8", 80, null, 0)));
    }

    @Test
    void geoipLanWithSrcSendsEveryFlowFromThisMachineToItsTarget() throws Exception {
        // The tester's t4/src.yaml: a flow from 127.0.0.1 to 192.0.2.1:80 went to MATCH, mihomo sends it to G1.
        RuleSet s = compile(Map.of("lanips", Rules.yaml("lanips", Behavior.IPCIDR, "payload:\n  - 127.0.0.0/8\n")),
                "GEOIP,LAN,PROXY,src", "RULE-SET,lanips,GROUP,src", "MATCH,DIRECT");
        assertEquals("PROXY GEOIP,LAN", decide(s, flow(null, "192.0.2.1", 80, "127.0.0.1", 43128)));
        assertEquals("DIRECT MATCH", decide(s, flow(null, "127.0.0.1", 80, "192.0.2.1", 43128)));
        assertEquals("DIRECT MATCH", decide(s, flow("plain.test", null, 80, "198.51.100.1", 1)));
    }

    @Test
    void aRuleSetWithSrcSwapsAddressesAndPortsButKeepsTheName() throws Exception {
        RuleSet s = compile(Map.of(
                "ips", Rules.text("ips", Behavior.IPCIDR, "198.51.100.0/24\n"),
                "cls", Rules.text("cls", Behavior.CLASSICAL,
                        "DST-PORT,5353\nSRC-IP-CIDR,192.0.2.0/24\nDOMAIN,named.test\nIP-CIDR,203.0.113.0/24\n"),
                "dom", Rules.text("dom", Behavior.DOMAIN, "+.dom.test\n")),
                "RULE-SET,ips,PROXY,src", "RULE-SET,cls,GROUP,src", "RULE-SET,dom,PROXY,src");
        assertFalse(s.mayResolve(), "src implies no-resolve, also for an ipcidr set");
        assertEquals("PROXY RULE-SET,ips", decide(s, flow("x.test", null, 443, "198.51.100.4", 5000)));
        assertEquals("none", decide(s, flow(null, "198.51.100.4", 443, "10.0.0.1", 5000)));
        // DST-PORT looks at the source port, SRC-IP-CIDR at the destination, IP-CIDR at the source.
        assertEquals("GROUP RULE-SET,cls", decide(s, flow(null, "10.9.9.9", 443, "10.0.0.1", 5353)));
        assertEquals("none", decide(s, flow(null, "10.9.9.9", 5353, "10.0.0.1", 443)));
        assertEquals("GROUP RULE-SET,cls", decide(s, flow(null, "192.0.2.3", 443, "10.0.0.1", 1)));
        assertEquals("GROUP RULE-SET,cls", decide(s, flow(null, "10.9.9.9", 443, "203.0.113.1", 1)));
        assertEquals("GROUP RULE-SET,cls", decide(s, flow("named.test", null, 443, "10.0.0.1", 1)));
        assertEquals("PROXY RULE-SET,dom", decide(s, flow("a.dom.test", null, 443, "10.0.0.1", 1)));
    }

    @Test
    void srcOnARuleWithoutASourceFormIsIgnoredWithAWarningAsBefore() throws Exception {
        RuleSet s = compile(Map.of(), "DOMAIN,a.test,PROXY,src");
        assertEquals(List.of("config.yaml:10:5: option 'src' ignored"), s.warnings());
    }

    @Test
    void srcInsideAClassicalProviderAndALogicalRuleTestsTheSourceToo() throws Exception {
        RuleSet s = compile(Map.of("cls", Rules.text("cls", Behavior.CLASSICAL, "IP-CIDR,127.0.0.0/8,src\n")),
                "RULE-SET,cls,PROXY", "AND,((IP-CIDR,10.0.0.0/8,src),(NETWORK,tcp)),GROUP");
        assertEquals("PROXY RULE-SET,cls", decide(s, flow(null, "192.0.2.1", 80, "127.0.0.1", 1)));
        assertEquals("GROUP AND,((IP-CIDR,10.0.0.0/8,src),(NETWORK,tcp))",
                decide(s, flow("a.test", null, 80, "10.1.1.1", 1)));
        assertEquals("none", decide(s, flow(null, "10.1.1.1", 80, "192.0.2.9", 1)));
    }
}
