package dev.turnout.rules;

import static dev.turnout.rules.Rules.compile;
import static dev.turnout.rules.Rules.domain;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * DOMAIN, DOMAIN-SUFFIX and DOMAIN-KEYWORD written in Unicode: mihomo stores them as idna.ToASCII of the lower-cased
 * payload (rules/common/domain*.go), so they match the punycode names browsers, curl and DNS send; a domain rule
 * set's entries are stored as written (trie.Insert), in mihomo and here.
 */
class UnicodeDomainPayloadsTest {

    private static String decide(RuleSet s, String name) {
        Decision d = s.decide(domain(name), NameResolver.NONE);
        return d.index() < 0 ? "none" : d.target() + " " + d.rule();
    }

    @Test
    void aUnicodeDomainRuleMatchesThePunycodeNameClientsSendAndNotTheUnicodeSpelling() throws Exception {
        RuleSet s = compile("DOMAIN,Bücher.Example.test,PROXY", "DOMAIN-SUFFIX,münchen.test,GROUP",
                "DOMAIN-KEYWORD,straße,PROXY");
        assertEquals("PROXY DOMAIN,Bücher.Example.test", decide(s, "xn--bcher-kva.example.test"));
        assertEquals("none", decide(s, "bücher.example.test"));
        assertEquals("GROUP DOMAIN-SUFFIX,münchen.test", decide(s, "www.xn--mnchen-3ya.test"));
        assertEquals("GROUP DOMAIN-SUFFIX,münchen.test", decide(s, "xn--mnchen-3ya.test"));
        assertEquals("none", decide(s, "www.münchen.test"));
        // Raw punycode, as golang.org/x/net/idna's Punycode profile: no IDNA2003 mapping of ß to ss.
        assertEquals("PROXY DOMAIN-KEYWORD,straße", decide(s, "a.xn--strae-oqa.test"));
        assertEquals("none", decide(s, "a.strasse.test"));
    }

    @Test
    void unicodeInClassicalProvidersAndLogicalRulesIsConvertedTooAsMihomoParsesThemWithTheSameConstructors()
            throws Exception {
        RuleSet s = compile(Map.of("cls", Rules.text("cls", Behavior.CLASSICAL, "DOMAIN-SUFFIX,中国.test\n")),
                "RULE-SET,cls,PROXY", "AND,((DOMAIN,例え.test),(NETWORK,tcp)),GROUP");
        assertEquals("PROXY RULE-SET,cls", decide(s, "a.xn--fiqs8s.test"));
        assertEquals("GROUP AND,((DOMAIN,例え.test),(NETWORK,tcp))", decide(s, "xn--r8jz45g.test"));
    }

    @Test
    void aDomainRuleSetKeepsItsUnicodeEntriesAsWrittenAsMihomosTrieDoes() throws Exception {
        RuleSet s = compile(Map.of("dom", Rules.text("dom", Behavior.DOMAIN, "+.bücher.test\n")),
                "RULE-SET,dom,PROXY");
        assertEquals("PROXY RULE-SET,dom", decide(s, "a.bücher.test"));
        assertEquals("none", decide(s, "a.xn--bcher-kva.test"));
    }

    @Test
    void punycodeEncodesEachNonAsciiLabelAsRfc3492AndLeavesAsciiAlone() {
        assertEquals("xn--bcher-kva.example.test", Punycode.toAscii("bücher.example.test"));
        assertEquals("xn--zca", Punycode.toAscii("ß"));
        assertEquals("xn--x-iv3s.test.", Punycode.toAscii("😀x.test."));
        assertEquals("plain.test", Punycode.toAscii("plain.test"));
    }
}
