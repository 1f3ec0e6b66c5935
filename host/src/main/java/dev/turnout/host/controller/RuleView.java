package dev.turnout.host.controller;

import java.util.ArrayList;
import java.util.List;
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
            Map.entry("SRC-GEOIP", "SrcGeoIP"),
            Map.entry("GEOSITE", "GeoSite"),
            Map.entry("IP-ASN", "IPASN"),
            Map.entry("SRC-IP-ASN", "SrcIPASN"),
            Map.entry("DSCP", "DSCP"),
            Map.entry("AND", "AND"),
            Map.entry("OR", "OR"),
            Map.entry("NOT", "NOT"),
            Map.entry("IP-CIDR", "IPCIDR"),
            Map.entry("IP-CIDR6", "IPCIDR"),
            Map.entry("SRC-IP-CIDR", "SrcIPCIDR"),
            Map.entry("SRC-PORT", "SrcPort"),
            Map.entry("DST-PORT", "DstPort"),
            Map.entry("IN-PORT", "InPort"),
            Map.entry("PROCESS-NAME", "Process"),
            Map.entry("PROCESS-PATH", "ProcessPath"),
            Map.entry("PROCESS-NAME-REGEX", "ProcessNameRegex"),
            Map.entry("PROCESS-PATH-REGEX", "ProcessPathRegex"),
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
        List<String> parts = fields(text);
        String keyword = parts.get(0).trim().toUpperCase(Locale.ROOT);
        if (keyword.equals("MATCH") || keyword.equals("FINAL")) {
            return new RuleView("Match", "", parts.size() > 1 ? parts.get(1).trim() : "");
        }
        return new RuleView(typeName(keyword), payload(keyword, parts.size() > 1 ? parts.get(1).trim() : ""),
                parts.size() > 2 ? parts.get(2).trim() : "");
    }

    /** A matched rule as a flow records it, without its target: {@code DOMAIN-SUFFIX,example.com}. */
    static RuleView ofMatch(String rule) {
        if (rule == null || rule.isEmpty()) {
            return new RuleView("Match", "", "");
        }
        List<String> parts = fields(rule);
        String keyword = parts.get(0).trim().toUpperCase(Locale.ROOT);
        if (keyword.equals("MATCH") || keyword.equals("FINAL")) {
            return new RuleView("Match", "", "");
        }
        return new RuleView(typeName(keyword), payload(keyword, parts.size() > 1 ? parts.get(1).trim() : ""), "");
    }

    /**
     * A rule's comma-separated fields, where a comma inside parentheses does not separate: the payload of
     * {@code AND,((DOMAIN,a.test),(NETWORK,UDP)),G} is one field.
     */
    private static List<String> fields(String text) {
        List<String> out = new ArrayList<>();
        int depth = 0;
        int from = 0;
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c == '(') {
                depth++;
            } else if (c == ')' && depth > 0) {
                depth--;
            } else if (c == ',' && depth == 0) {
                out.add(text.substring(from, i));
                from = i + 1;
            }
        }
        out.add(text.substring(from));
        return out;
    }

    /**
     * What mihomo shows as a logic rule's payload: its conditions by type name, joined with {@code &&} or
     * {@code ||}, or negated ({@code (!(Domain,a.test))}); other payloads as written.
     */
    private static String payload(String keyword, String raw) {
        String joiner = switch (keyword) {
            case "AND" -> " && ";
            case "OR" -> " || ";
            case "NOT" -> "";
            default -> null;
        };
        if (joiner == null || !raw.startsWith("(") || !raw.endsWith(")")) {
            return raw;
        }
        List<String> conditions = new ArrayList<>();
        for (String inner : conditions(raw.substring(1, raw.length() - 1))) {
            List<String> f = fields(inner);
            String k = f.get(0).trim().toUpperCase(Locale.ROOT);
            conditions.add("(" + typeName(k) + "," + payload(k, f.size() > 1 ? f.get(1).trim() : "") + ")");
        }
        if (keyword.equals("NOT")) {
            return conditions.size() == 1 ? "(!" + conditions.get(0) + ")" : raw;
        }
        return "(" + String.join(joiner, conditions) + ")";
    }

    /** The top-level parenthesized groups of {@code text}, without their parentheses. */
    private static List<String> conditions(String text) {
        List<String> out = new ArrayList<>();
        int depth = 0;
        int open = -1;
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c == '(') {
                if (depth++ == 0) {
                    open = i;
                }
            } else if (c == ')' && depth > 0 && --depth == 0) {
                out.add(text.substring(open + 1, i));
            }
        }
        return out;
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
