package dev.turnout.rules;

import static dev.turnout.rules.Rules.compile;
import static dev.turnout.rules.Rules.domain;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * DOMAIN-WILDCARD (mihomo's component/wildcard): {@code *} any run of characters, dots included, {@code ?} one
 * character, over the whole name; the first listed pattern that fits decides, whether it starts or ends in literal
 * text or in a wildcard. Fixed (seeded) patterns and names, each checked against the same reading as a regex.
 */
class WildcardRulesFirstMatchTest {

    @Test
    void theFirstListedPatternTheNameFitsDecides() throws Exception {
        Random rnd = new Random(18);
        List<String> patterns = new ArrayList<>();
        for (int i = 0; i < 80; i++) {
            StringBuilder p = new StringBuilder();
            for (int len = 1 + rnd.nextInt(6); p.length() < len; ) {
                p.append("ab.c*?".charAt(rnd.nextInt(6)));
            }
            if (p.chars().anyMatch(c -> c != '*')) { // a lone '*' fits every name and would hide the rest
                patterns.add(p.toString());
            }
        }
        List<Pattern> reference = patterns.stream().map(WildcardRulesFirstMatchTest::regex).toList();
        RuleSet s = compile(patterns.stream().map(p -> "DOMAIN-WILDCARD," + p + ",PROXY").toArray(String[]::new));
        Set<Integer> deciders = new HashSet<>();
        for (int n = 0; n < 3000; n++) {
            StringBuilder name = new StringBuilder();
            for (int len = 1 + rnd.nextInt(9); name.length() < len; ) {
                name.append("ab.c".charAt(rnd.nextInt(4)));
            }
            String d = name.toString().endsWith(".") ? name + "a" : name.toString(); // a final dot is dropped
            int expected = -1;
            for (int i = 0; i < reference.size() && expected < 0; i++) {
                expected = reference.get(i).matcher(d).matches() ? i : -1;
            }
            deciders.add(expected);
            assertEquals(expected, s.decide(domain(d), NameResolver.NONE).index(), d);
        }
        assertTrue(deciders.size() > 20, "too few patterns decide anything: " + deciders);
    }

    @Test
    void aLaterPatternWithTheSameLiteralEndDecidesWhenTheFirstDoesNotFit() throws Exception {
        RuleSet s = compile("DOMAIN-WILDCARD,a?.example.com,PROXY", "DOMAIN-WILDCARD,*b.example.com,GROUP",
                "DOMAIN-WILDCARD,cdn*,PROXY", "DOMAIN-WILDCARD,cd?-*,GROUP", "DOMAIN-WILDCARD,*ads*,PROXY",
                "DOMAIN-WILDCARD,*,GROUP");
        assertEquals(0, s.decide(domain("ab.example.com"), NameResolver.NONE).index());
        assertEquals(1, s.decide(domain("xb.example.com"), NameResolver.NONE).index());
        assertEquals(3, s.decide(domain("cdx-1.net"), NameResolver.NONE).index());
        assertEquals(2, s.decide(domain("cdn-1.net"), NameResolver.NONE).index());
        assertEquals(4, s.decide(domain("my.ads.net"), NameResolver.NONE).index());
        assertEquals(5, s.decide(domain("other.net"), NameResolver.NONE).index());
    }

    private static Pattern regex(String glob) {
        StringBuilder r = new StringBuilder();
        for (char c : glob.toCharArray()) {
            r.append(c == '*' ? ".*" : c == '?' ? "." : Pattern.quote(String.valueOf(c)));
        }
        return Pattern.compile(r.toString(), Pattern.DOTALL);
    }
}
