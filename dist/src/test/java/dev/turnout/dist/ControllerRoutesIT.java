package dev.turnout.dist;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.turnout.dist.controller.Api;
import dev.turnout.dist.controller.ControllerPeers;
import dev.turnout.dist.controller.Launched;
import dev.turnout.dist.testing.Daemons;
import dev.turnout.dist.testing.Netns;
import dev.turnout.host.controller.Json;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;

/**
 * mihomo's controller routes on the packaged Turnout: /memory, /restart, /group, /dns/query, the cache flushes and
 * a rule provider's refresh, with curl, a WebSocket client, dig and dnsmasq (as the upstream) in a namespace.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ControllerRoutesIT {

    static final int MIXED = 7897;
    static final int MIXED_AFTER_RESTART = 7898;
    static final int CONTROLLER = 9097;
    static final int HTTP = 8080;
    static final int UPSTREAM = 5353;
    static final int FAKE_DNS = 1053;

    @TempDir
    static Path dir;

    Netns ns;
    Process dnsmasq;
    Launched turnout;
    Api api;
    Path config;

    @BeforeAll
    void start() throws Exception {
        Netns.assumeUsable("curl", "dnsmasq", "dig");
        ns = Netns.create("tcroutes");
        ns.spawn(dir.resolve("http.log"), Daemons.peer("http", Integer.toString(HTTP)));
        dnsmasq = upstream("192.0.2.20");
        ns.awaitTcpPort(HTTP, Duration.ofSeconds(20));
        ns.awaitTcpPort(UPSTREAM, Duration.ofSeconds(20));
        Files.writeString(dir.resolve("blocked.list"), "DOMAIN,nothing.test\n");
        config = dir.resolve("config.yaml");
        Files.writeString(config, configText(MIXED));
        turnout = Launched.start(ns, config, dir.resolve("turnout.log"), CONTROLLER);
        ns.awaitTcpPort(MIXED, Duration.ofSeconds(30));
        api = new Api(ns, CONTROLLER, null);
    }

    /** dnsmasq on 127.0.0.1:5353 with a 300 s TTL, so Turnout's resolver caches what it answers. */
    private Process upstream(String changing) throws Exception {
        return Daemons.dnsmasq(ns, dir.resolve("dnsmasq.log"), "127.0.0.1", UPSTREAM, "--local-ttl=300",
                "--local=/test/", "--host-record=a.test,192.0.2.10", "--host-record=changing.test," + changing,
                "--host-record=blocked.test,127.0.0.1");
    }

    private static String configText(int mixedPort) {
        return String.join("\n",
                "mixed-port: " + mixedPort,
                "external-controller: 127.0.0.1:" + CONTROLLER,
                "dns:",
                "  enable: true",
                "  listen: 127.0.0.1:" + FAKE_DNS,
                "  enhanced-mode: fake-ip",
                "  fake-ip-range: 198.18.0.1/16",
                "  nameserver: [127.0.0.1:" + UPSTREAM + "]",
                "proxy-groups:",
                "  - {name: G, type: select, proxies: [DIRECT], url: 'http://127.0.0.1:" + HTTP + "/generate_204'}",
                "rule-providers:",
                "  blocked: {type: file, behavior: classical, format: text, path: ./blocked.list}",
                "rules:",
                "  - RULE-SET,blocked,REJECT",
                "  - MATCH,DIRECT",
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

    @Test
    void memoryStreamsAsChunkedLinesAndOverWebSocketInMihomosShape() throws Exception {
        Netns.Result chunked = ns.run(Duration.ofSeconds(20), "curl", "-sS", "-N", "--max-time", "2.5",
                "http://127.0.0.1:" + CONTROLLER + "/memory");
        List<String> lines = chunked.stdout().lines().filter(l -> !l.isBlank()).toList();
        assertTrue(lines.size() >= 2, "memory lines: " + chunked.stdout() + chunked.stderr());
        // The first is 0, as mihomo's, so that dashboards' charts start from it; then the resident set.
        assertEquals("{\"inuse\":0,\"oslimit\":0}", lines.get(0));
        Map<String, Object> next = Json.parseObject(lines.get(1));
        assertEquals(java.util.Set.of("inuse", "oslimit"), next.keySet());
        assertTrue(((Number) next.get("inuse")).longValue() > 10_000_000, lines.get(1));
        Netns.Result ws = ns.run(Duration.ofSeconds(30), ControllerPeers.command("ws",
                "ws://127.0.0.1:" + CONTROLLER + "/memory", "2", "10"));
        assertEquals(0, ws.exitCode(), ws.stdout() + ws.stderr());
        assertTrue(ws.stdout().lines().allMatch(l -> l.startsWith("{\"inuse\":")), ws.stdout());
    }

    @Test
    @SuppressWarnings("unchecked")
    void groupsAreListedShownAndTheirMembersChecked() throws Exception {
        List<Object> groups = (List<Object>) api.get("/group").object().get("proxies");
        Map<String, Object> g = (Map<String, Object>) groups.stream()
                .filter(x -> "G".equals(((Map<String, Object>) x).get("name"))).findFirst().orElseThrow();
        assertEquals("Selector", g.get("type"));
        assertEquals(List.of("DIRECT"), g.get("all"));
        assertTrue(groups.stream().noneMatch(x -> "DIRECT".equals(((Map<String, Object>) x).get("name"))), groups::toString);
        assertEquals(api.get("/proxies/G").object(), api.get("/group/G").object());
        assertEquals(404, api.get("/group/DIRECT").status(), "not a group");
        assertEquals(404, api.get("/group/nope/delay").status());
        Api.Response delay = api.get("/group/G/delay?timeout=3000&url=http%3A%2F%2F127.0.0.1%3A" + HTTP + "%2Fgenerate_204");
        assertEquals(200, delay.status(), delay::toString);
        assertTrue(((Number) delay.object().get("DIRECT")).intValue() > 0, delay::toString);
        // mihomo's getGroupDelay: the asked URL, through every member (nothing listens on HTTP + 1), or a 504
        Api.Response elsewhere = api.get("/group/G/delay?timeout=3000&url=http%3A%2F%2F127.0.0.1%3A" + (HTTP + 1)
                + "%2Fgenerate_204");
        assertEquals(504, elsewhere.status(), elsewhere::toString);
        assertEquals(400, api.get("/group/G/delay?url=http%3A%2F%2F127.0.0.1%3A" + HTTP + "%2Fgenerate_204").status(),
                "no timeout, as mihomo");
        assertEquals(504, api.get("/group/G/delay?timeout=3000&expected=204&url=http%3A%2F%2F127.0.0.1%3A" + HTTP
                + "%2Fgenerate_204").status(), "the server's 200 where 204 is expected is no answer");
    }

    @Test
    @SuppressWarnings("unchecked")
    void dnsQueryAsksTheNameserversAndAnswersInMihomosShape() throws Exception {
        Map<String, Object> a = api.get("/dns/query?name=a.test&type=A").object();
        assertEquals(0, ((Number) a.get("Status")).intValue(), a::toString);
        Map<String, Object> q = (Map<String, Object>) ((List<Object>) a.get("Question")).get(0);
        assertEquals("a.test.", q.get("Name"));
        assertEquals(1, ((Number) q.get("Qtype")).intValue());
        Map<String, Object> answer = (Map<String, Object>) ((List<Object>) a.get("Answer")).get(0);
        assertEquals("a.test.", answer.get("name"));
        assertEquals(1, ((Number) answer.get("type")).intValue());
        assertEquals("192.0.2.10", answer.get("data"));
        assertTrue(a.containsKey("RD") && a.containsKey("RA") && a.containsKey("TC"), a::toString);
        Map<String, Object> defaultType = api.get("/dns/query?name=a.test").object();
        // From the cache now, whose answers count their TTLs down as mihomo's do (299 a moment after 300).
        Map<String, Object> again = new java.util.HashMap<>(
                (Map<String, Object>) ((List<Object>) defaultType.get("Answer")).get(0));
        Map<String, Object> first = new java.util.HashMap<>(answer);
        long ttl = ((Number) first.remove("TTL")).longValue();
        long later = ((Number) again.remove("TTL")).longValue();
        assertEquals(first, again, "type defaults to A");
        assertEquals(1, ((List<Object>) defaultType.get("Answer")).size());
        assertTrue(later <= ttl && later >= ttl - 5, ttl + " then " + later);
        Map<String, Object> none = api.get("/dns/query?name=nowhere.test&type=A").object();
        assertEquals(3, ((Number) none.get("Status")).intValue(), "NXDOMAIN: " + none);
        Api.Response bad = api.get("/dns/query?name=a.test&type=NOPE");
        assertEquals(400, bad.status());
        assertEquals("invalid query type", bad.object().get("message"));
    }

    @Test
    @SuppressWarnings("unchecked")
    void dnsCacheFlushForgetsCachedAnswers() throws Exception {
        String before = changingAnswer();
        assertEquals("192.0.2.20", before);
        dnsmasq.destroy();
        dnsmasq.waitFor();
        dnsmasq = upstream("192.0.2.21");
        ns.awaitTcpPort(UPSTREAM, Duration.ofSeconds(20));
        assertEquals("192.0.2.20", changingAnswer(), "cached for 300 s");
        Api.Response flush = api.call("POST", "/cache/dns/flush", null);
        assertEquals(204, flush.status(), flush::toString);
        assertEquals("192.0.2.21", changingAnswer());
        assertEquals(405, api.get("/cache/dns/flush").status());
    }

    @SuppressWarnings("unchecked")
    private String changingAnswer() throws Exception {
        Map<String, Object> r = api.get("/dns/query?name=changing.test&type=A").object();
        return (String) ((Map<String, Object>) ((List<Object>) r.get("Answer")).get(0)).get("data");
    }

    @Test
    void fakeIpFlushDropsTheMappingsSoAddressesAreHandedOutAfresh() throws Exception {
        String first = fake("one.test");
        String second = fake("two.test");
        assertNotEquals(first, second);
        assertEquals(first, fake("one.test"), "a mapping holds until flushed");
        Api.Response flush = api.call("POST", "/cache/fakeip/flush", null);
        assertEquals(204, flush.status(), flush::toString);
        // The pool starts again from its first address: a new name gets what one.test had.
        assertEquals(first, fake("three.test"));
        assertNotEquals(first, fake("one.test"));
    }

    private String fake(String name) throws Exception {
        Netns.Result r = ns.run(Duration.ofSeconds(10), "dig", "+short", "+time=3", "+tries=1", "-p",
                Integer.toString(FAKE_DNS), "@127.0.0.1", name, "A");
        String address = r.stdout().strip();
        assertTrue(address.startsWith("198.18."), name + ": " + r.stdout() + r.stderr());
        return address;
    }

    @Test
    @SuppressWarnings("unchecked")
    void aRuleProviderIsShownAndItsRefreshTakesEffect() throws Exception {
        Map<String, Object> shown = api.get("/providers/rules/blocked").object();
        assertEquals("blocked", shown.get("name"));
        assertEquals(1, ((Number) shown.get("ruleCount")).intValue());
        assertEquals(404, api.get("/providers/rules/nope").status());
        assertEquals("200", viaProxy("blocked.test"));
        // As mihomo's fetcher watches a File vehicle: the edit is read without a PUT or a reload (s69 F2), and the
        // figures are the set read (F1), not the file's.
        Files.writeString(dir.resolve("blocked.list"), "DOMAIN,nothing.test\nDOMAIN,blocked.test\n");
        String now = "200";
        for (int i = 0; i < 30 && !now.equals("403"); i++) {
            Thread.sleep(500);
            now = viaProxy("blocked.test");
        }
        assertEquals("403", now, "REJECT once the edited file was read: " + turnout.log());
        assertTrue(turnout.log().contains("rule provider 'blocked': "), turnout.log());
        Map<String, Object> read = api.get("/providers/rules/blocked").object();
        assertEquals(2, ((Number) read.get("ruleCount")).intValue());
        assertNotEquals(shown.get("updatedAt"), read.get("updatedAt"));
        Files.writeString(dir.resolve("blocked.list"), "DOMAIN,nothing.test\n");
        Api.Response refresh = api.call("PUT", "/providers/rules/blocked", null);
        assertEquals(204, refresh.status(), refresh::toString);
        assertEquals(1, ((Number) api.get("/providers/rules/blocked").object().get("ruleCount")).intValue());
        assertEquals("200", viaProxy("blocked.test"), "not REJECTed after the refresh");
    }

    private String viaProxy(String host) throws Exception {
        return ns.run(Duration.ofSeconds(20), "curl", "-s", "-o", "/dev/null", "-w", "%{http_code}", "--max-time", "10",
                "-x", "http://127.0.0.1:" + MIXED, "http://" + host + ":" + HTTP + "/").stdout().strip();
    }

    @Test
    @Order(Integer.MAX_VALUE)
    void restartAnswersFirstThenRunsTheSameProcessAgainOnTheChangedConfig() throws Exception {
        Path pidFile = config.resolveSibling("turnout-" + CONTROLLER + ".pid");
        String pid = Files.readString(pidFile).strip();
        // A listener change: a reload cannot apply it, a restart reads it from the start.
        Files.writeString(config, configText(MIXED_AFTER_RESTART));
        Api.Response r = api.call("POST", "/restart", null);
        assertEquals(200, r.status(), r::toString);
        assertEquals(Map.of("status", "ok"), r.object());
        ns.awaitTcpPort(MIXED_AFTER_RESTART, Duration.ofSeconds(60));
        ns.awaitTcpPort(CONTROLLER, Duration.ofSeconds(30));
        assertEquals(200, api.get("/version").status());
        assertEquals(0, ns.run(Duration.ofSeconds(5), "ss", "-Htln", "sport = :" + MIXED).stdout().lines().count(),
                "the old port is closed");
        assertEquals(pid, Files.readString(pidFile).strip(), "the same process, executed again");
        assertTrue(turnout.log().contains("restarting: "), turnout.log());
        assertEquals(405, api.get("/restart").status());
    }
}
