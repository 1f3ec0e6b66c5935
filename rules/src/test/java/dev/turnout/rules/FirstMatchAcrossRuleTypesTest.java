package dev.turnout.rules;

import static dev.turnout.rules.Rules.addr;
import static dev.turnout.rules.Rules.compile;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The first rule in list order wins even when the rules are of different types and so live in different
 * indexes (a CIDR trie, the domain suffix hash, keyword automaton, port tables, rule sets): fixed cases for a
 * flow that carries both a name and an address, where an IP rule and a name or port rule both match. The
 * randomized {@link DifferentialTest} covers this too, but with a new seed every run.
 */
class FirstMatchAcrossRuleTypesTest {

    /** A TCP flow to www.example.com at 192.0.2.10:443, from 198.51.100.7:50000, by curl. */
    private static final Query FLOW = new Query(Network.TCP, "www.example.com", addr("192.0.2.10"), 443,
            addr("198.51.100.7"), 50000, "curl");

    /** The same by IPv6. */
    private static final Query FLOW6 = new Query(Network.TCP, "www.example.com", addr("2001:db8::10"), 443,
            addr("2001:db8:1::7"), 50000, "curl");

    /** Every rule type that matches {@link #FLOW}, with the targets that tell them apart in a message. */
    private static final List<String> MATCHING = List.of(
            "IP-CIDR,192.0.2.0/24,PROXY",
            "IP-CIDR,192.0.2.0/24,PROXY,no-resolve",
            "SRC-IP-CIDR,198.51.100.0/24,PROXY",
            "RULE-SET,ips,PROXY",
            "DOMAIN,www.example.com,GROUP",
            "DOMAIN-SUFFIX,example.com,GROUP",
            "DOMAIN-KEYWORD,exam,GROUP",
            "DOMAIN-REGEX,^www\\.,GROUP",
            "RULE-SET,names,GROUP",
            "DST-PORT,443,GROUP",
            "SRC-PORT,50000,GROUP",
            "NETWORK,tcp,GROUP",
            "PROCESS-NAME,curl,GROUP",
            "AND,((DST-PORT,443),(NETWORK,tcp)),GROUP");

    private static final Map<String, ProviderSource> PROVIDERS = Map.of(
            "ips", Rules.text("ips", Behavior.IPCIDR, "192.0.2.0/28\n"),
            "names", Rules.text("names", Behavior.DOMAIN, "+.example.com\n"),
            "other-ips", Rules.text("other-ips", Behavior.IPCIDR, "203.0.113.0/24\n"),
            "other-names", Rules.text("other-names", Behavior.DOMAIN, "+.example.org\n"));

    /** Every ordered pair of different matching rules: the one listed first must win, whichever index holds it. */
    static Stream<Arguments> pairs() {
        return MATCHING.stream().flatMap(first -> MATCHING.stream().filter(second -> !second.equals(first))
                .map(second -> Arguments.of(first, second)));
    }

    @ParameterizedTest(name = "{0} before {1}")
    @MethodSource("pairs")
    void theFirstOfTwoMatchingRulesWins(String first, String second) throws Exception {
        RuleSet s = compile(PROVIDERS, first, second, "MATCH,GROUP");
        Decision d = s.decide(FLOW, mustNotResolve());
        assertEquals(0, d.index(), () -> first + " then " + second + ": decided " + d.rule());
    }

    @ParameterizedTest(name = "a non-matching {0} before {1}")
    @MethodSource("pairs")
    void aRuleThatDoesNotMatchIsPassedOverWhateverItsType(String first, String second) throws Exception {
        RuleSet s = compile(PROVIDERS, notMatching(first), second, "MATCH,GROUP");
        Decision d = s.decide(FLOW, mustNotResolve());
        assertEquals(1, d.index(), () -> notMatching(first) + " then " + second + ": decided " + d.rule());
    }

    @ParameterizedTest(name = "IP-CIDR6 before {0}")
    @MethodSource("nameAndPortRules")
    void anIpv6RuleBeforeANameOrPortRuleWins(String later) throws Exception {
        RuleSet s = compile(PROVIDERS, "IP-CIDR6,2001:db8::/64,PROXY", later);
        assertEquals(0, s.decide(FLOW6, mustNotResolve()).index());
        RuleSet reversed = compile(PROVIDERS, later, "IP-CIDR6,2001:db8::/64,PROXY");
        assertEquals(0, reversed.decide(FLOW6, mustNotResolve()).index());
    }

    static Stream<String> nameAndPortRules() {
        return MATCHING.stream().filter(r -> r.contains("DOMAIN") || r.contains("PORT") || r.contains("names"));
    }

    /** The same rule changed so that it no longer matches {@link #FLOW}, keeping its type (and index). */
    private static String notMatching(String rule) {
        String[] parts = rule.split(",", 2);
        return switch (parts[0]) {
            case "IP-CIDR" -> rule.replace("192.0.2.0/24", "203.0.113.0/24");
            case "SRC-IP-CIDR" -> rule.replace("198.51.100.0/24", "203.0.113.0/24");
            case "RULE-SET" -> rule.replace(",ips,", ",other-ips,").replace(",names,", ",other-names,");
            case "DOMAIN" -> "DOMAIN,example.com,GROUP";
            case "DOMAIN-SUFFIX" -> "DOMAIN-SUFFIX,ample.com,GROUP";
            case "DOMAIN-KEYWORD" -> "DOMAIN-KEYWORD,nothere,GROUP";
            case "DOMAIN-REGEX" -> "DOMAIN-REGEX,^ftp\\.,GROUP";
            case "DST-PORT" -> "DST-PORT,80,GROUP";
            case "SRC-PORT" -> "SRC-PORT,1000-2000,GROUP";
            case "NETWORK" -> "NETWORK,udp,GROUP";
            case "PROCESS-NAME" -> "PROCESS-NAME,wget,GROUP";
            case "AND" -> "AND,((DST-PORT,443),(NETWORK,udp)),GROUP";
            default -> throw new AssertionError("no non-matching form for " + rule);
        };
    }

    /** The flow has its address: no rule may need the name resolved. */
    private static NameResolver mustNotResolve() {
        return d -> {
            throw new AssertionError("resolved " + d + " for a flow that has its address");
        };
    }
}
