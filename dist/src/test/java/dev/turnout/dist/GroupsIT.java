package dev.turnout.dist;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.turnout.dist.controller.Api;
import dev.turnout.dist.controller.ControllerPeers;
import dev.turnout.dist.controller.Launched;
import dev.turnout.dist.testing.Daemons;
import dev.turnout.dist.testing.Netns;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
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
 * Proxy groups against real upstreams: three dante-servers, each behind a forwarder that holds every chunk
 * for a different time, so one is near, one middling and one far. url-test must settle on the near one;
 * fallback must leave its first member when it goes down and come back when it returns; a select choice
 * must survive a restart.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class GroupsIT {

    static final int MIXED = 7890;
    static final int CONTROLLER = 9090;
    static final int HEALTH = 8080;
    static final int TARGET = 8081;
    static final int SILENT = 8099;
    /** Per-chunk delays of the far, near and middling upstreams; a check crosses about six chunks. */
    static final int[] DELAYS = {60, 0, 20};
    static final String[] NAMES = {"far", "near", "middle"};
    static final int PRIMARY_FORWARDER = 1184;
    /** Two sites for the load-balance group, each reached by four names. */
    static final String[] SITES = {"alpha.test", "beta.test"};
    static final String[] SITE_NAMES = {"", "www.", "api.", "img.cdn."};

    @TempDir
    static Path dir;

    Netns ns;
    Launched turnout;
    Api api;
    Path config;
    Process primaryForwarder;

    @BeforeAll
    void start() throws Exception {
        Netns.assumeUsable("danted", "curl");
        ns = Netns.create("tgrp");
        Map<String, String> hosts = new java.util.HashMap<>(Map.of("target.test", "127.0.0.1", "hold.test",
                "127.0.0.1", "nest.test", "127.0.0.1", "ad.test", "127.0.0.1", "in.sub.test", "127.0.0.1"));
        for (String site : SITES) {
            for (String name : SITE_NAMES) {
                hosts.put(name + site, "127.0.0.1");
            }
        }
        ns.hosts(hosts);
        ns.spawn(dir.resolve("health.log"), Daemons.peer("http", Integer.toString(HEALTH)));
        ns.spawn(dir.resolve("target.log"), Daemons.peer("http", Integer.toString(TARGET)));
        ns.spawn(dir.resolve("silent.log"), Daemons.peer("silent", Integer.toString(SILENT)));
        for (int i = 0; i < 3; i++) {
            Path d = Files.createDirectories(dir.resolve("dante-" + NAMES[i]));
            Daemons.dante(ns, d, 1081 + i, d.resolve("danted.log"));
            ns.spawn(dir.resolve("forward-" + NAMES[i] + ".log"), ControllerPeers.command("delay-forward",
                    Integer.toString(1181 + i), Integer.toString(1081 + i), Integer.toString(DELAYS[i])));
            ns.awaitTcpPort(1181 + i, Duration.ofSeconds(20));
        }
        startPrimaryForwarder();
        ns.awaitTcpPort(HEALTH, Duration.ofSeconds(20));
        ns.awaitTcpPort(TARGET, Duration.ofSeconds(20));
        String url = "http://127.0.0.1:" + HEALTH + "/generate_204";
        config = dir.resolve("config.yaml");
        Files.writeString(config, String.join("\n",
                "mixed-port: " + MIXED,
                "external-controller: 127.0.0.1:" + CONTROLLER,
                "proxies:",
                "  - {name: far, type: socks5, server: 127.0.0.1, port: 1181}",
                "  - {name: near, type: socks5, server: 127.0.0.1, port: 1182}",
                "  - {name: middle, type: socks5, server: 127.0.0.1, port: 1183}",
                "  - {name: primary, type: socks5, server: 127.0.0.1, port: " + PRIMARY_FORWARDER + "}",
                "proxy-groups:",
                "  - {name: auto, type: url-test, proxies: [far, middle, near], url: '" + url + "', interval: 2, tolerance: 50, lazy: false}",
                "  - {name: fb, type: fallback, proxies: [primary, near], url: '" + url + "', interval: 1, lazy: false}",
                "  - {name: pick, type: select, proxies: [near, middle, auto]}",
                "  - {name: ads, type: select, proxies: [block, bypass]}",
                "  - {name: block, type: select, proxies: [REJECT], hidden: true}",
                "  - {name: bypass, type: select, proxies: [PASS], hidden: true}",
                "  - {name: gate, type: select, proxies: [PASS-RULE, REJECT]}",
                "  - {name: lb, type: load-balance, proxies: [far, middle, near], url: '" + url + "', interval: 300}",
                "rules:",
                "  - SUB-RULE,(DOMAIN-SUFFIX,sub.test),inner",
                "  - DOMAIN,target.test,auto",
                "  - DOMAIN,hold.test,fb",
                "  - DOMAIN,nest.test,pick",
                "  - DOMAIN,ad.test,ads",
                "  - DOMAIN,ad.test,near",
                "  - DOMAIN-SUFFIX,alpha.test,lb",
                "  - DOMAIN-SUFFIX,beta.test,lb",
                "  - MATCH,DIRECT",
                "sub-rules:",
                "  inner:",
                "    - DOMAIN,in.sub.test,gate",
                "    - DOMAIN,in.sub.test,near",
                "    - MATCH,REJECT",
                ""));
        turnout = Launched.start(ns, config, dir.resolve("turnout.log"), CONTROLLER);
        ns.awaitTcpPort(MIXED, Duration.ofSeconds(30));
        api = new Api(ns, CONTROLLER, null);
    }

    private void startPrimaryForwarder() throws IOException, InterruptedException {
        primaryForwarder = ns.spawn(dir.resolve("forward-primary.log"), ControllerPeers.command("delay-forward",
                Integer.toString(PRIMARY_FORWARDER), "1081", "0"));
        ns.awaitTcpPort(PRIMARY_FORWARDER, Duration.ofSeconds(20));
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

    private String now(String group) throws Exception {
        return String.valueOf(api.get("/proxies/" + group).object().get("now"));
    }

    private boolean awaitNow(String group, String member, Duration timeout) throws Exception {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            if (member.equals(now(group))) {
                return true;
            }
            Thread.sleep(250);
        }
        return false;
    }

    /** The best of the recent checks, once at least {@code rounds} were made: the first round runs on cold JVMs. */
    @SuppressWarnings("unchecked")
    private int bestDelay(String name, int rounds) throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        List<Map<String, Object>> h = List.of();
        while (System.nanoTime() < deadline) {
            h = (List<Map<String, Object>>) api.get("/proxies/" + name).object().get("history");
            if (h.size() >= rounds) {
                break;
            }
            Thread.sleep(250);
        }
        return h.stream().mapToInt(c -> ((Number) c.get("delay")).intValue()).filter(d -> d > 0).min().orElse(-1);
    }

    @Test
    @Order(1)
    void urlTestPicksTheNearestUpstreamAndFlowsUseIt() throws Exception {
        assertTrue(awaitNow("auto", "near", Duration.ofSeconds(20)), () -> "auto stays on " + nowQuietly("auto") + "\n" + turnout.log());
        int far = bestDelay("far", 3);
        int near = bestDelay("near", 3);
        int middle = bestDelay("middle", 3);
        System.out.printf("url-test delays (best of 3 rounds): far %d ms, middle %d ms, near %d ms%n", far, middle, near);
        assertTrue(near > 0 && near < middle && middle < far, "delays far " + far + " middle " + middle + " near " + near);
        assertEquals("near", now("auto"), "auto moved away from the nearest upstream");

        Netns.Result r = ns.run(Duration.ofSeconds(30), "curl", "-sS", "--max-time", "20", "--socks5-hostname",
                "127.0.0.1:" + MIXED, "http://target.test:" + TARGET + "/via-auto");
        assertEquals(0, r.exitCode(), r.stderr());
        assertTrue(r.stdout().startsWith("hello /via-auto"), r.stdout());
        Path nearLog = dir.resolve("dante-near/danted.log");
        // dante logs each request it receives (debug 1); its timestamps may contain ".8081" by chance.
        String request = "address: target.test." + TARGET;
        assertTrue(awaitLog(nearLog, request), () -> "near's dante did not carry the flow:\n" + MixedPortIT.read(nearLog));
        for (String other : new String[] {"far", "middle"}) {
            assertTrue(!MixedPortIT.read(dir.resolve("dante-" + other + "/danted.log")).contains(request),
                    other + "'s dante carried the flow");
        }
    }

    @Test
    @Order(2)
    void fallbackLeavesAMemberThatGoesDownAndReturnsWhenItIsBack() throws Exception {
        assertTrue(awaitNow("fb", "primary", Duration.ofSeconds(10)), () -> "fb on " + nowQuietly("fb"));
        primaryForwarder.destroy();
        assertTrue(primaryForwarder.waitFor(10, TimeUnit.SECONDS));
        long down = System.nanoTime();
        assertTrue(awaitNow("fb", "near", Duration.ofSeconds(15)), () -> "fb stays on " + nowQuietly("fb"));
        System.out.printf("fallback moved to near %d ms after primary went down%n", (System.nanoTime() - down) / 1_000_000);
        Map<String, Object> primary = api.get("/proxies/primary").object();
        assertEquals(Boolean.FALSE, primary.get("alive"));

        // A flow now goes to the backup.
        Process hold = ns.spawn(dir.resolve("hold.log"), "curl", "-sS", "--max-time", "30", "--socks5-hostname",
                "127.0.0.1:" + MIXED, "http://hold.test:" + SILENT + "/");
        try {
            assertTrue(awaitChain("hold.test", List.of("near", "fb"), Duration.ofSeconds(15)));
        } finally {
            hold.destroy();
        }

        startPrimaryForwarder();
        long up = System.nanoTime();
        assertTrue(awaitNow("fb", "primary", Duration.ofSeconds(15)), () -> "fb did not return, on " + nowQuietly("fb"));
        System.out.printf("fallback returned to primary %d ms after it came back%n", (System.nanoTime() - up) / 1_000_000);
    }

    @Test
    @Order(3)
    void groupDelayChecksEveryMemberWithTheGroupsUrl() throws Exception {
        // no url: the group's own; a timeout is required, as in mihomo (dashboards send theirs)
        Map<String, Object> delays = api.get("/group/auto/delay?timeout=5000").object();
        assertEquals(java.util.Set.of("far", "middle", "near"), delays.keySet(), delays::toString);
        assertEquals(400, api.get("/group/auto/delay").status());
    }

    @Test
    @Order(10)
    void aGroupTestUnpinsAUrlTestOrFallbackGroupAndAUrlTestGroupTestsItsOwnUrl() throws Exception {
        // The groups tester's F1: mihomo's getGroupDelay drops a url-test or fallback pin (ForceSet(""), and the
        // cache file's choice), and URLTest.URLTest tests the group's own testUrl whatever the dashboard sends.
        assertEquals(204, api.call("PUT", "/proxies/auto", "{\"name\":\"far\"}").status());
        assertEquals("far", api.get("/proxies/auto").object().get("fixed"));
        Map<String, Object> delays = api.get("/group/auto/delay?timeout=5000&url=http%3A%2F%2F127.0.0.1%3A1%2Fnone")
                .object();
        assertEquals(java.util.Set.of("far", "middle", "near"), delays.keySet(), delays::toString);
        assertEquals("", api.get("/proxies/auto").object().get("fixed"));
        assertEquals(204, api.call("PUT", "/proxies/fb", "{\"name\":\"near\"}").status());
        assertEquals("near", api.get("/proxies/fb").object().get("fixed"));
        api.get("/group/fb/delay?timeout=5000");
        assertEquals("", api.get("/proxies/fb").object().get("fixed"));
        turnout.close();
        turnout = Launched.start(ns, config, dir.resolve("turnout-4.log"), CONTROLLER);
        assertEquals("", api.get("/proxies/auto").object().get("fixed"), "the saved pin is gone too");
        assertEquals("", api.get("/proxies/fb").object().get("fixed"), turnout.log());
        // F2: mihomo's getProxyDelay requires a timeout, as the group test does
        assertEquals(400, api.get("/proxies/near/delay?url=http%3A%2F%2F127.0.0.1%3A" + HEALTH + "%2Fgenerate_204")
                .status());
    }

    @Test
    @Order(4)
    void nestedGroupsShowTheWholeChainOfAFlow() throws Exception {
        assertEquals(204, api.call("PUT", "/proxies/pick", "{\"name\":\"auto\"}").status());
        Process hold = ns.spawn(dir.resolve("nest.log"), "curl", "-sS", "--max-time", "30", "--socks5-hostname",
                "127.0.0.1:" + MIXED, "http://nest.test:" + SILENT + "/");
        try {
            assertTrue(awaitChain("nest.test", List.of("near", "auto", "pick"), Duration.ofSeconds(15)),
                    () -> "chains: " + quietly("/connections"));
        } finally {
            hold.destroy();
        }
    }

    private String quietly(String path) {
        try {
            return api.get(path).toString();
        } catch (Exception e) {
            return "? (" + e + ")";
        }
    }

    @Test
    @Order(5)
    void selectChoiceSurvivesReloadAndRestart() throws Exception {
        assertEquals(204, api.call("PUT", "/proxies/pick", "{\"name\":\"middle\"}").status());
        assertEquals(204, api.call("PUT", "/configs", "{\"path\":\"" + config + "\"}").status());
        assertEquals("middle", now("pick"));
        turnout.close();
        turnout = Launched.start(ns, config, dir.resolve("turnout-2.log"), CONTROLLER);
        assertEquals("middle", now("pick"), turnout.log());
    }

    @Test
    @Order(6)
    void aUrlTestMemberPinnedFromTheDashboardCarriesFlowsAcrossARestartUntilUnpinned() throws Exception {
        assertTrue(awaitNow("auto", "near", Duration.ofSeconds(20)), () -> nowQuietly("auto"));
        // metacubexd and zashboard pin a url-test member by clicking it: mihomo's PUT on the group.
        assertEquals(204, api.call("PUT", "/proxies/auto", "{\"name\":\"far\"}").status());
        Map<String, Object> auto = api.get("/proxies/auto").object();
        assertEquals("far", auto.get("now"), auto.toString());
        assertEquals("far", auto.get("fixed"), auto.toString());
        Path farLog = dir.resolve("dante-far/danted.log");
        String request = "address: target.test." + TARGET;
        int before = MixedPortIT.read(farLog).split(java.util.regex.Pattern.quote(request), -1).length;
        Netns.Result r = ns.run(Duration.ofSeconds(30), "curl", "-sS", "--max-time", "20", "--socks5-hostname",
                "127.0.0.1:" + MIXED, "http://target.test:" + TARGET + "/pinned");
        assertEquals(0, r.exitCode(), r.stderr());
        long deadline = System.nanoTime() + Duration.ofSeconds(5).toNanos();
        while (MixedPortIT.read(farLog).split(java.util.regex.Pattern.quote(request), -1).length == before
                && System.nanoTime() < deadline) {
            Thread.sleep(100);
        }
        assertTrue(MixedPortIT.read(farLog).split(java.util.regex.Pattern.quote(request), -1).length > before,
                "the pinned far upstream did not carry the flow");

        turnout.close();
        turnout = Launched.start(ns, config, dir.resolve("turnout-3.log"), CONTROLLER);
        assertEquals("far", api.get("/proxies/auto").object().get("fixed"), turnout.log());
        assertEquals("far", now("auto"), turnout.log());

        assertEquals(400, api.call("PUT", "/proxies/auto", "{\"name\":\"nobody\"}").status());
        assertEquals(400, api.call("DELETE", "/proxies/pick", "").status(), "a select group has nothing to unpin");
        assertEquals(204, api.call("DELETE", "/proxies/auto", "").status());
        assertEquals("", api.get("/proxies/auto").object().get("fixed"));
        assertTrue(awaitNow("auto", "near", Duration.ofSeconds(20)), () -> nowQuietly("auto"));
    }

    @Test
    @Order(7)
    void aGroupWhoseChoiceIsPassLetsItsFlowsGoOnToTheNextRuleAsInMihomo() throws Exception {
        // DustinWin's mihomo templates switch ad blocking off by choosing a group of PASS; such a config was refused.
        Netns.Result blocked = ns.run(Duration.ofSeconds(30), "curl", "-sS", "--max-time", "20", "--socks5-hostname",
                "127.0.0.1:" + MIXED, "http://ad.test:" + TARGET + "/blocked");
        assertTrue(blocked.exitCode() != 0, blocked.stdout());
        assertTrue(awaitTurnoutLog("--> ad.test:" + TARGET + " match DOMAIN,ad.test using ads[REJECT]"), turnout::log);
        assertEquals(204, api.call("PUT", "/proxies/ads", "{\"name\":\"bypass\"}").status());
        Netns.Result passed = ns.run(Duration.ofSeconds(30), "curl", "-sS", "--max-time", "20", "--socks5-hostname",
                "127.0.0.1:" + MIXED, "http://ad.test:" + TARGET + "/passed");
        assertEquals(0, passed.exitCode(), passed.stderr());
        assertTrue(passed.stdout().startsWith("hello /passed"), passed.stdout());
        assertTrue(awaitTurnoutLog("--> ad.test:" + TARGET + " match DOMAIN,ad.test using near"), turnout::log);
        assertTrue(awaitLog(dir.resolve("dante-near/danted.log"), "address: ad.test." + TARGET),
                "near carried the flow the next rule sent it");
        Map<String, Object> pass = api.get("/proxies/PASS").object();
        assertEquals("Pass", pass.get("type"), pass.toString());
    }

    @Test
    @Order(8)
    void aGroupWhoseChoiceIsPassRuleLetsItsFlowsGoOnWithinTheirSubRulesList() throws Exception {
        // mihomo's PASS-RULE (echs-top/proxy): PASS would leave the list, and MATCH,DIRECT could not reach in.sub.test.
        Netns.Result passed = ns.run(Duration.ofSeconds(30), "curl", "-sS", "--max-time", "20", "--socks5-hostname",
                "127.0.0.1:" + MIXED, "http://in.sub.test:" + TARGET + "/within");
        assertEquals(0, passed.exitCode(), passed.stderr() + turnout.log());
        assertTrue(passed.stdout().startsWith("hello /within"), passed.stdout());
        assertTrue(awaitLog(dir.resolve("dante-near/danted.log"), "address: in.sub.test." + TARGET),
                "near, the list's next rule, carried it");
        assertEquals(204, api.call("PUT", "/proxies/gate", "{\"name\":\"REJECT\"}").status());
        Netns.Result refused = ns.run(Duration.ofSeconds(30), "curl", "-sS", "--max-time", "20", "--socks5-hostname",
                "127.0.0.1:" + MIXED, "http://in.sub.test:" + TARGET + "/refused");
        assertTrue(refused.exitCode() != 0, refused.stdout());
        assertEquals("PassRule", api.get("/proxies/PASS-RULE").object().get("type"));
    }

    @Test
    @Order(9)
    void aLoadBalanceGroupKeepsEveryNameOfASiteOnOneMemberAsMihomo() throws Exception {
        // mihomo keys consistent-hashing on the registrable domain: a site's logins see one exit address.
        for (String site : SITES) {
            java.util.Set<String> members = new java.util.TreeSet<>();
            for (String name : SITE_NAMES) {
                String host = name + site;
                Netns.Result r = ns.run(Duration.ofSeconds(30), "curl", "-sS", "--max-time", "20",
                        "--socks5-hostname", "127.0.0.1:" + MIXED, "http://" + host + ":" + TARGET + "/lb");
                assertEquals(0, r.exitCode(), host + ": " + r.stderr());
                java.util.regex.Matcher m = java.util.regex.Pattern.compile("--> " + java.util.regex.Pattern.quote(
                        host + ":" + TARGET) + " match DOMAIN-SUFFIX," + site + " using lb\\[(\\w+)]")
                        .matcher("");
                String member = null;
                for (int i = 0; i < 50 && member == null; i++) {
                    m.reset(turnout.log());
                    member = m.find() ? m.group(1) : null;
                    if (member == null) {
                        Thread.sleep(100);
                    }
                }
                assertTrue(member != null, () -> "no routing line for " + host + ":\n" + turnout.log());
                members.add(member);
            }
            assertEquals(1, members.size(), site + "'s names left through " + members);
        }
    }

    private boolean awaitTurnoutLog(String needle) throws InterruptedException {
        for (int i = 0; i < 50; i++) {
            if (turnout.log().contains(needle)) {
                return true;
            }
            Thread.sleep(100);
        }
        return false;
    }

    private String nowQuietly(String group) {
        try {
            return now(group) + " " + api.get("/proxies");
        } catch (Exception e) {
            return "? (" + e + ")";
        }
    }

    @SuppressWarnings("unchecked")
    private boolean awaitChain(String host, List<String> chain, Duration timeout) throws Exception {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            for (Object o : (List<Object>) api.get("/connections").object().get("connections")) {
                Map<String, Object> c = (Map<String, Object>) o;
                if (host.equals(((Map<String, Object>) c.get("metadata")).get("host")) && chain.equals(c.get("chains"))) {
                    return true;
                }
            }
            Thread.sleep(200);
        }
        return false;
    }

    private static boolean awaitLog(Path log, String needle) throws InterruptedException {
        for (int i = 0; i < 50; i++) {
            if (MixedPortIT.read(log).contains(needle)) {
                return true;
            }
            Thread.sleep(100);
        }
        return false;
    }
}
