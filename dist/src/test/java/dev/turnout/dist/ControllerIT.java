package dev.turnout.dist;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.turnout.dist.controller.Api;
import dev.turnout.dist.controller.ControllerPeers;
import dev.turnout.dist.controller.Launched;
import dev.turnout.dist.testing.Daemons;
import dev.turnout.dist.testing.Netns;
import dev.turnout.host.controller.Json;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;

/**
 * The external controller end to end: the packaged launcher runs Turnout in a namespace of the test's own
 * with the configuration Clash 1.18's responses were recorded with (plus an emoji-named group and a rule
 * provider), dante behind {@code s5}, and curl, a WebSocket client and byte-level clients in front.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ControllerIT {

    static final int MIXED = 7890;
    static final int CONTROLLER = 9090;
    static final int DANTE = 1080;
    static final int HTTP = 8080;
    static final int SILENT = 8099;
    static final String SECRET = "s3cret";
    static final String EMOJI = "🚀 Proxy";
    static final String EMOJI_PATH = "/proxies/%F0%9F%9A%80%20Proxy";

    @TempDir
    static Path dir;

    Netns ns;
    Launched turnout;
    Api api;
    Path config;

    @BeforeAll
    void start() throws Exception {
        Netns.assumeUsable("danted", "curl");
        ns = Netns.create("tctl");
        ns.hosts(Map.of("hang.test", "127.0.0.1", "all0.test", "127.0.0.1", "all1.test", "127.0.0.1",
                "all2.test", "127.0.0.1", "ws.test", "127.0.0.1", "logged.test", "127.0.0.1", "quiet.test", "127.0.0.1"));
        ns.spawn(dir.resolve("http.log"), Daemons.peer("http", Integer.toString(HTTP)));
        ns.spawn(dir.resolve("silent.log"), Daemons.peer("silent", Integer.toString(SILENT)));
        Daemons.dante(ns, dir, DANTE, dir.resolve("danted.log"));
        ns.awaitTcpPort(HTTP, Duration.ofSeconds(20));
        ns.awaitTcpPort(SILENT, Duration.ofSeconds(20));
        Files.writeString(dir.resolve("local.list"), "# two entries\nDOMAIN-SUFFIX,local.test\nDOMAIN,other.test\n");
        config = dir.resolve("config.yaml");
        Files.writeString(config, configText("MATCH,DIRECT"));
        turnout = Launched.start(ns, config, dir.resolve("turnout.log"), CONTROLLER);
        ns.awaitTcpPort(MIXED, Duration.ofSeconds(30));
        api = new Api(ns, CONTROLLER, SECRET);
    }

    /** The recorded configuration, an emoji group that names it, and an unused file provider. */
    static String configText(String lastRule) {
        return String.join("\n",
                "mixed-port: " + MIXED,
                "bind-address: 127.0.0.1",
                "external-controller: 127.0.0.1:" + CONTROLLER,
                "secret: " + SECRET,
                "proxies:",
                "  - {name: s5, type: socks5, server: 127.0.0.1, port: " + DANTE + "}",
                "  - {name: h1, type: http, server: 127.0.0.1, port: 8888}",
                "proxy-groups:",
                "  - {name: G, type: select, proxies: [s5, h1, DIRECT]}",
                "  - {name: \"" + EMOJI + "\", type: select, proxies: [G, DIRECT]}",
                "rule-providers:",
                "  local: {type: file, behavior: classical, format: text, path: ./local.list}",
                "rules:",
                "  - DOMAIN-SUFFIX,example.test,G",
                "  - IP-CIDR,203.0.113.0/24,DIRECT,no-resolve",
                "  - " + lastRule,
                "");
    }

    @AfterAll
    void stop() throws Exception {
        if (turnout != null) {
            turnout.close();
        }
        if (ns != null) {
            ns.close();
        }
    }

    /** Clash's recorded answers, in ../shared/clash-api beside the repository. */
    private static Path recorded(String name) {
        Path repo = Path.of(System.getProperty("turnout.repo", System.getProperty("user.dir"))).toAbsolutePath();
        for (Path p = repo; p != null; p = p.getParent()) {
            Path candidate = p.resolve("shared/clash-api").resolve(name);
            if (Files.exists(candidate)) {
                return candidate;
            }
        }
        return null;
    }

    private static Object recordedJson(String name) throws Exception {
        Path p = recorded(name);
        assumeTrue(p != null, () -> "skipped: ../shared/clash-api/" + name + " is not here");
        return Json.parse(Files.readString(p, StandardCharsets.UTF_8));
    }

    @Test
    @Order(1)
    @SuppressWarnings("unchecked")
    void answersInClash118Shapes() throws Exception {
        // mihomo's configs also carry the TUN (its dashboards' switch reads tun.enable): this run has none, so it shows
        // what switching it on would open (mihomo's defaults). And whom the ports serve and do not ask, as mihomo
        // shows them by default.
        Map<String, Object> configs = new LinkedHashMap<>(api.get("/configs").object());
        Map<String, Object> tun = new LinkedHashMap<>((Map<String, Object>) configs.remove("tun"));
        assertTrue(tun.remove("mtu") instanceof Number, tun::toString);
        assertEquals(Map.ofEntries(Map.entry("enable", false), Map.entry("device", ""), Map.entry("stack", "System"),
                Map.entry("dns-hijack", List.of("0.0.0.0:53")), Map.entry("auto-route", true),
                Map.entry("auto-detect-interface", true), Map.entry("gso", true),
                Map.entry("inet4-address", List.of("198.18.0.1/30")),
                Map.entry("inet6-address", List.of("fdfe:dcba:9876::1/126")), Map.entry("strict-route", true),
                Map.entry("udp-timeout", 60), Map.entry("file-descriptor", 0)), tun);
        // The dns: section as metacubexd's DNS card reads it; this config has none: mihomo's defaults (redir-host).
        assertEquals(Map.of("enable", false, "listen", "", "ipv6", false, "enhanced-mode", "redir-host", "fake-ip-range",
                "198.18.0.1/16", "nameserver", List.of(), "fallback", List.of(), "use-hosts", true),
                configs.remove("dns"));
        assertEquals(List.of("0.0.0.0/0", "::/0"), configs.remove("lan-allowed-ips"));
        assertEquals(List.of(), configs.remove("lan-disallowed-ips"));
        assertTrue(configs.containsKey("skip-auth-prefixes"), configs::toString);
        assertEquals(null, configs.remove("skip-auth-prefixes"), "mihomo's nil slice: none set");
        assertEquals("https://github.com/MetaCubeX/metacubexd/archive/refs/heads/gh-pages.zip",
                configs.remove("external-ui-url"), "mihomo's default");
        assertEquals("", configs.remove("external-ui-name"));
        // The top-level ipv6 this config leaves out: on by mihomo's default, where Clash 1.18's was off.
        assertEquals(true, configs.put("ipv6", false), "mihomo's default");
        for (String key : List.of("interface-name", "routing-mark", "tcp-concurrent", "unified-delay", "keep-alive-idle",
                "keep-alive-interval", "disable-keep-alive", "find-process-mode", "sniffing",
                "geodata-mode", "geo-auto-update", "geo-update-interval", "geox-url", "geodata-loader",
                "geosite-matcher", "global-client-fingerprint", "global-ua", "etag-support", "tuic-server", "ss-config",
                "vmess-config", "inbound-tfo", "inbound-mptcp")) {
            assertTrue(configs.remove(key) != null, key);
        }
        assertEquals(recordedJson("configs.json"), configs);
        assertEquals(recordedJson("rules.json"), clash118Rules(api.get("/rules").json()));
        assertEquals(recordedJson("proxies_G.json"), withoutMihomoGroupKeys(api.get("/proxies/G").json()));
        Map<String, Object> connections = new LinkedHashMap<>(api.get("/connections").object());
        assertTrue(connections.remove("memory") instanceof Number n && n.longValue() > 0, "mihomo's memory");
        assertEquals(recordedJson("connections.json"), connections);
        Map<String, Object> version = api.get("/version").object();
        assertTrue(version.get("version") instanceof String v && !v.isEmpty(), version::toString);
        assertEquals(false, version.get("meta"), "mihomo's key; Turnout is not mihomo");
        @SuppressWarnings("unchecked")
        Map<String, Object> clash = (Map<String, Object>) ((Map<String, Object>) recordedJson("proxies.json")).get("proxies");
        @SuppressWarnings("unchecked")
        Map<String, Object> ours = (Map<String, Object>) api.get("/proxies").object().get("proxies");
        for (String name : clash.keySet()) {
            if (!name.equals("GLOBAL")) {
                assertEquals(clash.get(name), withoutMihomoGroupKeys(ours.get(name)), name);
            }
        }
        @SuppressWarnings("unchecked")
        Map<String, Object> global = new LinkedHashMap<>((Map<String, Object>) withoutMihomoGroupKeys(ours.get("GLOBAL")));
        @SuppressWarnings("unchecked")
        Map<String, Object> clashGlobal = (Map<String, Object>) clash.get("GLOBAL");
        assertEquals(List.of("DIRECT", "REJECT", "s5", "h1", "G", EMOJI), global.get("all"));
        global.put("all", clashGlobal.get("all"));
        assertEquals(clashGlobal, global);
        // mihomo's REJECT-DROP, which Clash 1.18 lacks: listed under mihomo's type name, and not in GLOBAL.
        @SuppressWarnings("unchecked")
        Map<String, Object> drop = (Map<String, Object>) ours.get("REJECT-DROP");
        assertEquals("RejectDrop", drop.get("type"), ours::toString);
    }

    /**
     * {@code GET /rules} in Clash 1.18's shape: mihomo 1.19.19's {@code index}, {@code size} and {@code extra} (rule
     * switches and counts, RuleSwitchesIT) taken out, each checked to be there in its form.
     */
    @SuppressWarnings("unchecked")
    static Object clash118Rules(Object rules) {
        List<Object> out = new java.util.ArrayList<>();
        int i = 0;
        for (Object o : (List<Object>) ((Map<String, Object>) rules).get("rules")) {
            Map<String, Object> copy = new LinkedHashMap<>((Map<String, Object>) o);
            assertEquals(i++, ((Number) copy.remove("index")).intValue(), copy::toString);
            assertTrue(((Number) copy.remove("size")).intValue() >= -1, copy::toString);
            Map<String, Object> extra = (Map<String, Object>) copy.remove("extra");
            assertEquals(java.util.Set.of("disabled", "hitCount", "hitAt", "missCount", "missAt"), extra.keySet());
            out.add(copy);
        }
        return Map.of("rules", out);
    }

    /**
     * A proxy or group as Clash 1.18 shows it: mihomo's also carry how they dial and {@code extra}, and its groups
     * {@code hidden} and {@code icon}, which Turnout shows as mihomo does (false and "" unless the config sets them).
     */
    @SuppressWarnings("unchecked")
    private static Object withoutMihomoGroupKeys(Object proxy) {
        if (!(proxy instanceof Map<?, ?> m)) {
            return proxy;
        }
        Map<String, Object> copy = new LinkedHashMap<>((Map<String, Object>) m);
        // mihomo's adapter.Proxy adds these to every proxy and group; Clash Verge Rev's client requires each.
        assertEquals(Map.of(), copy.remove("extra"), copy::toString);
        for (String off : List.of("uot", "xudp", "tfo", "mptcp", "smux")) {
            assertEquals(Boolean.FALSE, copy.remove(off), off + " in " + copy);
        }
        assertEquals("", copy.remove("interface"), copy::toString);
        assertEquals("", copy.remove("dialer-proxy"), copy::toString);
        assertEquals(0, ((Number) copy.remove("routing-mark")).intValue(), copy::toString);
        if (copy.containsKey("all")) {
            assertEquals(Boolean.FALSE, copy.remove("hidden"), copy::toString);
            assertEquals("", copy.remove("icon"), copy::toString);
        }
        return copy;
    }

    @Test
    void refusesWrongOrMissingSecretWith401() throws Exception {
        for (Api stranger : new Api[] {api.anonymous(), api.withSecret("s3cre"), api.withSecret("s3cret2")}) {
            Api.Response r = stranger.get("/proxies");
            assertEquals(401, r.status(), r::toString);
            assertEquals(Map.of("message", "Unauthorized"), r.json());
        }
        // ?token= counts for WebSockets only, as in Clash.
        assertEquals(401, api.anonymous().get("/proxies?token=" + SECRET).status());
        Netns.Result ws = ns.run(Duration.ofSeconds(30), ControllerPeers.command("ws",
                "ws://127.0.0.1:" + CONTROLLER + "/traffic?token=wrong", "1", "5"));
        assertEquals(3, ws.exitCode(), ws.stdout() + ws.stderr());
        assertTrue(ws.stdout().startsWith("refused"), ws.stdout());
    }

    @Test
    void unknownNamesGet404WithJsonMessage() throws Exception {
        String[][] calls = {
                {"GET", "/proxies/nope"}, {"PUT", "/proxies/nope"}, {"GET", "/proxies/nope/delay?timeout=100"},
                {"GET", "/proxies/%F0%9F%9A%80%20Nope"},
                {"GET", "/providers/rules/nope"}, {"PUT", "/providers/rules/nope"}, {"GET", "/nothing-here"}};
        for (String[] c : calls) {
            Api.Response r = api.call(c[0], c[1], c[0].equals("PUT") ? "{\"name\":\"DIRECT\"}" : null);
            assertEquals(404, r.status(), () -> c[0] + " " + c[1] + ": " + r);
            assertTrue(r.object().get("message") instanceof String, r::toString);
            assertTrue(r.headers().toLowerCase().contains("content-type: application/json"), r::headers);
        }
    }

    @Test
    void aMalformedPercentEncodingGets400NotAClosedConnection() throws Exception {
        for (String path : new String[] {"/proxies/%ZZ", "/proxies/G%2", "/proxies/G/delay?timeout=100&url=%ZZ"}) {
            Api.Response r = api.get(path);
            assertEquals(400, r.status(), () -> path + ": " + r);
            assertTrue(String.valueOf(r.object().get("message")).startsWith("malformed percent-encoding in the path or "
                    + "the query: "), r::toString);
        }
    }

    @Test
    void badBodiesGet400() throws Exception {
        assertEquals(400, api.call("PUT", "/proxies/G", "{bad").status());
        assertEquals(400, api.call("PUT", "/proxies/G", "{\"name\": 7}").status());
        assertEquals(400, api.call("PATCH", "/configs", "[").status());
        assertEquals(400, api.call("PATCH", "/configs", "{\"mode\":\"sideways\"}").status());
        assertEquals(400, api.call("PUT", "/configs", "{\"path\":\"relative.yaml\"}").status());
        Api.Response notSelector = api.call("PUT", "/proxies/s5", "{\"name\":\"DIRECT\"}");
        assertEquals(400, notSelector.status());
        assertEquals(Map.of("message", "Must be a Selector"), notSelector.json());
        Api.Response notMember = api.call("PUT", "/proxies/G", "{\"name\":\"REJECT\"}");
        assertEquals(400, notMember.status());
        assertEquals("G", api.get("/proxies/G").object().get("name"));
    }

    @Test
    void oversizedBodyIsRefusedWith413() throws Exception {
        Path big = dir.resolve("big.json");
        Files.writeString(big, "{\"payload\":\"" + "a".repeat(1_100_000) + "\"}");
        Api.Response r = api.call("PUT", "/configs", null, "-H", "Content-Type: application/json", "--data-binary", "@" + big);
        assertEquals(413, r.status(), r::toString);
    }

    @Test
    void selectsByUrlEncodedEmojiNameAndSavesTheChoice() throws Exception {
        Api.Response put = api.call("PUT", EMOJI_PATH, "{\"name\":\"DIRECT\"}");
        assertEquals(204, put.status(), put::toString);
        Map<String, Object> g = api.get(EMOJI_PATH).object();
        assertEquals(EMOJI, g.get("name"));
        assertEquals("DIRECT", g.get("now"));
        assertEquals(List.of("G", "DIRECT"), g.get("all"));
        // The file is written by a thread of its own after the answer: wait for it, bounded.
        assertEquals("DIRECT", savedChoice(EMOJI, "DIRECT", Duration.ofSeconds(5)));
        assertEquals(204, api.call("PUT", EMOJI_PATH, "{\"name\":\"G\"}").status());
    }

    @Test
    void patchChangesModeAndLogLevel() throws Exception {
        try {
            assertEquals(204, api.call("PATCH", "/configs", "{\"mode\":\"global\",\"log-level\":\"debug\"}").status());
            Map<String, Object> c = api.get("/configs").object();
            assertEquals("global", c.get("mode"));
            assertEquals("debug", c.get("log-level"));
        } finally {
            assertEquals(204, api.call("PATCH", "/configs", "{\"mode\":\"Rule\",\"log-level\":\"info\"}").status());
        }
        assertEquals("rule", api.get("/configs").object().get("mode"));
    }

    @Test
    void putConfigsReloadsAndAFailingReloadChangesNothing() throws Exception {
        Object before = clash118Rules(api.get("/rules").json());
        Api.Response bad = api.call("PUT", "/configs", Json.write(Map.of("payload", configText("MATCH,NO-SUCH-OUTBOUND"))));
        assertEquals(400, bad.status(), bad::toString);
        assertTrue(String.valueOf(bad.object().get("message")).contains("NO-SUCH-OUTBOUND"), bad::toString);
        assertEquals(before, clash118Rules(api.get("/rules").json()));

        Api.Response good = api.call("PUT", "/configs", Json.write(Map.of("payload", configText("MATCH,G"))));
        assertEquals(204, good.status(), good::toString);
        @SuppressWarnings("unchecked")
        List<Map<String, Object>> rules = (List<Map<String, Object>>) api.get("/rules").object().get("rules");
        assertEquals(Map.of("type", "Match", "payload", "", "proxy", "G"),
                ((List<?>) ((Map<?, ?>) clash118Rules(Map.of("rules", rules))).get("rules")).get(2));

        Api.Response byPath = api.call("PUT", "/configs?force=true", Json.write(Map.of("path", config.toString())));
        assertEquals(204, byPath.status(), byPath::toString);
        assertEquals(before, clash118Rules(api.get("/rules").json()));
    }

    @Test
    void ruleProvidersAreListedAndRefreshed() throws Exception {
        @SuppressWarnings("unchecked")
        Map<String, Object> local = (Map<String, Object>) ((Map<String, Object>) api.get("/providers/rules").object()
                .get("providers")).get("local");
        assertEquals("local", local.get("name"));
        assertEquals("Rule", local.get("type"));
        assertEquals("File", local.get("vehicleType"));
        assertEquals("Classical", local.get("behavior"));
        assertEquals(2, local.get("ruleCount"));
        Api.Response refresh = api.call("PUT", "/providers/rules/local", null);
        assertEquals(204, refresh.status(), refresh::toString);
    }

    @Test
    void delayIsMeasuredThroughTheOutbound() throws Exception {
        String url = "url=http%3A%2F%2F127.0.0.1%3A" + HTTP + "%2Fgenerate_204";
        for (String name : new String[] {"DIRECT", "s5", "G"}) {
            Api.Response r = api.get("/proxies/" + name + "/delay?timeout=3000&" + url);
            assertEquals(200, r.status(), () -> name + ": " + r);
            int delay = ((Number) r.object().get("delay")).intValue();
            assertTrue(delay > 0 && delay < 3000, name + " delay " + delay);
        }
        Api.Response down = api.get("/proxies/h1/delay?timeout=2000&" + url);
        assertEquals(503, down.status(), down::toString);
        assertEquals(Map.of("message", "An error occurred in the delay test"), down.json());
        Api.Response slow = api.get("/proxies/DIRECT/delay?timeout=500&url=http%3A%2F%2F127.0.0.1%3A" + SILENT + "%2F");
        assertEquals(504, slow.status(), slow::toString);
        assertEquals(Map.of("message", "Timeout"), slow.json());
        @SuppressWarnings("unchecked")
        List<Map<String, Object>> history = (List<Map<String, Object>>) api.get("/proxies/s5").object().get("history");
        assertFalse(history.isEmpty());
        assertTrue(history.get(history.size() - 1).containsKey("time"));
    }

    @Test
    void deleteClosesALiveConnectionMadeThroughTheMixedPort() throws Exception {
        Path curlLog = dir.resolve("hanging-curl.log");
        Process curl = ns.spawn(curlLog, "curl", "-sS", "--max-time", "60", "--socks5-hostname", "127.0.0.1:" + MIXED,
                "http://hang.test:" + SILENT + "/");
        Map<String, Object> conn = awaitConnection("hang.test", Duration.ofSeconds(15));
        @SuppressWarnings("unchecked")
        Map<String, Object> meta = (Map<String, Object>) conn.get("metadata");
        assertEquals("tcp", meta.get("network"));
        assertEquals(Integer.toString(SILENT), meta.get("destinationPort"));
        assertEquals("Match", conn.get("rule"));
        assertEquals(List.of("DIRECT"), conn.get("chains"));
        assertTrue(String.valueOf(conn.get("start")).endsWith("Z"), conn::toString);

        Api.Response del = api.call("DELETE", "/connections/" + conn.get("id"), null);
        assertEquals(204, del.status(), del::toString);
        assertTrue(curl.waitFor(10, TimeUnit.SECONDS), "curl still waiting after the connection was closed");
        assertNotEquals(0, curl.exitValue());
        assertTrue(connectionsTo("hang.test").isEmpty());
        // Closing it again, as a dashboard does when the connection ended between its refresh and the click, or
        // one that never was: done, as Clash 1.18 and mihomo answer (a 404 is an error a dashboard shows).
        for (String gone : new String[] {String.valueOf(conn.get("id")), "987654", "nope"}) {
            Api.Response again = api.call("DELETE", "/connections/" + gone, null);
            assertEquals(204, again.status(), () -> gone + ": " + again);
        }
    }

    @Test
    void deleteAllClosesEveryConnection() throws Exception {
        List<Process> curls = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            curls.add(ns.spawn(dir.resolve("all-" + i + ".log"), "curl", "-sS", "--max-time", "60", "--proxy",
                    "http://127.0.0.1:" + MIXED, "--proxytunnel", "http://all" + i + ".test:" + SILENT + "/"));
        }
        for (int i = 0; i < 3; i++) {
            @SuppressWarnings("unchecked")
            Map<String, Object> meta = (Map<String, Object>) awaitConnection("all" + i + ".test", Duration.ofSeconds(15))
                    .get("metadata");
            assertEquals("HTTPS", meta.get("type"), "a CONNECT, as mihomo lists it (IN-TYPE,HTTPS matches it)");
        }
        assertEquals(204, api.call("DELETE", "/connections", null).status());
        for (Process p : curls) {
            assertTrue(p.waitFor(10, TimeUnit.SECONDS), "a curl still runs after DELETE /connections");
        }
    }

    @Test
    void connectionsStreamOverWebSocketShowsALiveFlow() throws Exception {
        Process curl = ns.spawn(dir.resolve("ws-curl.log"), "curl", "-sS", "--max-time", "60", "--socks5-hostname",
                "127.0.0.1:" + MIXED, "http://ws.test:" + SILENT + "/");
        try {
            awaitConnection("ws.test", Duration.ofSeconds(15));
            Netns.Result r = ns.run(Duration.ofSeconds(40), ControllerPeers.command("ws",
                    "ws://127.0.0.1:" + CONTROLLER + "/connections?interval=300&token=" + SECRET, "3", "20"));
            assertEquals(0, r.exitCode(), r.stdout() + r.stderr());
            List<String> lines = r.stdout().lines().toList();
            assertEquals(3, lines.size(), r.stdout());
            for (String line : lines) {
                Map<String, Object> snapshot = Json.parseObject(line);
                assertTrue(snapshot.containsKey("downloadTotal") && snapshot.containsKey("uploadTotal"), line);
                assertTrue(line.contains("ws.test"), line);
            }
        } finally {
            curl.destroy();
        }
    }

    @Test
    void trafficStreamsAsChunkedLinesAndOverWebSocket() throws Exception {
        Netns.Result chunked = ns.run(Duration.ofSeconds(20), "curl", "-sS", "-N", "--max-time", "3.5", "-H",
                "Authorization: Bearer " + SECRET, "http://127.0.0.1:" + CONTROLLER + "/traffic");
        List<String> lines = chunked.stdout().lines().filter(l -> !l.isBlank()).toList();
        assertTrue(lines.size() >= 2, "traffic lines: " + chunked.stdout() + chunked.stderr());
        for (String l : lines) {
            Map<String, Object> t = Json.parseObject(l);
            assertEquals(java.util.Set.of("up", "down"), t.keySet());
        }
        Netns.Result ws = ns.run(Duration.ofSeconds(30), ControllerPeers.command("ws",
                "ws://127.0.0.1:" + CONTROLLER + "/traffic?token=" + SECRET, "2", "10"));
        assertEquals(0, ws.exitCode(), ws.stdout() + ws.stderr());
        assertTrue(ws.stdout().lines().allMatch(l -> l.startsWith("{\"up\":")), ws.stdout());
    }

    @Test
    void logsStreamOverWebSocketAndAsChunkedLines() throws Exception {
        Process watcher = ns.spawn(dir.resolve("ws-logs.out"), ControllerPeers.command("ws",
                "ws://127.0.0.1:" + CONTROLLER + "/logs?level=info&token=" + SECRET, "1", "20"));
        // Clash Verge Rev asks for mihomo's structured lines.
        Process structured = ns.spawn(dir.resolve("ws-structured.out"), ControllerPeers.command("ws",
                "ws://127.0.0.1:" + CONTROLLER + "/logs?level=info&format=structured&token=" + SECRET, "1", "20"));
        Path chunkedOut = dir.resolve("chunked-logs.out");
        Process chunked = ns.spawn(chunkedOut, "curl", "-sS", "-N", "--max-time", "20", "-H", "Authorization: Bearer " + SECRET,
                "http://127.0.0.1:" + CONTROLLER + "/logs?level=warning");
        // An info line (a route) and a warning line (a failing reload) to see. Neither stream says when it has
        // subscribed, so these are made again (bounded) until both have shown theirs, instead of a fixed wait.
        String warning = "{\"type\":\"warning\",\"payload\":\"ApiHandler reload asked for by the controller failed";
        long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        do {
            ns.run(Duration.ofSeconds(20), "curl", "-sS", "--max-time", "5", "--socks5-hostname", "127.0.0.1:" + MIXED,
                    "http://logged.test:" + HTTP + "/");
            api.call("PUT", "/configs", Json.write(Map.of("payload", configText("MATCH,NO-SUCH-OUTBOUND"))));
        } while (!(watcher.waitFor(200, TimeUnit.MILLISECONDS) && structured.waitFor(1, TimeUnit.MILLISECONDS)
                && MixedPortIT.read(chunkedOut).contains(warning)) && System.nanoTime() < deadline);
        assertTrue(structured.waitFor(1, TimeUnit.SECONDS), "no structured log line over the WebSocket");
        String structuredLine = Files.readString(dir.resolve("ws-structured.out")).trim().lines().findFirst().orElse("{}");
        Map<String, Object> fields = Json.parseObject(structuredLine);
        assertEquals(List.of("time", "level", "message", "fields"), List.copyOf(fields.keySet()), structuredLine);
        assertTrue(List.of("info", "warn", "error").contains(fields.get("level")), structuredLine);
        assertTrue(watcher.waitFor(1, TimeUnit.SECONDS), "no log line over the WebSocket");
        String wsLine = Files.readString(dir.resolve("ws-logs.out")).trim();
        Map<String, Object> entry = Json.parseObject(wsLine.lines().findFirst().orElse("{}"));
        assertTrue(List.of("info", "warning", "error").contains(entry.get("type")), wsLine);
        assertTrue(entry.get("payload") instanceof String, wsLine);
        chunked.destroy();
        chunked.waitFor(5, TimeUnit.SECONDS);
        String text = Files.readString(chunkedOut);
        assertFalse(text.contains("\"type\":\"info\""), "level=warning must hide info lines: " + text);
        assertTrue(text.contains(warning), text);
    }

    /**
     * mihomo streams every level a dashboard asks for, whatever the config's log-level; its standard output keeps to
     * that. With the log at warning, /logs?level=info shows each route line, and turnout.log (standard error) gets
     * none (s69 accounting F6: the stream showed nothing below the config's level).
     */
    @Test
    void logsAtInfoShowRouteLinesWhileTheLogItselfKeepsToWarning() throws Exception {
        assertEquals(204, api.call("PATCH", "/configs", "{\"log-level\":\"warning\"}").status());
        Path out = dir.resolve("info-at-warning.out");
        Process stream = ns.spawn(out, "curl", "-sS", "-N", "--max-time", "30", "-H", "Authorization: Bearer " + SECRET,
                "http://127.0.0.1:" + CONTROLLER + "/logs?level=info");
        try {
            // The stream does not say when it has subscribed: flows are made (bounded) until it shows one.
            long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
            do {
                ns.run(Duration.ofSeconds(20), "curl", "-sS", "--max-time", "5", "--socks5-hostname",
                        "127.0.0.1:" + MIXED, "http://quiet.test:" + HTTP + "/");
            } while (!MixedPortIT.read(out).contains("quiet.test") && !stream.waitFor(200, TimeUnit.MILLISECONDS)
                    && System.nanoTime() < deadline);
            String streamed = MixedPortIT.read(out);
            assertTrue(streamed.contains("{\"type\":\"info\",\"payload\":\"") && streamed.contains("quiet.test"),
                    "no route line at level=info while the log is at warning: " + streamed);
            // A warning from the controller's worker waits until it is written, after every line queued before it.
            String warning = "reload asked for by the controller failed";
            api.call("PUT", "/configs", Json.write(Map.of("payload", configText("MATCH,NO-SUCH-OUTBOUND"))));
            String log = turnout.log();
            assertTrue(log.contains(warning), log);
            assertFalse(log.contains("quiet.test"), "the log is at warning: " + log);
        } finally {
            stream.destroy();
            stream.waitFor(5, TimeUnit.SECONDS);
            api.call("PATCH", "/configs", "{\"log-level\":\"info\"}");
        }
    }

    @Test
    void streamingClientsAreBounded() throws Exception {
        Netns.Result r = ns.run(Duration.ofSeconds(60), ControllerPeers.command("streams", Integer.toString(CONTROLLER),
                "/traffic", "Bearer " + SECRET, "70"));
        assertTrue(r.stdout().contains("ok=64 busy=6 other=0"), r.stdout() + r.stderr());
    }

    @Test
    void corsPreflightNeedsNoSecret() throws Exception {
        Api.Response r = api.anonymous().call("OPTIONS", "/proxies", null, "-H", "Origin: http://yacd.example",
                "-H", "Access-Control-Request-Method: PUT", "-H", "Access-Control-Request-Headers: authorization,content-type");
        assertEquals(204, r.status());
        String h = r.headers().toLowerCase();
        assertTrue(h.contains("access-control-allow-origin: *"), h);
        assertTrue(h.contains("access-control-allow-headers: content-type, authorization"), h);
        assertTrue(h.contains("put"), h);
        assertTrue(api.get("/version").headers().toLowerCase().contains("access-control-allow-origin: *"));
    }

    @Test
    void dashboardFilesAreServedAndTraversalRefused() throws Exception {
        Api.Response index = api.anonymous().get("/ui/");
        assertEquals(200, index.status());
        assertTrue(index.body().contains("<script src=\"app.js\">"), index.body());
        assertEquals(200, api.anonymous().get("/ui/app.js").status());
        assertEquals(301, api.anonymous().get("/ui").status());
        assertEquals(403, api.anonymous().call("GET", "/ui/..%2F..%2Fetc%2Fpasswd", null, "--path-as-is").status());
        assertEquals(404, api.anonymous().get("/ui/nothing.js").status());
    }

    @Test
    void withoutASecretAnOpenAddressListensOnLoopbackOnlyAndSaysHowToOpenIt() throws Exception {
        // What Loyalsoldier's README config has (there 0.0.0.0): Clash starts it, so Turnout does, but only on loopback.
        Path open = dir.resolve("open.yaml");
        Files.writeString(open, String.join("\n", "mixed-port: 7991", "external-controller: '[::]:9091'",
                "rules:", "  - MATCH,DIRECT", ""));
        try (Launched second = Launched.start(ns, open, dir.resolve("turnout-open.log"), 9091)) {
            String listening = ns.run(Duration.ofSeconds(5), "ss", "-Htln", "sport = :9091").stdout();
            // Netty's sockets are dual-stack: ss shows 127.0.0.1 as [::ffff:127.0.0.1].
            assertTrue(listening.matches("(?s).*127\\.0\\.0\\.1]?:9091 .*") && listening.contains("[::1]:9091"), listening);
            assertEquals(2, listening.lines().count(), listening);
            assertEquals(200, new Api(ns, 9091, null).get("/version").status());
            assertTrue(second.log().contains("open.yaml:2:22: external-controller [::]:9091 would be reachable from other machines without "
                    + "a 'secret', so the controller listens on 127.0.0.1:9091 and [::1]:9091 only; set a "
                    + "'secret' to listen on [::]:9091"), second.log());
        }
    }

    @Test
    void externalUiServesAFolderInsteadOfTheBuiltInPage() throws Exception {
        Path ui = Files.createDirectories(dir.resolve("third-party-ui"));
        Files.writeString(ui.resolve("index.html"), "<title>yacd</title>");
        Files.writeString(dir.resolve("outside.txt"), "private");
        Path cfg = dir.resolve("ui.yaml");
        Files.writeString(cfg, String.join("\n", "mixed-port: 7992", "external-controller: 127.0.0.1:9092",
                "external-ui: third-party-ui", "rules:", "  - MATCH,DIRECT", ""));
        try (Launched second = Launched.start(ns, cfg, dir.resolve("turnout-ui.log"), 9092)) {
            Api other = new Api(ns, 9092, null);
            Api.Response index = other.get("/ui/");
            assertEquals(200, index.status(), index::toString);
            assertEquals("<title>yacd</title>", index.body());
            assertEquals(403, other.call("GET", "/ui/../outside.txt", null, "--path-as-is").status());
            assertEquals(403, other.call("GET", "/ui/%2e%2e/outside.txt", null, "--path-as-is").status());
            assertEquals(200, other.get("/version").status(), "no secret configured: the API is open on loopback");
        }
    }

    /**
     * A config written for mihomo names a dashboard folder that is not there yet, with {@code external-ui-url}
     * (mihomo downloads it; Turnout refused to start): it is downloaded at start, and {@code POST /upgrade/ui} (the
     * dashboards' "update UI") fetches it again; a download that fails leaves the one there.
     */
    @Test
    void aMissingExternalUiIsDownloadedAtStartAndAgainOnUpgradeUi() throws Exception {
        Path served = Files.createDirectories(dir.resolve("served-ui"));
        Files.write(served.resolve("ui.zip"), uiZip("<title>v1</title>"));
        Path cfg = dir.resolve("ui-download.yaml");
        Files.writeString(cfg, String.join("\n", "mixed-port: 7993", "external-controller: 127.0.0.1:9093",
                "external-ui: downloaded-ui", "external-ui-url: http://127.0.0.1:8093/ui.zip", "rules:",
                "  - MATCH,DIRECT", ""));
        ns.spawn(dir.resolve("files-ui.log"), Daemons.peer("files", "8093", served.toString()));
        ns.awaitTcpPort(8093, Duration.ofSeconds(20));
        try (Launched second = Launched.start(ns, cfg, dir.resolve("turnout-ui-download.log"), 9093)) {
            Api other = new Api(ns, 9093, null);
            Api.Response index = other.get("/ui/");
            for (int i = 0; i < 100 && index.status() != 200; i++) { // the download runs beside the start
                Thread.sleep(100);
                index = other.get("/ui/");
            }
            assertEquals("<title>v1</title>", index.body(), second::log);
            assertEquals("<title>v1</title>", Files.readString(dir.resolve("downloaded-ui/index.html")));

            Files.write(served.resolve("ui.zip"), uiZip("<title>v2</title>"));
            Api.Response upgraded = other.call("POST", "/upgrade/ui", null);
            assertEquals(200, upgraded.status(), upgraded::toString);
            assertEquals(Map.of("status", "ok"), upgraded.object());
            assertEquals("<title>v2</title>", other.get("/ui/").body());

            // zashboard's "upgrade": its own release's URL PATCHed, then POST /upgrade/ui.
            Files.write(served.resolve("zash.zip"), uiZip("<title>zash</title>"));
            Api.Response url = other.call("PATCH", "/configs", "{\"external-ui-url\":\"http://127.0.0.1:8093/zash.zip\"}");
            assertEquals(204, url.status(), url::toString);
            assertEquals("http://127.0.0.1:8093/zash.zip", other.get("/configs").object().get("external-ui-url"));
            assertEquals(200, other.call("POST", "/upgrade/ui", null).status());
            assertEquals("<title>zash</title>", other.get("/ui/").body());
            assertEquals(400, other.call("PATCH", "/configs", "{\"external-ui-url\":\"file:///etc/passwd\"}").status());

            Files.writeString(served.resolve("zash.zip"), "<html>rate limited</html>");
            Api.Response failed = other.call("POST", "/upgrade/ui", null);
            assertEquals(500, failed.status(), failed::toString);
            assertTrue(failed.body().contains("not a zip archive"), failed.body());
            assertEquals("<title>zash</title>", other.get("/ui/").body(), "the dashboard there stays");
        }
    }

    /** A dashboard as GitHub's branch archives come: one top folder. */
    private static byte[] uiZip(String index) throws IOException {
        java.io.ByteArrayOutputStream bytes = new java.io.ByteArrayOutputStream();
        try (java.util.zip.ZipOutputStream z = new java.util.zip.ZipOutputStream(bytes)) {
            z.putNextEntry(new java.util.zip.ZipEntry("metacubexd-gh-pages/index.html"));
            z.write(index.getBytes(StandardCharsets.UTF_8));
            z.closeEntry();
        }
        return bytes.toByteArray();
    }

    /** What the selections file says for {@code group} once it says {@code expected}, or at the deadline. */
    private String savedChoice(String group, String expected, Duration timeout) throws Exception {
        long deadline = System.nanoTime() + timeout.toNanos();
        String saved = null;
        while (System.nanoTime() < deadline && !expected.equals(saved)) {
            Thread.sleep(50);
            java.util.Properties p = new java.util.Properties();
            try (var in = Files.newBufferedReader(dir.resolve(".turnout-selections"), StandardCharsets.UTF_8)) {
                p.load(in);
            } catch (java.nio.file.NoSuchFileException e) {
                continue;
            }
            saved = p.getProperty(group);
        }
        return saved;
    }

    private Map<String, Object> awaitConnection(String host, Duration timeout) throws Exception {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            List<Map<String, Object>> found = connectionsTo(host);
            if (!found.isEmpty()) {
                return found.get(0);
            }
            Thread.sleep(200);
        }
        throw new AssertionError("no connection to " + host + " appeared; " + api.get("/connections") + "\n" + turnout.log());
    }

    @SuppressWarnings("unchecked")
    private List<Map<String, Object>> connectionsTo(String host) throws IOException, InterruptedException {
        List<Map<String, Object>> out = new ArrayList<>();
        for (Object o : (List<Object>) api.get("/connections").object().get("connections")) {
            Map<String, Object> c = (Map<String, Object>) o;
            if (host.equals(((Map<String, Object>) c.get("metadata")).get("host"))) {
                out.add(c);
            }
        }
        return out;
    }
}
