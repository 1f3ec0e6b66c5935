package dev.turnout.host.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * Group filters and provider name replacements as mihomo users write them: unanchored patterns, backtick-separated
 * alternatives in {@code filter}, look-around, and .NET-style substitutions in {@code proxy-name}.
 */
class NameFilterTest {

    @Test
    void aPatternIsSearchedForAnywhereInTheName() {
        NameFilter f = NameFilter.parse("HK|香港", false);
        assertTrue(f.matches("🇭🇰 HK 01"));
        assertTrue(f.matches("香港 02"));
        assertFalse(f.matches("JP 01"));
        assertEquals("HK|香港", f.toString());
    }

    @Test
    void backticksSeparateAlternativesOnlyWhereMihomoSplitsThem() {
        NameFilter split = NameFilter.parse("^us`(?i)JP", true);
        assertTrue(split.matches("us-1"));
        assertTrue(split.matches("a jp node"));
        assertFalse(split.matches("hk-1"));
        NameFilter whole = NameFilter.parse("a`b", false);
        assertTrue(whole.matches("xa`by"));
        assertFalse(whole.matches("a"), "exclude-filter is one pattern, backtick and all");
    }

    @Test
    void lookAroundWhichRe2RefusesIsReadTheOtherWay() {
        NameFilter f = NameFilter.parse("^(?!.*direct).*$", false);
        assertTrue(f.matches("hk-1"));
        assertFalse(f.matches("hk-direct"));
        NameFilter unanchored = NameFilter.parse("hk(?!-direct)", false);
        assertTrue(unanchored.matches("🇭🇰 hk-1"), "searched for, like every filter");
        assertFalse(unanchored.matches("hk-direct"));
    }

    @Test
    void aPatternNeitherSyntaxReadsIsRefusedByName() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> NameFilter.parse("ok`(unclosed", true));
        assertTrue(e.getMessage().startsWith("'(unclosed' is not a regular expression: "), e.getMessage());
    }

    @Test
    void replacementsUseDollarGroupsAndKeepBackslashesLoneDollarsAndDoubledDollarsLiteral() {
        assertEquals("node-hk", new NameReplacement(Pattern.compile("(\\w+)_(\\w+)"), "$2-$1").apply("hk_node"));
        assertEquals("HK 01", new NameReplacement(Pattern.compile("(?<c>hk)"), "${c}").apply("HK 01".toLowerCase())
                .toUpperCase());
        assertEquals("a\\b", new NameReplacement(Pattern.compile("-"), "\\").apply("a-b"));
        assertEquals("5$", new NameReplacement(Pattern.compile("USD"), "$").apply("5USD"));
        assertEquals("5$ x", new NameReplacement(Pattern.compile("USD"), "$ ").apply("5USDx"));
        assertEquals("5$1", new NameReplacement(Pattern.compile("USD"), "$$1").apply("5USD"));
        assertEquals("a b c", new NameReplacement(Pattern.compile("_"), " ").apply("a_b_c"), "every match");
    }

    @Test
    void replacementsReadTheTargetAsRegexp2sNetSubstitutionsWhereJavasDiffer() {
        // Java throws on ${1} ("starts with digit character"): the provider's load failed on a valid mihomo config.
        assertEquals("HK2x", new NameReplacement(Pattern.compile("(HK)"), "${1}2x").apply("HK"));
        assertEquals("[HK 01]", new NameReplacement(Pattern.compile("HK \\d+"), "[$&]").apply("HK 01"));
        assertEquals("a<a|c>c", new NameReplacement(Pattern.compile("b"), "<$`|$'>").apply("abc"));
        assertEquals("a-abc-c", new NameReplacement(Pattern.compile("b"), "-$_-").apply("abc"));
        assertEquals("x2", new NameReplacement(Pattern.compile("(a)(\\d)"), "x$+").apply("a2"));
        // Java reads $10 as group 1 and a zero; .NET as group 10, and as written when there is none.
        assertEquals("$10", new NameReplacement(Pattern.compile("(a)"), "$10").apply("a"));
        assertEquals("${nope}${2", new NameReplacement(Pattern.compile("(a)"), "${nope}${2").apply("a"));
        assertEquals("ab", new NameReplacement(Pattern.compile("(x)?b"), "a$1b").apply("b"), "an unmatched group");
        assertEquals("-a-", new NameReplacement(Pattern.compile("x*"), "-").apply("a"), "empty matches as Java finds them");
    }
}
