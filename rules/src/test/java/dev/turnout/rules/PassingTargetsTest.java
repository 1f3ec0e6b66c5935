package dev.turnout.rules;

import static dev.turnout.rules.Rules.addr;
import static dev.turnout.rules.Rules.domain;
import static dev.turnout.rules.Rules.lines;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Predicate;
import org.junit.jupiter.api.Test;

/**
 * mihomo's PASS reached through a group: a rule naming a group whose choice is PASS lets the flow go on to the next
 * rule (DifferentialTest checks the main rules against a linear walk; these are the cases it does not reach).
 */
class PassingTargetsTest {

    private static final Set<String> TARGETS = Set.of("PROXY", "Ads", "Other");
    private static final Predicate<String> ADS_PASS = "Ads"::equals;

    @Test
    void aListenersListGoesOnWithinItselfPastAGroupThatPasses() throws Exception {
        RuleSet s = RuleSet.compile(lines("MATCH,DIRECT"), Map.of(), TARGETS, Map.of("lan", lines(
                "DOMAIN-SUFFIX,ads.example,Ads", "DOMAIN-SUFFIX,example,PROXY", "MATCH,Other")),
                GeoData.NONE, Set.of(), Set.of("Ads"));
        assertEquals("PROXY", s.decideIn("lan", domain("x.ads.example"), NameResolver.NONE, ADS_PASS).target());
        assertEquals("Ads", s.decideIn("lan", domain("x.ads.example"), NameResolver.NONE, t -> false).target());
        assertEquals("Other", s.decideIn("lan", domain("x.test"), NameResolver.NONE, ADS_PASS).target());
        assertTrue(s.mayPass());
    }

    @Test
    void aLongSubRulesListIsDecidedByItsWholeIndexFirstAndGoesOnAfterThePartThatPassed() throws Exception {
        // Five passable rules each followed by another target: six parts, so the list keeps one index over all of
        // them too, asked first; a flow that passes rule 2 goes on with the part after it (rules 3 and 4).
        List<RuleLine> lan = lines("DOMAIN-SUFFIX,a.example,Ads", "DOMAIN-SUFFIX,z1.example,Other",
                "DOMAIN-SUFFIX,b.example,Ads", "DOMAIN,x.b.example,Other", "DOMAIN-SUFFIX,c.example,Ads",
                "DOMAIN-SUFFIX,b.example,PROXY", "DOMAIN-SUFFIX,d.example,Ads", "DOMAIN-SUFFIX,z3.example,Other",
                "DOMAIN-SUFFIX,e.example,Ads", "MATCH,DIRECT");
        RuleSet s = RuleSet.compile(lines("MATCH,DIRECT"), Map.of(), TARGETS, Map.of("lan", lan), GeoData.NONE,
                Set.of(), Set.of("Ads"));
        assertEquals("Other", s.decideIn("lan", domain("x.b.example"), NameResolver.NONE, ADS_PASS).target());
        assertEquals("PROXY", s.decideIn("lan", domain("y.b.example"), NameResolver.NONE, ADS_PASS).target());
        assertEquals("Ads", s.decideIn("lan", domain("x.b.example"), NameResolver.NONE, t -> false).target());
        assertEquals("DIRECT", s.decideIn("lan", domain("x.e.example"), NameResolver.NONE, ADS_PASS).target());
        assertEquals("DIRECT", s.decideIn("lan", domain("none.test"), NameResolver.NONE, ADS_PASS).target());
    }

    @Test
    void passInASubRulesListGoesOnAfterTheSubRuleAsMihomosMatchSubRulesLetsIt() throws Exception {
        RuleSet s = RuleSet.compile(lines("SUB-RULE,(NETWORK,TCP),tcp", "DOMAIN-SUFFIX,example,PROXY", "MATCH,DIRECT"),
                Map.of(), TARGETS, Map.of("tcp", lines("DOMAIN,skip.example,PASS", "MATCH,Other")));
        assertEquals(new Decision("PROXY", "DOMAIN-SUFFIX,example", 1), s.decide(domain("skip.example"),
                NameResolver.NONE));
        assertEquals("Other", s.decide(domain("x.example"), NameResolver.NONE).target());
        // A listener's list is its whole rule list: PASS goes on within it.
        assertEquals(new Decision("Other", "MATCH", -1), s.decideIn("tcp", domain("skip.example"), NameResolver.NONE));
    }

    /**
     * mihomo's PASS-RULE (its PR 2873's example, echs-top/proxy's config): a group 'QUIC' of [PASS-RULE, REJECT] ends
     * the main rules and each sub-rules list; choosing PASS-RULE lets QUIC go on with the next rule of the list it is
     * in, where PASS would leave the list.
     */
    @Test
    void passRuleGoesOnWithinItsSubRulesListWherePassLeavesIt() throws Exception {
        Set<String> targets = Set.of("PROXY", "QUIC", "AI", "Other");
        RuleSet s = RuleSet.compile(lines(
                        "SUB-RULE,(DOMAIN-SUFFIX,ai.example),sub-ai",
                        "AND,((NETWORK,UDP),(DST-PORT,443)),QUIC",
                        "MATCH,PROXY"),
                Map.of(), targets, Map.of("sub-ai", lines(
                        "AND,((NETWORK,UDP),(DST-PORT,443)),QUIC",
                        "DOMAIN,literal.ai.example,PASS-RULE",
                        "MATCH,AI")),
                GeoData.NONE, Set.of(), Set.of("QUIC"));
        Query quicToAi = new Query(Network.UDP, "chat.ai.example", null, 443, null, 0, null);
        Query quicElsewhere = new Query(Network.UDP, "video.example", null, 443, null, 0, null);
        Predicate<String> quicPasses = "QUIC"::equals;
        assertEquals("AI", s.decide(quicToAi, NameResolver.NONE, quicPasses, quicPasses).target(),
                "PASS-RULE: the list's next rule");
        assertEquals("PROXY", s.decide(quicToAi, NameResolver.NONE, quicPasses, t -> false).target(),
                "PASS: out of the list, and the main rules' next rule after QUIC's");
        assertEquals("QUIC", s.decide(quicToAi, NameResolver.NONE, t -> false, t -> false).target(), "QUIC on REJECT");
        assertEquals("PROXY", s.decide(quicElsewhere, NameResolver.NONE, quicPasses, quicPasses).target());
        assertEquals("AI", s.decide(new Query(Network.TCP, "literal.ai.example", null, 443, null, 0, null),
                NameResolver.NONE, t -> false, t -> false).target(), "a rule naming PASS-RULE itself matches nothing");
        // A listener's list is its whole rule list: it goes on within it either way.
        assertEquals("AI", s.decideIn("sub-ai", quicToAi, NameResolver.NONE, quicPasses, quicPasses).target());
    }

    @Test
    void aSubRuleWhoseListDecidesNothingBecauseOfPassRuleDoesNotMatch() throws Exception {
        RuleSet s = RuleSet.compile(lines("SUB-RULE,(NETWORK,UDP),udp", "MATCH,PROXY"), Map.of(),
                Set.of("PROXY", "QUIC", "Other"), Map.of("udp", lines("DST-PORT,443,QUIC")), GeoData.NONE, Set.of(),
                Set.of("QUIC"));
        Query quic = new Query(Network.UDP, "a.example", null, 443, null, 0, null);
        assertEquals("PROXY", s.decide(quic, NameResolver.NONE, "QUIC"::equals, "QUIC"::equals).target(),
                "its only match went on: the list decided nothing, and so the main rules go on");
        assertEquals("QUIC", s.decide(quic, NameResolver.NONE, t -> false, t -> false).target());
    }

    @Test
    void aNameLookedUpBeforeAPassIsNotLookedUpAgainAndLaterIpRulesSeeItsAddress() throws Exception {
        // mihomo sets the flow's address at the first IP rule that needs it; every rule after sees it, no-resolve too.
        RuleSet s = RuleSet.compile(lines("IP-CIDR,192.0.2.0/24,Ads", "IP-CIDR,192.0.2.0/24,PROXY,no-resolve",
                "MATCH,DIRECT"), Map.of(), TARGETS, Map.of(), GeoData.NONE, Set.of(), Set.of("Ads"));
        List<String> asked = new ArrayList<>();
        NameResolver resolver = answering("192.0.2.5", asked);
        assertEquals("PROXY", s.decide(domain("a.example"), resolver, ADS_PASS).target());
        assertEquals(List.of("a.example"), asked);
        assertEquals("Ads", s.decide(domain("a.example"), resolver, t -> false).target());
        // The rule that looks the name up may match without the address (NETWORK here) and pass: the look-up was
        // made on reaching it all the same (DifferentialTest found this, seed 55805911450564).
        RuleSet set = RuleSet.compile(lines("RULE-SET,p,Ads", "IP-CIDR,192.0.2.0/24,PROXY,no-resolve", "MATCH,DIRECT"),
                Map.of("p", Rules.text("p", Behavior.CLASSICAL, "NETWORK,TCP\nIP-CIDR,198.51.100.0/24\n")), TARGETS,
                Map.of(), GeoData.NONE, Set.of(), Set.of("Ads"));
        asked.clear();
        assertEquals("PROXY", set.decide(domain("a.example"), resolver, ADS_PASS).target());
        assertEquals(List.of("a.example"), asked);
    }

    @Test
    void aRunOfRulesNamingOneGroupThatMayPassIsOnePartAndPassingOneOfThemPassesTheRun() throws Exception {
        // A subscription's ss nodes without `udp: true` make every proxy group one a UDP flow goes past: ACL4SSR's
        // thousands of rules naming them were as many parts, walked for every flow (0.47 ms a decision).
        RuleSet s = RuleSet.compile(lines("DOMAIN-SUFFIX,a.example,Ads", "DOMAIN-SUFFIX,b.example,Ads",
                "DOMAIN-KEYWORD,example,Ads", "DOMAIN-SUFFIX,a.example,Other", "DOMAIN-SUFFIX,c.example,Ads",
                "MATCH,PROXY"), Map.of(), TARGETS, Map.of(), GeoData.NONE, Set.of(), Set.of("Ads"));
        assertEquals(3, s.partCount(), "cut after the run of three and after the lone Ads rule");
        assertEquals("Ads", s.decide(domain("x.a.example"), NameResolver.NONE, t -> false).target());
        assertEquals("Other", s.decide(domain("x.a.example"), NameResolver.NONE, ADS_PASS).target());
        assertEquals("PROXY", s.decide(domain("x.b.example"), NameResolver.NONE, ADS_PASS).target());
        assertEquals("PROXY", s.decide(domain("c.example"), NameResolver.NONE, ADS_PASS).target());
        assertEquals("Ads", s.decide(domain("c.example"), NameResolver.NONE, t -> false).target());
    }

    @Test
    void aRuleAfterThePassingOneInItsRunThatNeedsTheAddressHasItLookedUpForTheRulesAfter() throws Exception {
        // mihomo reaches the IP rule after the one that passed, looks the name up there, and the no-resolve rule after
        // them sees the address: the run is skipped as one part, but its look-up is made all the same.
        RuleSet s = RuleSet.compile(lines("DOMAIN-SUFFIX,a.example,Ads", "IP-CIDR,198.51.100.0/24,Ads",
                "IP-CIDR,192.0.2.0/24,PROXY,no-resolve", "MATCH,DIRECT"), Map.of(), TARGETS, Map.of(), GeoData.NONE,
                Set.of(), Set.of("Ads"));
        List<String> asked = new ArrayList<>();
        NameResolver resolver = answering("192.0.2.5", asked);
        assertEquals("PROXY", s.decide(domain("x.a.example"), resolver, ADS_PASS).target());
        assertEquals(List.of("x.a.example"), asked);
        asked.clear();
        assertEquals("Ads", s.decide(domain("x.a.example"), resolver, t -> false).target());
        assertEquals(List.of(), asked, "the first rule decides without the address");
    }

    @Test
    void aMatchNamingAGroupThatMayPassLeavesTheRulesAfterItReachable() throws Exception {
        RuleSet passing = RuleSet.compile(lines("MATCH,Ads", "DOMAIN,a.example,PROXY"), Map.of(), TARGETS, Map.of(),
                GeoData.NONE, Set.of(), Set.of("Ads"));
        assertTrue(passing.warnings().stream().noneMatch(w -> w.contains("never reached")), passing.warnings()::toString);
        assertEquals("PROXY", passing.decide(domain("a.example"), NameResolver.NONE, ADS_PASS).target());
        assertEquals(Decision.NO_MATCH, passing.decide(domain("b.example"), NameResolver.NONE, ADS_PASS));
        RuleSet plain = RuleSet.compile(lines("MATCH,Ads", "DOMAIN,a.example,PROXY"), Map.of(), TARGETS);
        assertTrue(plain.warnings().stream().anyMatch(w -> w.contains("never reached")), plain.warnings()::toString);
        assertFalse(plain.mayPass());
        assertEquals("Ads", plain.decide(domain("a.example"), NameResolver.NONE, ADS_PASS).target(),
                "a group not compiled as one that may pass is never asked");
    }

    /** A resolver answering every name with {@code address}, writing down the names it was asked. */
    private static NameResolver answering(String address, List<String> asked) {
        return name -> {
            asked.add(name);
            return List.<InetAddress>of(addr(address));
        };
    }

    @Test
    void theExplanationSaysWhichGroupPassed() throws Exception {
        RuleSet s = RuleSet.compile(lines("DOMAIN-SUFFIX,example,Ads", "DOMAIN,a.example,PROXY"), Map.of(), TARGETS,
                Map.of(), GeoData.NONE, Set.of(), Set.of("Ads"));
        List<String> said = s.explanation(Map.of()).walk(domain("a.example"), NameResolver.NONE, ADS_PASS).stream()
                .map(step -> (step.rule() == null ? "" : step.rule() + ": ") + (step.matched() ? "MATCH " : "")
                        + step.why()).toList();
        assertEquals(List.of("DOMAIN-SUFFIX,example,Ads: MATCH matches",
                "'Ads' chooses PASS now: going on to the next rule, as mihomo does",
                "DOMAIN,a.example,PROXY: MATCH matches"), said);
    }
}
