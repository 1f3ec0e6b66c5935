package dev.turnout.rules;

import static dev.turnout.rules.Rules.compile;
import static dev.turnout.rules.Rules.domain;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/**
 * DOMAIN-REGEX reads Go's RE2 syntax and keeps RE2's guarantee that matching takes time linear in the domain; what
 * only mihomo's regexp2 reads (look-around, back-references) is read too, its searches step-limited.
 */
class DomainRegexRe2Test {

    @Test
    void quotedTextBetweenBackslashQAndBackslashEIsLiteral() throws Exception {
        RuleSet s = compile("DOMAIN-REGEX,^\\Qa.b\\E\\.cn$,PROXY");
        assertEquals(0, s.decide(domain("a.b.cn"), NameResolver.NONE).index());
        assertEquals(-1, s.decide(domain("axb.cn"), NameResolver.NONE).index());
    }

    @Test
    void pythonStyleNamedGroupsAreAcceptedAsInGo() throws Exception {
        // java.util.regex refuses (?P<name>...); Go and RE2J accept it.
        RuleSet s = compile("DOMAIN-REGEX,^(?P<host>[a-z]+)\\.example\\.com$,PROXY");
        assertEquals(0, s.decide(domain("www.example.com"), NameResolver.NONE).index());
        assertEquals(-1, s.decide(domain("a.b.example.com"), NameResolver.NONE).index());
    }

    @Test
    void aQuantifierWithACommaStaysInTheRegexAndTheLastFieldIsTheTarget() throws Exception {
        // mihomo joins the middle fields of a DOMAIN-REGEX line; splitting at every comma broke {1,3}.
        RuleSet s = compile("DOMAIN-REGEX,^a{1,3}\\.cn$,PROXY");
        assertEquals(new Decision("PROXY", "DOMAIN-REGEX,^a{1,3}\\.cn$", 0),
                s.decide(domain("aaa.cn"), NameResolver.NONE));
        assertEquals(-1, s.decide(domain("aaaa.cn"), NameResolver.NONE).index());
    }

    @Test
    void aPatternThatMatchesTheEmptyStringMatchesFlowsWithoutANameAsInMihomo() throws Exception {
        // mihomo's DomainRegex.Match: regex.MatchString(metadata.RuleHost()), "" for a flow to an address.
        RuleSet s = compile("DOMAIN-REGEX,^a\\.test$,PROXY", "DOMAIN-REGEX,^$,GROUP", "DOMAIN-REGEX,.*,PROXY");
        assertEquals(1, s.decide(Rules.ip("192.0.2.1"), NameResolver.NONE).index());
        assertEquals(0, s.decide(Rules.domain("a.test"), NameResolver.NONE).index());
        assertEquals(2, s.decide(Rules.domain("b.test"), NameResolver.NONE).index());
        RuleSet plain = compile("DOMAIN-REGEX,test$,PROXY");
        assertEquals(-1, plain.decide(Rules.ip("192.0.2.1"), NameResolver.NONE).index());
    }

    @Test
    void patternsIgnoreCaseAsMihomoCompilesThem() throws Exception {
        RuleSet s = compile("DOMAIN-REGEX,^GOOGLE\\.,PROXY");
        assertEquals(0, s.decide(domain("google.com"), NameResolver.NONE).index());
    }

    @Test
    void lookAroundAndBackReferencesWorkAsInMihomosRegexp2() throws Exception {
        // RE2 refuses them; mihomo's regexp2 reads them, and users' configs have them: the config must load.
        RuleSet s = compile("DOMAIN-REGEX,^(?!www\\.).*\\.look\\.test$,REJECT", "DOMAIN-REGEX,^(\\w+)\\.\\1\\.cn$,PROXY",
                "DOMAIN-REGEX,(?<=^ad)\\w*\\.cn$,GROUP", "MATCH,DIRECT");
        assertEquals(0, s.decide(domain("cdn.look.test"), NameResolver.NONE).index());
        assertEquals(3, s.decide(domain("www.look.test"), NameResolver.NONE).index());
        assertEquals(1, s.decide(domain("ab.ab.cn"), NameResolver.NONE).index());
        assertEquals(3, s.decide(domain("ab.cd.cn"), NameResolver.NONE).index());
        assertEquals(2, s.decide(domain("ADserver.cn"), NameResolver.NONE).index(), "ignoring case here too");
        assertEquals(3, s.decide(domain("xadserver.cn"), NameResolver.NONE).index());
    }

    @Test
    void possessiveQuantifiersAndWhatNeitherSyntaxReadsAreRefusedWithFileLineAndColumn() {
        // Java reads a++ (possessive) and regexp2 refuses it: a config that mihomo refuses must not start here either.
        for (String regex : new String[] {"a++\\.cn", "[a-z]*+\\.cn", "a{2}+\\.cn", "(?<x\\.cn"}) {
            RuleException e = assertThrows(RuleException.class, () -> compile("DOMAIN-REGEX," + regex + ",PROXY"),
                    regex);
            assertEquals(new Origin("config.yaml", 10, 18), e.origin(), e.getMessage());
            assertTrue(e.getMessage().contains("bad regex '" + regex + "': "), e.getMessage());
        }
        assertFalse(DomainRegex.possessive("[+*]+\\.cn"), "a class's characters are no quantifiers");
        assertFalse(DomainRegex.possessive("a\\++\\.cn"), "an escaped + is a literal");
        assertFalse(DomainRegex.possessive("(?=a)+"));
    }

    @Test
    void aBacktrackingBombInALookAroundPatternIsCutAndCountsAsNoMatch() throws Exception {
        // The bomb below inside a look-ahead, which only the backtracking engine reads: each search is cut at a step
        // limit (mihomo's regexp2 would run for minutes), so the next rule decides at once.
        RuleSet s = compile("DOMAIN-REGEX,^(?=(.*a){12}$),REJECT", "MATCH,PROXY");
        long cut = DomainRegex.searchesCut();
        java.util.List<String> told = new java.util.concurrent.CopyOnWriteArrayList<>();
        DomainRegex.onFirstCut(told::add);
        long t0 = System.nanoTime();
        try {
            assertEquals(new Decision("PROXY", "MATCH", 1),
                    s.decide(domain("a".repeat(40) + ".b"), NameResolver.NONE));
            assertTrue(System.nanoTime() - t0 < 5_000_000_000L, "cut, not run to its end");
            s.decide(domain("a".repeat(41) + ".b"), NameResolver.NONE);
        } finally {
            DomainRegex.onFirstCut(pattern -> { });
        }
        assertEquals(cut + 2, DomainRegex.searchesCut());
        assertEquals(java.util.List.of("^(?=(.*a){12}$)"), told, "told once per pattern");
        assertEquals(0, s.decide(domain("b." + "a".repeat(12)), NameResolver.NONE).index(), "a name it fits");
    }

    @Test
    void aBacktrackingBombOnAHostileNameAnswersAtOnce() throws Exception {
        // (.*a){12}$ on "aaa…a.b" makes a backtracking engine try about n^12 ways: java.util.regex (Java 17) took
        // 8 s for n = 24 here and 89 s for n = 32; n = 40 would take it tens of minutes. RE2 is linear. The answer
        // is the point: no match, so the next rule decides.
        RuleSet s = compile("DOMAIN-REGEX,(.*a){12}$,REJECT", "MATCH,PROXY");
        String hostile = "a".repeat(40) + ".b";
        assertEquals(new Decision("PROXY", "MATCH", 1), s.decide(domain(hostile), NameResolver.NONE));
        assertEquals(0, s.decide(domain("b." + "a".repeat(12)), NameResolver.NONE).index());
    }
}
