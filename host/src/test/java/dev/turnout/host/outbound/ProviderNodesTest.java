package dev.turnout.host.outbound;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.turnout.api.OptionException;
import dev.turnout.api.Outbound;
import dev.turnout.api.OutboundContext;
import dev.turnout.api.OutboundOptions;
import dev.turnout.api.OutboundType;
import dev.turnout.api.Resolver;
import dev.turnout.host.config.Config;
import dev.turnout.host.config.ConfigException;
import dev.turnout.host.config.ConfigLoader;
import dev.turnout.host.provider.ProxyProviders;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Proxy providers' nodes, built by the plugins, in the groups that use them. */
class ProviderNodesTest {

    private static OutboundType type(String name) {
        return plugin(name, (options, context) -> new GroupKeysTest.Fake(options.name(), name, context.dialer(),
                options.has("udp")));
    }

    /** What a test's plugin does when asked for an entry's outbound. */
    @FunctionalInterface
    private interface Create {
        Outbound create(OutboundOptions options, OutboundContext context) throws OptionException;
    }

    private static OutboundType plugin(String name, Create create) {
        return new OutboundType() {
            public String type() {
                return name;
            }

            public Outbound create(OutboundOptions options, OutboundContext context) throws OptionException {
                return create.create(options, context);
            }
        };
    }

    /** The built-in types' stand-ins (direct, reject, reject-drop, socks5, http), then {@code plugins} over them. */
    private static OutboundFactory factory(OutboundType... plugins) {
        Map<String, OutboundType> types = new java.util.HashMap<>();
        for (String t : List.of("direct", "reject", "reject-drop", "socks5", "http")) {
            types.put(t, type(t));
        }
        for (OutboundType p : plugins) {
            types.put(p.type(), p);
        }
        return new OutboundFactory(types, null, (Resolver) null);
    }

    private static Outbounds build(String yaml) throws ConfigException {
        Config c = GroupKeysTest.parse(yaml);
        List<ConfigException> errors = new ArrayList<>();
        var loaded = ProxyProviders.load(c, null, errors);
        assertEquals(List.of(), errors);
        return factory().build(c, loaded.providers());
    }

    private static final String PROVIDER = String.join("\n",
            "proxy-providers:",
            "  sub:",
            "    type: inline",
            "    filter: 'HK|JP'",
            "    exclude-filter: 'JP 02'",
            "    override: {additional-prefix: '[sub] ', udp: true}",
            "    payload:",
            "      - {name: HK 01, type: socks5, server: 192.0.2.1, port: 1080}",
            "      - {name: HK 02, type: ss, server: 192.0.2.2, port: 8388, cipher: aes-128-gcm, password: x}",
            "      - {name: HK 03, type: vmess, server: 192.0.2.3, port: 443, uuid: u}",
            "      - {name: JP 01, type: http, server: 192.0.2.4, port: 3128}",
            "      - {name: JP 02, type: http, server: 192.0.2.5, port: 3128}",
            "      - {name: US 01, type: http, server: 192.0.2.6, port: 3128}",
            "");

    @Test
    void aGroupUsesTheFilteredRenamedNodesAfterItsProxiesAndUnknownTypesAreOneWarning() throws Exception {
        Outbounds o = build(PROVIDER + "proxy-groups:\n  - {name: G, type: select, use: [sub], proxies: [DIRECT]}\n");
        ProxyGroup g = assertInstanceOf(ProxyGroup.class, o.get("G"));
        assertEquals(List.of("DIRECT", "[sub] HK 01", "[sub] JP 01"), g.members());
        assertTrue(o.get("[sub] HK 01").supportsUdp(), "override udp reaches the plugin");
        assertEquals(List.of("[sub] HK 01", "[sub] JP 01"), o.providers().get("sub").nodes());
        List<String> about = o.warnings().stream().filter(w -> w.contains("proxy provider 'sub'")).toList();
        assertEquals(1, about.size(), o.warnings().toString());
        assertTrue(about.get(0).contains("2 nodes skipped") && about.get(0).contains("'ss'")
                && about.get(0).contains("'vmess'") && about.get(0).startsWith("t.yaml:3:5"), about.get(0));
    }

    /**
     * An empty dialer-proxy is none, as in mihomo, in an override, on the provider and on a proxies: entry; a
     * dialer-proxy an override names wrongly is said at the override's line.
     */
    @Test
    void anEmptyDialerProxyIsNoneAndAWrongOneIsSaidWhereTheOverrideWritesIt() throws Exception {
        String nodes = String.join("\n",
                "    payload: [{name: HK-1, type: socks5, server: 192.0.2.71, port: 1080},"
                        + " {name: JP-2, type: http, server: 192.0.2.72, port: 3128}]",
                "proxy-groups: [{name: G, type: select, use: [inl]}]",
                "");
        Outbounds o = build("proxies: [{name: p, type: socks5, server: 192.0.2.9, port: 1080, dialer-proxy: ''}]\n"
                + "proxy-providers:\n  inl:\n    type: inline\n    dialer-proxy: ''\n"
                + "    override: {dialer-proxy: ''}\n" + nodes);
        assertEquals(List.of("HK-1", "JP-2"), ((ProxyGroup) o.get("G")).members());
        assertTrue(o.get("p") != null);
        Outbounds wrong = build("proxy-providers:\n  inl:\n    type: inline\n"
                + "    override: {dialer-proxy: nosuch}\n" + nodes);
        String said = wrong.warnings().stream().filter(w -> w.contains("proxy provider 'inl'")).findFirst()
                .orElseThrow();
        assertTrue(said.contains("t.yaml:4:30: 'dialer-proxy' names 'nosuch'"), said);
    }

    @Test
    void includeAllProvidersAndTheGroupsOwnFilter() throws Exception {
        Outbounds o = build(PROVIDER + "proxy-groups:\n  - {name: G, type: url-test, include-all-providers: true, "
                + "filter: 'JP'}\n");
        assertEquals(List.of("[sub] JP 01"), ((ProxyGroup) o.get("G")).members());
    }

    @Test
    void aBacktickSeparatedFilterListsTheNodesPatternByPatternAsMihomo() throws Exception {
        // The groups tester's F7: mihomo's GroupBase.GetProxies goes pattern by pattern, so "^JP`^HK" puts JP first.
        String sub = "proxy-providers:\n  sub:\n    type: inline\n    payload:\n"
                + "      - {name: HK 01, type: socks5, server: 192.0.2.1, port: 1080}\n"
                + "      - {name: JP 02, type: http, server: 192.0.2.2, port: 3128}\n"
                + "      - {name: US 03, type: http, server: 192.0.2.3, port: 3128}\n"
                + "      - {name: HK 04, type: socks5, server: 192.0.2.4, port: 1080}\n"
                + "  more:\n    type: inline\n    payload:\n"
                + "      - {name: HK 05, type: socks5, server: 192.0.2.5, port: 1080}\n"
                + "      - {name: JP 06, type: http, server: 192.0.2.6, port: 3128}\n";
        Outbounds o = build(sub + "proxy-groups:\n"
                + "  - {name: FB, type: fallback, use: [sub], filter: '^JP`^HK'}\n"
                + "  - {name: TWO, type: select, use: [sub, more], filter: '^JP`^HK'}\n"
                + "  - {name: LISTED, type: select, proxies: [DIRECT], use: [sub], filter: '^JP`^HK'}\n");
        assertEquals(List.of("JP 02", "HK 01", "HK 04"), ((ProxyGroup) o.get("FB")).members());
        assertEquals(List.of("JP 02", "JP 06", "HK 01", "HK 04", "HK 05"), ((ProxyGroup) o.get("TWO")).members());
        assertEquals(List.of("JP 02", "HK 01", "HK 04", "DIRECT"), ((ProxyGroup) o.get("LISTED")).members());
    }

    @Test
    void aRelaysChainListsItsHopsLastFirstAsMihomosConnections() throws Exception {
        // The groups tester's F8: /connections showed a relay flow's chain as just ["RELAY"].
        Outbounds o = build("proxies:\n  - {name: s5-e, type: socks5, server: 192.0.2.15, port: 1080}\n"
                + "  - {name: s5-a, type: socks5, server: 192.0.2.11, port: 1080}\n"
                + "proxy-groups:\n  - {name: PICK, type: select, proxies: [s5-a, s5-e]}\n"
                + "  - {name: RELAY, type: relay, proxies: [s5-e, DIRECT, PICK]}\n");
        assertEquals(List.of("s5-a", "s5-e"), ((ProxyGroup) o.get("RELAY")).relayChain());
        assertEquals(List.of(), ((ProxyGroup) o.get("PICK")).relayChain());
    }

    @Test
    void aNameTakenByAnEarlierProviderGetsTheProvidersName() throws Exception {
        String node = "{name: HK 01, type: socks5, server: 192.0.2.1, port: 1080}";
        Outbounds o = build("proxies:\n  - {name: DIRECT-ish, type: http, server: 192.0.2.9, port: 1}\n"
                + "proxy-providers:\n  one: {type: inline, payload: [" + node + "]}\n"
                + "  two: {type: inline, payload: [" + node + ", {name: DIRECT, type: http, server: 192.0.2.8, port: 1}]}\n"
                + "proxy-groups:\n  - {name: G, type: select, use: [one, two]}\n");
        assertEquals(List.of("HK 01", "HK 01 (two)", "DIRECT (two)"), ((ProxyGroup) o.get("G")).members());
        assertTrue(o.warnings().stream().anyMatch(w -> w.contains("proxy provider 'two': 2 renamed")), o.warnings().toString());
    }

    @Test
    void aGroupWhoseProvidersHaveNoNodesStaysEmptyAndSaysSo() throws Exception {
        String yaml = "proxy-providers:\n  remote: {type: http, url: 'http://192.0.2.80/sub', path: ./nowhere/x.yaml}\n"
                + "proxy-groups:\n  - {name: G, type: select, use: [remote]}\n";
        Outbounds o = build(yaml);
        assertEquals(List.of(), ((ProxyGroup) o.get("G")).members());
        assertTrue(o.warnings().stream().anyMatch(w -> w.contains("group 'G' has no members")), o.warnings().toString());
    }

    @Test
    void everyEntryAndNodeIsBuiltWithTheHomeFolderForItsRelativePaths() throws Exception {
        Map<String, Optional<Path>> homes = new TreeMap<>();
        OutboundType socks5 = plugin("socks5", (options, context) -> {
            homes.put(options.name(), context.homeFolder());
            return new GroupKeysTest.Fake(options.name(), "socks5", context.dialer(), false);
        });
        Config c = GroupKeysTest.parse("proxies:\n  - {name: own, type: socks5, server: 192.0.2.9, port: 1080}\n"
                + PROVIDER);
        var loaded = ProxyProviders.load(c, null, new ArrayList<>());
        factory(socks5).build(c, loaded.providers());
        Optional<Path> base = Optional.of(Path.of("/base"));
        assertEquals(Map.of("own", base, "[sub] HK 01", base), homes);
    }

    /**
     * A subscription's node may name files only inside the home folder (or SAFE_PATHS): Turnout, often root, would
     * otherwise read any file for it, and send its server what an SSH key is. The user's own entries, an inline
     * provider's included, may name any file.
     */
    @Test
    void aSubscriptionsNodeReadsFilesOnlyInsideTheHomeFolder(@TempDir Path dir) throws Exception {
        Path home = Files.createDirectories(dir.resolve("home"));
        Path outside = Files.writeString(dir.resolve("id_ed25519"), "the user's own key");
        Files.writeString(home.resolve("inside"), "a key the user put here");
        Files.createSymbolicLink(home.resolve("link"), outside);
        Files.writeString(home.resolve("sub.yaml"), String.join("\n",
                "proxies:",
                "  - {name: abs, type: socks5, server: 192.0.2.1, port: 1080, key: " + outside + "}",
                "  - {name: dots, type: socks5, server: 192.0.2.2, port: 1080, key: ../id_ed25519}",
                "  - {name: link, type: socks5, server: 192.0.2.3, port: 1080, key: link}",
                "  - {name: in, type: socks5, server: 192.0.2.4, port: 1080, key: inside}", ""));
        Map<String, String> read = new TreeMap<>();
        OutboundType socks5 = plugin("socks5", (options, context) -> {
            String key = options.string("key", null);
            try {
                read.put(options.name(), new String(context.readFile(key), StandardCharsets.UTF_8));
            } catch (IOException e) {
                read.put(options.name(), e.getClass().getSimpleName() + ": " + e.getMessage());
            }
            return new GroupKeysTest.Fake(options.name(), "socks5", context.dialer(), false);
        });
        Config c = ConfigLoader.parse(String.join("\n",
                "proxies:",
                "  - {name: own, type: socks5, server: 192.0.2.9, port: 1080, key: " + outside + "}",
                "proxy-providers:",
                "  sub: {type: file, path: sub.yaml}",
                "  mine:",
                "    type: inline",
                "    payload: [{name: inline, type: socks5, server: 192.0.2.8, port: 1080, key: ../id_ed25519}]",
                ""), "t.yaml", home.resolve("t.yaml"), home);
        List<ConfigException> errors = new ArrayList<>();
        var loaded = ProxyProviders.load(c, null, errors);
        assertEquals(List.of(), errors);
        factory(socks5).build(c, loaded.providers());

        assertEquals("the user's own key", read.get("own"));
        assertEquals("the user's own key", read.get("inline"));
        assertEquals("a key the user put here", read.get("in"));
        for (String node : List.of("abs", "dots", "link")) {
            assertTrue(read.get(node).startsWith("AccessDeniedException: "), node + ": " + read.get(node));
            assertTrue(read.get(node).contains(": outside the home folder and SAFE_PATHS (" + home + "); a subscription's node"), node + ": " + read.get(node));
        }
        assertEquals(6, read.size(), read.toString());
    }

    /**
     * Keys an entry's plugin never read (made up, misspelt, or mihomo's keys it does not act on: mptcp, tfo on an
     * ss or trojan node) are warnings at their line, folded as a plugin's own; never a refusal. Keys the host reads
     * itself and keys that ask for nothing (false, empty) are not named.
     */
    @Test
    void keysAnEntrysPluginNeverReadAreWarnedAboutAtTheirLine() throws Exception {
        OutboundType ss = plugin("ss", (options, context) -> {
            options.server();
            options.string("cipher", null);
            options.string("password", null);
            return new GroupKeysTest.Fake(options.name(), "ss", context.dialer(), options.bool("udp", false));
        });
        Config c = GroupKeysTest.parse(String.join("\n",
                "proxies:",
                "  - {name: a, type: ss, server: 192.0.2.1, port: 8388, cipher: aes-128-gcm, password: p, udp: true,",
                "     mptcp: true, foo-bar: 1, tfo: false, smux: {}, interface-name: eth0, ip-version: ipv6}",
                "proxy-providers:",
                "  sub:",
                "    type: inline",
                "    payload:",
                "      - {name: n1, type: ss, server: 192.0.2.3, port: 8388, cipher: aes-128-gcm, password: p, foo-bar: 1}",
                "      - {name: n2, type: ss, server: 192.0.2.4, port: 8388, cipher: aes-128-gcm, password: p, foo-bar: 1}",
                "proxy-groups:",
                "  - {name: G, type: select, proxies: [a], use: [sub]}",
                ""));
        var loaded = ProxyProviders.load(c, null, new ArrayList<>());
        Outbounds o = factory(ss).build(c, loaded.providers());
        assertEquals(List.of("a", "n1", "n2"), ((ProxyGroup) o.get("G")).members(), "warned, never refused");
        List<String> said = o.warnings().stream().filter(w -> w.contains("is not read by")).toList();
        assertEquals(3, said.size(), o.warnings().toString());
        assertTrue(said.get(0).matches("t\\.yaml:3:13: 'a': 'mptcp' is not read by the ss plugin \\(an unknown key,"
                + " or one it does not act on for this entry\\); ignored"), said.get(0));
        assertTrue(said.get(1).matches("t\\.yaml:3:\\d+: 'a': 'foo-bar' is not read .*"), said.get(1));
        assertTrue(said.get(2).matches("t\\.yaml:8:\\d+: 'n1' and 1 more node of proxy provider 'sub': 'foo-bar' is"
                + " not read .*"), said.get(2));
    }

    /**
     * Inside plugin-opts, ws-opts and the like, a key the plugin never read is named too, at its entry's line; a
     * nested map the plugin went through whole (headers) names none.
     */
    @Test
    void keysInsideANestedMapThePluginNeverReadAreWarnedAboutToo() throws Exception {
        OutboundType ss = plugin("ss", (options, context) -> {
            options.server();
            options.string("cipher", null);
            options.string("password", null);
            options.string("plugin", null);
            Map<String, Object> opts = options.map("plugin-opts");
            opts.get("mode");
            opts.containsKey("host");
            new java.util.HashMap<>(options.map("ws-opts")); // taken whole: every key may have been read
            return new GroupKeysTest.Fake(options.name(), "ss", context.dialer(), false);
        });
        Config c = GroupKeysTest.parse(String.join("\n",
                "proxies:",
                "  - {name: a, type: ss, server: 192.0.2.1, port: 8388, cipher: aes-128-gcm, password: p,",
                "     plugin: v2ray-plugin, plugin-opts: {mode: websocket, host: cdn.example, mux: true, tsl: true,",
                "     path: ''}, ws-opts: {anything: 1}}",
                ""));
        Outbounds o = factory(ss).build(c, Map.of());
        List<String> said = o.warnings().stream().filter(w -> w.contains("is not read by")).toList();
        assertEquals(2, said.size(), o.warnings().toString());
        assertTrue(said.get(0).matches("t\\.yaml:3:\\d+: 'a': 'mux' in 'plugin-opts' is not read by the ss plugin"
                + " \\(an unknown key, or one it does not act on for this entry\\); ignored"), said.get(0));
        assertTrue(said.get(1).matches("t\\.yaml:3:\\d+: 'a': 'tsl' in 'plugin-opts' is not read .*"), said.get(1));
    }

    /** A plugin's warning about a key says which, where its message does not: the position alone does not. */
    @Test
    void aPluginsWarningAboutAKeyNamesTheKeyWhereItsMessageDoesNot() throws Exception {
        OutboundType ss = plugin("ss", (options, context) -> {
            options.server();
            options.string("cipher", null);
            options.string("password", null);
            options.string("retries", null);
            context.warn("retries", "has no effect here");
            context.warn("cipher", "cipher 'rc4-md5' has no integrity");
            return new GroupKeysTest.Fake(options.name(), "ss", context.dialer(), false);
        });
        Config c = GroupKeysTest.parse(String.join("\n",
                "proxies:",
                "  - {name: a, type: ss, server: 192.0.2.1, port: 8388, cipher: rc4-md5, password: p, retries: 3}",
                ""));
        Outbounds o = factory(ss).build(c, Map.of());
        assertTrue(o.warnings().stream().anyMatch(w -> w.matches("t\\.yaml:2:\\d+: 'a': 'retries': has no effect here")),
                o.warnings().toString());
        assertTrue(o.warnings().stream().anyMatch(w -> w.matches("t\\.yaml:2:\\d+: 'a': cipher 'rc4-md5' has no integrity")),
                o.warnings().toString());
    }

    /** A plugin whose create keeps the start or a reload waiting is named while it does, with the entry. */
    @Test
    void aCreateThatDoesNotReturnIsSaidWhileItKeepsTheBuildWaiting() throws Exception {
        ch.qos.logback.classic.Logger logger = (ch.qos.logback.classic.Logger) org.slf4j.LoggerFactory.getLogger(
                SlowCreate.class);
        ch.qos.logback.core.read.ListAppender<ch.qos.logback.classic.spi.ILoggingEvent> logged =
                new ch.qos.logback.core.read.ListAppender<>();
        logged.start();
        logger.addAppender(logged);
        long every = SlowCreate.everyMillis;
        SlowCreate.everyMillis = 50;
        try {
            OutboundType slow = plugin("slow", (options, context) -> {
                long deadline = System.nanoTime() + 10_000_000_000L;
                while (logged.list.isEmpty() && System.nanoTime() < deadline) {
                    try {
                        Thread.sleep(10);
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                        break;
                    }
                }
                return new GroupKeysTest.Fake(options.name(), "slow", context.dialer(), false);
            });
            Config c = GroupKeysTest.parse("proxies:\n  - {name: s, type: slow}\n");
            factory(slow).build(c, Map.of());
            assertTrue(!logged.list.isEmpty(), "nothing said while the plugin kept the build waiting");
            String line = logged.list.get(0).getFormattedMessage();
            assertTrue(line.startsWith("the slow plugin (") && line.contains(") has been building 's' for ")
                    && line.contains("has not returned"), line);
        } finally {
            SlowCreate.everyMillis = every;
            logger.detachAppender(logged);
        }
    }

    /**
     * What a plugin says of its entries is one line per message and source, where the first entry that drew it is
     * written: a subscription of many nodes that all carry a key with no effect gives one line, not one per node.
     * A node left out counts only in the line that says so.
     */
    @Test
    void aPluginsWarningsAboutManyNodesAreOneLineWhereTheFirstIsWritten() throws Exception {
        OutboundType socks5 = plugin("socks5", (options, context) -> {
            if (options.has("tfo")) {
                context.warn("tfo", "'tfo' has no effect");
            }
            if (options.has("smux")) {
                context.warn("smux", "'smux' has no effect");
            }
            if (options.has("refuse")) {
                throw new OptionException("refuse", "refused");
            }
            return new GroupKeysTest.Fake(options.name(), "socks5", context.dialer(), false);
        });
        Config c = GroupKeysTest.parse(String.join("\n",
                "proxies:",
                "  - {name: a, type: socks5, server: 192.0.2.1, port: 1080, tfo: true}",
                "  - {name: b, type: socks5, server: 192.0.2.2, port: 1080, tfo: true}",
                "proxy-providers:",
                "  sub:",
                "    type: inline",
                "    payload:",
                "      - {name: n1, type: socks5, server: 192.0.2.3, port: 1080, tfo: true, smux: {}}",
                "      - {name: n2, type: socks5, server: 192.0.2.4, port: 1080, tfo: true}",
                "      - {name: n3, type: socks5, server: 192.0.2.5, port: 1080, tfo: true}",
                "      - {name: n4, type: socks5, server: 192.0.2.6, port: 1080}",
                "      - {name: n5, type: socks5, server: 192.0.2.7, port: 1080, tfo: true, refuse: true}",
                "proxy-groups:",
                "  - {name: G, type: select, use: [sub]}",
                ""));
        var loaded = ProxyProviders.load(c, null, new ArrayList<>());
        Outbounds o = factory(socks5).build(c, loaded.providers());
        List<String> said = o.warnings().stream().filter(w -> w.contains("has no effect")).toList();
        assertEquals(3, said.size(), o.warnings().toString());
        assertTrue(said.get(0).matches("t\\.yaml:2:\\d+: 'a' and 1 more entry: 'tfo' has no effect"), said.get(0));
        assertTrue(said.get(1).matches("t\\.yaml:8:\\d+: 'n1' and 2 more nodes of proxy provider 'sub': 'tfo' has"
                + " no effect"), said.get(1));
        assertTrue(said.get(2).matches("t\\.yaml:8:\\d+: 'n1': 'smux' has no effect"), said.get(2));
    }
}
