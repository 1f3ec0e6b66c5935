package dev.turnout.dist;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.turnout.dist.controller.Api;
import dev.turnout.dist.controller.Launched;
import dev.turnout.dist.testing.Daemons;
import dev.turnout.dist.testing.Netns;
import dev.turnout.dist.testing.ScratchDir;
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

/**
 * {@code mode: global} and the GLOBAL group Clash always has, then a relay group, with the packaged Turnout and
 * real upstreams: dante on 192.0.2.11 (connecting out from there) and tinyproxy on 192.0.2.12 that serves
 * only clients from 192.0.2.11, so a flow tinyproxy carries has come through dante; the target on 192.0.2.13.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class GlobalAndRelayIT {

    static final int MIXED = 7890;
    static final int CONTROLLER = 9090;
    static final int TARGET = 8081;
    static final int SILENT = 8099;
    static final String DANTE = "192.0.2.11";
    static final String TINYPROXY = "192.0.2.12";
    static final String WEB = "192.0.2.13";

    Path dir;
    Netns ns;
    Launched turnout;
    Api api;
    Path danteLog;
    Path tinyproxyLog;

    @BeforeAll
    void start() throws Exception {
        Netns.assumeUsable("danted", "tinyproxy", "curl");
        dir = ScratchDir.create("i13-groups-global");
        ns = Netns.create("tglob");
        for (String a : List.of(DANTE, TINYPROXY, WEB)) {
            ns.address("lo", a + "/32");
        }
        ns.spawn(dir.resolve("target.log"), Daemons.peer("http", Integer.toString(TARGET)));
        ns.spawn(dir.resolve("silent.log"), Daemons.peer("silent", Integer.toString(SILENT)));
        danteLog = dir.resolve("dante/danted.log");
        Daemons.dante(ns, Files.createDirectories(dir.resolve("dante")), DANTE, 1080, danteLog);
        tinyproxyLog = dir.resolve("tinyproxy/tinyproxy.log");
        Daemons.tinyproxy(ns, Files.createDirectories(dir.resolve("tinyproxy")), TINYPROXY, DANTE, 8888,
                tinyproxyLog, TARGET);
        ns.awaitTcpPort(TARGET, Duration.ofSeconds(20));
        Path config = dir.resolve("config.yaml");
        Files.writeString(config, String.join("\n",
                "mixed-port: " + MIXED,
                "external-controller: 127.0.0.1:" + CONTROLLER,
                "mode: global",
                "routing-mark: " + 0x2a17,
                "proxies:",
                "  - {name: s5, type: socks5, server: " + DANTE + ", port: 1080, routing-mark: " + 0x51 + "}",
                "  - {name: hp, type: http, server: " + TINYPROXY + ", port: 8888}",
                "  - {name: dead, type: socks5, server: " + DANTE + ", port: 9}",
                "proxy-groups:",
                "  - {name: chain, type: relay, proxies: [s5, DIRECT, hp]}",
                "  - {name: auto, type: url-test, proxies: [dead], url: 'http://" + WEB + ":" + TARGET + "/check',"
                        + " interval: 300, max-failed-times: 3}",
                "rules:",
                "  - MATCH,REJECT",
                ""));
        turnout = Launched.start(ns, config, dir.resolve("turnout.log"), CONTROLLER);
        ns.awaitTcpPort(MIXED, Duration.ofSeconds(30));
        api = new Api(ns, CONTROLLER, null);
    }

    @AfterAll
    void stop() throws Exception {
        if (turnout != null) {
            turnout.close();
        }
        if (ns != null) {
            ns.close();
        }
        if (dir != null) {
            ScratchDir.delete(dir);
        }
    }

    private Netns.Result curl(String path) throws Exception {
        return ns.run(Duration.ofSeconds(30), "curl", "-sS", "--max-time", "20", "--socks5-hostname",
                "127.0.0.1:" + MIXED, "http://" + WEB + ":" + TARGET + path);
    }

    private void choose(String member) throws Exception {
        Api.Response r = api.call("PUT", "/proxies/GLOBAL", "{\"name\": \"" + member + "\"}");
        assertEquals(204, r.status(), r::toString);
    }

    @Test
    @Order(1)
    @SuppressWarnings("unchecked")
    void globalModeSendsEveryFlowToGlobalWhichListsEverythingAndStartsOnDirect() throws Exception {
        Map<String, Object> global = api.get("/proxies/GLOBAL").object();
        assertEquals("Selector", global.get("type"));
        assertEquals("DIRECT", global.get("now"));
        assertEquals(List.of("DIRECT", "REJECT", "s5", "hp", "dead", "chain", "auto"), global.get("all"));
        Map<String, Object> proxies = (Map<String, Object>) api.get("/proxies").object().get("proxies");
        assertEquals(global, proxies.get("GLOBAL"));
        assertEquals("Relay", ((Map<String, Object>) proxies.get("chain")).get("type"));

        // The rules say REJECT; global mode does not read them.
        Netns.Result r = curl("/direct");
        assertEquals(0, r.exitCode(), r.stderr() + turnout.log());
        assertTrue(r.stdout().startsWith("hello /direct"), r.stdout());
        assertFalse(MixedPortIT.read(danteLog).contains(WEB + "." + TARGET), "dante carried a DIRECT flow");
        assertTrue(turnout.log().contains("using GLOBAL[DIRECT]"), turnout.log());
    }

    @Test
    @Order(2)
    void choosingAProxyForGlobalThroughTheControllerSendsTheNextFlowThere() throws Exception {
        choose("s5");
        assertEquals("s5", api.get("/proxies/GLOBAL").object().get("now"));
        Netns.Result r = curl("/via-s5");
        assertEquals(0, r.exitCode(), r.stderr() + turnout.log());
        assertTrue(r.stdout().startsWith("hello /via-s5"), r.stdout());
        assertTrue(MixedPortIT.read(danteLog).contains(WEB + "." + TARGET), () -> "dante did not carry the flow:\n"
                + MixedPortIT.read(danteLog));
        Api.Response wrong = api.call("PUT", "/proxies/GLOBAL", "{\"name\": \"nope\"}");
        assertEquals(400, wrong.status(), wrong::toString);
    }

    @Test
    @Order(3)
    void aRelayReachesTheSecondHopThroughTheFirst() throws Exception {
        // tinyproxy serves only dante's address: straight from Turnout it refuses.
        choose("hp");
        Netns.Result refused = curl("/straight");
        assertFalse(refused.stdout().startsWith("hello"), refused.stdout());
        String before = MixedPortIT.read(tinyproxyLog);

        choose("chain");
        Netns.Result r = curl("/via-chain");
        assertEquals(0, r.exitCode(), r.stderr() + turnout.log());
        assertTrue(r.stdout().startsWith("hello /via-chain"), r.stdout());
        String added = MixedPortIT.read(tinyproxyLog).substring(before.length());
        assertTrue(added.contains("): " + DANTE), () -> "tinyproxy's client was not dante:\n" + added);
        assertTrue(added.contains("CONNECT " + WEB + ":" + TARGET), added);
        assertTrue(MixedPortIT.read(danteLog).contains(TINYPROXY + ".8888"), () -> "dante was not asked for tinyproxy:\n"
                + MixedPortIT.read(danteLog));
        assertTrue(turnout.log().contains("using GLOBAL[chain]"), turnout.log());
    }

    @Test
    @Order(4)
    @SuppressWarnings("unchecked")
    void aRefusedFlowThroughAGroupChecksItAtOnce() throws Exception {
        // interval 300 s: after the first round only failures can start a check before this test ends.
        long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        while (history("dead") < 1 && System.nanoTime() < deadline) {
            Thread.sleep(100);
        }
        assertEquals(1, history("dead"), "the first round");
        choose("auto");
        // 'dead' refuses: its first refused flow checks the group, as mihomo's onDialFailed does ("connection
        // refused" -> healthCheck); max-failed-times counts the other failures (FailedDialsTest).
        assertFalse(curl("/fail-0").stdout().startsWith("hello"));
        deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (history("dead") < 2 && System.nanoTime() < deadline) {
            Thread.sleep(100);
        }
        Thread.sleep(500);
        assertEquals(2, history("dead"), () -> "a refused flow through 'auto' did not check it once:\n" + turnout.log());
    }

    @SuppressWarnings("unchecked")
    private int history(String name) throws Exception {
        return ((List<Object>) api.get("/proxies/" + name).object().get("history")).size();
    }

    @Test
    @Order(5)
    void routingMarksGoOnTurnoutsOwnSocketsTheConfigsOnDirectAProxysOwnOnItsConnection() throws Exception {
        choose("DIRECT");
        assertEquals("fwmark:0x2a17", heldMark(WEB + ":" + SILENT));
        choose("s5");
        assertEquals("fwmark:0x51", heldMark(DANTE + ":1080"));
    }

    /** Holds a flow open to the silent peer and reads the fwmark of Turnout's socket to {@code peer}. */
    private String heldMark(String peer) throws Exception {
        Process hold = ns.spawn(dir.resolve("hold-" + peer.replace(':', '-') + ".log"), "curl", "-sS", "--max-time",
                "15", "--socks5-hostname", "127.0.0.1:" + MIXED, "http://" + WEB + ":" + SILENT + "/");
        try {
            long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
            String out = "";
            while (System.nanoTime() < deadline) {
                out = ns.run(Duration.ofSeconds(10), "ss", "-tnieH", "state", "established", "dst", peer).stdout();
                java.util.regex.Matcher m = java.util.regex.Pattern.compile("fwmark:0x[0-9a-f]+").matcher(out);
                if (m.find()) {
                    return m.group();
                }
                if (!out.isBlank()) {
                    return "no fwmark: " + out;
                }
                Thread.sleep(100);
            }
            return "no connection to " + peer + ": " + out;
        } finally {
            hold.destroy();
        }
    }
}
