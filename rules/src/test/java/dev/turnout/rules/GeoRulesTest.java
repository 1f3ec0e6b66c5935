package dev.turnout.rules;

import static dev.turnout.rules.Rules.addr;
import static dev.turnout.rules.Rules.domain;
import static dev.turnout.rules.Rules.ip;
import static dev.turnout.rules.Rules.lines;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetAddress;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** GEOIP, GEOSITE and IP-ASN against small fake databases: what each matches, when, and at what cost. */
class GeoRulesTest {

    private static RuleSet compile(GeoData geo, String... rules) throws RuleException {
        return RuleSet.compile(lines(rules), Map.of(), Rules.TARGETS, geo);
    }

    private static String target(RuleSet s, Query q, NameResolver r) {
        return s.decide(q, r).target() + " " + s.decide(q, r).rule();
    }

    @Test
    void geoIpMatchesTheCountryOfTheDestinationAndOfTheResolvedAddress() throws Exception {
        RuleSet s = compile(new FakeGeo(false), "GEOIP,cn,PROXY", "MATCH,GROUP");
        assertEquals("PROXY GEOIP,cn", target(s, ip("1.0.1.1"), NameResolver.NONE));
        assertEquals("GROUP MATCH", target(s, ip("8.8.8.8"), NameResolver.NONE));
        int[] calls = {0};
        NameResolver toCn = d -> {
            calls[0]++;
            return List.of(addr("1.0.1.1"));
        };
        assertEquals(0, s.decide(domain("www.example.cn"), toCn).index());
        assertEquals(1, calls[0]);
        assertTrue(s.mayResolve());
    }

    @Test
    void noResolveLeavesDomainOnlyFlowsToLaterRules() throws Exception {
        RuleSet s = compile(new FakeGeo(false), "GEOIP,CN,PROXY,no-resolve", "MATCH,GROUP");
        NameResolver never = d -> {
            throw new AssertionError("resolved " + d);
        };
        assertEquals(1, s.decide(domain("www.example.cn"), never).index());
        assertEquals(0, s.decide(ip("1.0.1.1"), never).index());
    }

    @Test
    void lanMatchesPrivateAndSpecialRangesWithoutAnyDatabase() throws Exception {
        RuleSet s = compile(GeoData.NONE, "GEOIP,LAN,PROXY");
        for (String lan : new String[] {"192.168.1.1", "10.0.0.1", "172.16.0.1", "172.31.255.255", "127.0.0.1",
            "169.254.1.1", "224.0.0.251", "239.255.255.250", "0.0.0.0", "::1", "::", "fe80::1", "fd00::1", "fc00::2",
            "ff02::1", "::ffff:192.168.1.1"}) {
            assertEquals(0, s.decide(ip(lan), NameResolver.NONE).index(), lan);
        }
        for (String not : new String[] {"8.8.8.8", "172.32.0.1", "1.0.1.1", "192.0.2.1", "2001:db8::1", "100.64.0.1"}) {
            assertEquals(-1, s.decide(ip(not), NameResolver.NONE).index(), not);
        }
    }

    @Test
    void oneDatabaseLookupPerDecisionHoweverManyGeoIpRules() throws Exception {
        FakeGeo geo = new FakeGeo(false);
        RuleSet s = compile(geo, "GEOIP,US,PROXY", "GEOIP,JP,PROXY", "AND,((GEOIP,CN),(NETWORK,udp)),GROUP",
                "OR,((GEOIP,DE),(GEOIP,FR)),GROUP", "GEOIP,CN,DIRECT", "IP-ASN,1,PROXY",
                "AND,((IP-ASN,1),(NETWORK,udp)),GROUP", "IP-ASN,2,GROUP");
        assertEquals(4, s.decide(ip("1.0.1.1"), NameResolver.NONE).index());
        assertEquals(1, geo.countryLookups);
        assertEquals(0, geo.asnLookups, "no IP-ASN rule could beat GEOIP,CN");
        assertEquals(7, s.decide(ip("198.51.100.2"), NameResolver.NONE).index());
        assertEquals(2, geo.countryLookups);
        assertEquals(1, geo.asnLookups);
        assertEquals(4, s.decide(domain("x.cn"), d -> List.of(addr("1.0.1.7"))).index());
        assertEquals(3, geo.countryLookups);
    }

    @Test
    void geodataModeMatchesTheCountrysRangesAndNamesAnUnknownCountry() throws Exception {
        FakeGeo geo = new FakeGeo(true);
        RuleSet s = compile(geo, "GEOIP,CN,PROXY", "GEOIP,US,GROUP");
        assertEquals("PROXY GEOIP,CN", target(s, ip("1.0.1.1"), NameResolver.NONE));
        assertEquals("GROUP GEOIP,US", target(s, ip("8.8.8.8"), NameResolver.NONE));
        assertEquals(-1, s.decide(ip("203.0.113.1"), NameResolver.NONE).index());
        assertEquals(0, geo.countryLookups);
        RuleException e = assertThrows(RuleException.class, () -> compile(geo, "DOMAIN,a.com,PROXY", "GEOIP,XX,PROXY"));
        assertEquals("config.yaml:11:5: GEOIP,XX: the country database has no 'XX'", e.getMessage());
    }

    @Test
    void geositeMatchesFullDomainPlainAndRegexEntriesAndFiltersByAttribute() throws Exception {
        RuleSet all = compile(new FakeGeo(false), "GEOSITE,A,PROXY");
        for (String hit : new String[] {"a.com", "ex.cn", "www.ex.cn", "google.com", "ab.x.org", "a.x-y"}) {
            assertEquals(0, all.decide(domain(hit), NameResolver.NONE).index(), hit);
            assertEquals("GEOSITE,A", all.decide(domain(hit), NameResolver.NONE).rule());
        }
        for (String miss : new String[] {"www.a.com", "xex.cn", "cab.x", "x-y.org"}) {
            assertEquals(-1, all.decide(domain(miss), NameResolver.NONE).index(), miss);
        }
        RuleSet cn = compile(new FakeGeo(false), "GEOSITE,a@cn,PROXY");
        for (String hit : new String[] {"ex.cn", "ab.x"}) {
            assertEquals(0, cn.decide(domain(hit), NameResolver.NONE).index(), hit);
        }
        for (String miss : new String[] {"a.com", "google.com", "a.x-y"}) {
            assertEquals(-1, cn.decide(domain(miss), NameResolver.NONE).index(), miss);
        }
        RuleSet both = compile(new FakeGeo(false), "GEOSITE,b@cn@ads,PROXY", "GEOSITE,b@cn,GROUP", "GEOSITE,b,DIRECT");
        assertEquals(0, both.decide(domain("b.b"), NameResolver.NONE).index());
        assertEquals(2, both.decide(domain("x.net"), NameResolver.NONE).index());
        assertTrue(!both.mayResolve());
    }

    @Test
    void aNegatedGeositeMatchesWhatTheListDoesNotAsMihomosMatcherDoes() throws Exception {
        // liuran001's widely copied config: nameserver-policy 'geosite:!cn,!private'.
        RuleSet notCn = compile(new FakeGeo(false), "GEOSITE,!a@cn,PROXY", "MATCH,GROUP");
        for (String hit : new String[] {"a.com", "google.com", "other.test"}) {
            assertEquals(0, notCn.decide(domain(hit), NameResolver.NONE).index(), hit);
        }
        for (String miss : new String[] {"ex.cn", "www.ex.cn", "ab.x"}) {
            assertEquals(1, notCn.decide(domain(miss), NameResolver.NONE).index(), miss);
        }
        assertEquals("GEOSITE,!a@cn", notCn.decide(domain("a.com"), NameResolver.NONE).rule());
        RuleException e = assertThrows(RuleException.class, () -> compile(new FakeGeo(false), "GEOSITE,!nosuch,PROXY"));
        assertEquals("config.yaml:10:5: GEOSITE,nosuch: GeoSite.dat has no list 'nosuch'", e.getMessage());
    }

    @Test
    void aNegatedGeositeNeverMatchesAFlowWithoutANameAsMihomosMatchDomainReturnsFalseFirst() throws Exception {
        // mihomo's rules/common/geosite.go MatchDomain: 'if len(domain) == 0 { return false }' comes before the
        // (negated) matcher, so GEOSITE,!cn leaves IP-literal flows (apps dialling addresses) to later rules.
        RuleSet notCn = compile(new FakeGeo(false), "GEOSITE,!a@cn,PROXY", "MATCH,GROUP");
        for (String address : new String[] {"1.2.3.4", "192.0.2.1", "2001:db8::1"}) {
            assertEquals("GROUP MATCH", target(notCn, ip(address), NameResolver.NONE), address);
        }
        assertEquals("PROXY GEOSITE,!a@cn", target(notCn, domain("other.test"), NameResolver.NONE));
        RuleSet inside = compile(new FakeGeo(false), "AND,((GEOSITE,!a@cn),(NETWORK,tcp)),PROXY", "MATCH,GROUP");
        assertEquals("GROUP MATCH", target(inside, ip("192.0.2.1"), NameResolver.NONE));
        assertEquals(0, inside.decide(domain("other.test"), NameResolver.NONE).index());
    }

    @Test
    void aGeositeListTheFileLacksIsAnErrorAtItsRule() {
        RuleException e = assertThrows(RuleException.class, () -> compile(new FakeGeo(false), "GEOSITE,a,PROXY",
                "GEOSITE,nosuch@cn,PROXY"));
        assertEquals("config.yaml:11:5: GEOSITE,nosuch@cn: GeoSite.dat has no list 'nosuch'", e.getMessage());
    }

    @Test
    void aMissingDatabaseIsOneProblemAtTheFirstRuleThatNeedsIt() {
        RuleException e = assertThrows(RuleException.class, () -> compile(GeoData.NONE, "GEOIP,LAN,DIRECT",
                "GEOIP,CN,DIRECT", "GEOIP,US,PROXY", "IP-ASN,13335,PROXY", "GEOSITE,cn,PROXY", "GEOSITE,google,PROXY"));
        assertEquals(List.of(
                "config.yaml:11:5: GEOIP,CN: no country database (Country.mmdb) is available",
                "config.yaml:13:5: IP-ASN,13335: no ASN database (GeoLite2-ASN.mmdb) is available",
                "config.yaml:14:5: GEOSITE,cn: no GeoSite.dat is available"),
                e.problems().stream().map(Throwable::getMessage).toList());
    }

    @Test
    void ipAsnMatchesTheAutonomousSystemOfTheAddress() throws Exception {
        RuleSet s = compile(new FakeGeo(false), "IP-ASN,3,PROXY", "IP-ASN,1,GROUP,no-resolve");
        assertEquals(0, s.decide(ip("192.0.2.7"), NameResolver.NONE).index());
        assertEquals(1, s.decide(ip("192.0.2.9"), NameResolver.NONE).index());
        assertEquals(-1, s.decide(ip("192.0.2.8"), NameResolver.NONE).index());
        assertEquals(0, s.decide(domain("x.org"), d -> List.of(addr("2001:db8::3"))).index());
    }

    @Test
    void geoEntriesInAClassicalProviderMatchToo() throws Exception {
        Map<String, ProviderSource> p = Map.of("c", Rules.text("c", Behavior.CLASSICAL,
                "GEOIP,LAN,no-resolve\nGEOSITE,b\nGEOIP,CN\n"));
        RuleSet s = RuleSet.compile(lines("RULE-SET,c,PROXY"), p, Rules.TARGETS, new FakeGeo(false));
        for (String hit : new String[] {"192.168.0.1", "1.0.1.1"}) {
            assertEquals(0, s.decide(ip(hit), NameResolver.NONE).index(), hit);
        }
        assertEquals(0, s.decide(domain("y.net"), NameResolver.NONE).index());
        assertEquals(-1, s.decide(ip("8.8.8.8"), NameResolver.NONE).index());
        InetAddress cn = addr("1.0.1.9");
        assertEquals(0, s.decide(domain("z.org"), d -> List.of(cn)).index());
    }

    /** A flow from {@code source} to {@code destination}, both addresses. */
    private static Query from(String source, String destination) {
        return new Query(Network.TCP, null, addr(destination), 443, addr(source), 50000, null);
    }

    @Test
    void srcGeoIpMatchesTheCountryOfTheSourceNeverTheDestinationAndResolvesNothing() throws Exception {
        for (boolean geodata : new boolean[] {false, true}) {
            FakeGeo geo = new FakeGeo(geodata);
            RuleSet s = compile(geo, "SRC-GEOIP,cn,PROXY", "SRC-GEOIP,LAN,DIRECT", "GEOIP,CN,GROUP", "MATCH,REJECT");
            assertEquals("PROXY SRC-GEOIP,cn", target(s, from("1.0.1.9", "8.8.8.8"), NameResolver.NONE), "geodata " + geodata);
            assertEquals("DIRECT SRC-GEOIP,LAN", target(s, from("192.168.1.20", "8.8.8.8"), NameResolver.NONE));
            assertEquals("GROUP GEOIP,CN", target(s, from("8.8.8.9", "1.0.1.1"), NameResolver.NONE),
                    "a destination in CN is not a source in CN");
            assertEquals("REJECT MATCH", target(s, from("203.0.113.5", "8.8.8.8"), NameResolver.NONE));
            NameResolver never = d -> {
                throw new AssertionError("resolved " + d);
            };
            RuleSet sourceOnly = compile(geo, "SRC-GEOIP,CN,PROXY", "MATCH,GROUP");
            assertEquals(1, sourceOnly.decide(domain("www.example.cn"), never).index(), "no source: no match");
            assertTrue(!sourceOnly.mayResolve(), "a source rule never makes Clash resolve the destination");
        }
    }

    @Test
    void srcIpAsnMatchesTheAutonomousSystemOfTheSource() throws Exception {
        FakeGeo geo = new FakeGeo(false);
        RuleSet s = compile(geo, "SRC-IP-ASN,2,PROXY", "IP-ASN,2,GROUP", "MATCH,DIRECT");
        assertEquals("PROXY SRC-IP-ASN,2", target(s, from("198.51.100.6", "198.51.100.4"), NameResolver.NONE));
        assertEquals("GROUP IP-ASN,2", target(s, from("198.51.100.5", "198.51.100.2"), NameResolver.NONE));
        assertEquals("DIRECT MATCH", target(s, from("198.51.100.5", "198.51.100.5"), NameResolver.NONE));
    }

    @Test
    void srcGeoIpAndSrcIpAsnPayloadsAreCheckedAsTheirDestinationTwins() {
        RuleException country = assertThrows(RuleException.class, () -> compile(new FakeGeo(false), "SRC-GEOIP,c n,PROXY"));
        assertTrue(country.getMessage().contains("bad SRC-GEOIP country 'c n'"), country.getMessage());
        RuleException asn = assertThrows(RuleException.class, () -> compile(new FakeGeo(false), "SRC-IP-ASN,AS13335,PROXY"));
        assertTrue(asn.getMessage().contains("bad SRC-IP-ASN 'AS13335': expected an AS number"), asn.getMessage());
    }
}
