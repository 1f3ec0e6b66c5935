package dev.turnout.rules;

import static dev.turnout.rules.Rules.compile;
import static dev.turnout.rules.Rules.domain;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * What compiling tells about rule order (the first rule after MATCH is reported once as never reached; an
 * unused provider is reported) and how a query's domain is spelled before matching (case and a trailing dot
 * ignored at the ends of the alphabet; an empty or dot-only name is no domain).
 */
class UnreachableRulesAndDomainSpellingTest {

    @Test
    void firstRuleAfterMatchIsReportedOnceAsNeverReached() throws Exception {
        RuleSet s = compile("DOMAIN,a.com,PROXY", "MATCH,GROUP", "DOMAIN,b.com,PROXY", "DOMAIN,c.com,PROXY");
        List<String> unreachable = s.warnings().stream().filter(w -> w.contains("never reached")).toList();
        assertEquals(1, unreachable.size(), s.warnings().toString());
        assertTrue(unreachable.get(0).startsWith("config.yaml:12:5"), unreachable.get(0));
        assertTrue(unreachable.get(0).contains("config.yaml:11:5"), "names the MATCH line: " + unreachable.get(0));
        assertEquals(1, s.decide(domain("b.com"), NameResolver.NONE).index(), "MATCH wins over later rules");
    }

    @Test
    void matchAsTheLastRuleOrASecondMatchRightAfterItWarnsOnlyAboutWhatFollows() throws Exception {
        assertTrue(compile("DOMAIN,a.com,PROXY", "MATCH,GROUP").warnings().isEmpty());
        RuleSet twice = compile("MATCH,GROUP", "MATCH,PROXY");
        assertEquals(1, twice.warnings().size(), twice.warnings().toString());
        assertTrue(twice.warnings().get(0).startsWith("config.yaml:11:5"), twice.warnings().toString());
    }

    @Test
    void providerUsedOnlyInsideALogicalRuleCountsAsUsedAndAnUnknownOneThereIsRefused() throws Exception {
        Map<String, ProviderSource> providers = Map.of("ads", Rules.text("ads", Behavior.DOMAIN, "ads.example\n"));
        RuleSet s = compile(providers, "AND,((RULE-SET,ads),(NETWORK,tcp)),REJECT");
        assertTrue(s.warnings().isEmpty(), s.warnings().toString());
        assertEquals(0, s.decide(domain("ads.example"), NameResolver.NONE).index());
        RuleException e = assertThrows(RuleException.class,
                () -> compile(providers, "DOMAIN,x.com,PROXY", "OR,((RULE-SET,nope),(NETWORK,udp)),REJECT"));
        assertTrue(e.getMessage().contains("unknown provider 'nope'"), e.getMessage());
        RuleSet unused = compile(providers, "DOMAIN,x.com,PROXY");
        assertTrue(unused.warnings().stream().anyMatch(w -> w.contains("'ads' is not used")),
                unused.warnings().toString());
    }

    @Test
    void queryDomainIgnoresCaseAtBothEndsOfTheAlphabetAndATrailingDot() throws Exception {
        RuleSet s = compile("DOMAIN,az.example,PROXY");
        assertEquals(0, s.decide(domain("AZ.EXAMPLE"), NameResolver.NONE).index());
        assertEquals(0, s.decide(domain("aZ.example."), NameResolver.NONE).index());
        assertEquals(0, s.decide(domain("Az.example"), NameResolver.NONE).index());
        assertEquals(0, s.decide(domain("aZ.example"), NameResolver.NONE).index());
        assertEquals(-1, s.decide(domain("a[.example"), NameResolver.NONE).index());
        assertEquals("a@.example", RuleSet.normalize("a@.example"), "the characters next to A and Z stay");
        assertEquals("é.example", RuleSet.normalize("É.EXAMPLE"));
        assertEquals(null, RuleSet.normalize("."));
        assertEquals(null, RuleSet.normalize(""));
    }
}
