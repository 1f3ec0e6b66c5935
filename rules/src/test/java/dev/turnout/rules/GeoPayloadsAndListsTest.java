package dev.turnout.rules;

import static dev.turnout.rules.Rules.domain;
import static dev.turnout.rules.Rules.ip;
import static dev.turnout.rules.Rules.lines;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * What GEOIP, GEOSITE and IP-ASN payloads a config may hold (mihomo's country codes, 32-bit AS numbers, a list
 * name before any '@'), and what a user is told about a GeoSite list: unusable entries, an attribute that leaves
 * nothing, each once however many rules name the list; a geodata file that cannot be read is one problem.
 */
class GeoPayloadsAndListsTest {

    private static RuleSet compile(GeoData geo, String... rules) throws RuleException {
        return RuleSet.compile(lines(rules), Map.of(), Rules.TARGETS, geo);
    }

    private static String problem(GeoData geo, String... rules) {
        return assertThrows(RuleException.class, () -> compile(geo, rules)).getMessage();
    }

    @Test
    void countryCodesMayHoldLettersDigitsDashesAndUnderscoresAtEveryEndOfTheirRanges() throws Exception {
        // geoip.dat names such as CLOUDFLARE, PRIVATE or category-ads; the case is folded
        RuleSet s = compile(new FakeGeo(false), "GEOIP,az,PROXY", "GEOIP,ZA,PROXY", "GEOIP,09,PROXY",
                "GEOIP,90,PROXY", "GEOIP,a-b_c,PROXY", "GEOIP,-,PROXY", "GEOIP,_,PROXY", "GEOIP,cn,GROUP");
        assertEquals("GROUP GEOIP,cn", s.decide(ip("1.0.1.1"), NameResolver.NONE).target() + " "
                + s.decide(ip("1.0.1.1"), NameResolver.NONE).rule());
        for (String bad : new String[] {"c n", "c@", "[", "`", "{", "/", ":", "c.n", "cn!"}) {
            assertEquals("config.yaml:10:11: bad GEOIP country '" + bad + "': expected a code such as CN or LAN",
                    problem(new FakeGeo(false), "GEOIP," + bad + ",PROXY"), bad);
        }
    }

    @Test
    void anAsNumberIsAnyUnsigned32BitNumberAndNothingLarger() throws Exception {
        RuleSet s = compile(new FakeGeo(false), "IP-ASN,4294967295,PROXY", "IP-ASN,0000000003,GROUP");
        assertEquals(1, s.decide(ip("192.0.2.3"), NameResolver.NONE).index(), "ten digits with leading zeros is AS3");
        for (String bad : new String[] {"4294967296", "99999999999", "12345678901234567890123", "AS13335", "-1",
            "1 3"}) {
            assertEquals("config.yaml:10:12: bad IP-ASN '" + bad + "': expected an AS number such as 13335",
                    problem(new FakeGeo(false), "IP-ASN," + bad + ",PROXY"), bad);
        }
    }

    @Test
    void aGeositeNeedsAListNameBeforeItsAttributes() {
        assertEquals("config.yaml:10:13: GEOSITE needs a list name before '@', got '@cn'",
                problem(new FakeGeo(false), "GEOSITE,@cn,PROXY"));
    }

    @Test
    void unusableEntriesOfAListAreSkippedWithOneWarningNamingTheFirstAndTheRestStillMatch() throws Exception {
        GeoData geo = sites(Map.of("mixed", List.of(
                new GeoSiteDomain(GeoSiteDomain.Type.FULL, "good.example", Set.of()),
                new GeoSiteDomain(GeoSiteDomain.Type.FULL, "bad..example", Set.of()),
                new GeoSiteDomain(GeoSiteDomain.Type.REGEX, "(unclosed", Set.of()),
                new GeoSiteDomain(GeoSiteDomain.Type.ROOT_DOMAIN, "fine.example", Set.of()),
                new GeoSiteDomain(GeoSiteDomain.Type.REGEX, "^re\\.", Set.of()))));
        RuleSet s = compile(geo, "GEOSITE,mixed,PROXY", "GEOSITE,mixed,GROUP");
        for (String hit : new String[] {"good.example", "a.fine.example", "re.org"}) {
            assertEquals(0, s.decide(domain(hit), NameResolver.NONE).index(), hit);
        }
        assertEquals(List.of("config.yaml:10:5: GEOSITE,mixed: 2 unusable entries skipped (the first: FULL "
                + "'bad..example')"), s.warnings());
    }

    @Test
    void anAttributeThatLeavesNothingOrAnEmptyOneIsToldOncePerList() throws Exception {
        RuleSet s = compile(new FakeGeo(false), "GEOSITE,a@nosuch,PROXY", "GEOSITE,a@nosuch,GROUP",
                "GEOSITE,b@,PROXY", "GEOSITE,b@,GROUP");
        assertEquals(List.of(
                "config.yaml:10:5: GEOSITE,a@nosuch matches nothing: the list has no entry with @nosuch",
                "config.yaml:12:5: GEOSITE,b@: empty attribute after '@'; the whole list is used"), s.warnings());
        assertEquals(-1, s.decide(domain("a.com"), NameResolver.NONE).index());
        assertEquals(2, s.decide(domain("x.net"), NameResolver.NONE).index(), "b@ is all of b");
        RuleSet empty = compile(sites(Map.of("none", List.of())), "GEOSITE,none,PROXY");
        assertEquals(List.of("config.yaml:10:5: GEOSITE,none matches nothing: the list has no entry"),
                empty.warnings());
    }

    @Test
    void aGeoipFileThatCannotBeReadIsOneProblemAtTheFirstRuleThatNeedsIt() {
        // geodata mode (GeoIP.dat): the country ranges are read per country; a broken file is named once
        GeoData broken = new GeoData() {
            @Override
            public CountryLookup countries() {
                return null;
            }

            @Override
            public List<String> countryRanges(String country) throws GeoDataException {
                throw new GeoDataException("GeoIP.dat is truncated");
            }

            @Override
            public AsnLookup asns() {
                return ip -> 0;
            }

            @Override
            public List<GeoSiteDomain> site(String list) {
                return null;
            }
        };
        RuleException e = assertThrows(RuleException.class, () -> compile(broken, "GEOIP,LAN,DIRECT",
                "GEOIP,CN,PROXY", "GEOIP,US,PROXY", "AND,((GEOIP,JP),(NETWORK,tcp)),PROXY"));
        assertEquals(List.of("config.yaml:11:5: GEOIP,CN: GeoIP.dat is truncated"),
                e.problems().stream().map(Throwable::getMessage).toList());
    }

    @Test
    void geoRulesInsideSubRuleConditionsAndLogicalRulesAreLookedUpToo() throws Exception {
        Map<String, List<RuleLine>> subs = Map.of("cn", List.of(
                new RuleLine("GEOSITE,b,PROXY", new Origin("config.yaml", 100, 5)),
                new RuleLine("IP-ASN,1,GROUP", new Origin("config.yaml", 101, 5))));
        RuleSet s = RuleSet.compile(lines("SUB-RULE,(GEOIP,CN),cn", "NOT,((GEOSITE,a)),DIRECT",
                "AND,((IP-ASN,2),(NETWORK,tcp)),GROUP"), Map.of(), Rules.TARGETS, subs, new FakeGeo(false));
        assertEquals("GROUP IP-ASN,1", render(s, ip("10.1.0.1")), "CN (10.1/16), AS 1: the list's second rule");
        assertEquals("DIRECT NOT,((GEOSITE,a))", render(s, ip("8.8.8.2")), "not CN; a name-less flow is not in a");
        assertEquals("GROUP AND,((IP-ASN,2),(NETWORK,tcp))", render(s, domain("a.com").withDestination(
                Rules.addr("192.0.2.6"))), "a.com is in a, so NOT fails; AS 2 over TCP");
    }

    private static String render(RuleSet s, Query q) {
        Decision d = s.decide(q, NameResolver.NONE);
        return d.target() + " " + d.rule();
    }

    private static GeoData sites(Map<String, List<GeoSiteDomain>> lists) {
        return new GeoData() {
            @Override
            public CountryLookup countries() {
                return ip -> null;
            }

            @Override
            public List<String> countryRanges(String country) {
                return null;
            }

            @Override
            public AsnLookup asns() {
                return ip -> 0;
            }

            @Override
            public List<GeoSiteDomain> site(String list) {
                return lists.containsKey(list) ? new ArrayList<>(lists.get(list)) : null;
            }
        };
    }
}
