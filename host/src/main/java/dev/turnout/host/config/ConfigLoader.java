package dev.turnout.host.config;

import dev.turnout.api.OutboundOptions;
import dev.turnout.host.dns.Cidr;
import dev.turnout.host.dns.DnsOptions;
import dev.turnout.host.dial.TcpKeepAlive;
import dev.turnout.host.files.FileProblems;
import dev.turnout.host.inbound.Authentication;
import dev.turnout.rules.Behavior;
import dev.turnout.rules.FirstYamlDocument;
import dev.turnout.rules.Origin;
import dev.turnout.rules.ProviderFormat;
import dev.turnout.rules.RuleLine;
import dev.turnout.rules.YamlProblem;
import java.io.FileInputStream;
import java.io.FileNotFoundException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CoderResult;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.InvalidPathException;
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
 * each error can point at what the user wrote. Unknown keys are warnings, as in Clash. Every problem found is
 * reported, not only the first: one {@link ConfigException} gathers them.
 */
public final class ConfigLoader {

    /** The resource holding the config Turnout runs on when given none. */
    public static final String BUILT_IN = "/dev/turnout/host/default-config.yaml";

    private static final Set<String> TOP_LEVEL_KEYS = Set.of(
            "port", "socks-port", "mixed-port", "allow-lan", "bind-address", "mode", "log-level", "ipv6",
            "proxies", "proxy-groups", "rules", "rule-providers", "hosts", "dns", "tun", "sniffer", "interface-name",
            "routing-mark", "external-controller", "external-controller-unix", "external-ui", "external-ui-name",
            "external-ui-url", "secret",
            "proxy-providers",
            "external-controller-cors", "tcp-half-close-timeout", "find-process-mode",
            "geodata-mode", "geox-url", "geo-auto-update", "geo-update-interval",
            "sub-rules", "authentication", "skip-auth-prefixes", "lan-allowed-ips", "lan-disallowed-ips",
            "tcp-concurrent", "listeners", "keep-alive-idle", "keep-alive-interval", "disable-keep-alive",
            "unified-delay", "profile", "tunnels", "redir-port", "tproxy-port", "external-controller-tls", "tls",
            "external-doh-server",
            // mihomo's choice of GeoSite matching algorithm (succinct, mph): the same lists match the same names.
            "geosite-matcher");

    /**
     * Turnout's own key: a flow whose one direction has ended (a FIN passed on) and where nothing moves for this
     * long is reset, so a server that never closes cannot hold its two descriptors until the idle timeout.
     */
    public static final Duration TCP_HALF_CLOSE_TIMEOUT = Duration.ofSeconds(30);

    /**
     * mihomo's listener types Turnout opens: the proxy types with its mixed inbound, tunnels, and redir and tproxy
     * (Linux).
     */
    private static final Set<String> LISTENER_TYPES = Set.of("mixed", "socks", "http", ListenerEntry.TUNNEL,
            ListenerEntry.REDIR, ListenerEntry.TPROXY);
    /** The keys of such a listener Turnout reads ({@code udp: false}: no SOCKS5 UDP relayed, as mihomo's). */
    private static final Set<String> LISTENER_KEYS = Set.of("name", "type", "port", "listen", "users", "proxy", "rule",
            "udp");
    /** The keys of a redir listener Turnout reads. */
    private static final Set<String> REDIR_LISTENER_KEYS = Set.of("name", "type", "port", "listen", "proxy", "rule");
    /** The keys of a tproxy listener Turnout reads ({@code udp}: it always takes UDP too). */
    private static final Set<String> TPROXY_LISTENER_KEYS = Set.of("name", "type", "port", "listen", "proxy", "rule",
            "udp");
    /** The keys of a tunnel listener Turnout reads. */
    private static final Set<String> TUNNEL_LISTENER_KEYS = Set.of("name", "type", "port", "listen", "proxy", "rule",
            "network", "target");
    /** The keys of a {@code tunnels:} entry written as a mapping. */
    private static final Set<String> TUNNEL_KEYS = Set.of("network", "address", "target", "proxy");

    /** Clash keys Turnout accepts and does not act on; mentioned once, not as unknown. */
    private static final Set<String> IGNORED_CLASH_KEYS = Set.of(
            "experimental",
            "global-client-fingerprint",
            "ebpf", "global-ua", "geodata-loader", "etag-support", "ntp",
            "clash-for-android");
    /**
     * The prefix of Clash for Windows' own top-level keys ({@code cfw-bypass}, {@code cfw-latency-url},
     * {@code cfw-conn-break-strategy}, ...): its window reads them, no core does. ACL4SSR's configs carry several.
     */
    private static final String CLASH_FOR_WINDOWS_PREFIX = "cfw-";

    /** The {@code dns:} keys that list nameservers. */
    private static final Set<String> SERVER_LISTS = Set.of("nameserver", "fallback", "default-nameserver",
            "proxy-server-nameserver", "direct-nameserver");
    /** The {@code dns:} keys Turnout acts on (runtime's {@code DnsSettings} reads them). */
    private static final Set<String> DNS_KEYS = Set.of("enable", "listen", "enhanced-mode", "fake-ip-range",
            "fake-ip-range6", "fake-ip-filter", "fake-ip-filter-mode", "nameserver", "fallback", "default-nameserver",
            "ipv6", "nameserver-policy", "fallback-filter", "proxy-server-nameserver", "direct-nameserver",
            "direct-nameserver-follow-policy", "respect-rules", "use-system-hosts", "use-hosts");
    /** The {@code sniffer:} keys Turnout reads (runtime's {@code SnifferSettings}). */
    private static final Set<String> SNIFFER_KEYS = Set.of("enable", "sniff", "sniffing", "port-whitelist",
            "override-destination", "parse-pure-ip", "force-dns-mapping", "force-domain", "skip-domain",
            "skip-src-address", "skip-dst-address");
    /** The keys of a {@code sniffer: sniff:} entry Turnout reads (runtime's {@code SnifferSettings}). */
    private static final Set<String> SNIFF_ENTRY_KEYS = Set.of("ports", "override-destination");
    /** The {@code tun:} keys Turnout reads (its own {@code state-file} among them). */
    private static final Set<String> TUN_KEYS = Set.of("enable", "stack", "device", "mtu", "inet4-address",
            "inet6-address", "auto-route", "auto-detect-interface", "dns-hijack", "state-file", "gso", "strict-route",
            "udp-timeout", "route-address", "inet4-route-address", "inet6-route-address", "route-exclude-address",
            "inet4-route-exclude-address", "inet6-route-exclude-address");
    /**
     * mihomo {@code tun:} keys that change nothing Turnout does (it installs no policy-routing table or rule, its
     * offload takes what the kernel gives, its UDP is endpoint-independent whatever mihomo's gVisor-only switch
     * says), or nothing at their value here: not mentioned.
     */
    private static final Map<String, Set<Object>> QUIET_TUN_KEYS = Map.of("gso-max-size", Set.of(),
            "iproute2-table-index", Set.of(), "iproute2-rule-index", Set.of(), "file-descriptor", Set.of(0),
            "endpoint-independent-nat", Set.of(), "auto-redirect", Set.of(Boolean.FALSE));

    /**
     * mihomo {@code dns:} keys that change nothing Turnout does (a cache's algorithm, a wait it does not make), or
     * that change nothing at their value here: not mentioned.
     */
    private static final Map<String, Set<Object>> QUIET_DNS_KEYS = Map.of("cache-algorithm", Set.of(),
            "ipv6-timeout", Set.of());

    /**
     * The largest config file read, checked before reading: what the file becomes in memory (YAML nodes, rule
     * lines, compiled rules) must fit the launcher's heap (bin/turnout: -Xmx512m) twice, since a reload builds
     * the new routing beside the running one. Measured with the packaged Turnout: 4 MiB of rules (190,000) with
     * 8 MiB of providers ({@code ProviderLoader.MAX_TOTAL_BYTES}) keep 150 MiB of heap once loaded and reload
     * fine; twice both runs out of memory on reload.
     */
    public static final long MAX_CONFIG_BYTES = 4L * 1024 * 1024;

    private static final java.util.regex.Pattern DURATION = java.util.regex.Pattern.compile("(\\d{1,9})(ms|s|m)?");

    /** The {@code proxy-groups} types, which the host builds itself (no plugin may provide one). */
    public static final Set<String> GROUP_TYPES = Set.of("select", "url-test", "fallback", "load-balance", "relay");

    /** Every group key Turnout reads (mihomo's); others are warned about. */
    private static final Set<String> GROUP_KEYS = Set.of("name", "type", "proxies", "use", "url", "interval",
            "tolerance", "timeout", "max-failed-times", "lazy", "disable-udp", "filter", "exclude-filter",
            "exclude-type", "expected-status", "include-all", "include-all-proxies", "include-all-providers",
            "hidden", "icon", "interface-name", "routing-mark", "strategy");

    private ConfigLoader() {
    }

    /** Reads {@code file}; relative paths in it resolve against {@code baseDir}, or the file's folder. */
    public static Config load(Path file, Path baseDir) throws ConfigException {
        String text = decode(readBounded(file), file.toString());
        Path dir = baseDir != null ? baseDir : file.toAbsolutePath().getParent();
        return parse(text, file.toString(), file, dir);
    }

    private static byte[] readBounded(Path file) throws ConfigException {
        Origin whole = new Origin(file.toString(), 0, 0);
        try {
            long size = Files.size(file);
            if (size > MAX_CONFIG_BYTES) {
                throw new ConfigException(whole, tooLarge("the config", size, MAX_CONFIG_BYTES));
            }
            byte[] bytes = readFile(file);
            if (bytes.length > MAX_CONFIG_BYTES) { // grew since we asked
                throw new ConfigException(whole, tooLarge("the config", bytes.length, MAX_CONFIG_BYTES));
            }
            return bytes;
        } catch (IOException e) {
            throw new ConfigException(whole, "cannot read config: " + FileProblems.why(e));
        }
    }

    /** "the config is 67,200,041 bytes; the limit is 4,194,304 (4 MiB), refused": one line, size and limit. */
    public static String tooLarge(String what, long size, long limit) {
        return String.format(Locale.ROOT, "%s is %,d bytes; the limit is %,d (%d MiB), refused", what, size, limit,
                limit / (1024 * 1024));
    }

    /**
     * A whole file, as {@link Files#readAllBytes} but without its temporary direct buffer: that reads through a
     * zero-filled off-heap copy as large as the file, which the reading thread then keeps cached (a rule
     * provider's 3 MB stayed with the main thread after start, and zeroing it was 5% of a cold start's compile;
     * a dashboard's bundle would stay with each I/O thread that served it). For every file a config names.
     */
    public static byte[] readFile(Path file) throws IOException {
        FileInputStream in;
        try {
            in = new FileInputStream(file.toFile());
        } catch (FileNotFoundException e) {
            if (Files.notExists(file)) { // as Files.readAllBytes says it, for callers that tell missing from unreadable
                throw new NoSuchFileException(file.toString());
            }
            throw e;
        }
        try (in) {
            return in.readAllBytes();
        }
    }

    /**
     * Strict UTF-8, as YAML requires: a byte that is not UTF-8 (or a NUL, the mark of a binary file) is named
     * with its line, column and byte offset instead of a decoder's "Input length = 1".
     */
    public static String decode(byte[] bytes, String name) throws ConfigException {
        String text = checkUtf8(bytes, name);
        // All ASCII, which is UTF-8 as it stands: one copy, one byte per character.
        return text != null ? text : new String(bytes, StandardCharsets.ISO_8859_1);
    }

    /** The checks of {@link #decode} without keeping the text: for bytes that are read as bytes (rule providers). */
    public static void requireUtf8(byte[] bytes, String name) throws ConfigException {
        checkUtf8(bytes, name);
    }

    /**
     * Checks {@code bytes} as {@link #decode} says; returns their text, or null when they are plain ASCII (the
     * common case, which needs no decoder: that makes a char buffer twice the size and copies twice, for
     * Loyalsoldier's lists 8% of a cold start's compile).
     */
    private static String checkUtf8(byte[] bytes, String name) throws ConfigException {
        int any = 0;
        for (int i = 0; i < bytes.length; i++) {
            if (bytes[i] == 0) {
                throw new ConfigException(originOfByte(bytes, i, name),
                        "a NUL byte at offset " + i + ": this is a binary file, not a YAML config");
            }
            any |= bytes[i];
        }
        if (any >= 0) {
            return null;
        }
        CharsetDecoder decoder = StandardCharsets.UTF_8.newDecoder()
                .onMalformedInput(CodingErrorAction.REPORT).onUnmappableCharacter(CodingErrorAction.REPORT);
        ByteBuffer in = ByteBuffer.wrap(bytes);
        CharBuffer out = CharBuffer.allocate(bytes.length); // UTF-8 never gives more chars than bytes
        CoderResult result = decoder.decode(in, out, true);
        if (!result.isError()) {
            result = decoder.flush(out);
        }
        if (result.isError()) {
            int at = in.position();
            throw new ConfigException(originOfByte(bytes, at, name), String.format(Locale.ROOT,
                    "not UTF-8: byte 0x%02X at offset %d cannot be decoded; save it as UTF-8", bytes[at] & 0xff, at));
        }
        return out.flip().toString();
    }

    /** Line and column (counted in bytes) of a byte offset. */
    private static Origin originOfByte(byte[] bytes, int offset, String name) {
        int line = 1;
        int lineStart = 0;
        for (int i = 0; i < offset; i++) {
            if (bytes[i] == '\n') {
                line++;
                lineStart = i + 1;
            }
        }
        return new Origin(name, line, offset - lineStart + 1);
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
        Reader reader = new Reader(name);
        Node root = compose(text, name, reader.warnings);
        return reader.read(root, file, baseDir);
    }

    /**
     * The {@code proxies:} of a proxy provider's content (a Clash config or just its proxies list), each entry
     * where it was written in {@code name}; entries that are not proxies go to {@code problems}, a second YAML
     * document (not read) to {@code notes}, invalid YAML throws with its line and column.
     */
    public static List<ProxyEntry> proxyList(String text, String name, List<ConfigException> problems,
                                             List<String> notes) throws ConfigException {
        return new Reader(name).proxyList(compose(text, name, notes), problems);
    }

    /** mihomo's name for a download kept by its URL: the MD5 of the URL, in hex. */
    static String md5(String text) {
        try {
            return java.util.HexFormat.of().formatHex(java.security.MessageDigest.getInstance("MD5")
                    .digest(text.getBytes(StandardCharsets.UTF_8)));
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The first YAML document of {@code text}, as mihomo reads it; {@code warnings} says where one more begins. */
    private static Node compose(String text, String name, List<String> warnings) throws ConfigException {
        LoaderOptions options = new LoaderOptions();
        options.setAllowDuplicateKeys(false);
        // Configs that share settings through anchors alias far more than SnakeYAML's default of 50 (mihomo's library
        // has no such count); what the aliases expand to is bounded by MergeKeys instead.
        options.setMaxAliasesForCollections(Integer.MAX_VALUE);
        options.setCodePointLimit((int) MAX_CONFIG_BYTES);
        try {
            FirstYamlDocument first = FirstYamlDocument.compose(text, options);
            Node node = first.node();
            if (first.rest() != null) {
                warnings.add(first.restNote(name));
            }
            if (node == null) {
                throw new ConfigException(new Origin(name, 1, 1), "the config is empty; expected a mapping of keys");
            }
            try {
                MergeKeys.apply(node, options);
            } catch (IllegalArgumentException e) {
                throw new ConfigException(new Origin(name, 1, 1), "invalid YAML: " + e.getMessage());
            }
            return node;
        } catch (MarkedYAMLException e) {
            Mark mark = e.getProblemMark() != null ? e.getProblemMark() : e.getContextMark();
            Origin at = mark == null ? new Origin(name, 0, 0) : new Origin(name, mark.getLine() + 1, mark.getColumn() + 1);
            throw new ConfigException(at, "invalid YAML: " + YamlProblem.describe(e));
        } catch (YAMLException e) {
            throw new ConfigException(new Origin(name, 0, 0), "invalid YAML: " + e.getMessage());
        }
    }

    /** One part of the reading, which may fail on its own. */
    @FunctionalInterface
    private interface Part<T> {
        T read() throws ConfigException;
    }

    /**
     * Walks the node tree; one instance per parse, holding the file name, the warnings and the errors. A part
     * that fails (a key, a proxy, a rule) is recorded and skipped, so the rest is still checked.
     */
    private static final class Reader {
        private final String name;
        private final List<String> warnings = new ArrayList<>();
        private final List<ConfigException> errors = new ArrayList<>();
        /** Every proxy provider written, those with mistakes included: a group naming one is not a second mistake. */
        private final Set<String> proxyProviderNames = new HashSet<>();

        Reader(String name) {
            this.name = name;
        }

        Origin at(Node node) {
            Mark m = node.getStartMark();
            return m == null ? new Origin(name, 0, 0) : new Origin(name, m.getLine() + 1, m.getColumn() + 1);
        }

        /**
         * {@code authentication} ({@code user:password} entries), {@code skip-auth-prefixes} (CIDRs; none when
         * absent, as mihomo's, so this machine's own clients are asked too), {@code lan-allowed-ips} and
         * {@code lan-disallowed-ips}.
         */
        Authentication authentication(Map<String, NodeTuple> keys) throws ConfigException {
            NodeTuple users = keys.get("authentication");
            NodeTuple skip = keys.get("skip-auth-prefixes");
            List<String> entries = new ArrayList<>();
            if (users != null && !isNull(users.getValueNode())) {
                boolean skipped = false;
                for (Node n : sequence(users.getValueNode(), "'authentication' (a list of user:password)").getValue()) {
                    if (isNull(n)) {
                        continue; // '- ~', as templates write "no users": mihomo skips it too
                    }
                    String entry = scalar(n, "user:password");
                    if (entry.indexOf(':') < 0) {
                        // mihomo's parseAuthentication skips it without a word ([""] is templates' "no password");
                        // the entry is not repeated here: '- admin' may well be a password.
                        warnings.add(at(n) + ": this 'authentication' entry has no ':', so it is not a login"
                                + " (user:password); skipped, as mihomo skips it");
                        skipped = true;
                        continue;
                    }
                    try {
                        Authentication.userEnd(entry);
                    } catch (IllegalArgumentException e) {
                        throw new ConfigException(at(n), e.getMessage());
                    }
                    entries.add(entry);
                }
                if (skipped && entries.isEmpty()) {
                    warnings.add(at(users.getValueNode()) + ": 'authentication' has no login left: the proxy ports ask"
                            + " nobody for a password, and anyone who can reach them may use them");
                }
            }
            // mihomo has no default skip-auth-prefixes: on a machine with several users, each local account is
            // asked for the password as a LAN client is.
            List<Cidr> prefixes = prefixes(skip, "skip-auth-prefixes");
            // Absent, every client is served; written empty, none from the LAN (mihomo's reading of both).
            NodeTuple allowed = keys.get("lan-allowed-ips");
            return Authentication.of(entries, prefixes).withLan(allowed == null ? Authentication.EVERYWHERE
                    : prefixes(allowed, "lan-allowed-ips"), prefixes(keys.get("lan-disallowed-ips"), "lan-disallowed-ips"));
        }

        /** A list of client prefixes ({@code 192.168.0.0/16}; a lone address is one host); empty when absent. */
        private List<Cidr> prefixes(NodeTuple tuple, String key) throws ConfigException {
            List<Cidr> out = new ArrayList<>();
            if (tuple == null || isNull(tuple.getValueNode())) {
                return out;
            }
            for (Node n : sequence(tuple.getValueNode(), "'" + key + "' (a list of prefixes)").getValue()) {
                if (isNull(n)) {
                    continue; // '- ~': mihomo reads an empty prefix that matches nothing
                }
                String text = scalar(n, "a prefix such as 192.168.0.0/16");
                try {
                    out.add(Cidr.parseHostOrRange(text));
                } catch (IllegalArgumentException e) {
                    throw new ConfigException(at(n), key + ": '" + text + "' is not a prefix such as 192.168.0.0/16: "
                            + e.getMessage());
                }
            }
            return out;
        }

        /** {@code text}, written at {@code node}, resolved against {@code baseDir}. */
        private Path path(Path baseDir, String text, Node node) throws ConfigException {
            try {
                return baseDir.resolve(text).normalize();
            } catch (InvalidPathException e) {
                throw new ConfigException(at(node), "'" + text.replace("\0", "\\0") + "' is not a path: " + e.getReason());
            }
        }

        /** The part's result, or {@code fallback} once its error is recorded. */
        <T> T attempt(Part<T> part, T fallback) {
            try {
                return part.read();
            } catch (ConfigException e) {
                errors.add(e);
                return fallback;
            }
        }

        Config read(Node root, Path file, Path baseDir) throws ConfigException {
            MappingNode top = mapping(root, "the top level of the config");
            Map<String, NodeTuple> keys = entries(top);
            Map<String, Origin> origins = new LinkedHashMap<>();
            keys.forEach((key, tuple) -> origins.put(key, at(tuple.getValueNode())));
            for (Map.Entry<String, NodeTuple> e : keys.entrySet()) {
                String key = e.getKey();
                // A key that only holds a YAML anchor for others to merge or alias (rule-anchor: &a, FilterHK: &hk,
                // x-fallback: &fb): templates carry dozens; mihomo reads none of them, and they are no mistake.
                if (!TOP_LEVEL_KEYS.contains(key) && e.getValue().getValueNode().getAnchor() == null) {
                    Origin o = at(e.getValue().getKeyNode());
                    warnings.add(IGNORED_CLASH_KEYS.contains(key)
                            ? o + ": '" + key + "' is not supported by Turnout; ignored"
                            : key.startsWith(CLASH_FOR_WINDOWS_PREFIX)
                            ? o + ": '" + key + "' is a setting of Clash for Windows' window, not of its core; ignored"
                            : o + ": unknown key '" + key + "'; ignored");
                }
            }
            int mixedPort = attempt(() -> port(keys, "mixed-port", 0), 0);
            int socksPort = attempt(() -> port(keys, "socks-port", 0), 0);
            int httpPort = attempt(() -> port(keys, "port", 0), 0);
            boolean allowLan = attempt(() -> bool(keys, "allow-lan", false), false);
            String bind = attempt(() -> string(keys, "bind-address", "*"), "*");
            String bindAddress = Config.listenAddress(allowLan, bind);
            String mode = attempt(() -> oneOf(keys, "mode", "rule", List.of("rule", "global", "direct")), "rule");
            String logLevel = attempt(() -> oneOf(keys, "log-level", "info",
                    List.of("debug", "info", "warning", "error", "silent")), "info");
            List<ProxyEntry> proxies = proxies(keys.get("proxies"));
            List<GroupEntry> groups = groups(keys.get("proxy-groups"));
            List<RuleLine> rules = rules(keys.get("rules"));
            Map<String, List<RuleLine>> subRules = subRules(keys.get("sub-rules"));
            Map<String, ProviderEntry> providers = providers(keys.get("rule-providers"), baseDir);
            Map<String, List<String>> hosts = hosts(keys.get("hosts"));
            checkNamesUnique(proxies, groups);
            GeoOptions geo = geo(keys);
            Map<String, ProxyProviderEntry> proxyProviders = proxyProviders(keys.get("proxy-providers"), baseDir);
            checkUses(groups, proxyProviders);
            Section dns = attempt(() -> section(keys.get("dns")), Section.ABSENT);
            noteIgnoredDnsKeys(dns);
            noteDnsServersDefault(dns);
            Section tun = attempt(() -> section(keys.get("tun")), Section.ABSENT);
            noteIgnoredTunKeys(tun);
            attempt(() -> checkTunStack(tun), null);
            Section sniffer = attempt(() -> section(keys.get("sniffer")), Section.ABSENT);
            noteSnifferKeys(sniffer);
            boolean ipv6 = attempt(() -> bool(keys, "ipv6", true), true);
            noteIpv6Off(ipv6, dns, tun);
            noteOwnSocketsLoop(tun, keys.containsKey("interface-name"));
            noteDnsOutboundsWithoutDns(proxies, dns);
            // Before the warnings are copied into the config: a listener not opened is one of them.
            List<ListenerEntry> listeners = attempt(() -> listeners(keys.get("listeners"), keys.get("tunnels"),
                    keys.get("redir-port"), keys.get("tproxy-port"), allowLan ? bindAddress : null), List.of());
            // So too an authentication entry skipped.
            Authentication authentication = attempt(() -> authentication(keys), Authentication.NONE);
            Config config = new Config(file, name, baseDir, mixedPort, socksPort, httpPort, allowLan, bindAddress, bind, mode,
                    logLevel, List.copyOf(proxies), List.copyOf(groups), List.copyOf(rules), providers, hosts,
                    dns,
                    tun,
                    sniffer,
                    attempt(() -> string(keys, "interface-name", null), null),
                    attempt(() -> integer(keys, "routing-mark", 0), 0),
                    attempt(() -> string(keys, "external-controller", null), null),
                    attempt(() -> string(keys, "external-controller-unix", null), null),
                    attempt(() -> string(keys, "external-ui", null), null),
                    attempt(() -> string(keys, "external-ui-name", null), null),
                    attempt(() -> string(keys, "external-ui-url", null), null),
                    attempt(() -> string(keys, "secret", null), null),
                    attempt(() -> controllerCors(keys.get("external-controller-cors")), ControllerCors.UNSET),
                    attempt(() -> controllerTls(keys.get("external-controller-tls"), keys.get("tls"), baseDir), null),
                    attempt(() -> dohPath(keys.get("external-doh-server")), null),
                    attempt(() -> duration(keys, "tcp-half-close-timeout", TCP_HALF_CLOSE_TIMEOUT), TCP_HALF_CLOSE_TIMEOUT),
                    attempt(() -> bool(keys, "tcp-concurrent", false), false),
                    attempt(() -> profile(keys.get("profile")), Profile.DEFAULT),
                    attempt(() -> bool(keys, "unified-delay", false), false),
                    attempt(() -> keepAlive(keys), TcpKeepAlive.DEFAULT),
                    ipv6,
                    List.copyOf(warnings), Map.copyOf(origins),
                    attempt(() -> oneOf(keys, "find-process-mode", "strict", List.of("always", "strict", "off")),
                            "strict"),
                    geo, subRules, proxyProviders, authentication,
                    listeners, Map.of());
            if (!errors.isEmpty()) {
                throw ConfigException.of(errors).withPartial(config);
            }
            return config;
        }

        /**
         * mihomo's geo keys, each checked on its own; {@code geox-url} may name any of its four files, the others
         * keep their defaults.
         */
        private GeoOptions geo(Map<String, NodeTuple> keys) {
            GeoOptions d = GeoOptions.defaults(keys.containsKey("geox-url") ? at(keys.get("geox-url").getValueNode())
                    : new Origin(name, 0, 0));
            boolean mode = attempt(() -> bool(keys, "geodata-mode", false), false);
            NodeTuple geox = keys.get("geox-url");
            Map<String, NodeTuple> urls = geox == null || isNull(geox.getValueNode()) ? Map.of()
                    : attempt(() -> entries(mapping(geox.getValueNode(),
                            "'geox-url' (a mapping with geoip, geosite, mmdb, asn)")), Map.of());
            for (Map.Entry<String, NodeTuple> e : urls.entrySet()) {
                if (!List.of("geoip", "geosite", "mmdb", "asn").contains(e.getKey())) {
                    warnings.add(at(e.getValue().getKeyNode()) + ": unknown key '" + e.getKey()
                            + "' in 'geox-url'; ignored");
                }
            }
            String geoIp = attempt(() -> url(urls, "geoip", d.geoIpUrl()), d.geoIpUrl());
            String geoSite = attempt(() -> url(urls, "geosite", d.geoSiteUrl()), d.geoSiteUrl());
            String mmdb = attempt(() -> url(urls, "mmdb", d.mmdbUrl()), d.mmdbUrl());
            String asn = attempt(() -> url(urls, "asn", d.asnUrl()), d.asnUrl());
            boolean autoUpdate = attempt(() -> bool(keys, "geo-auto-update", false), false);
            int interval = attempt(() -> {
                int hours = integer(keys, "geo-update-interval", d.updateIntervalHours());
                if (hours <= 0) {
                    throw new ConfigException(at(keys.get("geo-update-interval").getValueNode()),
                            "'geo-update-interval' must be a positive number of hours, got " + hours);
                }
                return hours;
            }, d.updateIntervalHours());
            return new GeoOptions(mode, geoIp, geoSite, mmdb, asn, autoUpdate, interval, d.origin());
        }

        private String url(Map<String, NodeTuple> urls, String key, String fallback) throws ConfigException {
            String url = string(urls, key, fallback);
            if (!url.startsWith("http://") && !url.startsWith("https://")) {
                throw new ConfigException(at(urls.get(key).getValueNode()),
                        "'geox-url." + key + "' must be an http:// or https:// URL, got '" + url + "'");
            }
            return url;
        }

        /** A word from a fixed set, in lower case. */
        private String oneOf(Map<String, NodeTuple> keys, String key, String fallback, List<String> allowed)
                throws ConfigException {
            String value = string(keys, key, fallback).toLowerCase(Locale.ROOT);
            if (!allowed.contains(value)) {
                String choices = String.join(", ", allowed.subList(0, allowed.size() - 1)) + " or " + allowed.get(allowed.size() - 1);
                throw new ConfigException(at(keys.get(key).getValueNode()),
                        "'" + key + "' must be " + choices + ", got '" + value + "'");
            }
            return value;
        }

        private ControllerCors controllerCors(NodeTuple tuple) throws ConfigException {
            if (tuple == null || isNull(tuple.getValueNode())) {
                return ControllerCors.UNSET;
            }
            MappingNode m = mapping(tuple.getValueNode(),
                    "'external-controller-cors' (a mapping with allow-origins and allow-private-network)");
            Map<String, NodeTuple> kv = entries(m);
            for (Map.Entry<String, NodeTuple> e : kv.entrySet()) {
                if (!e.getKey().equals("allow-origins") && !e.getKey().equals("allow-private-network")) {
                    warnings.add(at(e.getValue().getKeyNode()) + ": unknown key '" + e.getKey()
                            + "' in 'external-controller-cors'; ignored");
                }
            }
            List<String> origins = null;
            NodeTuple list = kv.get("allow-origins");
            if (list != null && !isNull(list.getValueNode())) {
                origins = new ArrayList<>();
                for (Node n : sequence(list.getValueNode(), "'allow-origins' (a list of origins such as https://yacd.example)").getValue()) {
                    String origin = scalar(n, "an origin such as https://yacd.example, or *");
                    String normal = ControllerCors.normalize(origin);
                    if (normal == null) {
                        throw new ConfigException(at(n), "'" + origin + "' is not an origin: expected SCHEME://HOST[:PORT]"
                                + " with no path, such as https://yacd.example, or *");
                    }
                    origins.add(normal);
                }
                origins = List.copyOf(origins);
            }
            return new ControllerCors(origins, bool(kv, "allow-private-network", false));
        }

        private List<ProxyEntry> proxies(NodeTuple tuple) throws ConfigException {
            List<ProxyEntry> out = new ArrayList<>();
            if (tuple == null || isNull(tuple.getValueNode())) {
                return out;
            }
            for (Node item : attempt(() -> sequence(tuple.getValueNode(), "'proxies' (a list of outbounds)").getValue(),
                    List.<Node>of())) {
                attempt(() -> out.add(proxy(item)), false);
            }
            return out;
        }

        private ProxyEntry proxy(Node item) throws ConfigException {
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
            return new ProxyEntry(new OutboundOptions(proxyName, type, values), at(m), Map.copyOf(origins));
        }

        /**
         * mihomo's {@code redir-port} and {@code tproxy-port} (listeners named {@code DEFAULT-REDIR} and
         * {@code DEFAULT-TPROXY}), its {@code listeners:} of the types Turnout opens (any other is named in a
         * warning), then its {@code tunnels:}, each a listener of type tunnel named {@code tunnel:} and its address.
         */
        private List<ListenerEntry> listeners(NodeTuple tuple, NodeTuple tunnels, NodeTuple redir, NodeTuple tproxy,
                String lan) throws ConfigException {
            List<ListenerEntry> out = new ArrayList<>();
            add(out, portListener(redir, "redir-port", ListenerEntry.DEFAULT_REDIR, ListenerEntry.REDIR, lan));
            add(out, portListener(tproxy, "tproxy-port", ListenerEntry.DEFAULT_TPROXY, ListenerEntry.TPROXY, lan));
            if (tuple != null && !isNull(tuple.getValueNode())) {
                for (Node item : sequence(tuple.getValueNode(), "'listeners' (a list of inbounds)").getValue()) {
                    add(out, attempt(() -> listener(item), null));
                }
            }
            if (tunnels != null && !isNull(tunnels.getValueNode())) {
                for (Node item : sequence(tunnels.getValueNode(), "'tunnels' (a list of tunnels)").getValue()) {
                    add(out, attempt(() -> tunnel(item), null));
                }
            }
            return List.copyOf(out);
        }

        private void add(List<ListenerEntry> out, ListenerEntry l) {
            if (l == null) {
                return;
            }
            if (out.stream().anyMatch(o -> o.name().equals(l.name()))) {
                errors.add(new ConfigException(l.origin(), "a second listener named '" + l.name() + "'"));
            } else {
                out.add(l);
            }
        }

        /**
         * One entry of {@code tunnels:}, as mihomo reads it: {@code tcp/udp,127.0.0.1:6553,114.114.114.114:53,proxy}
         * (the proxy optional), or a mapping of {@code network}, {@code address}, {@code target} and {@code proxy}.
         * Without a proxy its flows follow the rules.
         */
        private ListenerEntry tunnel(Node item) throws ConfigException {
            String networks;
            String address;
            String target;
            String proxy;
            Node proxyNode = item;
            if (item instanceof ScalarNode s) {
                String[] parts = s.getValue().split(",", -1);
                if (parts.length != 3 && parts.length != 4) {
                    throw new ConfigException(at(item), "tunnel '" + s.getValue() + "' is not network,address,target"
                            + " or network,address,target,proxy (tcp/udp,127.0.0.1:6553,192.0.2.53:53,PROXY)");
                }
                networks = parts[0].trim();
                address = parts[1].trim();
                target = parts[2].trim();
                proxy = parts.length == 4 && !parts[3].isBlank() ? parts[3].trim() : null;
            } else {
                MappingNode m = mapping(item, "a tunnel: network,address,target[,proxy] or a mapping of them");
                Map<String, NodeTuple> kv = entries(m);
                for (Map.Entry<String, NodeTuple> e : kv.entrySet()) {
                    if (!TUNNEL_KEYS.contains(e.getKey())) {
                        warnings.add(at(e.getValue().getKeyNode()) + ": unknown key '" + e.getKey()
                                + "' in a tunnel; ignored");
                    }
                }
                networks = networks(kv, m);
                address = requiredString(kv, "address", m);
                target = requiredString(kv, "target", m);
                proxy = string(kv, "proxy", null);
                if (kv.containsKey("proxy")) {
                    proxyNode = kv.get("proxy").getValueNode();
                }
            }
            TunnelTarget to = tunnelTarget(networks, target, item);
            int colon = address.lastIndexOf(':');
            String host = colon < 0 ? "" : address.substring(0, colon).trim();
            if (host.startsWith("[") && host.endsWith("]")) {
                host = host.substring(1, host.length() - 1);
            }
            int port;
            try {
                if (colon < 0) {
                    throw new IllegalArgumentException("tunnel address '" + address + "' is not address:port");
                }
                port = TunnelTarget.port(address.substring(colon + 1).trim(), address);
            } catch (IllegalArgumentException e) {
                throw new ConfigException(at(item), e.getMessage());
            }
            String listen = listenAddress(host, "tunnel '" + address + "': address", item);
            return new ListenerEntry("tunnel:" + address, ListenerEntry.TUNNEL, port, listen, null, proxy, null,
                    at(item), at(proxyNode), to);
        }

        /** A tunnel's {@code network}: a list of {@code tcp} and {@code udp}, or one written as mihomo's line does. */
        private String networks(Map<String, NodeTuple> kv, Node owner) throws ConfigException {
            NodeTuple t = kv.get("network");
            if (t == null || isNull(t.getValueNode())) {
                throw new ConfigException(at(owner), "missing 'network' (tcp, udp or both: network: [tcp, udp])");
            }
            if (t.getValueNode() instanceof ScalarNode s) {
                return s.getValue();
            }
            List<String> out = new ArrayList<>();
            for (Node n : sequence(t.getValueNode(), "'network': a list of tcp and udp").getValue()) {
                out.add(scalar(n, "tcp or udp"));
            }
            return String.join("/", out);
        }

        private TunnelTarget tunnelTarget(String networks, String target, Node at) throws ConfigException {
            boolean tcp = false;
            boolean udp = false;
            for (String n : networks.split("/")) {
                switch (n.trim().toLowerCase(Locale.ROOT)) {
                    case "tcp" -> tcp = true;
                    case "udp" -> udp = true;
                    default -> throw new ConfigException(at(at), "tunnel network '" + n.trim()
                            + "' is neither tcp nor udp");
                }
            }
            try {
                return TunnelTarget.parse(tcp, udp, target);
            } catch (IllegalArgumentException e) {
                throw new ConfigException(at(at), e.getMessage());
            }
        }

        /**
         * An address to listen on as written: an IP address, {@code *} for every one; {@code null} when not written
         * (then loopback, where mihomo listens on every address).
         */
        private String listenAddress(String written, String what, Node at) throws ConfigException {
            String w = written == null ? "" : written.trim();
            if (w.isEmpty()) {
                return null;
            }
            if (w.equals("*")) {
                return "0.0.0.0";
            }
            if (!io.netty.util.NetUtil.isValidIpV4Address(w) && !io.netty.util.NetUtil.isValidIpV6Address(w)) {
                throw new ConfigException(at(at), what + " '" + w + "' is not an IP address");
            }
            return w;
        }

        /**
         * A top-level port of mihomo's that opens a listener of its own ({@code redir-port}), on the proxy ports'
         * address when allow-lan is on; {@code null} when not written or 0.
         */
        private ListenerEntry portListener(NodeTuple tuple, String key, String name, String type, String lan)
                throws ConfigException {
            if (tuple == null || isNull(tuple.getValueNode())) {
                return null;
            }
            int port = port(Map.of(key, tuple), key, 0);
            return port == 0 ? null : new ListenerEntry(name, type, port, lan, null, null, null, at(tuple.getKeyNode()),
                    at(tuple.getKeyNode()));
        }

        /** One listener, or {@code null} (after a warning) for one Turnout does not open. */
        private ListenerEntry listener(Node item) throws ConfigException {
            MappingNode m = mapping(item, "a listener: a mapping with name, type, port");
            Map<String, NodeTuple> kv = entries(m);
            String name = requiredString(kv, "name", m);
            String type = requiredString(kv, "type", m).toLowerCase(Locale.ROOT);
            if (!LISTENER_TYPES.contains(type)) {
                warnings.add(at(kv.get("type").getValueNode()) + ": listener '" + name + "' of type " + type
                        + " is not opened: Turnout's listeners are mixed, socks, http, tunnel, redir and tproxy");
                return null;
            }
            boolean tunnel = type.equals(ListenerEntry.TUNNEL);
            Set<String> known = tunnel ? TUNNEL_LISTENER_KEYS : type.equals(ListenerEntry.REDIR) ? REDIR_LISTENER_KEYS
                    : type.equals(ListenerEntry.TPROXY) ? TPROXY_LISTENER_KEYS : LISTENER_KEYS;
            for (Map.Entry<String, NodeTuple> e : kv.entrySet()) {
                if (!known.contains(e.getKey())) {
                    warnings.add(at(e.getValue().getKeyNode()) + ": unknown key '" + e.getKey() + "' in listener '"
                            + name + "'; ignored");
                }
            }
            NodeTuple portTuple = kv.get("port");
            if (portTuple == null) {
                throw new ConfigException(at(m), "listener '" + name + "' has no 'port'");
            }
            int port = entryInteger(kv, "port", 0);
            if (port < 1 || port > 65535) {
                throw new ConfigException(at(portTuple.getValueNode()), "listener '" + name + "': port " + port
                        + " is not between 1 and 65535");
            }
            String listen = listenAddress(string(kv, "listen", null), "listener '" + name + "': listen",
                    kv.containsKey("listen") ? kv.get("listen").getValueNode() : m);
            List<String> users = null;
            NodeTuple usersTuple = kv.get("users");
            if (usersTuple != null) {
                users = new ArrayList<>();
                if (!isNull(usersTuple.getValueNode())) {
                    for (Node u : sequence(usersTuple.getValueNode(), "'users' of listener '" + name
                            + "' (a list of username and password)").getValue()) {
                        Map<String, NodeTuple> up = entries(mapping(u, "a user: username and password"));
                        users.add(requiredString(up, "username", u) + ":" + requiredString(up, "password", u));
                    }
                }
                users = List.copyOf(users);
            }
            NodeTuple proxy = kv.get("proxy");
            TunnelTarget to = tunnel ? tunnelTarget(networks(kv, m), requiredString(kv, "target", m), m) : null;
            // mihomo's mixed and socks listeners open their UDP relay only with udp (true unless written false).
            boolean udp = tunnel || entryBool(kv, "udp", true);
            if (!udp && type.equals(ListenerEntry.TPROXY)) {
                warnings.add(at(kv.get("udp").getValueNode()) + ": listener '" + name + "': 'udp: false' is not"
                        + " supported on a tproxy listener: Turnout takes its UDP all the same");
            }
            return new ListenerEntry(name, type, port, listen, users, string(kv, "proxy", null), string(kv, "rule", null),
                    at(m), proxy == null ? at(m) : at(proxy.getValueNode()), to, udp);
        }

        private List<GroupEntry> groups(NodeTuple tuple) throws ConfigException {
            List<GroupEntry> out = new ArrayList<>();
            if (tuple == null || isNull(tuple.getValueNode())) {
                return out;
            }
            for (Node item : attempt(() -> sequence(tuple.getValueNode(), "'proxy-groups' (a list of groups)").getValue(),
                    List.<Node>of())) {
                try {
                    out.add(group(item));
                } catch (ConfigException refused) {
                    String name = nameOf(item);
                    for (ConfigException e : refused.problems()) {
                        // Named: groups written from one anchor (<<: *template) all point at the anchor's line.
                        errors.add(name == null || e.getMessage().contains("'" + name + "'") ? e
                                : new ConfigException(e.origin(), "group '" + name + "': "
                                + e.getMessage().substring(e.origin().toString().length() + 2)));
                    }
                    if (name != null) {
                        // A group that refuses every flow in its place: the config is refused anyway, and turnout
                        // check then says what else is wrong without saying once more of every group and rule naming
                        // it that it "names 'X', which is neither an outbound nor a group".
                        out.add(new GroupEntry(name, "select", List.of("REJECT"), null, 0, 0, at(item)));
                    }
                }
            }
            return out;
        }

        /** A group entry's name, or null when it has none that can be read. */
        private static String nameOf(Node item) {
            if (item instanceof MappingNode m) {
                for (NodeTuple t : m.getValue()) {
                    if (t.getKeyNode() instanceof ScalarNode k && k.getValue().equals("name")
                            && t.getValueNode() instanceof ScalarNode v && !v.getValue().isBlank()) {
                        return v.getValue();
                    }
                }
            }
            return null;
        }

        private GroupEntry group(Node item) throws ConfigException {
            MappingNode m = mapping(item, "a proxy group: a mapping with name, type, proxies");
            Map<String, NodeTuple> kv = entries(m);
            String groupName = requiredString(kv, "name", m);
            String type = requiredString(kv, "type", m).toLowerCase(Locale.ROOT);
            if (!GROUP_TYPES.contains(type)) {
                throw new ConfigException(at(kv.get("type").getValueNode()), "unknown group type '" + type
                        + "'; expected one of select, url-test, fallback, load-balance, relay"
                        + (type.equals("smart") ? " (smart is a mihomo fork's; mihomo itself refuses it too)" : ""));
            }
            for (Map.Entry<String, NodeTuple> e : kv.entrySet()) {
                if (!GROUP_KEYS.contains(e.getKey())) {
                    warnings.add(at(e.getValue().getKeyNode()) + ": unknown key '" + e.getKey() + "' in group '"
                            + groupName + "'; ignored");
                }
            }
            List<String> members = names(kv, "proxies", "'proxies' of group '" + groupName + "'", "a proxy or group name");
            GroupOptions options = groupOptions(kv, groupName, type);
            if (members.isEmpty() && !kv.containsKey("use") && !options.includeAllProxies()
                    && !options.includeAllProviders()) {
                throw new ConfigException(at(m), "group '" + groupName + "' has no 'proxies'");
            }
            int interval = entryInteger(kv, "interval", 300);
            int tolerance = entryInteger(kv, "tolerance", 150);
            String url = string(kv, "url", null);
            // A group over providers without its own url tests with theirs (GroupSupervisor, as mihomo's parser.go).
            if (!type.equals("select") && !type.equals("relay") && url == null && !kv.containsKey("use")
                    && !options.includeAllProviders()) {
                url = "http://www.gstatic.com/generate_204";
            }
            return new GroupEntry(groupName, type, List.copyOf(members), url, interval, tolerance, at(m), options);
        }

        /** A list of scalars under {@code key}, empty when absent. */
        private List<String> names(Map<String, NodeTuple> kv, String key, String expectedList, String expectedItem)
                throws ConfigException {
            List<String> out = new ArrayList<>();
            NodeTuple list = kv.get(key);
            if (list != null && !isNull(list.getValueNode())) {
                for (Node n : sequence(list.getValueNode(), expectedList).getValue()) {
                    out.add(scalar(n, expectedItem));
                }
            }
            return out;
        }

        /** mihomo's group keys; those Turnout cannot apply are warnings that say so. */
        private GroupOptions groupOptions(Map<String, NodeTuple> kv, String groupName, String type)
                throws ConfigException {
            String group = "group '" + groupName + "'";
            boolean includeAll = entryBool(kv, "include-all", false);
            boolean allProxies = includeAll || entryBool(kv, "include-all-proxies", false);
            boolean allProviders = includeAll || entryBool(kv, "include-all-providers", false);
            List<String> use = names(kv, "use", "'use' of " + group + " (a list of proxy providers)", "a provider name");
            NameFilter filter = filter(kv, "filter", true);
            if (filter != null && !allProxies && use.isEmpty() && !allProviders) {
                // mihomo filters only what include-all-proxies and providers bring, never the listed proxies.
                warnings.add(at(kv.get("filter").getKeyNode()) + ": 'filter' of " + group + " has no effect: it "
                        + "selects among include-all-proxies and providers, and the group has neither");
            }
            NameFilter excludeFilter = filter(kv, "exclude-filter", false);
            String excludeType = string(kv, "exclude-type", null);
            List<String> excludeTypes = new ArrayList<>();
            if (excludeType != null) {
                for (String t : excludeType.split("\\|")) {
                    if (!t.isBlank()) {
                        excludeTypes.add(t.trim());
                    }
                }
            }
            String icon = string(kv, "icon", null);
            StatusRanges expected;
            String statusText = string(kv, "expected-status", null);
            try {
                expected = StatusRanges.parse(statusText);
            } catch (IllegalArgumentException e) {
                throw new ConfigException(at(kv.get("expected-status").getValueNode()), "'expected-status' of " + group
                        + ": " + e.getMessage() + " (expected such as 204, 200/302 or 200-299)");
            }
            int timeout = entryInteger(kv, "timeout", 0);
            if (timeout < 0) {
                throw new ConfigException(at(kv.get("timeout").getValueNode()), "'timeout' must be milliseconds, got " + timeout);
            }
            int maxFailed = entryInteger(kv, "max-failed-times", GroupOptions.DEFAULT_MAX_FAILED_TIMES);
            if (maxFailed <= 0) {
                maxFailed = GroupOptions.DEFAULT_MAX_FAILED_TIMES; // mihomo: 0 means the default
            }
            String interfaceName = string(kv, "interface-name", null);
            int routingMark = entryInteger(kv, "routing-mark", 0);
            if (interfaceName != null || routingMark != 0) {
                NodeTuple t = interfaceName != null ? kv.get("interface-name") : kv.get("routing-mark");
                warnings.add(at(t.getKeyNode()) + ": 'interface-name' and 'routing-mark' on " + group + " are not "
                        + "applied (mihomo deprecates them on groups too); set them on its proxies");
            }
            String strategy = string(kv, "strategy", GroupOptions.CONSISTENT_HASHING).toLowerCase(Locale.ROOT);
            if (!List.of(GroupOptions.CONSISTENT_HASHING, GroupOptions.ROUND_ROBIN, GroupOptions.STICKY_SESSIONS)
                    .contains(strategy)) {
                throw new ConfigException(at(kv.get("strategy").getValueNode()), "load-balance 'strategy' of " + group
                        + " must be consistent-hashing, round-robin or sticky-sessions, got '" + strategy + "'");
            }
            if (type.equals("relay") && (filter != null || excludeFilter != null || !excludeTypes.isEmpty())) {
                warnings.add(at(kv.get(filter != null ? "filter" : excludeFilter != null ? "exclude-filter" : "exclude-type")
                        .getKeyNode()) + ": relay " + group + " ignores filters, as in mihomo");
                filter = null;
                excludeFilter = null;
                excludeTypes.clear();
            }
            return new GroupOptions(allProxies, allProviders, List.copyOf(use), filter, excludeFilter,
                    List.copyOf(excludeTypes), entryBool(kv, "hidden", false), icon, entryBool(kv, "lazy", true),
                    entryBool(kv, "disable-udp", false), expected, timeout, maxFailed, interfaceName, routingMark,
                    strategy);
        }

        private NameFilter filter(Map<String, NodeTuple> kv, String key, boolean backtickSeparated)
                throws ConfigException {
            String text = string(kv, key, null);
            if (text == null || text.isEmpty()) {
                return null;
            }
            try {
                return NameFilter.parse(text, backtickSeparated);
            } catch (IllegalArgumentException e) {
                throw new ConfigException(at(kv.get(key).getValueNode()), "'" + key + "': " + e.getMessage());
            }
        }

        private List<RuleLine> rules(NodeTuple tuple) throws ConfigException {
            List<RuleLine> out = new ArrayList<>();
            if (tuple == null || isNull(tuple.getValueNode())) {
                return out;
            }
            for (Node n : attempt(() -> sequence(tuple.getValueNode(), "'rules' (a list of TYPE,PAYLOAD,TARGET lines)")
                    .getValue(), List.<Node>of())) {
                attempt(() -> out.add(new RuleLine(scalar(n, "a rule line such as DOMAIN-SUFFIX,example.com,PROXY"), at(n))),
                        false);
            }
            return out;
        }

        /** mihomo's {@code sub-rules:}: name to a list of rule lines, which SUB-RULE lines walk. */
        private Map<String, List<RuleLine>> subRules(NodeTuple tuple) throws ConfigException {
            Map<String, List<RuleLine>> out = new LinkedHashMap<>();
            if (tuple == null || isNull(tuple.getValueNode())) {
                return out;
            }
            Map<String, NodeTuple> all = attempt(() -> entries(mapping(tuple.getValueNode(),
                    "'sub-rules' (a mapping of name to a list of rules)")), Map.of());
            for (Map.Entry<String, NodeTuple> e : all.entrySet()) {
                attempt(() -> {
                    if (!isNull(e.getValue().getValueNode())) {
                        sequence(e.getValue().getValueNode(), "sub-rule '" + e.getKey()
                                + "' (a list of TYPE,PAYLOAD,TARGET lines)");
                    }
                    return out.put(e.getKey(), rules(e.getValue()));
                }, null);
            }
            return out;
        }

        private Map<String, ProviderEntry> providers(NodeTuple tuple, Path baseDir) throws ConfigException {
            Map<String, ProviderEntry> out = new LinkedHashMap<>();
            if (tuple == null || isNull(tuple.getValueNode())) {
                return out;
            }
            Map<String, NodeTuple> all = attempt(() -> entries(mapping(tuple.getValueNode(),
                    "'rule-providers' (a mapping of name to provider)")), Map.of());
            for (NodeTuple t : all.values()) {
                attempt(() -> {
                    ProviderEntry p = provider(t, baseDir);
                    return out.put(p.name(), p);
                }, null);
            }
            return out;
        }

        private ProviderEntry provider(NodeTuple t, Path baseDir) throws ConfigException {
            String providerName = scalar(t.getKeyNode(), "a provider name");
            MappingNode m = mapping(t.getValueNode(), "provider '" + providerName + "': a mapping with type, behavior, path");
            Map<String, NodeTuple> kv = entries(m);
            String type = requiredString(kv, "type", m).toLowerCase(Locale.ROOT);
            if (!type.equals("file") && !type.equals("http") && !type.equals("inline")) {
                throw new ConfigException(at(kv.get("type").getValueNode()),
                        "provider type must be file, http or inline, got '" + type + "'");
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
                case "mrs" -> ProviderFormat.MRS;
                default -> throw new ConfigException(at(kv.get("format").getValueNode()),
                        "format must be yaml, text or mrs, got '" + formatText + "'");
            };
            if (format == ProviderFormat.MRS && behavior == Behavior.CLASSICAL) {
                throw new ConfigException(at(kv.get("format").getValueNode()),
                        "format mrs holds domain or ipcidr rule sets only (as in mihomo), not behavior classical");
            }
            if (type.equals("inline")) {
                NodeTuple payload = kv.get("payload");
                if (payload == null) {
                    throw new ConfigException(at(m), "inline provider '" + providerName + "' needs a 'payload' list");
                }
                List<RuleLine> entries = new ArrayList<>();
                if (!isNull(payload.getValueNode())) {
                    for (Node n : sequence(payload.getValueNode(), "'payload' (a list of entries)").getValue()) {
                        entries.add(new RuleLine(scalar(n, "an entry such as '+.example.com'"), at(n)));
                    }
                }
                return new ProviderEntry(providerName, type, behavior, format, null, null, 0, at(m),
                        List.copyOf(entries));
            }
            String url = string(kv, "url", "");
            if (type.equals("http")) {
                noteUndownloadable(url, "rule provider '" + providerName + "'", kv, m);
            }
            String pathText = string(kv, "path", null);
            if (pathText == null) {
                if (type.equals("file")) {
                    throw new ConfigException(at(m), "file provider '" + providerName + "' needs a 'path'");
                }
                pathText = "./ruleset/" + providerName + (format == ProviderFormat.MRS ? ".mrs" : ".yaml");
            }
            Path path = path(baseDir, pathText, kv.containsKey("path") ? kv.get("path").getValueNode() : m);
            // Only a download writes to the path; a local set is read where the user keeps it.
            String refused = type.equals("http") ? downloadOutsideSafePaths(path, baseDir) : null;
            if (refused != null) {
                throw new ConfigException(kv.containsKey("path") ? at(kv.get("path").getValueNode()) : at(m),
                        "rule provider '" + providerName + "': " + refused);
            }
            return new ProviderEntry(providerName, type, behavior, format, path, url, entryInteger(kv, "interval", 0), at(m));
        }

        /**
         * Accepts an http provider's {@code url} that cannot be downloaded (none, empty, a placeholder such as
         * 'your subscription link'), as mihomo does, with a warning: example configs ship one for the user to fill.
         */
        private void noteUndownloadable(String url, String what, Map<String, NodeTuple> kv, MappingNode m) {
            if (!url.startsWith("http://") && !url.startsWith("https://")) {
                warnings.add((kv.containsKey("url") ? at(kv.get("url").getValueNode()) : at(m)) + ": 'url' of " + what
                        + (url.isBlank() ? " is empty" : " is not an http:// or https:// URL") + "; it cannot be"
                        + " downloaded, and the provider is empty until it is one (or its file is there)");
            }
        }

        /** Every key of a {@code proxy-providers:} entry Turnout reads (mihomo's). */
        private static final Set<String> PROXY_PROVIDER_KEYS = Set.of("type", "url", "path", "interval", "proxy",
                "header", "size-limit", "health-check", "filter", "exclude-filter", "exclude-type", "override",
                "payload", "dialer-proxy");

        /** The {@code override:} keys each node takes as its own option (renaming keys are read apart). */
        private static final Set<String> OVERRIDE_OPTIONS = Set.of("udp", "skip-cert-verify", "dialer-proxy",
                "interface-name", "routing-mark", "ip-version", "down", "up");

        private Map<String, ProxyProviderEntry> proxyProviders(NodeTuple tuple, Path baseDir) {
            Map<String, ProxyProviderEntry> out = new LinkedHashMap<>();
            if (tuple == null || isNull(tuple.getValueNode())) {
                return out;
            }
            Map<String, NodeTuple> all = attempt(() -> entries(mapping(tuple.getValueNode(),
                    "'proxy-providers' (a mapping of name to provider)")), Map.of());
            proxyProviderNames.addAll(all.keySet());
            for (NodeTuple t : all.values()) {
                attempt(() -> {
                    ProxyProviderEntry p = proxyProvider(t, baseDir);
                    return out.put(p.name(), p);
                }, null);
            }
            return out;
        }

        private ProxyProviderEntry proxyProvider(NodeTuple t, Path baseDir) throws ConfigException {
            String providerName = scalar(t.getKeyNode(), "a provider name");
            String what = "proxy provider '" + providerName + "'";
            MappingNode m = mapping(t.getValueNode(), what + ": a mapping with type, url, path");
            Map<String, NodeTuple> kv = entries(m);
            for (Map.Entry<String, NodeTuple> e : kv.entrySet()) {
                if (!PROXY_PROVIDER_KEYS.contains(e.getKey())) {
                    warnings.add(at(e.getValue().getKeyNode()) + ": unknown key '" + e.getKey() + "' in " + what
                            + "; ignored");
                }
            }
            String type = requiredString(kv, "type", m).toLowerCase(Locale.ROOT);
            if (!type.equals("file") && !type.equals("http") && !type.equals("inline")) {
                throw new ConfigException(at(kv.get("type").getValueNode()),
                        what + ": type must be http, file or inline, got '" + type + "'");
            }
            String url = string(kv, "url", "");
            if (type.equals("http")) {
                noteUndownloadable(url, what, kv, m);
            }
            List<ProxyEntry> payload = null;
            Path path = null;
            if (type.equals("inline")) {
                NodeTuple list = kv.get("payload");
                if (list == null) {
                    throw new ConfigException(at(m), "inline " + what + " needs a 'payload' list of proxies");
                }
                payload = new ArrayList<>();
                if (!isNull(list.getValueNode())) {
                    for (Node item : sequence(list.getValueNode(), "'payload' (a list of proxies)").getValue()) {
                        payload.add(proxy(item));
                    }
                }
                payload = List.copyOf(payload);
            } else {
                String pathText = string(kv, "path", null);
                if (pathText == null) {
                    if (type.equals("file")) {
                        throw new ConfigException(at(m), "file " + what + " needs a 'path'");
                    }
                    pathText = "./proxies/" + md5(url); // mihomo's C.Path.GetPathByHash("proxies", url)
                }
                path = path(baseDir, pathText, kv.containsKey("path") ? kv.get("path").getValueNode() : m);
                // Only a download writes to the path; a local file is read where the user keeps it, as a rule
                // provider's is (mihomo checks an http provider's path alone).
                String refused = type.equals("http") ? downloadOutsideSafePaths(path, baseDir) : null;
                if (refused != null) {
                    throw new ConfigException(kv.containsKey("path") ? at(kv.get("path").getValueNode()) : at(m),
                            what + ": " + refused);
                }
            }
            int interval = entryInteger(kv, "interval", 0);
            long sizeLimit = entryInteger(kv, "size-limit", 0);
            if (interval < 0 || sizeLimit < 0) {
                throw new ConfigException(at(kv.get(interval < 0 ? "interval" : "size-limit").getValueNode()),
                        "'" + (interval < 0 ? "interval" : "size-limit") + "' of " + what + " must not be negative");
            }
            Map<String, List<String>> headers = new LinkedHashMap<>();
            NodeTuple header = kv.get("header");
            if (header != null && !isNull(header.getValueNode())) {
                for (NodeTuple h : mapping(header.getValueNode(), "'header' (header name to a list of values)").getValue()) {
                    String headerName = scalar(h.getKeyNode(), "a header name");
                    List<String> values = new ArrayList<>();
                    if (h.getValueNode() instanceof SequenceNode seq) {
                        for (Node v : seq.getValue()) {
                            values.add(scalar(v, "a header value"));
                        }
                    } else {
                        values.add(scalar(h.getValueNode(), "a header value or a list of them"));
                    }
                    headers.put(headerName, List.copyOf(values));
                }
            }
            String excludeType = string(kv, "exclude-type", null);
            List<String> excludeTypes = new ArrayList<>();
            if (excludeType != null) {
                for (String x : excludeType.split("\\|")) {
                    if (!x.isBlank()) {
                        excludeTypes.add(x.trim());
                    }
                }
            }
            ProxyProviderEntry.NodeOverride override = override(kv.get("override"), what);
            String dialer = string(kv, "dialer-proxy", null);
            if (dialer != null && !dialer.isEmpty() && !override.options().containsKey("dialer-proxy")) {
                // mihomo's provider-level dialer-proxy: every node's, unless 'override' gives its own; an empty
                // one is none (provider.go sets it only when it is not empty).
                Map<String, Object> options = new LinkedHashMap<>(override.options());
                options.put("dialer-proxy", dialer);
                Map<String, Origin> origins = new LinkedHashMap<>(override.origins());
                origins.put("dialer-proxy", at(kv.get("dialer-proxy").getValueNode()));
                override = new ProxyProviderEntry.NodeOverride(override.prefix(), override.suffix(),
                        java.util.Collections.unmodifiableMap(options), override.proxyName(), Map.copyOf(origins));
            }
            return new ProxyProviderEntry(providerName, type, url, path, interval, string(kv, "proxy", null),
                    Map.copyOf(headers), sizeLimit, healthCheck(kv.get("health-check"), what), filter(kv, "filter", true),
                    filter(kv, "exclude-filter", true), List.copyOf(excludeTypes), override, payload, at(m));
        }

        private ProxyProviderEntry.HealthCheck healthCheck(NodeTuple tuple, String what) throws ConfigException {
            if (tuple == null || isNull(tuple.getValueNode())) {
                return ProxyProviderEntry.HealthCheck.OFF;
            }
            Map<String, NodeTuple> kv = entries(mapping(tuple.getValueNode(), "'health-check' of " + what
                    + " (a mapping with enable, url, interval)"));
            for (Map.Entry<String, NodeTuple> e : kv.entrySet()) {
                if (!List.of("enable", "url", "interval", "timeout", "lazy", "expected-status").contains(e.getKey())) {
                    warnings.add(at(e.getValue().getKeyNode()) + ": unknown key '" + e.getKey() + "' in 'health-check' of "
                            + what + "; ignored");
                }
            }
            String url = string(kv, "url", "https://www.gstatic.com/generate_204");
            StatusRanges expected;
            try {
                expected = StatusRanges.parse(string(kv, "expected-status", null));
            } catch (IllegalArgumentException e) {
                throw new ConfigException(at(kv.get("expected-status").getValueNode()), "'expected-status' of " + what
                        + ": " + e.getMessage() + " (expected such as 204, 200/302 or 200-299)");
            }
            int interval = entryInteger(kv, "interval", 0);
            int timeout = entryInteger(kv, "timeout", 5000);
            if (interval < 0 || timeout <= 0) {
                throw new ConfigException(at(kv.get(interval < 0 ? "interval" : "timeout").getValueNode()),
                        "'" + (interval < 0 ? "interval" : "timeout") + "' of the health-check of " + what
                                + " must be positive");
            }
            return new ProxyProviderEntry.HealthCheck(entryBool(kv, "enable", false), url, interval, timeout,
                    entryBool(kv, "lazy", true), expected);
        }

        private ProxyProviderEntry.NodeOverride override(NodeTuple tuple, String what) throws ConfigException {
            if (tuple == null || isNull(tuple.getValueNode())) {
                return ProxyProviderEntry.NodeOverride.NONE;
            }
            Map<String, NodeTuple> kv = entries(mapping(tuple.getValueNode(), "'override' of " + what + " (a mapping)"));
            Map<String, Object> options = new LinkedHashMap<>();
            Map<String, Origin> origins = new LinkedHashMap<>();
            for (Map.Entry<String, NodeTuple> e : kv.entrySet()) {
                if (OVERRIDE_OPTIONS.contains(e.getKey())) {
                    options.put(e.getKey(), value(e.getValue().getValueNode()));
                    origins.put(e.getKey(), at(e.getValue().getValueNode()));
                } else if (!e.getKey().equals("additional-prefix") && !e.getKey().equals("additional-suffix")
                        && !e.getKey().equals("proxy-name")) {
                    warnings.add(at(e.getValue().getKeyNode()) + ": '" + e.getKey() + "' in 'override' of " + what
                            + " is not supported by Turnout; ignored");
                }
            }
            return new ProxyProviderEntry.NodeOverride(string(kv, "additional-prefix", ""),
                    string(kv, "additional-suffix", ""), java.util.Collections.unmodifiableMap(options),
                    proxyName(kv.get("proxy-name"), what), Map.copyOf(origins));
        }

        /** {@code override.proxy-name}: a list of {pattern, target}, each pattern a regular expression. */
        private List<NameReplacement> proxyName(NodeTuple tuple, String what) throws ConfigException {
            if (tuple == null || isNull(tuple.getValueNode())) {
                return List.of();
            }
            String expected = "'proxy-name' in 'override' of " + what + " (a list of {pattern, target})";
            List<NameReplacement> out = new ArrayList<>();
            for (Node item : sequence(tuple.getValueNode(), expected).getValue()) {
                Map<String, NodeTuple> kv = entries(mapping(item, expected));
                for (Map.Entry<String, NodeTuple> e : kv.entrySet()) {
                    if (!e.getKey().equals("pattern") && !e.getKey().equals("target")) {
                        warnings.add(at(e.getValue().getKeyNode()) + ": unknown key '" + e.getKey() + "' in " + expected
                                + "; ignored");
                    }
                }
                String pattern = requiredString(kv, "pattern", item);
                try {
                    out.add(new NameReplacement(java.util.regex.Pattern.compile(pattern), string(kv, "target", "")));
                } catch (java.util.regex.PatternSyntaxException e) {
                    throw new ConfigException(at(kv.get("pattern").getValueNode()), "'pattern' in 'proxy-name' of "
                            + what + ": '" + pattern + "' is not a regular expression: " + e.getDescription());
                }
            }
            return List.copyOf(out);
        }

        /**
         * As mihomo: a provider's file must lie inside the home folder or a folder of {@code SAFE_PATHS}, unless
         * {@code SKIP_SAFE_PATH_CHECK=1}; Turnout often runs as root, and a config (one given to the controller too)
         * must not make it write a download over any file of the machine. {@code null} when the path is fine.
         */
        private static String outsideSafePaths(Path path, Path baseDir) {
            if ("1".equals(System.getenv("SKIP_SAFE_PATH_CHECK"))) {
                return null;
            }
            Path asked = path.toAbsolutePath().normalize();
            List<Path> roots = safeRoots(baseDir);
            if (roots.stream().anyMatch(asked::startsWith)) {
                return null;
            }
            return "path " + asked + " is outside the home folder " + roots.get(0) + " and SAFE_PATHS; refused, as in "
                    + "mihomo (SKIP_SAFE_PATH_CHECK=1 allows it)";
        }

        /** The home folder first, then each absolute folder of {@code SAFE_PATHS}. */
        private static List<Path> safeRoots(Path baseDir) {
            List<Path> roots = new ArrayList<>(List.of(baseDir.toAbsolutePath().normalize()));
            String safe = System.getenv("SAFE_PATHS");
            if (safe != null) {
                for (String s : safe.split(java.io.File.pathSeparator)) {
                    if (!s.isBlank() && Path.of(s.trim()).isAbsolute()) {
                        roots.add(Path.of(s.trim()).normalize());
                    }
                }
            }
            return roots;
        }

        /**
         * As {@link #outsideSafePaths}, and a download's copy must not leave those folders through a symbolic link
         * either (a folder inside the home that links elsewhere): mihomo compares names only, but whoever can write
         * the home folder (a service's user, the desktop user under sudo) could otherwise send root's write anywhere.
         */
        private static String downloadOutsideSafePaths(Path path, Path baseDir) {
            String refused = outsideSafePaths(path, baseDir);
            if (refused != null || "1".equals(System.getenv("SKIP_SAFE_PATH_CHECK"))) {
                return refused;
            }
            Path asked = path.toAbsolutePath().normalize();
            Path existing = asked;
            while (existing != null && !Files.exists(existing, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
                existing = existing.getParent();
            }
            List<Path> roots = safeRoots(baseDir);
            for (Path root : roots) {
                if (!asked.startsWith(root)) {
                    continue;
                }
                if (existing == null || !existing.startsWith(root)) {
                    return null; // nothing of it exists inside the folder yet: no link to lead elsewhere
                }
                try {
                    if (existing.toRealPath().startsWith(root.toRealPath())) {
                        return null;
                    }
                } catch (java.io.IOException e) {
                    // a dangling link or an unreadable folder on the way: not a place for root's write
                }
            }
            return "path " + asked + " leads outside the home folder " + roots.get(0) + " and SAFE_PATHS through a"
                    + " symbolic link; refused (SKIP_SAFE_PATH_CHECK=1 allows it)";
        }

        /** Each provider a group {@code use:}s must exist, as in mihomo. */
        private void checkUses(List<GroupEntry> groups, Map<String, ProxyProviderEntry> providers) {
            for (GroupEntry g : groups) {
                for (String used : g.options().use()) {
                    if (!providers.containsKey(used) && !proxyProviderNames.contains(used)) {
                        errors.add(new ConfigException(g.origin(), "group '" + g.name() + "' uses '" + used
                                + "', which is not in 'proxy-providers'"));
                    }
                }
            }
        }

        /** The {@code proxies:} list of a provider's content, each entry where it was written; a bad entry is a problem. */
        List<ProxyEntry> proxyList(Node root, List<ConfigException> problems) throws ConfigException {
            MappingNode top = mapping(root, "a Clash config with a 'proxies:' list");
            NodeTuple list = entries(top).get("proxies");
            if (list == null) {
                throw new ConfigException(at(top), "no 'proxies:' list");
            }
            List<ProxyEntry> out = new ArrayList<>();
            if (isNull(list.getValueNode())) {
                return out;
            }
            for (Node item : sequence(list.getValueNode(), "'proxies' (a list of outbounds)").getValue()) {
                try {
                    out.add(proxy(item));
                } catch (ConfigException e) {
                    problems.add(e);
                }
            }
            return out;
        }

        private Map<String, List<String>> hosts(NodeTuple tuple) throws ConfigException {
            Map<String, List<String>> out = new LinkedHashMap<>();
            if (tuple == null || isNull(tuple.getValueNode())) {
                return out;
            }
            Map<String, NodeTuple> all = attempt(() -> entries(mapping(tuple.getValueNode(),
                    "'hosts' (a mapping of name to address)")), Map.of());
            for (NodeTuple t : all.values()) {
                attempt(() -> {
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
                    try {
                        dev.turnout.host.dns.DomainTrie.check(host);
                    } catch (IllegalArgumentException unusable) {
                        // mihomo leaves such a name out without a word ('*default.example': '*' is a whole label).
                        warnings.add(at(t.getKeyNode()) + ": hosts '" + host + "': " + unusable.getMessage()
                                + "; left out, as mihomo leaves it out");
                        return null;
                    }
                    return out.put(host.toLowerCase(Locale.ROOT), List.copyOf(addresses));
                }, null);
            }
            return out;
        }

        /**
         * Notes each {@code dns:} key Turnout does not act on, when its value would change what mihomo does: a
         * {@code respect-rules}, a {@code prefer-h3}. An empty list, an empty mapping or {@code false} asks for nothing and is
         * not mentioned, as the keys of {@link #QUIET_DNS_KEYS} are not.
         */
        private void noteIgnoredDnsKeys(Section dns) {
            for (Map.Entry<String, Object> e : dns.values().entrySet()) {
                String key = e.getKey();
                Object v = e.getValue();
                Set<Object> quiet = QUIET_DNS_KEYS.get(key);
                boolean asksNothing = asksNothing(v);
                if (key.equals("nameserver-policy") && v instanceof Map<?, ?> policy) {
                    notePolicyEntriesLeftOut(dns, policy);
                    policy.values().forEach(servers -> noteServersLeftOut(dns, key, servers));
                }
                if (SERVER_LISTS.contains(key)) {
                    noteServersLeftOut(dns, key, v);
                }
                if (DNS_KEYS.contains(key) || asksNothing || quiet != null && (quiet.isEmpty() || quiet.contains(v))) {
                    continue;
                }
                warnings.add(dns.originOf(key) + ": dns: '" + key + "' is not supported by Turnout; ignored");
            }
        }

        /**
         * Says, at the {@code dns:} section, which servers a DNS without {@code nameserver} asks: the system's, where
         * mihomo would ask its built-in public resolvers in China (runtime's {@code DnsSettings.DEFAULT_NAMESERVERS}).
         */
        private void noteDnsServersDefault(Section dns) {
            if (Boolean.TRUE.equals(dns.values().get("enable")) && !dns.values().containsKey("nameserver")) {
                warnings.add(dns.origin() + ": dns: no 'nameserver': the system's servers are asked (resolv.conf, "
                        + "Turnout's own addresses left out), where mihomo asks doh.pub and 223.5.5.5");
            }
        }

        /**
         * The servers of a {@code dns:} list that Turnout leaves out (DoQ, DHCP: the others answer; a list of only
         * those is refused when the DNS settings are read) or asks otherwise ({@code #h3=true}: over HTTP/2).
         */
        private void noteServersLeftOut(Section dns, String key, Object servers) {
            List<?> texts = servers instanceof List<?> l ? l : servers instanceof String one
                    ? List.of(one.split(",")) : List.of();
            for (Object t : texts) {
                String text = String.valueOf(t).trim();
                try {
                    dev.turnout.host.dns.Nameserver.parse(text);
                    if (dev.turnout.host.dns.Nameserver.asksForHttp3(text)) {
                        warnings.add(dns.originOf(key) + ": dns: " + key + " '" + text + "': HTTP/3 is not supported "
                                + "yet; asked over HTTP/2");
                    }
                } catch (dev.turnout.host.dns.Nameserver.Unsupported e) {
                    warnings.add(dns.originOf(key) + ": dns: " + key + " '" + text + "': " + e.reason()
                            + "; left out, the others answer");
                } catch (IllegalArgumentException e) {
                    // reported as an error when the DNS settings are read
                }
            }
        }

        /** mihomo's {@code profile:} ({@code store-selected}, {@code store-fake-ip}); other keys are noted. */
        private Profile profile(NodeTuple tuple) throws ConfigException {
            Section p = section(tuple);
            for (String key : p.values().keySet()) {
                if (!key.equals("store-selected") && !key.equals("store-fake-ip")) {
                    warnings.add(p.originOf(key) + ": profile: unknown key '" + key + "'; ignored");
                }
            }
            return new Profile(p.bool("store-selected", true), p.bool("store-fake-ip", true));
        }

        /** mihomo's keepalive keys, in seconds; 0 or absent: Go's default, as in mihomo. */
        private TcpKeepAlive keepAlive(Map<String, NodeTuple> keys) throws ConfigException {
            TcpKeepAlive d = TcpKeepAlive.DEFAULT;
            return new TcpKeepAlive(!bool(keys, "disable-keep-alive", false),
                    keepAliveSeconds(keys, "keep-alive-idle", d.idleSeconds()),
                    keepAliveSeconds(keys, "keep-alive-interval", d.intervalSeconds()));
        }

        /** One of the keepalive times: seconds from 1 to a day, {@code fallback} for 0 or absent. */
        private int keepAliveSeconds(Map<String, NodeTuple> keys, String key, int fallback) throws ConfigException {
            int v = integer(keys, key, 0);
            if (v < 0 || v > 86_400) {
                throw new ConfigException(at(keys.get(key).getValueNode()), "'" + key
                        + "' must be seconds between 1 and 86400 (0 for the default, 15)");
            }
            return v == 0 ? fallback : v;
        }

        /** Notes each {@code type: dns} outbound of a config whose DNS is off: its flows would fail, one by one. */
        private void noteDnsOutboundsWithoutDns(List<ProxyEntry> proxies, Section dns) {
            if (Boolean.TRUE.equals(dns.values().get("enable"))) {
                return;
            }
            for (ProxyEntry p : proxies) {
                if ("dns".equals(p.type())) {
                    warnings.add(p.originOf("type") + ": '" + p.name() + "' answers with Turnout's DNS, which this"
                            + " config does not enable (dns: enable: true): the flows sent to it fail");
                }
            }
        }

        /**
         * Notes what the top-level {@code ipv6: false} turns off although the config asks for it, as mihomo turns it
         * off without a word: the DNS server's AAAA answers ({@code dns.ipv6}) and the TUN's IPv6 address.
         */
        private void noteIpv6Off(boolean ipv6, Section dns, Section tun) {
            if (ipv6) {
                return;
            }
            if (Boolean.TRUE.equals(dns.values().get("ipv6"))) {
                warnings.add(dns.originOf("ipv6") + ": dns: 'ipv6: true' has no effect while the top-level 'ipv6' is"
                        + " false: AAAA queries get empty answers");
            }
            if (tun.values().get("inet6-address") != null) {
                warnings.add(tun.originOf("inet6-address") + ": tun: 'inet6-address' is not given to the TUN while the"
                        + " top-level 'ipv6' is false");
            }
        }

        /**
         * {@code auto-detect-interface: false} with {@code auto-route} and no {@code interface-name} leaves Turnout's
         * own connections nowhere to go but the TUN: each would come back as a flow and be dialled again, thousands a
         * second, until descriptors ran out. The interface is detected anyway ({@code TunSettings}); said here.
         */
        private void noteOwnSocketsLoop(Section tun, boolean interfaceNamed) {
            if (Boolean.FALSE.equals(tun.values().get("auto-detect-interface"))
                    && !Boolean.FALSE.equals(tun.values().get("auto-route")) && !interfaceNamed) {
                warnings.add(tun.originOf("auto-detect-interface") + ": tun: 'auto-detect-interface: false' with"
                        + " auto-route and no 'interface-name' would send Turnout's own connections back into the TUN:"
                        + " the interface of the default route is detected anyway (name one with 'interface-name')");
            }
        }

        /** A value that turns nothing on: absent, {@code false}, an empty list or mapping. */
        private static boolean asksNothing(Object v) {
            return v == null || Boolean.FALSE.equals(v) || v instanceof java.util.Collection<?> c && c.isEmpty()
                    || v instanceof Map<?, ?> m && m.isEmpty();
        }

        /**
         * Notes each {@code tun:} key Turnout does not act on, when its value would change what mihomo does (an
         * {@code exclude-uid}, an {@code include-interface}); the keys of {@link #QUIET_TUN_KEYS} are not mentioned.
         */
        private void noteIgnoredTunKeys(Section tun) {
            for (Map.Entry<String, Object> e : tun.values().entrySet()) {
                String key = e.getKey();
                Set<Object> quiet = QUIET_TUN_KEYS.get(key);
                if (TUN_KEYS.contains(key) || asksNothing(e.getValue())
                        || quiet != null && (quiet.isEmpty() || quiet.contains(e.getValue()))) {
                    continue;
                }
                warnings.add(tun.originOf(key) + ": tun: '" + key + "' is not supported by Turnout; ignored");
            }
        }

        /**
         * Refuses a {@code tun.stack} mihomo refuses (constant/tun.go TUNStack.UnmarshalYAML: gvisor, system or mixed,
         * any case, whether or not the TUN is on) and notes gvisor and mixed, mihomo's default and its hybrid, which
         * Turnout runs on its system stack.
         */
        private Void checkTunStack(Section tun) throws ConfigException {
            if (!tun.values().containsKey("stack")) {
                return null;
            }
            String stack = tun.string("stack", "system");
            TunStack known = TunStack.of(stack);
            if (known == null) {
                throw new ConfigException(tun.originOf("stack"), "tun: invalid stack '" + stack + "': "
                        + TunStack.EXPECTED);
            } else if (known != TunStack.SYSTEM) {
                warnings.add(tun.originOf("stack") + ": tun: stack '" + stack + "' is " + TunStack.RUNS_AS_SYSTEM);
            }
            return null;
        }

        /**
         * Notes the {@code sniffer:} keys Turnout does not know, and in each {@code sniff:} entry the keys other than
         * {@code ports} and {@code override-destination}: {@code port: [80]} or an entry indented one level too deep
         * would otherwise leave that protocol on its own port only, unsaid (mihomo says nothing either).
         */
        private void noteSnifferKeys(Section sniffer) {
            for (Map.Entry<String, Object> e : sniffer.values().entrySet()) {
                String key = e.getKey();
                if (key.equals("ports")) {
                    // Read by Turnout before: mihomo has no such key here (RawSniffer's list is port-whitelist).
                    warnings.add(sniffer.originOf(key) + ": sniffer: unknown key 'ports'; ignored (mihomo's list"
                            + " for 'sniffing' is 'port-whitelist'; under 'sniff:' each protocol has its 'ports')");
                } else if (!SNIFFER_KEYS.contains(key)) {
                    warnings.add(sniffer.originOf(key) + ": sniffer: unknown key '" + key + "'; ignored");
                }
            }
            if (!(sniffer.values().get("sniff") instanceof Map<?, ?> sniff) || sniff.isEmpty()) {
                return;
            }
            for (String older : List.of("sniffing", "port-whitelist")) {
                if (sniffer.values().containsKey(older)) {
                    // mihomo's parseSniffer reads the older form only when 'sniff' is empty.
                    warnings.add(sniffer.originOf(older) + ": sniffer: '" + older + "' is ignored when 'sniff' is"
                            + " given, as in mihomo");
                }
            }
            for (Map.Entry<?, ?> protocol : sniff.entrySet()) {
                if (!(protocol.getValue() instanceof Map<?, ?> entry)) {
                    continue; // SnifferSettings refuses it
                }
                for (Object key : entry.keySet()) {
                    if (!SNIFF_ENTRY_KEYS.contains(key)) {
                        warnings.add(sniffer.originOf("sniff") + ": sniffer: sniff." + protocol.getKey()
                                + ": unknown key '" + key + "'; ignored (an entry has 'ports' and"
                                + " 'override-destination')");
                    }
                }
            }
        }

        /**
         * mihomo's {@code external-controller-tls}, with {@code tls:}'s certificate and private key (inline PEM, or
         * files: relative to the home folder, and inside it or SAFE_PATHS, as mihomo reads them); {@code null} when
         * not written.
         */
        private ControllerTls controllerTls(NodeTuple listen, NodeTuple tls, Path baseDir) throws ConfigException {
            String address = listen == null || isNull(listen.getValueNode()) ? null
                    : scalar(listen.getValueNode(), "HOST:PORT").trim();
            Map<String, NodeTuple> kv = tls == null || isNull(tls.getValueNode()) ? Map.of()
                    : entries(mapping(tls.getValueNode(), "'tls' (a mapping with certificate and private-key)"));
            for (Map.Entry<String, NodeTuple> e : kv.entrySet()) {
                if (!e.getKey().equals("certificate") && !e.getKey().equals("private-key")) {
                    warnings.add(at(e.getValue().getKeyNode()) + ": tls: '" + e.getKey() + "' is not supported by "
                            + "Turnout; ignored");
                }
            }
            if (address == null || address.isEmpty()) {
                return null;
            }
            Origin origin = at(listen.getKeyNode());
            String certificate = string(kv, "certificate", null);
            String key = string(kv, "private-key", null);
            if (certificate == null || certificate.isBlank() || key == null || key.isBlank()) {
                throw new ConfigException(origin, "external-controller-tls needs 'tls:' with 'certificate' and "
                        + "'private-key' (PEM, or the paths of PEM files)");
            }
            String chain = pemOrPath(kv.get("certificate"), certificate, baseDir);
            String privateKey = pemOrPath(kv.get("private-key"), key, baseDir);
            return new ControllerTls(address, chain, privateKey, origin, ControllerTls.stamp(chain, privateKey));
        }

        /** mihomo's {@code external-doh-server}: the controller's path that answers DNS over HTTPS; {@code null}. */
        private String dohPath(NodeTuple tuple) throws ConfigException {
            if (tuple == null || isNull(tuple.getValueNode())) {
                return null;
            }
            String path = scalar(tuple.getValueNode(), "a path such as /dns-query").trim();
            if (path.isEmpty()) {
                return null;
            }
            if (!path.startsWith("/") || path.equals("/") || path.startsWith("/ui/") || path.equals("/ui")
                    || path.contains("?") || path.contains("#")) {
                throw new ConfigException(at(tuple.getValueNode()), "external-doh-server '" + path + "' is not a path "
                        + "of its own such as /dns-query");
            }
            return path;
        }

        private String pemOrPath(NodeTuple at, String value, Path baseDir) throws ConfigException {
            if (ControllerTls.inline(value)) {
                return value;
            }
            Path path = path(baseDir, value.trim(), at.getValueNode()).toAbsolutePath().normalize();
            String refused = outsideSafePaths(path, baseDir);
            if (refused != null) {
                throw new ConfigException(at(at.getValueNode()), "tls: " + refused);
            }
            return path.toString();
        }

        /** The {@code nameserver-policy} entries Turnout leaves out: mihomo's geoip: keys. */
        private void notePolicyEntriesLeftOut(Section dns, Map<?, ?> policy) {
            for (Object k : policy.keySet()) {
                String key = String.valueOf(k);
                if (DnsOptions.isUnsupportedPolicyKey(key)) {
                    warnings.add(dns.originOf("nameserver-policy") + ": dns: nameserver-policy '" + key
                            + "': geoip: keys are not supported yet; those names are asked of 'nameserver'");
                } else if (!key.trim().toLowerCase(Locale.ROOT).matches("(geosite|rule-set):.*")) {
                    for (String pattern : key.split(",")) {
                        if (DnsOptions.matchesNoName(pattern)) {
                            warnings.add(dns.originOf("nameserver-policy") + ": dns: nameserver-policy '" + key
                                    + "': '" + pattern.trim() + "' matches no name ('+' stands only at a pattern's"
                                    + " start; mihomo takes it as a label no name has); left out");
                        }
                    }
                }
            }
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
                if (t.getValueNode() instanceof SequenceNode items) {
                    for (int i = 0; i < items.getValue().size(); i++) {
                        origins.put(Section.itemKey(key, i), at(items.getValue().get(i)));
                    }
                }
            }
            return new Section(values, origins, at(m));
        }

        private void checkNamesUnique(List<ProxyEntry> proxies, List<GroupEntry> groups) {
            Set<String> seen = new HashSet<>(Set.of("DIRECT", "REJECT", "REJECT-DROP", "PASS", "PASS-RULE"));
            for (ProxyEntry p : proxies) {
                if (!seen.add(p.name())) {
                    errors.add(new ConfigException(p.originOf("name"), "the name '" + p.name() + "' is used twice"));
                }
            }
            for (GroupEntry g : groups) {
                if (!seen.add(g.name())) {
                    errors.add(new ConfigException(g.origin(), "the name '" + g.name() + "' is used twice"));
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

        /**
         * A whole number in a group, provider, health check or listener: mihomo decodes those entries weakly (its
         * structure package's WeaklyTypedInput, where the top-level keys go through YAML's strict types), so
         * {@code interval: "300"}, as configs built from JSON write it, is 300 there too, and so is 300.0.
         */
        private int entryInteger(Map<String, NodeTuple> kv, String key, int fallback) throws ConfigException {
            NodeTuple t = kv.get(key);
            if (t != null && t.getValueNode() instanceof ScalarNode s && !isNull(s)) {
                try {
                    if (Tag.STR.equals(s.getTag())) {
                        return Integer.decode(s.getValue()); // Go's ParseInt(s, 0, ...): 0x and a leading 0 too
                    }
                    if (Tag.FLOAT.equals(s.getTag())) {
                        double d = Double.parseDouble(s.getValue());
                        if (d >= Integer.MIN_VALUE && d <= Integer.MAX_VALUE) {
                            return (int) d; // truncated, as Go converts it
                        }
                    }
                } catch (NumberFormatException e) {
                    // below
                }
            }
            return integer(kv, key, fallback);
        }

        /** A true or false in the same entries: mihomo's weak decoding also takes a number, 0 being false. */
        private boolean entryBool(Map<String, NodeTuple> kv, String key, boolean fallback) throws ConfigException {
            NodeTuple t = kv.get(key);
            if (t != null && t.getValueNode() instanceof ScalarNode s && Tag.INT.equals(s.getTag())) {
                try {
                    return Long.parseLong(s.getValue()) != 0;
                } catch (NumberFormatException e) {
                    // below
                }
            }
            return bool(kv, key, fallback);
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
