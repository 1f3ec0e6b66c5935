package dev.turnout.rules;

import static dev.turnout.rules.Rules.addr;
import static dev.turnout.rules.Rules.compile;
import static dev.turnout.rules.Rules.domain;
import static dev.turnout.rules.Rules.ip;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** mihomo's DOMAIN-WILDCARD (component/wildcard) and IP-SUFFIX (rules/common/ipsuffix.go). */
class WildcardAndSuffixRulesTest {

    @Test
    void wildcardStarIsAnyRunOfCharactersDotsIncludedAndQuestionMarkIsOne() throws Exception {
        RuleSet s = compile("DOMAIN-WILDCARD,*.Example.com,PROXY", "DOMAIN-WILDCARD,*google.com,GROUP",
                "DOMAIN-WILDCARD,ex?mple.org,REJECT", "DOMAIN-WILDCARD,www.*.net,DIRECT");
        assertEquals(0, s.decide(domain("a.b.example.com"), NameResolver.NONE).index());
        assertEquals(-1, s.decide(domain("example.com"), NameResolver.NONE).index());
        assertEquals(1, s.decide(domain("google.com"), NameResolver.NONE).index());
        assertEquals(1, s.decide(domain("notgoogle.com"), NameResolver.NONE).index());
        assertEquals(2, s.decide(domain("exumple.org"), NameResolver.NONE).index());
        assertEquals(-1, s.decide(domain("exaample.org"), NameResolver.NONE).index());
        assertEquals(3, s.decide(domain("www.a.b.net"), NameResolver.NONE).index());
        assertEquals(-1, s.decide(domain("www.net"), NameResolver.NONE).index());
        assertEquals(new Decision("PROXY", "DOMAIN-WILDCARD,*.Example.com", 0),
                s.decide(domain("x.example.com"), NameResolver.NONE));
    }

    @Test
    void wildcardsWithOnlyAHeadOrNoLiteralEndAreFoundInRuleOrder() throws Exception {
        RuleSet s = compile("DOMAIN-SUFFIX,cn,DIRECT", "DOMAIN-WILDCARD,ads.*,REJECT", "DOMAIN-WILDCARD,*cdn*,GROUP",
                "DOMAIN-WILDCARD,*,PROXY");
        assertEquals(0, s.decide(domain("ads.example.cn"), NameResolver.NONE).index());
        assertEquals(1, s.decide(domain("ads.cdn.example.com"), NameResolver.NONE).index());
        assertEquals(2, s.decide(domain("x.cdn77.org"), NameResolver.NONE).index());
        assertEquals(3, s.decide(domain("example.org"), NameResolver.NONE).index());
        assertEquals(-1, s.decide(ip("192.0.2.1"), NameResolver.NONE).index()); // no domain: no wildcard matches
    }

    @Test
    void manyWildcardsSharingATailAgreeWithTheGlobOneByOne() throws Exception {
        List<String> lines = new ArrayList<>();
        for (int i = 0; i < 300; i++) {
            lines.add("DOMAIN-WILDCARD,s" + i + ".*.example.com,PROXY");
        }
        RuleSet s = compile(lines.toArray(String[]::new));
        assertEquals(123, s.decide(domain("s123.cdn.example.com"), NameResolver.NONE).index());
        assertEquals(7, s.decide(domain("s7.a.b.example.com"), NameResolver.NONE).index());
        assertEquals(-1, s.decide(domain("s7.example.com"), NameResolver.NONE).index());
        assertEquals(-1, s.decide(domain("t1.x.example.com"), NameResolver.NONE).index());
    }

    @Test
    void ipSuffixMatchesTheLastBitsOfAnAddressOfTheSameFamily() throws Exception {
        RuleSet s = compile("IP-SUFFIX,0.0.0.1/8,PROXY", "IP-SUFFIX,0.0.2.3/12,GROUP", "IP-SUFFIX,::1:0:5/40,REJECT",
                "IP-SUFFIX,10.0.0.0/0,DIRECT");
        assertEquals(0, s.decide(ip("192.0.2.1"), NameResolver.NONE).index());
        assertEquals(0, s.decide(ip("::ffff:198.51.100.1"), NameResolver.NONE).index()); // mapped: IPv4
        assertEquals(1, s.decide(ip("203.0.114.3"), NameResolver.NONE).index()); // low 12 bits 0x203 (…0010.3)
        assertEquals(3, s.decide(ip("203.0.113.3"), NameResolver.NONE).index()); // low 12 bits 0x103: /0 decides
        assertEquals(2, s.decide(ip("2001:db8::1:0:5"), NameResolver.NONE).index());
        assertEquals(-1, s.decide(ip("2001:db8::2:0:5"), NameResolver.NONE).index()); // /0 is IPv4 only
    }

    @Test
    void ipSuffixResolvesADomainUnlessNoResolveAndSourceSuffixLooksAtTheSource() throws Exception {
        RuleSet s = compile("IP-SUFFIX,0.0.0.7/8,PROXY,no-resolve", "SRC-IP-SUFFIX,0.0.0.9/8,GROUP",
                "IP-SUFFIX,0.0.0.7/8,REJECT");
        NameResolver dns = d -> List.of(addr("192.0.2.7"));
        assertEquals(2, s.decide(domain("example.org"), dns).index());
        assertEquals(0, s.decide(ip("198.51.100.7"), NameResolver.NONE).index());
        Query fromNine = new Query(Network.TCP, "example.org", null, 443, addr("10.0.0.9"), 5000, null);
        assertEquals(1, s.decide(fromNine, dns).index());
        assertTrue(s.mayResolve());
    }

    @Test
    void badSuffixesAreRefusedWithFileLineAndColumn() {
        for (String bad : new String[] {"IP-SUFFIX,0.0.0.1,PROXY", "IP-SUFFIX,0.0.0.1/33,PROXY",
            "SRC-IP-SUFFIX,example.com/8,PROXY", "IP-SUFFIX,::1/129,PROXY"}) {
            RuleException e = assertThrows(RuleException.class, () -> compile(bad), bad);
            assertEquals(10, e.origin().line(), e.getMessage());
            assertEquals(5 + bad.indexOf(',') + 1, e.origin().column(), e.getMessage());
            assertTrue(e.getMessage().contains("SUFFIX"), e.getMessage());
        }
    }
}
