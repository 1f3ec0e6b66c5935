package dev.turnout.host.controller;

import java.util.Locale;
import java.util.Map;

/**
 * A rule as Clash's API shows it: {@code DOMAIN-SUFFIX,example.test,G} becomes type {@code DomainSuffix},
 * payload {@code example.test}, proxy {@code G}.
 */
record RuleView(String type, String payload, String proxy) {

    private static final Map<String, String> TYPES = Map.ofEntries(
            Map.entry("DOMAIN", "Domain"),
            Map.entry("DOMAIN-SUFFIX", "DomainSuffix"),
            Map.entry("DOMAIN-KEYWORD", "DomainKeyword"),
            Map.entry("GEOIP", "GeoIP"),
            Map.entry("IP-CIDR", "IPCIDR"),
            Map.entry("IP-CIDR6", "IPCIDR"),
            Map.entry("SRC-IP-CIDR", "SrcIPCIDR"),
            Map.entry("SRC-PORT", "SrcPort"),
            Map.entry("DST-PORT", "DstPort"),
            Map.entry("IN-PORT", "InPort"),
            Map.entry("PROCESS-NAME", "Process"),
            Map.entry("PROCESS-PATH", "ProcessPath"),
            Map.entry("RULE-SET", "RuleSet"),
            Map.entry("IPSET", "IPSet"),
            Map.entry("NETWORK", "Network"),
            Map.entry("IP-SUFFIX", "IPSuffix"),
            Map.entry("SRC-IP-SUFFIX", "SrcIPSuffix"),
            Map.entry("SUB-RULE", "SubRules"),
            Map.entry("MATCH", "Match"),
            Map.entry("FINAL", "Match"));

    /** A full rule line as written in {@code rules:}, with its target. */
    static RuleView ofLine(String text) {
        String[] parts = text.split(",", -1);
        String keyword = parts[0].trim().toUpperCase(Locale.ROOT);
        if (keyword.equals("MATCH") || keyword.equals("FINAL")) {
            return new RuleView("Match", "", parts.length > 1 ? parts[1].trim() : "");
        }
        return new RuleView(typeName(keyword), parts.length > 1 ? parts[1].trim() : "",
                parts.length > 2 ? parts[2].trim() : "");
    }

    /** A matched rule as a flow records it, without its target: {@code DOMAIN-SUFFIX,example.com}. */
    static RuleView ofMatch(String rule) {
        if (rule == null || rule.isEmpty()) {
            return new RuleView("Match", "", "");
        }
        String[] parts = rule.split(",", 3);
        String keyword = parts[0].trim().toUpperCase(Locale.ROOT);
        if (keyword.equals("MATCH") || keyword.equals("FINAL")) {
            return new RuleView("Match", "", "");
        }
        return new RuleView(typeName(keyword), parts.length > 1 ? parts[1].trim() : "", "");
    }

    static String typeName(String keyword) {
        String t = TYPES.get(keyword);
        if (t != null) {
            return t;
        }
        StringBuilder sb = new StringBuilder();
        for (String word : keyword.toLowerCase(Locale.ROOT).split("-")) {
            if (!word.isEmpty()) {
                sb.append(Character.toUpperCase(word.charAt(0))).append(word.substring(1));
            }
        }
        return sb.toString();
    }
}
