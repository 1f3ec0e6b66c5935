package dev.turnout.host.config;

import dev.turnout.api.OutboundOptions;
import dev.turnout.rules.Behavior;
import dev.turnout.rules.Origin;
import dev.turnout.rules.ProviderFormat;
import dev.turnout.rules.RuleLine;
import java.io.IOException;
import java.io.InputStream;
import java.io.StringReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.error.Mark;
import org.yaml.snakeyaml.error.MarkedYAMLException;
import org.yaml.snakeyaml.error.YAMLException;
import org.yaml.snakeyaml.nodes.MappingNode;
import org.yaml.snakeyaml.nodes.Node;
import org.yaml.snakeyaml.nodes.NodeTuple;
import org.yaml.snakeyaml.nodes.ScalarNode;
import org.yaml.snakeyaml.nodes.SequenceNode;
import org.yaml.snakeyaml.nodes.Tag;

/**
 * Reads a Clash-style YAML config into a {@link Config}, keeping the line and column of everything so that
 * each error can point at what the user wrote. Unknown keys are warnings, as in Clash.
 */
public final class ConfigLoader {

    /** The resource holding the config Turnout runs on when given none. */
    public static final String BUILT_IN = "/dev/turnout/host/default-config.yaml";

    private static final Set<String> TOP_LEVEL_KEYS = Set.of(
            "port", "socks-port", "mixed-port", "allow-lan", "bind-address", "mode", "log-level", "ipv6",
            "proxies", "proxy-groups", "rules", "rule-providers", "hosts", "dns", "tun", "interface-name",
            "routing-mark", "external-controller", "external-ui", "secret", "proxy-providers",
            "tcp-half-close-timeout");

    /**
     * Turnout's own key: a flow whose one direction has ended (a FIN passed on) and where nothing moves for this
     * long is reset, so a server that never closes cannot hold its two descriptors until the idle timeout.
     */
    public static final Duration TCP_HALF_CLOSE_TIMEOUT = Duration.ofSeconds(30);

    /** Clash keys Turnout accepts and does not act on; mentioned once, not as unknown. */
    private static final Set<String> IGNORED_CLASH_KEYS = Set.of(
            "redir-port", "tproxy-port", "profile", "experimental", "unified-delay", "tcp-concurrent",
            "find-process-mode", "global-client-fingerprint", "geodata-mode", "geox-url", "keep-alive-interval",
            "authentication", "skip-auth-prefixes", "lan-allowed-ips", "sniffer", "ebpf", "global-ua",
            "geo-auto-update", "geo-update-interval", "external-controller-tls", "tls", "listeners",
            "clash-for-android", "cfw-bypass", "cfw-latency-timeout", "cfw-latency-url");

    private static final java.util.regex.Pattern DURATION = java.util.regex.Pattern.compile("(\\d{1,9})(ms|s|m)?");

    private static final Set<String> GROUP_TYPES = Set.of("select", "url-test", "fallback", "load-balance");

    private ConfigLoader() {
    }

    /** Reads {@code file}; relative paths in it resolve against {@code baseDir}, or the file's folder. */
    public static Config load(Path file, Path baseDir) throws ConfigException {
        String text;
        try {
            text = Files.readString(file, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new ConfigException(new Origin(file.toString(), 0, 0), "cannot read config: " + e.getMessage());
        }
        Path dir = baseDir != null ? baseDir : file.toAbsolutePath().getParent();
        return parse(text, file.toString(), file, dir);
    }

    /** The embedded default: mixed port 7890 on loopback, everything DIRECT. */
    public static Config builtIn(Path baseDir) throws ConfigException {
        try (InputStream in = ConfigLoader.class.getResourceAsStream(BUILT_IN)) {
            if (in == null) {
                throw new IllegalStateException("missing resource " + BUILT_IN);
            }
            String text = new String(in.readAllBytes(), StandardCharsets.UTF_8);
            return parse(text, "(built-in default)", null, baseDir != null ? baseDir : Path.of("."));
        } catch (IOException e) {
            throw new IllegalStateException("cannot read " + BUILT_IN, e);
        }
    }

    /** Parses config text; {@code name} is what errors call the file. */
    public static Config parse(String text, String name, Path file, Path baseDir) throws ConfigException {
        Node root = compose(text, name);
        Reader reader = new Reader(name);
        return reader.read(root, file, baseDir);
    }

    private static Node compose(String text, String name) throws ConfigException {
        LoaderOptions options = new LoaderOptions();
        options.setAllowDuplicateKeys(false);
        options.setMaxAliasesForCollections(50);
        options.setCodePointLimit(64 * 1024 * 1024);
        try (StringReader in = new StringReader(text)) {
            Node node = new Yaml(options).compose(in);
            if (node == null) {
                throw new ConfigException(new Origin(name, 1, 1), "the config is empty; expected a mapping of keys");
            }
            return node;
        } catch (MarkedYAMLException e) {
            Mark mark = e.getProblemMark() != null ? e.getProblemMark() : e.getContextMark();
            Origin at = mark == null ? new Origin(name, 0, 0) : new Origin(name, mark.getLine() + 1, mark.getColumn() + 1);
            String problem = e.getProblem() != null ? e.getProblem() : e.getMessage();
            if (e.getContext() != null && problem != null && problem.contains("duplicate key")) {
                problem = e.getContext() + ", " + problem;
            }
            throw new ConfigException(at, "invalid YAML: " + problem);
        } catch (YAMLException e) {
            throw new ConfigException(new Origin(name, 0, 0), "invalid YAML: " + e.getMessage());
        }
    }

    /** Walks the node tree; one instance per parse, holding the file name and the warnings. */
    private static final class Reader {
        private final String name;
        private final List<String> warnings = new ArrayList<>();

        Reader(String name) {
            this.name = name;
        }

        Origin at(Node node) {
            Mark m = node.getStartMark();
            return m == null ? new Origin(name, 0, 0) : new Origin(name, m.getLine() + 1, m.getColumn() + 1);
        }

        Config read(Node root, Path file, Path baseDir) throws ConfigException {
            MappingNode top = mapping(root, "the top level of the config");
            Map<String, NodeTuple> keys = entries(top);
            for (Map.Entry<String, NodeTuple> e : keys.entrySet()) {
                String key = e.getKey();
                if (!TOP_LEVEL_KEYS.contains(key)) {
                    Origin o = at(e.getValue().getKeyNode());
                    warnings.add(IGNORED_CLASH_KEYS.contains(key)
                            ? o + ": '" + key + "' is not supported by Turnout; ignored"
                            : o + ": unknown key '" + key + "'; ignored");
                }
            }
            int mixedPort = port(keys, "mixed-port", 0);
            int socksPort = port(keys, "socks-port", 0);
            int httpPort = port(keys, "port", 0);
            boolean allowLan = bool(keys, "allow-lan", false);
            String bind = string(keys, "bind-address", "*");
            String bindAddress = !allowLan ? "127.0.0.1" : ("*".equals(bind) ? "0.0.0.0" : bind);
            String mode = string(keys, "mode", "rule").toLowerCase(Locale.ROOT);
            if (!Set.of("rule", "global", "direct").contains(mode)) {
                throw new ConfigException(at(keys.get("mode").getValueNode()),
                        "'mode' must be rule, global or direct, got '" + mode + "'");
            }
            String logLevel = string(keys, "log-level", "info").toLowerCase(Locale.ROOT);
            if (!Set.of("debug", "info", "warning", "error", "silent").contains(logLevel)) {
                throw new ConfigException(at(keys.get("log-level").getValueNode()),
                        "'log-level' must be debug, info, warning, error or silent, got '" + logLevel + "'");
            }
            List<ProxyEntry> proxies = proxies(keys.get("proxies"));
            List<GroupEntry> groups = groups(keys.get("proxy-groups"));
            List<RuleLine> rules = rules(keys.get("rules"));
            Map<String, ProviderEntry> providers = providers(keys.get("rule-providers"), baseDir);
            Map<String, List<String>> hosts = hosts(keys.get("hosts"));
            checkNamesUnique(proxies, groups);
            if (keys.containsKey("proxy-providers")) {
                warnings.add(at(keys.get("proxy-providers").getKeyNode())
                        + ": 'proxy-providers' are not fetched by Turnout yet; groups that 'use:' them stay empty");
            }
            return new Config(file, baseDir, mixedPort, socksPort, httpPort, allowLan, bindAddress, mode, logLevel,
                    List.copyOf(proxies), List.copyOf(groups), List.copyOf(rules), providers, hosts,
                    section(keys.get("dns")), section(keys.get("tun")), string(keys, "interface-name", null),
                    integer(keys, "routing-mark", 0), string(keys, "external-controller", null),
                    string(keys, "external-ui", null), string(keys, "secret", null),
                    duration(keys, "tcp-half-close-timeout", TCP_HALF_CLOSE_TIMEOUT), List.copyOf(warnings));
        }

        private List<ProxyEntry> proxies(NodeTuple tuple) throws ConfigException {
            List<ProxyEntry> out = new ArrayList<>();
            if (tuple == null || isNull(tuple.getValueNode())) {
                return out;
            }
            for (Node item : sequence(tuple.getValueNode(), "'proxies' (a list of outbounds)").getValue()) {
                MappingNode m = mapping(item, "an outbound: a mapping with name, type, server, port");
                Map<String, NodeTuple> kv = entries(m);
                String proxyName = requiredString(kv, "name", m);
                String type = requiredString(kv, "type", m).toLowerCase(Locale.ROOT);
                Map<String, Object> values = new LinkedHashMap<>();
                Map<String, Origin> origins = new LinkedHashMap<>();
                for (Map.Entry<String, NodeTuple> e : kv.entrySet()) {
                    origins.put(e.getKey(), at(e.getValue().getValueNode()));
                    if (!e.getKey().equals("name") && !e.getKey().equals("type")) {
                        values.put(e.getKey(), value(e.getValue().getValueNode()));
                    }
                }
                out.add(new ProxyEntry(new OutboundOptions(proxyName, type, values), at(m), Map.copyOf(origins)));
            }
            return out;
        }

        private List<GroupEntry> groups(NodeTuple tuple) throws ConfigException {
            List<GroupEntry> out = new ArrayList<>();
            if (tuple == null || isNull(tuple.getValueNode())) {
                return out;
            }
            for (Node item : sequence(tuple.getValueNode(), "'proxy-groups' (a list of groups)").getValue()) {
                MappingNode m = mapping(item, "a proxy group: a mapping with name, type, proxies");
                Map<String, NodeTuple> kv = entries(m);
                String groupName = requiredString(kv, "name", m);
                String type = requiredString(kv, "type", m).toLowerCase(Locale.ROOT);
                if (!GROUP_TYPES.contains(type)) {
                    throw new ConfigException(at(kv.get("type").getValueNode()), "unknown group type '" + type
                            + "'; expected one of select, url-test, fallback, load-balance");
                }
                List<String> members = new ArrayList<>();
                NodeTuple list = kv.get("proxies");
                if (list != null && !isNull(list.getValueNode())) {
                    for (Node n : sequence(list.getValueNode(), "'proxies' of group '" + groupName + "'").getValue()) {
                        members.add(scalar(n, "a proxy or group name"));
                    }
                }
                if (members.isEmpty() && !kv.containsKey("use")) {
                    throw new ConfigException(at(m), "group '" + groupName + "' has no 'proxies'");
                }
                int interval = integer(kv, "interval", 300);
                int tolerance = integer(kv, "tolerance", 150);
                String url = string(kv, "url", null);
                if (!type.equals("select") && url == null) {
                    url = "http://www.gstatic.com/generate_204";
                }
                out.add(new GroupEntry(groupName, type, List.copyOf(members), url, interval, tolerance, at(m)));
            }
            return out;
        }

        private List<RuleLine> rules(NodeTuple tuple) throws ConfigException {
            List<RuleLine> out = new ArrayList<>();
            if (tuple == null || isNull(tuple.getValueNode())) {
                return out;
            }
            for (Node n : sequence(tuple.getValueNode(), "'rules' (a list of TYPE,PAYLOAD,TARGET lines)").getValue()) {
                out.add(new RuleLine(scalar(n, "a rule line such as DOMAIN-SUFFIX,example.com,PROXY"), at(n)));
            }
            return out;
        }

        private Map<String, ProviderEntry> providers(NodeTuple tuple, Path baseDir) throws ConfigException {
            Map<String, ProviderEntry> out = new LinkedHashMap<>();
            if (tuple == null || isNull(tuple.getValueNode())) {
                return out;
            }
            MappingNode all = mapping(tuple.getValueNode(), "'rule-providers' (a mapping of name to provider)");
            for (NodeTuple t : entries(all).values()) {
                String providerName = scalar(t.getKeyNode(), "a provider name");
                MappingNode m = mapping(t.getValueNode(), "provider '" + providerName + "': a mapping with type, behavior, path");
                Map<String, NodeTuple> kv = entries(m);
                String type = requiredString(kv, "type", m).toLowerCase(Locale.ROOT);
                if (!type.equals("file") && !type.equals("http")) {
                    throw new ConfigException(at(kv.get("type").getValueNode()),
                            "provider type must be file or http, got '" + type + "'");
                }
                String behaviorText = requiredString(kv, "behavior", m).toLowerCase(Locale.ROOT);
                Behavior behavior = switch (behaviorText) {
                    case "domain" -> Behavior.DOMAIN;
                    case "ipcidr" -> Behavior.IPCIDR;
                    case "classical" -> Behavior.CLASSICAL;
                    default -> throw new ConfigException(at(kv.get("behavior").getValueNode()),
                            "behavior must be domain, ipcidr or classical, got '" + behaviorText + "'");
                };
                String formatText = string(kv, "format", "yaml").toLowerCase(Locale.ROOT);
                ProviderFormat format = switch (formatText) {
                    case "yaml" -> ProviderFormat.YAML;
                    case "text" -> ProviderFormat.TEXT;
                    default -> throw new ConfigException(at(kv.get("format").getValueNode()),
                            "format must be yaml or text, got '" + formatText + "'");
                };
                String url = string(kv, "url", null);
                if (type.equals("http") && url == null) {
                    throw new ConfigException(at(m), "http provider '" + providerName + "' needs a 'url'");
                }
                String pathText = string(kv, "path", null);
                if (pathText == null) {
                    if (type.equals("file")) {
                        throw new ConfigException(at(m), "file provider '" + providerName + "' needs a 'path'");
                    }
                    pathText = "./ruleset/" + providerName + ".yaml";
                }
                Path path = baseDir.resolve(pathText).normalize();
                out.put(providerName, new ProviderEntry(providerName, type, behavior, format, path, url,
                        integer(kv, "interval", 0), at(m)));
            }
            return out;
        }

        private Map<String, List<String>> hosts(NodeTuple tuple) throws ConfigException {
            Map<String, List<String>> out = new LinkedHashMap<>();
            if (tuple == null || isNull(tuple.getValueNode())) {
                return out;
            }
            for (NodeTuple t : entries(mapping(tuple.getValueNode(), "'hosts' (a mapping of name to address)")).values()) {
                String host = scalar(t.getKeyNode(), "a host name");
                Node v = t.getValueNode();
                List<String> addresses = new ArrayList<>();
                if (v instanceof SequenceNode seq) {
                    for (Node n : seq.getValue()) {
                        addresses.add(scalar(n, "an IP address"));
                    }
                } else {
                    addresses.add(scalar(v, "an IP address or a list of them"));
                }
                out.put(host.toLowerCase(Locale.ROOT), List.copyOf(addresses));
            }
            return out;
        }

        private Section section(NodeTuple tuple) throws ConfigException {
            if (tuple == null || isNull(tuple.getValueNode())) {
                return Section.ABSENT;
            }
            MappingNode m = mapping(tuple.getValueNode(), "'" + scalar(tuple.getKeyNode(), "a key") + "' (a mapping)");
            Map<String, Object> values = new LinkedHashMap<>();
            Map<String, Origin> origins = new LinkedHashMap<>();
            for (NodeTuple t : entries(m).values()) {
                String key = scalar(t.getKeyNode(), "a key");
                values.put(key, value(t.getValueNode()));
                origins.put(key, at(t.getValueNode()));
            }
            return new Section(values, origins, at(m));
        }

        private void checkNamesUnique(List<ProxyEntry> proxies, List<GroupEntry> groups) throws ConfigException {
            Set<String> seen = new HashSet<>(Set.of("DIRECT", "REJECT"));
            for (ProxyEntry p : proxies) {
                if (!seen.add(p.name())) {
                    throw new ConfigException(p.originOf("name"), "the name '" + p.name() + "' is used twice");
                }
            }
            for (GroupEntry g : groups) {
                if (!seen.add(g.name())) {
                    throw new ConfigException(g.origin(), "the name '" + g.name() + "' is used twice");
                }
            }
        }

        // --- node helpers ------------------------------------------------------------------------------

        private Map<String, NodeTuple> entries(MappingNode m) throws ConfigException {
            Map<String, NodeTuple> out = new LinkedHashMap<>();
            for (NodeTuple t : m.getValue()) {
                NodeTuple first = out.putIfAbsent(scalar(t.getKeyNode(), "a key"), t);
                if (first != null) {
                    // SnakeYAML checks duplicates only when it builds objects, not when it composes nodes.
                    throw new ConfigException(at(t.getKeyNode()), "duplicate key '" + scalar(t.getKeyNode(), "a key")
                            + "' (first written at line " + at(first.getKeyNode()).line() + ")");
                }
            }
            return out;
        }

        private MappingNode mapping(Node node, String expected) throws ConfigException {
            if (node instanceof MappingNode m) {
                return m;
            }
            throw new ConfigException(at(node), "expected " + expected + ", got " + describe(node));
        }

        private SequenceNode sequence(Node node, String expected) throws ConfigException {
            if (node instanceof SequenceNode s) {
                return s;
            }
            throw new ConfigException(at(node), "expected " + expected + ", got " + describe(node));
        }

        private String scalar(Node node, String expected) throws ConfigException {
            if (node instanceof ScalarNode s && !Tag.NULL.equals(s.getTag())) {
                return s.getValue();
            }
            throw new ConfigException(at(node), "expected " + expected + ", got " + describe(node));
        }

        private String requiredString(Map<String, NodeTuple> kv, String key, Node owner) throws ConfigException {
            NodeTuple t = kv.get(key);
            if (t == null) {
                throw new ConfigException(at(owner), "missing '" + key + "'");
            }
            return scalar(t.getValueNode(), "a value for '" + key + "'");
        }

        private String string(Map<String, NodeTuple> kv, String key, String fallback) throws ConfigException {
            NodeTuple t = kv.get(key);
            if (t == null || isNull(t.getValueNode())) {
                return fallback;
            }
            return scalar(t.getValueNode(), "a value for '" + key + "'");
        }

        private boolean bool(Map<String, NodeTuple> kv, String key, boolean fallback) throws ConfigException {
            NodeTuple t = kv.get(key);
            if (t == null || isNull(t.getValueNode())) {
                return fallback;
            }
            if (t.getValueNode() instanceof ScalarNode s && Tag.BOOL.equals(s.getTag())) {
                return Boolean.parseBoolean(s.getValue().toLowerCase(Locale.ROOT));
            }
            throw new ConfigException(at(t.getValueNode()), "'" + key + "' must be true or false, got "
                    + describe(t.getValueNode()));
        }

        private int integer(Map<String, NodeTuple> kv, String key, int fallback) throws ConfigException {
            NodeTuple t = kv.get(key);
            if (t == null || isNull(t.getValueNode())) {
                return fallback;
            }
            if (t.getValueNode() instanceof ScalarNode s && Tag.INT.equals(s.getTag())) {
                try {
                    return Integer.parseInt(s.getValue());
                } catch (NumberFormatException e) {
                    // below
                }
            }
            throw new ConfigException(at(t.getValueNode()), "'" + key + "' must be a whole number, got "
                    + describe(t.getValueNode()));
        }

        /** A positive duration: whole seconds as in mihomo's {@code keep-alive-idle}, or with a unit: 500ms, 2s, 1m. */
        private Duration duration(Map<String, NodeTuple> kv, String key, Duration fallback) throws ConfigException {
            NodeTuple t = kv.get(key);
            if (t == null || isNull(t.getValueNode())) {
                return fallback;
            }
            if (t.getValueNode() instanceof ScalarNode s) {
                java.util.regex.Matcher m = DURATION.matcher(s.getValue().trim());
                if (m.matches()) {
                    try {
                        long n = Long.parseLong(m.group(1));
                        Duration d = switch (m.group(2) == null ? "s" : m.group(2)) {
                            case "ms" -> Duration.ofMillis(n);
                            case "m" -> Duration.ofMinutes(n);
                            default -> Duration.ofSeconds(n);
                        };
                        if (!d.isZero()) {
                            return d;
                        }
                    } catch (NumberFormatException | ArithmeticException e) {
                        // below
                    }
                }
            }
            throw new ConfigException(at(t.getValueNode()), "'" + key + "' must be a positive duration such as 30, 30s, "
                    + "500ms or 1m, got " + describe(t.getValueNode()));
        }

        private int port(Map<String, NodeTuple> kv, String key, int fallback) throws ConfigException {
            int p = integer(kv, key, fallback);
            if (p < 0 || p > 65535) {
                throw new ConfigException(at(kv.get(key).getValueNode()),
                        "'" + key + "' must be a port from 0 to 65535, got " + p);
            }
            return p;
        }

        private static boolean isNull(Node node) {
            return node instanceof ScalarNode s && Tag.NULL.equals(s.getTag());
        }

        private static String describe(Node node) {
            if (node instanceof MappingNode) {
                return "a mapping";
            }
            if (node instanceof SequenceNode) {
                return "a list";
            }
            if (isNull(node)) {
                return "nothing";
            }
            return "'" + ((ScalarNode) node).getValue() + "'";
        }

        /** A node as a plain Java value: String, Integer, Long, Double, Boolean, List or Map. */
        private Object value(Node node) throws ConfigException {
            if (node instanceof ScalarNode s) {
                Tag tag = s.getTag();
                String v = s.getValue();
                if (Tag.NULL.equals(tag)) {
                    return null;
                }
                if (Tag.BOOL.equals(tag)) {
                    return Boolean.parseBoolean(v.toLowerCase(Locale.ROOT));
                }
                if (Tag.INT.equals(tag)) {
                    try {
                        long l = Long.parseLong(v.replace("_", ""));
                        if (l == (int) l) {
                            return (int) l; // not a ?: with a Long branch: that would widen every int to Long
                        }
                        return l;
                    } catch (NumberFormatException e) {
                        return v;
                    }
                }
                if (Tag.FLOAT.equals(tag)) {
                    try {
                        return Double.parseDouble(v);
                    } catch (NumberFormatException e) {
                        return v;
                    }
                }
                return v;
            }
            if (node instanceof SequenceNode seq) {
                List<Object> out = new ArrayList<>();
                for (Node n : seq.getValue()) {
                    out.add(value(n));
                }
                return out;
            }
            Map<String, Object> out = new LinkedHashMap<>();
            for (NodeTuple t : ((MappingNode) node).getValue()) {
                out.put(scalar(t.getKeyNode(), "a key"), value(t.getValueNode()));
            }
            return out;
        }
    }
}
