package dev.turnout.dist;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.turnout.dist.controller.Api;
import dev.turnout.dist.controller.BrowserScript;
import dev.turnout.dist.controller.Launched;
import dev.turnout.dist.controller.ProvidersBrowserScript;
import dev.turnout.dist.testing.Daemons;
import dev.turnout.dist.testing.Netns;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The dashboard's Providers panel in headless Chromium, against a real subscription server (python3's
 * http.server sending {@code subscription-userinfo}, as ProxyProvidersIT's) whose list names a dante-server
 * and a port nothing listens on. Screenshots go to dist/target/screenshots/.
 */
class ProvidersBrowserIT {

    static final int MIXED = 7890;
    static final int CONTROLLER = 9090;
    static final int SUBSCRIPTIONS = 8070;
    static final int HEALTH = 8080;
    static final int DANTE = 1080;
    static final int DEAD = 1099;
    static final String SECRET = "providers-secret";
    static final String LIVE = "{name: live, type: socks5, server: 127.0.0.1, port: " + DANTE + "}";
    static final String DEAD_NODE = "{name: dead, type: socks5, server: 127.0.0.1, port: " + DEAD + "}";
    static final String ADDED = "{name: added, type: socks5, server: 127.0.0.1, port: " + DANTE + "}";

    @TempDir
    Path dir;

    @Test
    void showsTheProviderItsNodesAndSubscriptionThenChecksAndRefreshesItFromThePage() throws Exception {
        Netns.assumeUsable("danted", "python3", "chromium", "node");
        Path pw = BrowserScript.requirePlaywright();
        Path shots = BrowserScript.screenshots();

        try (Netns ns = Netns.create("s14pb")) {
            Path served = Files.createDirectories(dir.resolve("served"));
            Files.writeString(served.resolve("sub.yaml"), ProxyProvidersIT.yamlList(LIVE, DEAD_NODE));
            Files.writeString(dir.resolve("server.py"), ProxyProvidersIT.SERVER);
            ns.spawn(dir.resolve("subscriptions.log"), "python3", dir.resolve("server.py").toString(),
                    Integer.toString(SUBSCRIPTIONS), served.toString());
            ns.spawn(dir.resolve("health.log"), Daemons.peer("http", Integer.toString(HEALTH)));
            Daemons.dante(ns, dir, DANTE, dir.resolve("danted.log"));
            ns.awaitTcpPort(SUBSCRIPTIONS, Duration.ofSeconds(20));
            ns.awaitTcpPort(HEALTH, Duration.ofSeconds(20));
            Path config = dir.resolve("config.yaml");
            Files.writeString(config, String.join("\n",
                    "mixed-port: " + MIXED,
                    "external-controller: 127.0.0.1:" + CONTROLLER,
                    "secret: " + SECRET,
                    "proxy-providers:",
                    "  sub:",
                    "    type: http",
                    "    url: http://127.0.0.1:" + SUBSCRIPTIONS + "/sub.yaml",
                    "    interval: 3600",
                    // no interval: nodes are checked only when asked, so the page shows no delay before the button
                    "    health-check: {enable: true, url: 'http://127.0.0.1:" + HEALTH + "/generate_204', timeout: 3000}",
                    "proxy-groups:",
                    "  - {name: pick, type: select, use: [sub]}",
                    "rules:",
                    "  - MATCH,pick",
                    ""));
            try (Launched turnout = Launched.start(ns, config, dir.resolve("turnout.log"), CONTROLLER)) {
                ns.awaitTcpPort(MIXED, Duration.ofSeconds(30));
                Api api = new Api(ns, CONTROLLER, SECRET);
                @SuppressWarnings("unchecked")
                List<Object> fetched = (List<Object>) api.get("/providers/proxies/sub").object().get("proxies");
                assertEquals(2, fetched.size(), () -> "fetched at start: " + fetched + "\n" + turnout.log());
                // The server's list changes after Turnout fetched it: only the page's Refresh brings the new node.
                Files.writeString(served.resolve("sub.yaml"), ProxyProvidersIT.yamlList(LIVE, DEAD_NODE, ADDED));

                Path script = ProvidersBrowserScript.write(dir);
                Path nodeLog = dir.resolve("node.log");
                Process node = ns.spawn(nodeLog, "env", "NODE_PATH=" + pw, "HOME=" + dir, "node", script.toString(),
                        "http://127.0.0.1:" + CONTROLLER, SECRET, shots.toString(), dir.resolve("profile").toString(),
                        "sub", "added");
                try {
                    assertTrue(node.waitFor(120, TimeUnit.SECONDS), () -> "browser script still running:\n"
                            + MixedPortIT.read(nodeLog));
                    String out = MixedPortIT.read(nodeLog);
                    assertEquals(0, node.exitValue(), () -> out + "\n" + turnout.log());
                    assertTrue(!out.contains("PAGEERROR"), out);
                    assertTrue(out.contains("PROVIDER sub | HTTP | 2 nodes"), out);
                    // subscription-userinfo: upload=1024; download=2048; total=1073741824; expire=1893456000
                    assertTrue(out.contains("TRAFFIC used 3.0 KiB / 1.0 GiB (0.00%)"), out);
                    assertTrue(out.contains("EXPIRE expires 2030-01-01"), out);
                    assertTrue(out.contains("NODES live=|dead=\n"), () -> "no delay before the check:\n" + out);
                    assertTrue(Pattern.compile("CHECKED live=\\d+ ms\\|dead=down\n").matcher(out).find(), out);
                    assertTrue(Pattern.compile("REFRESHED 3 nodes \\| live=\\d+ ms\\|dead=down\\|added=\n").matcher(out)
                            .find(), out);
                    Matcher updated = Pattern.compile("UPDATED updated (.*)\n").matcher(out);
                    assertTrue(updated.find(), out);
                    String before = updated.group(1);
                    assertTrue(updated.find(), out);
                    assertNotEquals("never", before, out);
                    assertNotEquals(before, updated.group(1), () -> "updatedAt did not move on refresh:\n" + out);
                    assertTrue(out.contains("DONE"), out);
                    for (String shot : new String[] {"providers-1-shown.png", "providers-2-checked.png",
                            "providers-3-refreshed.png"}) {
                        assertTrue(Files.size(shots.resolve(shot)) > 1000, shot);
                    }
                    // The health check went through the live node (dante logged it) and the group now holds the new node.
                    assertTrue(MixedPortIT.read(dir.resolve("danted.log")).contains("." + HEALTH), () ->
                            MixedPortIT.read(dir.resolve("danted.log")));
                    @SuppressWarnings("unchecked")
                    List<String> members = (List<String>) api.get("/proxies/pick").object().get("all");
                    assertEquals(List.of("live", "dead", "added"), members);
                    assertCarriesWhatDashboardsRead(api.get("/providers/proxies").object());
                } finally {
                    node.destroy();
                }
            }
        }
    }

    /**
     * The fields metacubexd's and zashboard's provider pages read (their ProxyProvider and ProxyNode types):
     * name, vehicleType, updatedAt, testUrl, subscriptionInfo's Upload/Download/Total/Expire, and per node name,
     * type, alive, history, udp, xudp, tfo and extra (per test URL: alive and history).
     */
    @SuppressWarnings("unchecked")
    private static void assertCarriesWhatDashboardsRead(Map<String, Object> all) {
        Map<String, Object> sub = (Map<String, Object>) ((Map<String, Object>) all.get("providers")).get("sub");
        assertEquals("sub", sub.get("name"));
        assertEquals("HTTP", sub.get("vehicleType"));
        assertEquals("http://127.0.0.1:" + HEALTH + "/generate_204", sub.get("testUrl"));
        assertTrue(sub.get("updatedAt") instanceof String u && !u.startsWith("0001-"), sub::toString);
        assertEquals(Map.of("Upload", 1024L, "Download", 2048L, "Total", 1073741824L, "Expire", 1893456000L),
                numbersAsLongs((Map<String, Object>) sub.get("subscriptionInfo")));
        for (Object o : (List<Object>) sub.get("proxies")) {
            Map<String, Object> n = (Map<String, Object>) o;
            for (String key : List.of("name", "type", "alive", "history", "udp", "xudp", "tfo", "extra")) {
                assertTrue(n.containsKey(key), () -> key + " missing in " + n);
            }
        }
        Map<String, Object> live = ((List<Map<String, Object>>) sub.get("proxies")).get(0);
        Map<String, Object> byUrl = (Map<String, Object>) ((Map<String, Object>) live.get("extra"))
                .get("http://127.0.0.1:" + HEALTH + "/generate_204");
        assertTrue(byUrl != null && Boolean.TRUE.equals(byUrl.get("alive"))
                && !((List<Object>) byUrl.get("history")).isEmpty(), live::toString);
    }

    private static Map<String, Long> numbersAsLongs(Map<String, Object> m) {
        Map<String, Long> out = new java.util.TreeMap<>();
        m.forEach((k, v) -> out.put(k, ((Number) v).longValue()));
        return out;
    }
}
