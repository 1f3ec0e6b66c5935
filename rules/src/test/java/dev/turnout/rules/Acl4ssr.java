package dev.turnout.rules;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * Expands {@code ACL4SSR_Online_Full.ini} into inline {@code rules:} the way subconverter does for Clash: each
 * {@code ruleset=GROUP,URL} contributes the lines of the list named by the URL's last segment, with the group
 * inserted after the value ({@code IP-CIDR,1.0.0.0/8,GROUP,no-resolve}); {@code []FINAL} becomes
 * {@code MATCH,GROUP}. Types subconverter drops for Clash (URL-REGEX, USER-AGENT, ...) are dropped, and so is
 * {@code GEOIP} unless asked for (rules compiled without a country database cannot have it); both are listed in
 * {@link Expansion#skipped()}.
 */
public final class Acl4ssr {

    /** Subconverter's Clash rule types, minus GEOIP. */
    private static final Set<String> KEPT = Set.of("DOMAIN", "DOMAIN-SUFFIX", "DOMAIN-KEYWORD", "IP-CIDR",
            "SRC-IP-CIDR", "IP-CIDR6", "SRC-PORT", "DST-PORT", "PROCESS-NAME", "MATCH", "FINAL");

    /**
     * @param rules the expanded rules, each with the list file and line it came from
     * @param groups the names of {@code custom_proxy_group}s, i.e. every valid target besides DIRECT/REJECT
     * @param skipped human-readable notes on what was dropped
     */
    public record Expansion(List<RuleLine> rules, Set<String> groups, List<String> skipped) {
    }

    private Acl4ssr() {
    }

    /** Expands {@code dir/ACL4SSR_Online_Full.ini} with the lists in {@code dir}. */
    public static Expansion expand(Path dir) throws IOException {
        return expand(dir, dir.resolve("ACL4SSR_Online_Full.ini"));
    }

    public static Expansion expand(Path dir, Path ini) throws IOException {
        return expand(dir, ini, false);
    }

    /** The full template as subconverter gives it, its {@code GEOIP} lines included. */
    public static Expansion expandWithGeoIp(Path dir) throws IOException {
        return expand(dir, dir.resolve("ACL4SSR_Online_Full.ini"), true);
    }

    private static Expansion expand(Path dir, Path ini, boolean geoIp) throws IOException {
        List<RuleLine> rules = new ArrayList<>();
        Set<String> groups = new LinkedHashSet<>();
        List<String> skipped = new ArrayList<>();
        for (String raw : Files.readAllLines(ini, StandardCharsets.UTF_8)) {
            String line = raw.strip();
            if (line.startsWith("custom_proxy_group=")) {
                String spec = line.substring("custom_proxy_group=".length());
                int tick = spec.indexOf('`');
                groups.add(tick < 0 ? spec : spec.substring(0, tick));
            }
            if (!line.startsWith("ruleset=")) {
                continue;
            }
            String spec = line.substring("ruleset=".length());
            int comma = spec.indexOf(',');
            String group = spec.substring(0, comma);
            String source = spec.substring(comma + 1);
            if (source.startsWith("[]")) {
                String rule = source.substring(2);
                String type = rule.split(",", 2)[0].trim().toUpperCase();
                Origin origin = new Origin(ini.getFileName().toString(), 0, 0);
                if (type.equals("FINAL") || type.equals("MATCH")) {
                    rules.add(new RuleLine("MATCH," + group, origin));
                } else if (KEPT.contains(type) || geoIp && type.equals("GEOIP")) {
                    rules.add(new RuleLine(withGroup(rule, group), origin));
                } else {
                    skipped.add(ini.getFileName() + ": " + rule + " (" + type + " unsupported)");
                }
                continue;
            }
            String file = source.substring(source.lastIndexOf('/') + 1);
            List<String> list = Files.readAllLines(dir.resolve(file), StandardCharsets.UTF_8);
            int dropped = 0;
            for (int i = 0; i < list.size(); i++) {
                String entry = list.get(i).strip();
                if (entry.isEmpty() || entry.startsWith("#") || entry.startsWith(";") || entry.startsWith("//")) {
                    continue;
                }
                String type = entry.split(",", 2)[0].trim().toUpperCase();
                if (!KEPT.contains(type) && !(geoIp && type.equals("GEOIP"))) {
                    dropped++;
                    continue;
                }
                rules.add(new RuleLine(withGroup(entry, group), new Origin(file, i + 1, 1)));
            }
            if (dropped > 0) {
                skipped.add(file + ": " + dropped + " entries of types subconverter or Turnout drop");
            }
        }
        return new Expansion(List.copyOf(rules), Set.copyOf(groups), List.copyOf(skipped));
    }

    /** {@code TYPE,VALUE[,OPTIONS]} to {@code TYPE,VALUE,GROUP[,OPTIONS]}. */
    private static String withGroup(String rule, String group) {
        String[] parts = rule.split(",", 3);
        if (parts.length < 2) {
            return rule + "," + group;
        }
        return parts[0] + "," + parts[1] + "," + group + (parts.length == 3 ? "," + parts[2] : "");
    }
}
