package dev.turnout.host.controller;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.turnout.api.Destination;
import dev.turnout.api.Metadata;
import dev.turnout.api.Network;
import dev.turnout.host.config.Config;
import dev.turnout.host.config.ConfigLoader;
import dev.turnout.host.flow.FlowTable;
import dev.turnout.host.outbound.GroupSupervisor;
import dev.turnout.host.outbound.HostDirect;
import dev.turnout.host.outbound.OutboundFactory;
import dev.turnout.host.outbound.Outbounds;
import dev.turnout.host.outbound.Selections;
import dev.turnout.host.runtime.Turnout;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.UnpooledByteBufAllocator;
import io.netty.channel.nio.NioEventLoopGroup;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What Clash Verge Rev's typed client (tauri-plugin-mihomo's {@code src/models.rs}, which its GUI reads every answer
 * with; before its June 2026 rewrite every key below is required and every enum strict, so one key missing or one
 * unknown name fails the whole answer) requires of the controller's answers, key by key with its JSON type.
 */
class ClashVergeRevFieldsTest {

    /** models.rs {@code Proxy}'s required keys: every proxy and group in /proxies, /group and a provider's list. */
    static final Map<String, Class<?>> PROXY = Map.ofEntries(Map.entry("alive", Boolean.class),
            Map.entry("history", List.class), Map.entry("extra", Map.class), Map.entry("name", String.class),
            Map.entry("udp", Boolean.class), Map.entry("uot", Boolean.class), Map.entry("type", String.class),
            Map.entry("xudp", Boolean.class), Map.entry("tfo", Boolean.class), Map.entry("mptcp", Boolean.class),
            Map.entry("smux", Boolean.class), Map.entry("interface", String.class),
            Map.entry("dialer-proxy", String.class), Map.entry("routing-mark", Number.class));

    /** models.rs {@code ProxyType}: the names it knows; any other fails the whole map. */
    static final Set<String> PROXY_TYPES = Set.of("Direct", "Reject", "RejectDrop", "Compatible", "Pass", "Dns",
            "Shadowsocks", "ShadowsocksR", "Snell", "Socks5", "Http", "Vmess", "Vless", "Trojan", "Hysteria",
            "Hysteria2", "WireGuard", "Tuic", "Ssh", "Mieru", "Masque", "AnyTLS", "Relay", "Sudoku", "Selector",
            "Fallback", "URLTest", "LoadBalance");

    /** models.rs {@code BaseConfig}'s required keys (GET /configs). */
    static final Map<String, Class<?>> CONFIGS = Map.ofEntries(Map.entry("port", Number.class),
            Map.entry("socks-port", Number.class), Map.entry("redir-port", Number.class),
            Map.entry("tproxy-port", Number.class), Map.entry("mixed-port", Number.class),
            Map.entry("tun", Map.class), Map.entry("tuic-server", Map.class), Map.entry("ss-config", String.class),
            Map.entry("vmess-config", String.class), Map.entry("allow-lan", Boolean.class),
            Map.entry("bind-address", String.class), Map.entry("inbound-tfo", Boolean.class),
            Map.entry("inbound-mptcp", Boolean.class), Map.entry("mode", String.class),
            Map.entry("unified-delay", Boolean.class), Map.entry("log-level", String.class),
            Map.entry("ipv6", Boolean.class), Map.entry("interface-name", String.class),
            Map.entry("routing-mark", Number.class), Map.entry("geox-url", Map.class),
            Map.entry("geo-auto-update", Boolean.class), Map.entry("geo-update-interval", Number.class),
            Map.entry("geodata-mode", Boolean.class), Map.entry("geodata-loader", String.class),
            Map.entry("geosite-matcher", String.class), Map.entry("tcp-concurrent", Boolean.class),
            Map.entry("find-process-mode", String.class), Map.entry("sniffing", Boolean.class),
            Map.entry("global-client-fingerprint", String.class), Map.entry("global-ua", String.class),
            Map.entry("etag-support", Boolean.class), Map.entry("keep-alive-interval", Number.class),
            Map.entry("keep-alive-idle", Number.class), Map.entry("disable-keep-alive", Boolean.class));

    /** models.rs {@code TunConfig}'s required keys. */
    static final Map<String, Class<?>> TUN = Map.of("enable", Boolean.class, "device", String.class,
            "stack", String.class, "dns-hijack", List.class, "auto-route", Boolean.class,
            "auto-detect-interface", Boolean.class, "file-descriptor", Number.class);

    /** models.rs {@code TuicServer}'s required keys. */
    static final Map<String, Class<?>> TUIC_SERVER = Map.of("enable", Boolean.class, "listen", String.class,
            "certificate", String.class, "private-key", String.class, "ech-key", String.class);

    /** models.rs {@code GeoXUrl}: mihomo's JSON names, not its YAML's. */
    static final Map<String, Class<?>> GEOX_URL = Map.of("geo-ip", String.class, "mmdb", String.class,
            "asn", String.class, "geo-site", String.class);

    /** models.rs {@code ConnectionMetaData}'s required keys. */
    static final Map<String, Class<?>> CONNECTION_METADATA = Map.ofEntries(Map.entry("network", String.class),
            Map.entry("type", String.class), Map.entry("sourceIP", String.class),
            Map.entry("destinationIP", String.class), Map.entry("sourceIPASN", String.class),
            Map.entry("destinationIPASN", String.class), Map.entry("sourcePort", String.class),
            Map.entry("destinationPort", String.class), Map.entry("inboundIP", String.class),
            Map.entry("inboundPort", String.class), Map.entry("inboundName", String.class),
            Map.entry("inboundUser", String.class), Map.entry("host", String.class),
            Map.entry("dnsMode", String.class), Map.entry("uid", Number.class), Map.entry("process", String.class),
            Map.entry("processPath", String.class), Map.entry("specialProxy", String.class),
            Map.entry("specialRules", String.class), Map.entry("remoteDestination", String.class),
            Map.entry("dscp", Number.class), Map.entry("sniffHost", String.class));

    @TempDir
    Path dir;

    private Config parse(String yaml) throws Exception {
        return ConfigLoader.parse(yaml, "t.yaml", dir.resolve("t.yaml"), dir);
    }

    static void assertCarries(Map<String, Class<?>> required, Object answer, String what) {
        assertInstanceOf(Map.class, answer, what);
        Map<?, ?> m = (Map<?, ?>) answer;
        required.forEach((key, type) -> {
            assertTrue(m.containsKey(key), what + " lacks '" + key + "': " + m);
            assertInstanceOf(type, m.get(key), what + "'s '" + key + "': " + m);
        });
    }

    /** As a client reads it: written as the controller writes it, parsed again. */
    private static Map<String, Object> read(Object view) throws Exception {
        if (view instanceof Json.Document d) {
            ByteBuf buf = Json.write(UnpooledByteBufAllocator.DEFAULT, d);
            try {
                return Json.parseObject(buf.toString(StandardCharsets.UTF_8));
            } finally {
                buf.release();
            }
        }
        return Json.parseObject(Json.write(view));
    }

    @Test
    @SuppressWarnings("unchecked")
    void everyProxyCarriesTheFieldsClashVergeRevRequires() throws Exception {
        Config c = parse(String.join("\n",
                "proxies:",
                "  - {name: eth, type: direct, interface-name: eth9, routing-mark: 7}",
                "  - {name: plain, type: direct}",
                "proxy-groups:",
                "  - {name: G, type: select, proxies: [eth, plain, DIRECT, PASS]}",
                "  - {name: Auto, type: url-test, proxies: [eth, plain], url: 'http://192.0.2.1/generate_204',"
                        + " interval: 0, expected-status: 204}",
                "  - {name: FB, type: fallback, proxies: [plain, eth], url: 'http://192.0.2.1/generate_204'}",
                "  - {name: LB, type: load-balance, proxies: [plain, eth], url: 'http://192.0.2.1/generate_204'}",
                "rules:",
                "  - MATCH,G",
                ""));
        NioEventLoopGroup loops = new NioEventLoopGroup(1);
        try (Outbounds outbounds = new OutboundFactory(HostDirect.types(), null, (dev.turnout.api.Resolver) null)
                .build(c);
             GroupSupervisor groups = new GroupSupervisor(loops, Selections.at(null))) {
            groups.adopt(outbounds);
            groups.book().record("plain", "https://www.gstatic.com/generate_204", 42);
            Map<String, Object> all = (Map<String, Object>) read(ClashViews.proxies(outbounds, groups.book(), c))
                    .get("proxies");
            for (Map.Entry<String, Object> e : all.entrySet()) {
                assertCarries(PROXY, e.getValue(), e.getKey());
                String type = (String) ((Map<String, Object>) e.getValue()).get("type");
                assertTrue(PROXY_TYPES.contains(type), e.getKey() + "'s type " + type);
            }
            assertFalse(all.containsKey("PASS-RULE"), "no group holds it: " + all.keySet());
            Map<String, Object> eth = (Map<String, Object>) all.get("eth");
            assertEquals("eth9", eth.get("interface"), "as configured");
            assertEquals(7, ((Number) eth.get("routing-mark")).intValue(), "as configured");
            Map<String, Object> plain = (Map<String, Object>) all.get("plain");
            assertEquals(Map.of("https://www.gstatic.com/generate_204", Map.of("alive", true, "history",
                    List.of(Map.of("time", ((Map<String, Object>) ((List<Object>) plain.get("history")).get(0))
                            .get("time"), "delay", 42)))), plain.get("extra"), "per test URL, as mihomo's");
            for (String automatic : List.of("Auto", "FB", "LB")) {
                Map<String, Object> g = (Map<String, Object>) all.get(automatic);
                assertEquals("http://192.0.2.1/generate_204", g.get("testUrl"), automatic);
                assertInstanceOf(String.class, g.get("expectedStatus"), automatic);
            }
            assertEquals("204", ((Map<String, Object>) all.get("Auto")).get("expectedStatus"));
            assertFalse(((Map<String, Object>) all.get("G")).containsKey("testUrl"), "mihomo's Selector has none");
        } finally {
            loops.shutdownGracefully(0, 1, java.util.concurrent.TimeUnit.SECONDS).sync();
        }
    }

    @Test
    @SuppressWarnings("unchecked")
    void passRuleIsListedUnderMihomosTypeWhereAGroupHoldsIt() throws Exception {
        Config c = parse(String.join("\n",
                "proxy-groups:",
                "  - {name: QUIC, type: select, proxies: [PASS-RULE, REJECT]}",
                "rules:",
                "  - MATCH,DIRECT",
                ""));
        try (Outbounds outbounds = new OutboundFactory(HostDirect.types(), null, (dev.turnout.api.Resolver) null)
                .build(c)) {
            Map<String, Object> all = (Map<String, Object>) read(ClashViews.proxies(outbounds,
                    new dev.turnout.host.outbound.HealthBook(), c)).get("proxies");
            assertEquals("PassRule", ((Map<String, Object>) all.get("PASS-RULE")).get("type"), all::toString);
            assertEquals("Pass", ((Map<String, Object>) all.get("PASS")).get("type"));
        }
    }

    @Test
    @SuppressWarnings("unchecked")
    void theConfigsCarryTheFieldsClashVergeRevRequiresInMihomosSpelling() throws Exception {
        for (String yaml : List.of("mixed-port: 7890\n",
                "mixed-port: 7890\ntun: {enable: false, device: tcvr0, mtu: 1500}\n",
                "mixed-port: 7890\ntun: {enable: false, stack: gvisor}\n")) {
            Config c = parse(yaml);
            Map<String, Object> view = read(ClashViews.configs(c, "rule", "info", null, Turnout.tunSectionOf(c)));
            assertCarries(CONFIGS, view, yaml);
            assertCarries(TUN, view.get("tun"), yaml);
            assertCarries(TUIC_SERVER, view.get("tuic-server"), yaml);
            assertCarries(GEOX_URL, view.get("geox-url"), yaml);
            assertEquals(Set.copyOf(GEOX_URL.keySet()), ((Map<String, Object>) view.get("geox-url")).keySet());
            // mihomo's TUNStack.String(); models.rs's TunStack knows Mixed, gVisor and System only
            assertEquals("System", ((Map<String, Object>) view.get("tun")).get("stack"), yaml);
            assertTrue(Set.of("rule", "global", "direct").contains(view.get("mode")));
            assertTrue(Set.of("debug", "info", "warning", "error", "silent").contains(view.get("log-level")));
            assertTrue(Set.of("strict", "always", "off").contains(view.get("find-process-mode")));
        }
    }

    @Test
    void theVersionSaysWhatItIsAndThatItIsNotMihomo() throws Exception {
        Map<String, Object> version = read(ClashViews.version("1.2.3"));
        assertEquals(false, version.get("meta"), "Clash Verge Rev would call it Mihomo");
        assertEquals("turnout-1.2.3", version.get("version"));
    }

    @Test
    @SuppressWarnings("unchecked")
    void eachConnectionCarriesTheMetadataClashVergeRevRequiresAndTheListTheMemory() throws Exception {
        FlowTable flows = new FlowTable(8);
        flows.open(new Metadata(Network.TCP, Destination.ofHost("example.test", 443),
                new InetSocketAddress("192.0.2.1", 40000), "mixed", "curl")
                .withInbound("HTTPS", "DEFAULT-MIXED", 7890, "alice").withProcess("curl", "/usr/bin/curl", 1000)
                .withDscp(46), "MATCH", "DIRECT", "DIRECT");
        flows.open(Metadata.internal(Network.UDP, Destination.ofHost("example.test", 53)), "MATCH", "DIRECT",
                "DIRECT");
        Map<String, Object> list = read(ClashViews.connections(flows, null));
        assertInstanceOf(Number.class, list.get("memory"));
        assertTrue(((Number) list.get("memory")).longValue() > 0, list::toString);
        for (Object c : (List<Object>) list.get("connections")) {
            assertCarries(CONNECTION_METADATA, ((Map<String, Object>) c).get("metadata"), "metadata");
        }
        Map<String, Object> md = ((List<Map<String, Map<String, Object>>>) list.get("connections")).stream()
                .map(c -> c.get("metadata")).filter(m -> m.get("network").equals("tcp")).findFirst().orElseThrow();
        assertEquals("DEFAULT-MIXED", md.get("inboundName"));
        assertEquals("7890", md.get("inboundPort"));
        assertEquals("alice", md.get("inboundUser"));
        assertEquals("curl", md.get("process"));
        assertEquals("/usr/bin/curl", md.get("processPath"));
        assertEquals(1000, ((Number) md.get("uid")).intValue());
        assertEquals(46, ((Number) md.get("dscp")).intValue());
        Map<String, Object> inner = ((List<Map<String, Map<String, Object>>>) list.get("connections")).stream()
                .map(c -> c.get("metadata")).filter(m -> m.get("network").equals("udp")).findFirst().orElseThrow();
        assertEquals("Inner", inner.get("type"), "mihomo's name for the core's own connections");
    }
}
