package dev.turnout.host.provider;

import dev.turnout.api.OutboundOptions;
import dev.turnout.host.config.ConfigException;
import dev.turnout.host.config.ConfigLoader;
import dev.turnout.host.config.ProxyEntry;
import dev.turnout.rules.Origin;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Pattern;

/**
 * What a subscription holds, told apart by its content as mihomo does: a YAML document (JSON is YAML) with a
 * {@code proxies} list, a base64-encoded list of share links, or a plain list of share links, one per line.
 * Nodes that cannot be read are counted, never fatal; content that is none of the three is. Links that share a name
 * are told apart as mihomo's converter does it ({@code name-01} ...).
 */
public final class Subscription {

    /**
     * A {@code proxies:} key at the start of a line: the content is meant as Clash YAML, so where it does not read the
     * YAML's own error (file, line, column) is the one to tell.
     */
    private static final Pattern YAML_PROXIES = Pattern.compile("(?m)^proxies:");

    /**
     * The nodes read, each with where it was written, and what was skipped (by reason, with how often).
     *
     * @param format {@code yaml}, {@code base64} or {@code links}
     * @param notes what the user should read that is not about a node: a YAML document after the first, not read
     */
    public record Parsed(List<ProxyEntry> nodes, Map<String, Integer> skipped, String format, List<String> notes) {

        public Parsed(List<ProxyEntry> nodes, Map<String, Integer> skipped, String format) {
            this(nodes, skipped, format, List.of());
        }
    }

    private Subscription() {
    }

    /** Reads {@code text}; {@code name} is what positions in it are called (the cache file, or the URL). */
    public static Parsed parse(String text, String name) throws ConfigException {
        String body = text.startsWith("\uFEFF") ? text.substring(1) : text;
        if (YAML_PROXIES.matcher(body).find()) {
            return yaml(body, name);
        }
        try {
            // mihomo reads any YAML with a 'proxies' list first, JSON ({"proxies": [...]}) and a quoted key included,
            // and share links only when that fails.
            return yaml(body, name);
        } catch (ConfigException notAProxyList) {
            // base64, share links, or nothing a subscription holds: told below
        }
        String trimmed = body.strip();
        if (trimmed.isEmpty()) {
            throw new ConfigException(new Origin(name, 1, 1), "empty: neither a Clash YAML 'proxies:' list nor "
                    + "share links");
        }
        if (!trimmed.contains("://")) {
            String decoded;
            try {
                decoded = ShareLink.base64(trimmed);
            } catch (IllegalArgumentException e) {
                throw new ConfigException(new Origin(name, 1, 1), "neither a Clash YAML 'proxies:' list, nor base64, "
                        + "nor share links (ss://, vmess:// ...)");
            }
            return links(decoded, name + " (base64-decoded)", "base64");
        }
        return links(body, name, "links");
    }

    private static Parsed yaml(String body, String name) throws ConfigException {
        List<ConfigException> problems = new ArrayList<>();
        List<String> notes = new ArrayList<>();
        List<ProxyEntry> nodes = ConfigLoader.proxyList(body, name, problems, notes);
        Map<String, Integer> skipped = new TreeMap<>();
        if (!problems.isEmpty()) {
            skipped.put("not a proxy entry (first: " + problems.get(0).getMessage() + ")", problems.size());
        }
        return new Parsed(nodes, skipped, "yaml", List.copyOf(notes));
    }

    private static Parsed links(String text, String name, String format) throws ConfigException {
        List<ProxyEntry> nodes = new ArrayList<>();
        Map<String, Integer> skipped = new TreeMap<>();
        String[] lines = text.split("\r?\n|\r");
        Map<String, Integer> namesSeen = new java.util.HashMap<>();
        boolean anyLink = false;
        for (int i = 0; i < lines.length; i++) {
            String line = lines[i].strip();
            if (line.isEmpty() || line.startsWith("#") || line.startsWith("//")) {
                continue;
            }
            Origin at = new Origin(name, i + 1, 1);
            if (!ShareLink.looksLikeLink(line)) {
                skipped.merge("lines that are not share links", 1, Integer::sum);
                continue;
            }
            anyLink = true;
            try {
                ShareLink.Node n = ShareLink.parse(line);
                Map<String, Origin> origins = new LinkedHashMap<>();
                for (String key : n.options().keySet()) {
                    origins.put(key, at);
                }
                nodes.add(new ProxyEntry(new OutboundOptions(uniqueName(namesSeen, n.name()), n.type(), n.options()),
                        at, Map.copyOf(origins)));
            } catch (ShareLink.Unreadable e) {
                skipped.merge(e.getMessage(), 1, Integer::sum);
            }
        }
        if (!anyLink) {
            throw new ConfigException(new Origin(name, 1, 1), "no share links (ss://, vmess:// ...) and no Clash YAML "
                    + "'proxies:' list");
        }
        return new Parsed(nodes, skipped, format);
    }

    /**
     * mihomo's converter's uniqueName: a name links have given before gets {@code -01}, {@code -02} ... in the order
     * they come, so free lists that name every node by its country keep them all.
     */
    private static String uniqueName(Map<String, Integer> seen, String name) {
        Integer before = seen.get(name);
        if (before == null) {
            seen.put(name, 0);
            return name;
        }
        seen.put(name, before + 1);
        return String.format(java.util.Locale.ROOT, "%s-%02d", name, before + 1);
    }
}
