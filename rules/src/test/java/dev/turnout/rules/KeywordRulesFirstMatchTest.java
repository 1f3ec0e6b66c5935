package dev.turnout.rules;

import static dev.turnout.rules.Rules.compile;
import static dev.turnout.rules.Rules.domain;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * DOMAIN-KEYWORD rules: among several keywords a name contains, the one listed first decides, also when the
 * keywords overlap or one holds another ("he" in "she" in "ushers"), and also when a keyword is not ASCII. Fixed
 * names (seeded), each checked against the plain reading of the list: the first rule whose keyword is in the name.
 */
class KeywordRulesFirstMatchTest {

    /** Overlapping on purpose: suffixes of each other, prefixes of each other, repeats of one letter. */
    private static final List<String> KEYWORDS = List.of("hers", "she", "he", "his", "ab", "aab", "aaa", "bab",
            "sha", "dsa", "ads", "b.d", "e.h", "rs.", "hes");

    @Test
    void theFirstListedKeywordTheNameContainsDecides() throws Exception {
        check(KEYWORDS);
    }

    @Test
    void theFirstListedKeywordDecidesWhenAKeywordIsNotAscii() throws Exception {
        List<String> withUmlaut = new ArrayList<>(KEYWORDS);
        withUmlaut.add(4, "bü");
        withUmlaut.add("ühe");
        // A DOMAIN-KEYWORD payload is punycode by then (as mihomo's NewDomainKeyword makes it), but a GeoSite.dat
        // plain entry reaches the matcher as written: the matcher itself is checked with non-ASCII keywords.
        KeywordMatcher m = new KeywordMatcher();
        for (int i = 0; i < withUmlaut.size(); i++) {
            m.add(withUmlaut.get(i), i);
        }
        m.build();
        check(withUmlaut, d -> {
            int i = m.lookup(d);
            return i == Index.NONE ? -1 : i;
        });
    }

    @Test
    void aDomainKeywordWrittenInUnicodeLooksForItsPunycode() throws Exception {
        RuleSet s = compile("DOMAIN-KEYWORD,bü,PROXY");
        assertEquals(-1, s.decide(domain("bücher.test"), NameResolver.NONE).index());
        assertEquals(0, s.decide(domain("a.xn--b-eha.test"), NameResolver.NONE).index());
    }

    @Test
    void aNameWithANonAsciiLetterStillMatchesTheKeywordsAroundIt() throws Exception {
        RuleSet s = compile("DOMAIN-KEYWORD,shop,PROXY", "DOMAIN-KEYWORD,abc,GROUP");
        assertEquals(0, s.decide(domain("bü-shop.example"), NameResolver.NONE).index());
        assertEquals(1, s.decide(domain("ab-abc.example"), NameResolver.NONE).index());
        assertEquals(-1, s.decide(domain("shüop.example"), NameResolver.NONE).index(), "ü breaks the keyword");
    }

    private static void check(List<String> keywords) throws Exception {
        String[] lines = keywords.stream().map(k -> "DOMAIN-KEYWORD," + k + ",PROXY").toArray(String[]::new);
        RuleSet s = compile(lines);
        check(keywords, d -> s.decide(domain(d), NameResolver.NONE).index());
    }

    private static void check(List<String> keywords, java.util.function.ToIntFunction<String> decide) {
        Random rnd = new Random(18);
        String letters = "abdehrs.ü";
        int matched = 0;
        for (int n = 0; n < 3000; n++) {
            StringBuilder name = new StringBuilder();
            for (int len = 1 + rnd.nextInt(12); name.length() < len; ) {
                name.append(letters.charAt(rnd.nextInt(letters.length())));
            }
            String d = name.toString().endsWith(".") ? name + "z" : name.toString(); // a final dot is dropped
            int expected = -1;
            for (int i = 0; i < keywords.size() && expected < 0; i++) {
                expected = d.contains(keywords.get(i)) ? i : -1;
            }
            matched += expected >= 0 ? 1 : 0;
            assertEquals(expected, decide.applyAsInt(d), d);
        }
        assertEquals(true, matched > 300, "too few names contain a keyword: " + matched);
    }
}
