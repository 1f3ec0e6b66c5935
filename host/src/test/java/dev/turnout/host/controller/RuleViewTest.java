package dev.turnout.host.controller;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

class RuleViewTest {

    @Test
    void showsRuleLinesAsClashDoes() {
        assertEquals(new RuleView("DomainSuffix", "example.test", "G"), RuleView.ofLine("DOMAIN-SUFFIX,example.test,G"));
        assertEquals(new RuleView("IPCIDR", "203.0.113.0/24", "DIRECT"), RuleView.ofLine("IP-CIDR,203.0.113.0/24,DIRECT,no-resolve"));
        assertEquals(new RuleView("Match", "", "DIRECT"), RuleView.ofLine("MATCH,DIRECT"));
        assertEquals(new RuleView("RuleSet", "reject", "🛑 Block"), RuleView.ofLine("RULE-SET,reject,🛑 Block"));
        assertEquals(new RuleView("GeoIP", "CN", "DIRECT"), RuleView.ofLine("GEOIP,CN,DIRECT"));
    }

    @Test
    void namesUnknownKeywordsInClashStyle() {
        assertEquals("UrlRegex", RuleView.typeName("URL-REGEX"));
    }

    @Test
    void showsMatchedRuleWithoutTarget() {
        assertEquals(new RuleView("DomainKeyword", "goog", ""), RuleView.ofMatch("DOMAIN-KEYWORD,goog"));
        assertEquals(new RuleView("Match", "", ""), RuleView.ofMatch("MATCH"));
    }

    @Test
    void keepsALogicRulesPayloadWholeAndShowsItAsMihomoDoes() {
        assertEquals(new RuleView("AND", "((Domain,a.test) && (Network,UDP))", "G"),
                RuleView.ofLine("AND,((DOMAIN,a.test),(NETWORK,UDP)),G"));
        assertEquals(new RuleView("OR", "((DomainSuffix,b.test) || (AND,((DstPort,443) && (Network,TCP))))", "DIRECT"),
                RuleView.ofLine("OR,((DOMAIN-SUFFIX,b.test),(AND,((DST-PORT,443),(NETWORK,TCP)))),DIRECT"));
        assertEquals(new RuleView("NOT", "(!(GeoIP,CN))", "PROXY"), RuleView.ofLine("NOT,((GEOIP,CN)),PROXY"));
        assertEquals(new RuleView("SubRules", "(NETWORK,tcp)", "sub-rule1"),
                RuleView.ofLine("SUB-RULE,(NETWORK,tcp),sub-rule1"));
        assertEquals(new RuleView("AND", "((Domain,a.test) && (Network,UDP))", ""),
                RuleView.ofMatch("AND,((DOMAIN,a.test),(NETWORK,UDP))"));
    }

    @Test
    void namesGeoAndAsnTypesAsMihomoDoes() {
        assertEquals("GeoSite", RuleView.typeName("GEOSITE"));
        assertEquals("IPASN", RuleView.typeName("IP-ASN"));
        assertEquals("SrcGeoIP", RuleView.typeName("SRC-GEOIP"));
    }
}
