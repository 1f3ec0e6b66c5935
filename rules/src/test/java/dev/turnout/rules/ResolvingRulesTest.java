package dev.turnout.rules;

import static dev.turnout.rules.Rules.TARGETS;
import static dev.turnout.rules.Rules.addr;
import static dev.turnout.rules.Rules.domain;
import static dev.turnout.rules.Rules.lines;
import static dev.turnout.rules.Rules.text;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Which rules make Clash resolve a flow that has a name but no address (mihomo's shouldResolveIP): once one is
 * reached, every later IP rule sees the address, even a {@code no-resolve} one; before it, a {@code no-resolve}
 * IP rule sees none. Each case puts the rule under test first (it never matches the flow itself) and a probe
 * after it, {@code IP-CIDR,198.51.100.0/24,GROUP,no-resolve}, which the flow's address (198.51.100.7) matches
 * only if the first rule made the name resolve.
 */
class ResolvingRulesTest {

    private static final String PROBE = "IP-CIDR,198.51.100.0/24,GROUP,no-resolve";

    /** The provider every RULE-SET case names, by behaviour: none of its entries matches the flow. */
    private static final Map<String, ProviderSource> PROVIDERS = Map.of(
            "ips", text("ips", Behavior.IPCIDR, "203.0.113.0/24\n"),
            "names", text("names", Behavior.DOMAIN, "+.nothing.test\n"),
            "classical-ip", text("classical-ip", Behavior.CLASSICAL,
                    "DOMAIN,nothing.test\nIP-CIDR,203.0.113.0/24\n"),
            "classical-names", text("classical-names", Behavior.CLASSICAL,
                    "DOMAIN,nothing.test\nDOMAIN-SUFFIX,nothing.example\n"),
            "classical-source", text("classical-source", Behavior.CLASSICAL, "SRC-IP-CIDR,203.0.113.0/24\n"));

    /** GROUP when reaching {@code first} resolved the name, DIRECT (MATCH) when it did not. */
    private static String decide(String first, Map<String, List<RuleLine>> subRules) throws RuleException {
        RuleSet rules = RuleSet.compile(lines(first, PROBE, "MATCH,DIRECT"), PROVIDERS, TARGETS, subRules,
                new FakeGeo(false));
        List<String> asked = new ArrayList<>();
        Decision d = rules.decide(domain("www.example.org"), name -> {
            asked.add(name);
            return List.of(addr("198.51.100.7"));
        });
        assertEquals(d.target().equals("GROUP") ? List.of("www.example.org") : List.of(), asked,
                "the name is resolved exactly when the probe saw an address");
        return d.target();
    }

    private static String decide(String first) throws RuleException {
        return decide(first, Map.of());
    }

    @Test
    void anIpRuleForTheDestinationResolvesUnlessItSaysNoResolve() throws Exception {
        assertEquals("GROUP", decide("IP-CIDR,203.0.113.0/24,PROXY"));
        assertEquals("GROUP", decide("IP-CIDR6,2001:db8::/32,PROXY"));
        assertEquals("GROUP", decide("IP-SUFFIX,203.0.113.9/32,PROXY"));
        assertEquals("DIRECT", decide("IP-CIDR,203.0.113.0/24,PROXY,no-resolve"));
        assertEquals("DIRECT", decide("IP-SUFFIX,203.0.113.9/32,PROXY,no-resolve"));
    }

    @Test
    void countryAndAsRulesResolveUnlessTheySayNoResolve() throws Exception {
        // FakeGeo: 198.51.100.7 is in no country and in AS 3.
        assertEquals("GROUP", decide("GEOIP,JP,PROXY"));
        assertEquals("DIRECT", decide("GEOIP,JP,PROXY,no-resolve"));
        assertEquals("GROUP", decide("IP-ASN,2,PROXY"));
        assertEquals("DIRECT", decide("IP-ASN,2,PROXY,no-resolve"));
    }

    @Test
    void sourceAddressRulesNeverResolveTheDestination() throws Exception {
        assertEquals("DIRECT", decide("SRC-IP-CIDR,203.0.113.0/24,PROXY"));
        assertEquals("DIRECT", decide("SRC-IP-SUFFIX,203.0.113.9/32,PROXY"));
    }

    @Test
    void aRuleSetResolvesWhenItHoldsAddressesForTheDestination() throws Exception {
        assertEquals("GROUP", decide("RULE-SET,ips,PROXY"), "an ipcidr provider");
        assertEquals("DIRECT", decide("RULE-SET,ips,PROXY,no-resolve"), "an ipcidr provider with no-resolve");
        assertEquals("DIRECT", decide("RULE-SET,names,PROXY"), "a domain provider");
        assertEquals("GROUP", decide("RULE-SET,classical-ip,PROXY"), "a classical provider with an IP-CIDR");
        assertEquals("DIRECT", decide("RULE-SET,classical-names,PROXY"), "a classical provider of names only");
        assertEquals("DIRECT", decide("RULE-SET,classical-source,PROXY"), "a classical provider of source rules");
    }

    @Test
    void aLogicalRuleResolvesWhenOneOfItsPartsWould() throws Exception {
        assertEquals("GROUP", decide("AND,((NETWORK,UDP),(IP-CIDR,203.0.113.0/24)),PROXY"));
        assertEquals("GROUP", decide("NOT,((OR,((DOMAIN,nothing.test),(IP-CIDR,0.0.0.0/0)))),PROXY"));
        assertEquals("DIRECT", decide("AND,((NETWORK,UDP),(DOMAIN,nothing.test)),PROXY"));
        assertEquals("DIRECT", decide("OR,((DOMAIN,nothing.test),(IP-CIDR,203.0.113.0/24,no-resolve)),PROXY"));
    }

    @Test
    void aSubRuleResolvesWhenItsConditionOrItsListWould() throws Exception {
        Map<String, List<RuleLine>> subs = Map.of(
                "with-ip", lines("DOMAIN,nothing.test,PROXY", "IP-CIDR,203.0.113.0/24,PROXY"),
                "names-only", lines("DOMAIN,nothing.test,PROXY"));
        assertEquals("GROUP", decide("SUB-RULE,(NETWORK,UDP),with-ip", subs), "an IP rule in the list");
        assertEquals("GROUP", decide("SUB-RULE,(IP-CIDR,203.0.113.0/24),names-only", subs),
                "an IP rule in the condition");
        assertEquals("DIRECT", decide("SUB-RULE,(NETWORK,UDP),names-only", subs), "neither");
    }
}
