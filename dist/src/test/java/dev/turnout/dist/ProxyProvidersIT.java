package dev.turnout.dist;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.turnout.dist.controller.Api;
import dev.turnout.dist.controller.Launched;
import dev.turnout.dist.testing.Daemons;
import dev.turnout.dist.testing.Netns;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;

/**
 * proxy-providers against a real subscription server (python3's http.server, with the
 * {@code subscription-userinfo} header) serving Clash YAML, base64 share links and plain share links that list
 * real upstreams (two dante-servers and a tinyproxy). The groups that {@code use:} the providers carry traffic
 * through the listed nodes; the lists change, break and go offline under a running Turnout.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ProxyProvidersIT {

    static final int MIXED = 7890;
    static final int CONTROLLER = 9090;
    static final int SUBSCRIPTIONS = 8070;
    static final int HEALTH = 8080;
    static final int TARGET = 8081;
    static final int DRIP = 8082;
    static final int DANTE_A = 1081;
    static final int DANTE_B = 1082;
    static final int TINYPROXY = 8888;
    static final int DEAD = 1099;
    static final String USERINFO = "upload=1024; download=2048; total=1073741824; expire=1893456000";

    /** A folder served over HTTP, every answer with the subscription-userinfo header, as providers' servers send it. */
    static final String SERVER = String.join("\n",
            "import http.server, sys, functools",
            "class H(http.server.SimpleHTTPRequestHandler):",
            "    def end_headers(self):",
            "        sys.stderr.write('header %s\\n' % self.headers.get('X-Turnout-Test'))",
            "        self.send_header('subscription-userinfo', '" + USERINFO + "')",
            "        super().end_headers()",
            "handler = functools.partial(H, directory=sys.argv[2])",
            "http.server.ThreadingHTTPServer(('127.0.0.1', int(sys.argv[1])), handler).serve_forever()",
            "");

    @TempDir
    static Path dir;

    Netns ns;
    Launched turnout;
    Api api;
    Path config;
    Path served;
    Process server;

    static String yamlList(String... entries) {
        StringBuilder b = new StringBuilder("proxies:\n");
        for (String e : entries) {
            b.append("  - ").append(e).append('\n');
        }
        return b.toString();
    }

    static final String DANTE_A_YAML = "{name: dante-a, type: socks5, server: 127.0.0.1, port: " + DANTE_A + "}";
    static final String DANTE_B_YAML = "{name: dante-b, type: socks5, server: 127.0.0.1, port: " + DANTE_B + "}";
    static final String TINY_YAML = "{name: tiny, type: http, server: 127.0.0.1, port: " + TINYPROXY + "}";
    static final String DEAD_YAML = "{name: dead, type: socks5, server: 127.0.0.1, port: " + DEAD + "}";
    static final String OTHER_YAML = "{name: other, type: socks5, server: 127.0.0.1, port: " + DANTE_B + "}";
    static final String BROKEN_NAME_YAML = "{name: tiny-broken, type: http, server: 127.0.0.1, port: " + DEAD + "}";

    static String links() {
        return String.join("\n",
                "socks://" + Base64.getEncoder().encodeToString("u:p".getBytes(StandardCharsets.UTF_8)).replace("=", "")
                        + "@127.0.0.1:" + DANTE_A + "#L-socks",
                "http://127.0.0.1:" + TINYPROXY + "#L-http",
                // Public lists name many nodes alike and write raw spaces: mihomo keeps them all, numbered.
                "socks://" + Base64.getEncoder().encodeToString("u:p".getBytes(StandardCharsets.UTF_8)).replace("=", "")
                        + "@127.0.0.1:" + DANTE_B + "#L-socks",
                "ssr://MTI3LjAuMC4xOjEyMzQ6YXV0aF9hZXMxMjhfbWQ1OmFlcy0xMjgtY2ZiOnRsczEuMl90aWNrZXRfYXV0aDpZV0ZoWW1KaS8",
                "hysteria2://pw@127.0.0.1:443#L-h2",
                "");
    }

    @BeforeAll
    void start() throws Exception {
        Netns.assumeUsable("danted", "tinyproxy", "curl", "python3");
        ns = Netns.create("s13pp");
        ns.hosts(Map.of("target.test", "127.0.0.1"));
        served = Files.createDirectories(dir.resolve("served"));
        Files.writeString(served.resolve("sub.yaml"), yamlList(DANTE_A_YAML, TINY_YAML, DEAD_YAML, OTHER_YAML,
                BROKEN_NAME_YAML));
        Files.writeString(served.resolve("sub.b64"), Base64.getMimeEncoder().encodeToString(
                links().getBytes(StandardCharsets.UTF_8)));
        Files.writeString(served.resolve("sub.txt"), links());
        Files.writeString(dir.resolve("server.py"), SERVER);
        startServer();
        ns.spawn(dir.resolve("health.log"), Daemons.peer("http", Integer.toString(HEALTH)));
        ns.spawn(dir.resolve("target.log"), Daemons.peer("http", Integer.toString(TARGET)));
        ns.spawn(dir.resolve("drip.log"), Daemons.peer("drip", Integer.toString(DRIP), "60", "100"));
        for (int port : new int[] {DANTE_A, DANTE_B}) {
            Path d = Files.createDirectories(dir.resolve("dante-" + port));
            Daemons.dante(ns, d, port, d.resolve("danted.log"));
        }
        Path t = Files.createDirectories(dir.resolve("tinyproxy"));
        Daemons.tinyproxy(ns, t, TINYPROXY, t.resolve("tinyproxy.log"), TARGET, DRIP, HEALTH);
        ns.awaitTcpPort(HEALTH, Duration.ofSeconds(20));
        ns.awaitTcpPort(TARGET, Duration.ofSeconds(20));
        ns.awaitTcpPort(DRIP, Duration.ofSeconds(20));
        String health = "http://127.0.0.1:" + HEALTH + "/generate_204";
        String base = "http://127.0.0.1:" + SUBSCRIPTIONS + "/";
        config = dir.resolve("config.yaml");
        Files.writeString(config, String.join("\n",
                "mixed-port: " + MIXED,
                "external-controller: 127.0.0.1:" + CONTROLLER,
                "proxies:",
                "  - {name: fetcher, type: socks5, server: 127.0.0.1, port: " + DANTE_B + "}",
                "proxy-providers:",
                "  yaml-sub:",
                "    type: http",
                "    url: " + base + "sub.yaml",
                "    interval: 3",
                "    filter: 'dante|tiny|dead'",
                "    exclude-filter: 'broken'",
                "    override: {additional-prefix: 'Y-'}",
                "    health-check: {enable: true, url: '" + health + "', interval: 2, lazy: false, timeout: 2000}",
                "  b64-sub: {type: http, url: '" + base + "sub.b64', interval: 3600, proxy: fetcher,"
                        + " header: {X-Turnout-Test: [through-fetcher]}}",
                "  links-sub: {type: http, url: '" + base + "sub.txt', path: ./subs/links.txt}",
                "  too-big: {type: http, url: '" + base + "sub.yaml', path: ./subs/big.yaml, size-limit: 64}",
                "proxy-groups:",
                "  - {name: Y, type: select, use: [yaml-sub]}",
                "  - {name: T, type: select, use: [yaml-sub]}",
                "  - {name: B, type: select, use: [b64-sub]}",
                "  - {name: L, type: select, use: [links-sub], proxies: [DIRECT]}",
                "  - {name: auto, type: url-test, use: [yaml-sub], url: '" + health + "', interval: 300, lazy: false}",
                "rules:",
                "  - DOMAIN,y.test,Y",
                "  - DOMAIN,t.test,T",
                "  - DOMAIN,b.test,B",
                "  - DOMAIN,l.test,L",
                "  - DOMAIN,auto.test,auto",
                "  - MATCH,DIRECT",
                ""));
        ns.hosts(Map.of("target.test", "127.0.0.1", "y.test", "127.0.0.1", "t.test", "127.0.0.1",
                "b.test", "127.0.0.1", "l.test", "127.0.0.1", "auto.test", "127.0.0.1"));
        turnout = Launched.start(ns, config, dir.resolve("turnout.log"), CONTROLLER);
        ns.awaitTcpPort(MIXED, Duration.ofSeconds(30));
        api = new Api(ns, CONTROLLER, null);
    }

    private void startServer() throws IOException, InterruptedException {
        server = ns.spawn(dir.resolve("subscriptions.log"), "python3", dir.resolve("server.py").toString(),
                Integer.toString(SUBSCRIPTIONS), served.toString());
        ns.awaitTcpPort(SUBSCRIPTIONS, Duration.ofSeconds(20));
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

    @SuppressWarnings("unchecked")
    private List<String> members(String group) throws Exception {
        return (List<String>) api.get("/proxies/" + group).object().get("all");
    }

    private Netns.Result curl(String host, int port, String path) throws Exception {
        return ns.run(Duration.ofSeconds(30), "curl", "-sS", "--max-time", "20", "--socks5-hostname",
                "127.0.0.1:" + MIXED, "http://" + host + ":" + port + path);
    }

    private void select(String group, String member) throws Exception {
        Api.Response r = api.call("PUT", "/proxies/" + group, "{\"name\":\"" + member + "\"}");
        assertEquals(204, r.status(), r.toString());
    }

    private static boolean await(BooleanSupplier condition, Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            if (condition.getAsBoolean()) {
                return true;
            }
            Thread.sleep(250);
        }
        return condition.getAsBoolean();
    }

    private static String read(Path p) {
        try {
            return Files.exists(p) ? Files.readString(p) : "";
        } catch (IOException e) {
            return "";
        }
    }

    private void assertCarried(Path log, String needle) throws InterruptedException {
        assertTrue(await(() -> read(log).contains(needle), Duration.ofSeconds(10)),
                () -> log + " does not show " + needle + ":\n" + read(log));
    }

    @Test
    @Order(1)
    void eachFormFillsItsGroupWithFilteredRenamedNodesThatCarryTraffic() throws Exception {
        assertEquals(List.of("Y-dante-a", "Y-tiny", "Y-dead"), members("Y"), turnout.log());
        assertEquals(List.of("L-socks", "L-http", "L-socks-01"), members("B"));
        // the same names in a second subscription get their provider's name
        assertEquals(List.of("DIRECT", "L-socks (links-sub)", "L-http (links-sub)", "L-socks-01 (links-sub)"),
                members("L"));

        select("Y", "Y-dante-a");
        Netns.Result r = curl("y.test", TARGET, "/via-yaml-socks");
        assertEquals(0, r.exitCode(), r.stderr() + turnout.log());
        assertCarried(dir.resolve("dante-" + DANTE_A + "/danted.log"), "y.test." + TARGET);
        select("Y", "Y-tiny");
        r = curl("y.test", TARGET, "/via-yaml-http");
        assertEquals(0, r.exitCode(), r.stderr());
        assertCarried(dir.resolve("tinyproxy/tinyproxy.log"), "y.test:" + TARGET);

        select("B", "L-http");
        r = curl("b.test", TARGET, "/via-base64-http");
        assertEquals(0, r.exitCode(), r.stderr());
        assertCarried(dir.resolve("tinyproxy/tinyproxy.log"), "b.test:" + TARGET);
        select("B", "L-socks-01");
        r = curl("b.test", TARGET, "/via-base64-second-socks");
        assertEquals(0, r.exitCode(), r.stderr());
        assertCarried(dir.resolve("dante-" + DANTE_B + "/danted.log"), "b.test." + TARGET);
        select("L", "L-socks (links-sub)");
        r = curl("l.test", TARGET, "/via-link-socks");
        assertEquals(0, r.exitCode(), r.stderr());
        assertCarried(dir.resolve("dante-" + DANTE_A + "/danted.log"), "l.test." + TARGET);
    }

    @Test
    @Order(2)
    void unknownLinksAreOneWarningPerProviderAndAnOversizedDownloadIsRefused() throws Exception {
        String log = turnout.log();
        for (String p : new String[] {"b64-sub", "links-sub"}) {
            List<String> lines = log.lines().filter(l -> l.contains("proxy provider '" + p + "'") && l.contains("skipped"))
                    .toList();
            assertEquals(1, lines.size(), log);
            assertTrue(lines.get(0).contains("2 nodes skipped") && lines.get(0).contains("ssr")
                    && lines.get(0).contains("hysteria2"), lines.get(0));
        }
        assertTrue(log.contains("proxy provider 'too-big' could not be updated") && log.contains("size limit of 64"), log);
        // b64-sub's proxy: the download went through the socks5 outbound 'fetcher', with the header asked for.
        assertTrue(read(dir.resolve("dante-" + DANTE_B + "/danted.log")).contains("127.0.0.1." + SUBSCRIPTIONS),
                read(dir.resolve("dante-" + DANTE_B + "/danted.log")));
        assertTrue(read(dir.resolve("subscriptions.log")).contains("header through-fetcher"),
                read(dir.resolve("subscriptions.log")));
        assertFalse(Files.exists(dir.resolve("subs/big.yaml")), "an oversized download is not kept");
    }

    @Test
    @Order(3)
    @SuppressWarnings("unchecked")
    void theControllerShowsProvidersInMihomosShape() throws Exception {
        Map<String, Object> all = (Map<String, Object>) api.get("/providers/proxies").object().get("providers");
        assertEquals(List.of("b64-sub", "links-sub", "too-big", "yaml-sub"), List.copyOf(new java.util.TreeSet<>(all.keySet())));
        Map<String, Object> y = api.get("/providers/proxies/yaml-sub").object();
        assertEquals("HTTP", y.get("vehicleType"));
        assertEquals("Proxy", y.get("type"));
        assertEquals(List.of("Y-dante-a", "Y-tiny", "Y-dead"),
                ((List<Map<String, Object>>) y.get("proxies")).stream().map(p -> p.get("name")).toList());
        Map<String, Object> info = (Map<String, Object>) y.get("subscriptionInfo");
        assertEquals(Map.of("Upload", 1024, "Download", 2048, "Total", 1073741824, "Expire", 1893456000), info);
        assertTrue(String.valueOf(y.get("updatedAt")).startsWith("20"), String.valueOf(y.get("updatedAt")));
        // mihomo's getProxyDelay: a timeout is required (the groups tester's F2)
        assertEquals(400, api.get("/providers/proxies/yaml-sub/Y-dante-a/healthcheck").status());
        Api.Response one = api.get("/providers/proxies/yaml-sub/Y-dante-a/healthcheck?timeout=5000");
        assertEquals(200, one.status(), one.toString());
        assertTrue(((Number) one.object().get("delay")).intValue() > 0, one.toString());
        assertEquals(204, api.get("/providers/proxies/yaml-sub/healthcheck").status());
        assertEquals(404, api.get("/providers/proxies/nope").status());
        // mihomo's one node of a provider, as /proxies shows it.
        Map<String, Object> node = api.get("/providers/proxies/yaml-sub/Y-dante-a").object();
        assertEquals("Y-dante-a", node.get("name"), node.toString());
        assertEquals(api.get("/proxies/Y-dante-a").object().get("type"), node.get("type"));
        assertEquals(404, api.get("/providers/proxies/yaml-sub/not-a-node").status());
        // PUT downloads now, whatever the interval (an hour for b64-sub).
        Object before = api.get("/providers/proxies/b64-sub").object().get("updatedAt");
        Thread.sleep(1100);
        Api.Response put = api.call("PUT", "/providers/proxies/b64-sub", "");
        assertEquals(204, put.status(), put.toString());
        Object after = api.get("/providers/proxies/b64-sub").object().get("updatedAt");
        assertTrue(String.valueOf(after).compareTo(String.valueOf(before)) > 0, before + " then " + after);
    }

    @Test
    @Order(4)
    void theHealthCheckMarksTheDeadNodeAndUrlTestAvoidsIt() throws Exception {
        assertTrue(await(() -> {
            try {
                return Boolean.FALSE.equals(api.get("/proxies/Y-dead").object().get("alive"));
            } catch (Exception e) {
                return false;
            }
        }, Duration.ofSeconds(15)), turnout.log());
        assertEquals(Boolean.TRUE, api.get("/proxies/Y-dante-a").object().get("alive"));
        assertTrue(List.of("Y-dante-a", "Y-tiny").contains(String.valueOf(api.get("/proxies/auto").object().get("now"))),
                api.get("/proxies/auto").toString());
    }

    @Test
    @Order(5)
    void aChangedListIsPickedUpWithoutDroppingALiveDownloadOrAChoiceThatStillExists() throws Exception {
        select("Y", "Y-dante-a");
        select("T", "Y-tiny");
        // 60 KiB at 1 KiB per 100 ms: still running when the list changes.
        Process live = ns.spawn(dir.resolve("live.log"), "curl", "-sS", "--max-time", "40", "-o",
                dir.resolve("live.bin").toString(), "-w", "%{size_download}", "--socks5-hostname", "127.0.0.1:" + MIXED,
                "http://y.test:" + DRIP + "/long");
        Thread.sleep(1000);
        Files.writeString(served.resolve("sub.yaml"), yamlList(DANTE_A_YAML, DANTE_B_YAML, DEAD_YAML));
        assertTrue(await(() -> {
            try {
                return members("Y").equals(List.of("Y-dante-a", "Y-dante-b", "Y-dead"));
            } catch (Exception e) {
                return false;
            }
        }, Duration.ofSeconds(20)), () -> turnout.log());
        assertEquals("Y-dante-a", api.get("/proxies/Y").object().get("now"), "a choice that still exists is kept");
        assertEquals("Y-dante-a", api.get("/proxies/T").object().get("now"), "a vanished choice falls back to the first");
        assertTrue(turnout.log().contains("group 'T': the chosen 'Y-tiny' is gone"), turnout.log());
        assertTrue(live.waitFor(40, java.util.concurrent.TimeUnit.SECONDS));
        assertEquals(0, live.exitValue(), read(dir.resolve("live.log")));
        assertEquals(60 * 1024, Files.size(dir.resolve("live.bin")), "the live download through the old list finished");
    }

    @Test
    @Order(6)
    void aBrokenDownloadKeepsTheLastGoodListAndSaysWhere() throws Exception {
        Files.writeString(served.resolve("sub.yaml"), "proxies:\n  - {name: x, type: socks5\n");
        assertTrue(await(() -> turnout.log().contains("proxy provider 'yaml-sub' could not be updated")
                && turnout.log().contains("sub.yaml:3:1"), Duration.ofSeconds(20)), () -> turnout.log());
        assertEquals(List.of("Y-dante-a", "Y-dante-b", "Y-dead"), members("Y"));
        Netns.Result r = curl("y.test", TARGET, "/after-broken");
        assertEquals(0, r.exitCode(), r.stderr());
    }

    private static long count(String text, String needle) {
        return text.lines().filter(l -> l.contains(needle)).count();
    }

    @Test
    @Order(7)
    void aRefreshNeitherReadsTheConfigFileNorReloadsForAnUnchangedList() throws Exception {
        // The groups tester's F4 and F11: every scheduled refresh re-read config.yaml and reloaded everything, even
        // for the same list (re-rolling sticky-sessions, checking lazy groups), applied edits nobody asked to apply,
        // and was held back by a half-saved one. mihomo's fetcher only sets updatedAt for the same list and swaps a
        // changed one into the running config.
        String good = yamlList(DANTE_A_YAML, DANTE_B_YAML, DEAD_YAML); // the list cached before the broken one
        Files.writeString(served.resolve("sub.yaml"), good);
        String original = Files.readString(config);
        int logStart = turnout.log().length();
        try {
            Files.writeString(config, original.replace("proxy-groups:\n",
                    "proxy-groups:\n  - {name: EDITED, type: select, proxies: [DIRECT]}\n")
                    + "  - {name: BROKEN, type: select, proxies: [NOSUCH]}\n");
            Thread.sleep(1000);
            long reloads = count(turnout.log(), " reloaded ");
            long downloads = count(read(dir.resolve("subscriptions.log")), "GET /sub.yaml");
            // yaml-sub's interval is 3 s: two refreshes or more of the same list.
            assertTrue(await(() -> count(read(dir.resolve("subscriptions.log")), "GET /sub.yaml") >= downloads + 2,
                    Duration.ofSeconds(15)), () -> read(dir.resolve("subscriptions.log")));
            Thread.sleep(500);
            assertEquals(reloads, count(turnout.log(), " reloaded "), () -> turnout.log());
            assertEquals(404, api.get("/proxies/EDITED").status(), "an edit nobody applied stays unapplied");
            // A changed list is swapped in although the file does not load now.
            Files.writeString(served.resolve("sub.yaml"), yamlList(DANTE_A_YAML, DANTE_B_YAML, TINY_YAML, DEAD_YAML));
            assertTrue(await(() -> {
                try {
                    return members("Y").equals(List.of("Y-dante-a", "Y-dante-b", "Y-tiny", "Y-dead"));
                } catch (Exception e) {
                    return false;
                }
            }, Duration.ofSeconds(20)), () -> turnout.log());
            assertEquals(404, api.get("/proxies/EDITED").status());
            assertFalse(turnout.log().substring(logStart).contains("reload failed"), () -> turnout.log());
        } finally {
            Files.writeString(config, original);
        }
    }

    @Test
    @Order(8)
    @SuppressWarnings("unchecked")
    void aListWithNoNodeOrNoneTheFilterKeepsIsRefusedAndTheLastGoodOneStays() throws Exception {
        // The groups tester's F9; mihomo's NewProxiesParser refuses such a list and updateProvider answers 503.
        List<String> before = members("Y");
        Files.writeString(served.resolve("sub.yaml"), "proxies: []\n");
        Api.Response put = api.call("PUT", "/providers/proxies/yaml-sub", "");
        assertEquals(503, put.status(), put.toString());
        assertTrue(put.toString().contains("has no proxy"), put.toString());
        assertEquals(before, members("Y"));
        Files.writeString(served.resolve("sub.yaml"), yamlList(OTHER_YAML)); // none the filter 'dante|tiny|dead' keeps
        put = api.call("PUT", "/providers/proxies/yaml-sub", "");
        assertEquals(503, put.status(), put.toString());
        assertTrue(put.toString().contains("matches no proxy, check the filter"), put.toString());
        assertTrue(await(() -> turnout.log().lines().anyMatch(l -> l.contains("proxy provider 'yaml-sub' could not be"
                + " updated") && l.contains("matches no proxy")), Duration.ofSeconds(15)), () -> turnout.log());
        assertEquals(before, members("Y"));
        assertEquals(before, ((List<Map<String, Object>>) api.get("/providers/proxies/yaml-sub").object()
                .get("proxies")).stream().map(p -> p.get("name")).toList());
        Netns.Result r = curl("y.test", TARGET, "/after-empty");
        assertEquals(0, r.exitCode(), r.stderr());
    }

    @Test
    @Order(9)
    void offlineTheCachedCopyStartsTurnoutAndCheckShowsEveryProvider() throws Exception {
        turnout.close();
        server.destroy();
        server.waitFor();
        Netns.Result check = ns.run(Duration.ofSeconds(60), Path.of(System.getProperty("turnout.dist"))
                .resolve("bin/turnout").toString(), "check", "-c", config.toString());
        assertEquals(0, check.exitCode(), check.stdout() + check.stderr());
        assertTrue(check.stdout().contains("yaml-sub") && check.stdout().contains("3 nodes from"), check.stdout());
        assertTrue(check.stdout().lines().anyMatch(l -> l.contains("too-big") && l.contains("not fetched yet")),
                check.stdout());
        // The copy grows older than yaml-sub's interval: the start uses it as it is, and the refresh right after it
        // tries a download, which fails.
        Thread.sleep(3100);
        turnout = Launched.start(ns, config, dir.resolve("turnout-offline.log"), CONTROLLER);
        ns.awaitTcpPort(MIXED, Duration.ofSeconds(30));
        assertTrue(await(() -> turnout.log().contains("proxy provider 'yaml-sub' could not be updated")
                && turnout.log().contains("using the cached copy, saved"), Duration.ofSeconds(20)), () -> turnout.log());
        assertEquals(List.of("Y-dante-a", "Y-dante-b", "Y-tiny", "Y-dead"), members("Y"));
        select("Y", "Y-dante-b");
        Netns.Result r = curl("y.test", TARGET, "/offline");
        assertEquals(0, r.exitCode(), r.stderr());
        assertCarried(dir.resolve("dante-" + DANTE_B + "/danted.log"), "y.test." + TARGET);
    }
}
