package dev.turnout.rules;

import static dev.turnout.rules.Rules.addr;
import static dev.turnout.rules.Rules.compile;
import static dev.turnout.rules.Rules.domain;
import static dev.turnout.rules.Rules.ip;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetAddress;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class RuleTypesTest {

    @Test
    void domainMatchesOnlyTheExactNameIgnoringCaseAndTrailingDot() throws Exception {
        RuleSet s = compile("DOMAIN,Example.COM.,PROXY");
        assertEquals(0, s.decide(domain("example.com"), NameResolver.NONE).index());
        assertEquals(0, s.decide(domain("EXAMPLE.com."), NameResolver.NONE).index());
        assertEquals(-1, s.decide(domain("www.example.com"), NameResolver.NONE).index());
        assertEquals(-1, s.decide(domain("xexample.com"), NameResolver.NONE).index());
    }

    @Test
    void domainSuffixMatchesTheDomainAndBelowButNotAPlainStringSuffix() throws Exception {
        RuleSet s = compile("DOMAIN-SUFFIX,google.com,PROXY");
        assertEquals("PROXY", s.decide(domain("google.com"), NameResolver.NONE).target());
        assertEquals("PROXY", s.decide(domain("a.b.google.com"), NameResolver.NONE).target());
        assertEquals(-1, s.decide(domain("notgoogle.com"), NameResolver.NONE).index());
        assertEquals("DOMAIN-SUFFIX,google.com", s.decide(domain("google.com"), NameResolver.NONE).rule());
    }

    @Test
    void keywordMatchesAnywhereAndTheEarliestRuleWins() throws Exception {
        RuleSet s = compile("DOMAIN-KEYWORD,goo,GROUP", "DOMAIN-KEYWORD,oog,PROXY", "DOMAIN-KEYWORD,Ads,REJECT");
        assertEquals(0, s.decide(domain("www.google.com"), NameResolver.NONE).index());
        assertEquals(1, s.decide(domain("foogle.net"), NameResolver.NONE).index());
        assertEquals(2, s.decide(domain("x.pads.cn"), NameResolver.NONE).index());
        assertEquals(-1, s.decide(domain("example.org"), NameResolver.NONE).index());
    }

    @Test
    void regexIsASearchNotAFullMatch() throws Exception {
        RuleSet s = compile("DOMAIN-REGEX,^ad[0-9]+\\.,REJECT");
        assertEquals(0, s.decide(domain("ad12.example.com"), NameResolver.NONE).index());
        assertEquals(-1, s.decide(domain("bad1.example.com"), NameResolver.NONE).index());
    }

    @Test
    void ipCidrAndIpCidr6EachAcceptEitherFamily() throws Exception {
        RuleSet s = compile("IP-CIDR6,192.0.2.0/24,PROXY", "IP-CIDR,2001:db8::/32,GROUP");
        assertEquals(0, s.decide(ip("192.0.2.200"), NameResolver.NONE).index());
        assertEquals(1, s.decide(ip("2001:db8::1"), NameResolver.NONE).index());
        assertEquals(-1, s.decide(ip("198.51.100.1"), NameResolver.NONE).index());
    }

    @Test
    void ipv4MappedIpv6DestinationMatchesIpv4Rules() throws Exception {
        RuleSet s = compile("IP-CIDR,192.0.2.0/24,PROXY");
        byte[] mapped = new byte[16];
        mapped[10] = (byte) 0xff;
        mapped[11] = (byte) 0xff;
        mapped[12] = (byte) 192;
        mapped[14] = 2;
        mapped[15] = 7;
        InetAddress v6 = java.net.Inet6Address.getByAddress(null, mapped, -1);
        assertEquals(0, s.decide(new Query(Network.TCP, null, v6, 1, null, 0, null), NameResolver.NONE).index());
    }

    @Test
    void inet4HashCodeIsTheAddressTheIndexRelyOn() {
        assertEquals(0xC0000207, addr("192.0.2.7").hashCode());
    }

    @Test
    void srcIpCidrLooksAtTheSourceOnly() throws Exception {
        RuleSet s = compile("SRC-IP-CIDR,198.51.100.0/24,PROXY");
        assertEquals(0, s.decide(new Query(Network.TCP, "x.com", null, 80, addr("198.51.100.4"), 5000, null),
                NameResolver.NONE).index());
        assertEquals(-1, s.decide(ip("198.51.100.4"), NameResolver.NONE).index());
    }

    @Test
    void srcIpCidrTakesIpv6SourcesInTheirOwnFamily() throws Exception {
        RuleSet s = compile("SRC-IP-CIDR,2001:db8:1::/48,PROXY", "SRC-IP-CIDR,198.51.100.0/24,GROUP", "MATCH,DIRECT");
        assertEquals(0, s.decide(new Query(Network.TCP, "x.com", null, 80, addr("2001:db8:1::9"), 5000, null),
                NameResolver.NONE).index());
        assertEquals(2, s.decide(new Query(Network.TCP, "x.com", null, 80, addr("2001:db8:2::9"), 5000, null),
                NameResolver.NONE).index(), "outside the /48");
        assertEquals(1, s.decide(new Query(Network.TCP, "x.com", null, 80, addr("198.51.100.9"), 5000, null),
                NameResolver.NONE).index(), "an IPv4 source meets the IPv4 rule only");
        assertEquals(2, s.decide(ip("2001:db8:1::9"), NameResolver.NONE).index(), "a destination is not a source");
    }

    @Test
    void portsTakeSinglesRangesAndLists() throws Exception {
        RuleSet s = compile("DST-PORT,80/443/8000-8100,PROXY", "SRC-PORT,1000-2000,GROUP");
        assertEquals(0, port(s, 80, 0));
        assertEquals(0, port(s, 8050, 0));
        assertEquals(-1, port(s, 8101, 0));
        assertEquals(1, port(s, 22, 1500));
        assertEquals(-1, port(s, 0, 0), "port 0 is unknown and never matches");
    }

    private static int port(RuleSet s, int dst, int src) {
        return s.decide(new Query(Network.TCP, "x.com", null, dst, null, src, null), NameResolver.NONE).index();
    }

    @Test
    void networkAndProcessName() throws Exception {
        RuleSet s = compile("PROCESS-NAME,Curl,GROUP", "NETWORK,udp,PROXY");
        assertEquals(0, s.decide(new Query(Network.TCP, "x", null, 1, null, 0, "curl"), NameResolver.NONE).index());
        assertEquals(1, s.decide(new Query(Network.UDP, "x", null, 1, null, 0, null), NameResolver.NONE).index());
        assertEquals(-1, s.decide(new Query(Network.TCP, "x", null, 1, null, 0, null), NameResolver.NONE).index());
    }

    @Test
    void matchAndFinalAreReportedAsWritten() throws Exception {
        assertEquals(new Decision("PROXY", "MATCH", 1),
                compile("DOMAIN,a.com,GROUP", "MATCH,PROXY").decide(domain("b.com"), NameResolver.NONE));
        assertEquals(new Decision("GROUP", "FINAL", 0), compile("FINAL,GROUP").decide(domain("b.com"),
                NameResolver.NONE));
        assertEquals(Decision.NO_MATCH, compile("DOMAIN,a.com,GROUP").decide(domain("b.com"), NameResolver.NONE));
    }

    @Test
    void logicalRulesNestAndReportTheirText() throws Exception {
        RuleSet s = compile("AND,((DOMAIN-SUFFIX,x.com),(NETWORK,udp)),PROXY",
                "OR,((DOMAIN,a.com),(AND,((DOMAIN-KEYWORD,zz),(NOT,((DST-PORT,443)))))),GROUP",
                "NOT,((DOMAIN-SUFFIX,cn)),REJECT");
        assertEquals(0, s.decide(new Query(Network.UDP, "m.x.com", null, 1, null, 0, null),
                NameResolver.NONE).index());
        assertEquals(2, s.decide(new Query(Network.TCP, "m.x.com", null, 1, null, 0, null),
                NameResolver.NONE).index());
        assertEquals(1, s.decide(domain("a.com"), NameResolver.NONE).index());
        assertEquals(2, s.decide(new Query(Network.TCP, "zz.net", null, 443, null, 0, null),
                NameResolver.NONE).index());
        assertEquals(1, s.decide(new Query(Network.TCP, "zz.net", null, 80, null, 0, null),
                NameResolver.NONE).index());
        assertEquals(-1, s.decide(domain("baidu.cn"), NameResolver.NONE).index());
        assertEquals("OR,((DOMAIN,a.com),(AND,((DOMAIN-KEYWORD,zz),(NOT,((DST-PORT,443))))))",
                s.decide(domain("a.com"), NameResolver.NONE).rule());
    }

    @Test
    void aLogicalRulesSubRulesMayStandWithoutTheParenthesesAroundThemAllAsMihomoTakesThem() throws Exception {
        // HenryChiao/MIHOMO_AIO writes this; mihomo takes each top-level parenthesis as a sub-rule.
        RuleSet s = compile("AND,(AND,(DST-PORT,443),(NETWORK,UDP)),(NOT,((DOMAIN-SUFFIX,cn))),REJECT",
                "OR,(DOMAIN,a.com),(DOMAIN,b.com),PROXY");
        assertEquals(0, s.decide(new Query(Network.UDP, "www.example.com", null, 443, null, 0, null),
                NameResolver.NONE).index(), "QUIC outside cn");
        assertEquals(-1, s.decide(new Query(Network.UDP, "www.example.cn", null, 443, null, 0, null),
                NameResolver.NONE).index());
        assertEquals(-1, s.decide(new Query(Network.TCP, "www.example.com", null, 443, null, 0, null),
                NameResolver.NONE).index());
        assertEquals("REJECT", s.decide(new Query(Network.UDP, "x.test", null, 443, null, 0, null),
                NameResolver.NONE).target());
        assertEquals(1, s.decide(domain("b.com"), NameResolver.NONE).index());
        assertEquals("PROXY", s.decide(domain("a.com"), NameResolver.NONE).target());
    }

    @Test
    void ipRuleResolvesTheDomainOncePerDecision() throws Exception {
        RuleSet s = compile("IP-CIDR,198.51.100.0/24,GROUP", "IP-CIDR,192.0.2.0/24,PROXY", "MATCH,DIRECT");
        assertTrue(s.mayResolve());
        int[] calls = {0};
        NameResolver r = d -> {
            calls[0]++;
            return List.of(addr("192.0.2.9"));
        };
        assertEquals(1, s.decide(domain("example.com"), r).index());
        assertEquals(1, calls[0]);
    }

    @Test
    void noResolveSkipsResolutionAndAFailedResolutionFallsThrough() throws Exception {
        RuleSet s = compile("IP-CIDR,192.0.2.0/24,PROXY,no-resolve", "DOMAIN-SUFFIX,example.com,GROUP");
        assertFalse(s.mayResolve());
        NameResolver mustNotResolve = d -> {
            throw new AssertionError("resolved " + d);
        };
        assertEquals(1, s.decide(domain("example.com"), mustNotResolve).index());
        RuleSet t = compile("IP-CIDR,192.0.2.0/24,PROXY", "MATCH,GROUP");
        assertEquals(1, t.decide(domain("example.com"), NameResolver.NONE).index());
    }

    @Test
    void domainRuleBeforeAnIpRuleNeverResolves() throws Exception {
        RuleSet s = compile("DOMAIN-SUFFIX,example.com,GROUP", "IP-CIDR,192.0.2.0/24,PROXY");
        assertEquals(0, s.decide(domain("www.example.com"), d -> {
            throw new AssertionError("resolved " + d);
        }).index());
    }

    @Test
    void noResolveRuleAfterAResolvingRuleSeesTheResolvedAddress() throws Exception {
        // Clash keeps the resolved IP in the flow's metadata, so later no-resolve rules match it.
        RuleSet s = compile("IP-CIDR,198.51.100.0/24,PROXY", "IP-CIDR,192.0.2.0/24,GROUP,no-resolve");
        assertEquals(1, s.decide(domain("example.com"), d -> List.of(addr("192.0.2.1"))).index());
        RuleSet before = compile("IP-CIDR,192.0.2.0/24,GROUP,no-resolve", "IP-CIDR,198.51.100.0/24,PROXY");
        assertEquals(-1, before.decide(domain("example.com"), d -> List.of(addr("192.0.2.1"))).index());
    }

    @Test
    void countsAndSizeDescribeTheLines() throws Exception {
        RuleSet s = compile("DOMAIN,a.com,PROXY", "DOMAIN,b.com,PROXY", "IP-CIDR,192.0.2.0/24,PROXY", "FINAL,PROXY");
        assertEquals(4, s.size());
        assertEquals(Map.of("DOMAIN", 2, "IP-CIDR", 1, "MATCH", 1), s.countByType());
        assertEquals("a.com", s.lines().get(0).text().split(",")[1]);
    }
}
