package dev.turnout.dist;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.turnout.dist.controller.Api;
import dev.turnout.dist.testing.Daemons;
import dev.turnout.dist.testing.Netns;
import dev.turnout.host.controller.Json;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Hot reload under load: a download keeps streaming through Turnout while its rules are swapped 100 times by
 * SIGHUP ({@code turnout reload}); it never drops, new connections follow the newest rules, and a broken
 * config changes nothing: a failed reload, by signal, by {@code turnout reload} or by {@code PUT /configs}, leaves
 * every flow routed exactly as before, and the controller's {@code GET /rules} still names the routing in use.
 */
class ReloadIT {

    static final Path DIST = Path.of(System.getProperty("turnout.dist"));
    static final int CHUNKS = 800;

    @TempDir
    Path dir;

    private static String config(boolean rejectProbe) {
        return String.join("\n", "mixed-port: 7890", "log-level: info", "rules:",
                "  - DOMAIN,probe.test," + (rejectProbe ? "REJECT" : "DIRECT"), "  - MATCH,DIRECT", "");
    }

    @Test
    void aStreamSurvivesAHundredReloadsAndNewFlowsFollowTheNewestRules() throws Exception {
        Netns.assumeUsable("curl");
        Path config = dir.resolve("config.yaml");
        Path pid = dir.resolve("turnout.pid");
        Path log = dir.resolve("turnout.log");
        Files.writeString(config, config(false));
        try (Netns ns = Netns.create("treload")) {
            ns.hosts(Map.of("probe.test", "127.0.0.1", "stream.test", "127.0.0.1"));
            Process stream = streamThroughTurnout(ns, dir, log, config, pid, CHUNKS, 50,
                    "--socks5-hostname", "127.0.0.1:7890", "http://stream.test:8081/");
            Path body = dir.resolve("stream.bin");
            for (int i = 1; i <= 100; i++) {
                boolean reject = i % 2 == 1;
                Files.writeString(config, config(reject));
                // The first through `turnout reload`; the rest with a bare SIGHUP, as systemd's ExecReload sends.
                Netns.Result reload = i == 1
                        ? ns.run(Duration.ofSeconds(30), DIST.resolve("bin/turnout").toString(), "reload", "--pid-file", pid.toString())
                        : ns.run(Duration.ofSeconds(10), "kill", "-HUP", Files.readString(pid).trim());
                assertEquals(0, reload.exitCode(), reload.stderr());
                awaitReloads(log, i);
                if (i % 10 == 0 || i % 10 == 1) {
                    Netns.Result probe = ns.run(Duration.ofSeconds(30), "curl", "-sS", "--max-time", "5",
                            "--socks5-hostname", "127.0.0.1:7890", "http://probe.test:8080/r" + i);
                    if (reject) {
                        assertNotEquals(0, probe.exitCode(), "reload " + i + " should reject probe.test");
                    } else {
                        assertEquals(0, probe.exitCode(), "reload " + i + ": " + probe.stderr());
                        assertEquals("hello /r" + i + " from 127.0.0.1\n", probe.stdout());
                    }
                }
            }
            assertTrue(stream.isAlive() || stream.exitValue() == 0, "the stream died during the reloads");
            hurry(dir);
            // The start and every reload say what they built and how long it took (bench/cold-rules.sh reads it).
            String said = MixedPortIT.read(log);
            assertTrue(java.util.regex.Pattern.compile("INFO  Turnout routing: \\d+ rules, \\d+ outbounds and groups, "
                    + "compiled in \\d+ ms\n").matcher(said).find(), said);
            assertEquals(100, java.util.regex.Pattern.compile("INFO  Turnout reloaded " + java.util.regex.Pattern.quote(
                    config.toString()) + ": \\d+ rules, \\d+ outbounds and groups, compiled in \\d+ ms\n")
                    .matcher(said).results().count(), said);
            // A broken config is refused and changes nothing: probe.test stays DIRECT (reload 100 made it so).
            Files.writeString(config, "rules:\n  - DOMAIN,probe.test,NO-SUCH-TARGET\n");
            ns.run(Duration.ofSeconds(30), DIST.resolve("bin/turnout").toString(), "reload", "--pid-file", pid.toString());
            long deadline = System.nanoTime() + Duration.ofSeconds(15).toNanos();
            while (!MixedPortIT.read(log).contains("reload failed") && System.nanoTime() < deadline) {
                Thread.sleep(100);
            }
            assertTrue(MixedPortIT.read(log).contains("reload failed, keeping the running config: " + config + ":2:5"),
                    MixedPortIT.read(log));
            Netns.Result after = ns.run(Duration.ofSeconds(30), "curl", "-sS", "--max-time", "5", "--socks5-hostname",
                    "127.0.0.1:7890", "http://probe.test:8080/after");
            assertEquals(0, after.exitCode(), after.stderr());
            assertTrue(stream.waitFor(90, TimeUnit.SECONDS), "stream did not finish");
            assertEquals(0, stream.exitValue(), MixedPortIT.read(dir.resolve("stream.log")));
            assertEquals(CHUNKS * 1024L, Files.size(body), "the stream lost bytes");
        }
    }

    /** The failed-reload test's namespace: DIRECT flows leave from 192.0.2.1, dante's from 192.0.2.2. */
    private static final String SERVER = "192.0.2.1";
    private static final String DANTE = "192.0.2.2";
    private static final int CONTROLLER = 9090;

    /**
     * Every kind of target, so that a reload that broke the routing in any way shows: a name DIRECT, a name
     * REJECT, a name through dante, and a name that only MATCH catches, also through dante (an empty or lost
     * rule set would send both of these DIRECT, which a DIRECT-only probe could not tell from "unchanged").
     */
    private static String routedConfig(String firstRuleTarget) {
        return String.join("\n", "mixed-port: 7890", "log-level: info", "external-controller: 127.0.0.1:" + CONTROLLER,
                "proxies:", "  - {name: dante, type: socks5, server: " + DANTE + ", port: 1080}",
                "rules:", "  - DOMAIN,direct.test," + firstRuleTarget, "  - DOMAIN,refused.test,REJECT",
                "  - DOMAIN,proxied.test,dante", "  - MATCH,dante", "");
    }

    /** What each probed name gets from the running config: the HTTP peer's answer (it names the source), or curl's exit code. */
    private static final Map<String, String> ROUTED = Map.of(
            "direct.test", "hello /probe from " + SERVER + "\n",
            "refused.test", "curl exit 97",
            "proxied.test", "hello /probe from " + DANTE + "\n",
            "unmatched.test", "hello /probe from " + DANTE + "\n");

    /**
     * A SIGHUP that arrives while Turnout starts (here as soon as its first lock file exists, the config already
     * read) is a reload made once Turnout is up, never a stop: the JVM's own handling of HUP, in place until the
     * start ended, stopped the process with exit 129.
     */
    @Test
    void aSighupWhileTurnoutStartsIsAReloadOnceItIsUpNotAStop() throws Exception {
        Netns.assumeUsable("curl");
        Path config = dir.resolve("config.yaml");
        Path log = dir.resolve("turnout.log");
        Files.writeString(config, config(false));
        try (Netns ns = Netns.create("tearlyhup")) {
            ns.hosts(Map.of("probe.test", "127.0.0.1"));
            ns.spawn(dir.resolve("http.log"), Daemons.peer("http", "8080"));
            Process turnout = ns.spawn(log, DIST.resolve("bin/turnout").toString(), "run", "-c", config.toString(),
                    "--pid-file", dir.resolve("turnout.pid").toString());
            assertTrue(ns.awaitInstanceLock(turnout, Duration.ofSeconds(60)),
                    () -> "no lock file appeared:\n" + MixedPortIT.read(log));
            Files.writeString(config, config(true));
            assertEquals(0, ns.run(Duration.ofSeconds(10), "kill", "-HUP", Long.toString(turnout.pid())).exitCode());
            try {
                ns.awaitTcpPort(7890, Duration.ofSeconds(30));
            } catch (IOException e) {
                throw new AssertionError(turnout.isAlive() ? e.getMessage()
                        : "Turnout stopped on SIGHUP (exit " + turnout.waitFor() + "):\n" + MixedPortIT.read(log), e);
            }
            ns.awaitTcpPort(8080, Duration.ofSeconds(20));
            awaitReloads(log, 1);
            assertTrue(turnout.isAlive(), () -> "Turnout stopped on SIGHUP:\n" + MixedPortIT.read(log));
            Netns.Result probe = ns.run(Duration.ofSeconds(30), "curl", "-sS", "--max-time", "5",
                    "--socks5-hostname", "127.0.0.1:7890", "http://probe.test:8080/early");
            assertNotEquals(0, probe.exitCode(), "the reloaded config rejects probe.test: " + probe.stdout());
        }
    }

    /**
     * As mihomo's updateGeneral at each reload: the file's log-level applies, over what a dashboard set since; it
     * never applied at all (s69's accounting tester, F9).
     */
    @Test
    void aReloadAppliesTheFilesLogLevelOverADashboardsAsMihomoDoes() throws Exception {
        Netns.assumeUsable("curl");
        Path config = dir.resolve("config.yaml");
        Path pid = dir.resolve("turnout.pid");
        Path log = dir.resolve("turnout.log");
        Files.writeString(config, routedConfig("DIRECT"));
        try (Netns ns = Netns.create("trlevel")) {
            ns.address("lo", SERVER + "/32");
            ns.hosts(Map.of("direct.test", SERVER));
            ns.spawn(dir.resolve("http.log"), Daemons.peer("http", "8080"));
            ns.spawn(log, DIST.resolve("bin/turnout").toString(), "run", "-c", config.toString(), "--pid-file", pid.toString());
            ns.awaitTcpPort(7890, Duration.ofSeconds(30));
            ns.awaitTcpPort(CONTROLLER, Duration.ofSeconds(30));
            ns.awaitTcpPort(8080, Duration.ofSeconds(20));
            Api api = new Api(ns, CONTROLLER, null);
            assertEquals(204, api.call("PATCH", "/configs", "{\"log-level\":\"warning\"}").status());
            assertEquals(0, routeLines(ns, log, "dashboard-warning"), "a dashboard's warning level: no routing lines");

            assertEquals(0, ns.run(Duration.ofSeconds(10), "kill", "-HUP", Files.readString(pid).trim()).exitCode());
            awaitReloads(log, 1);
            assertEquals("info", logLevel(api));
            assertEquals(1, routeLines(ns, log, "file-info"), "the file's info level again");

            Files.writeString(config, routedConfig("DIRECT").replace("log-level: info", "log-level: warning"));
            assertEquals(0, ns.run(Duration.ofSeconds(10), "kill", "-HUP", Files.readString(pid).trim()).exitCode());
            long deadline = System.nanoTime() + Duration.ofSeconds(15).toNanos();
            while (!"warning".equals(logLevel(api)) && System.nanoTime() < deadline) {
                Thread.sleep(50);
            }
            assertEquals("warning", logLevel(api), "the file's new level");
            assertEquals(0, routeLines(ns, log, "file-warning"));
        }
    }

    private static String logLevel(Api api) throws Exception {
        return String.valueOf(((Map<?, ?>) api.get("/configs").json()).get("log-level"));
    }

    /** The routing lines a request to {@code direct.test} through the mixed port adds to the log. */
    private static long routeLines(Netns ns, Path log, String path) throws Exception {
        long before = MixedPortIT.read(log).lines().filter(l -> l.contains("--> direct.test:8080 ")).count();
        Netns.Result r = ns.run(Duration.ofSeconds(30), "curl", "-sS", "--max-time", "5",
                "--socks5-hostname", "127.0.0.1:7890", "http://direct.test:8080/" + path);
        assertEquals("hello /" + path + " from " + SERVER + "\n", r.stdout(), r.stderr());
        Thread.sleep(300); // the line is written by another thread
        return MixedPortIT.read(log).lines().filter(l -> l.contains("--> direct.test:8080 ")).count() - before;
    }

    @Test
    void aFailedReloadLeavesEveryFlowRoutedAsBeforeAndTheControllerShowsTheRoutingInUse() throws Exception {
        Netns.assumeUsable("danted", "curl");
        Path config = dir.resolve("config.yaml");
        Path pid = dir.resolve("turnout.pid");
        Path log = dir.resolve("turnout.log");
        Files.writeString(config, routedConfig("DIRECT"));
        try (Netns ns = Netns.create("trfail")) {
            ns.address("lo", SERVER + "/32");
            ns.address("lo", DANTE + "/32");
            Map<String, String> hosts = new LinkedHashMap<>();
            ROUTED.keySet().forEach(name -> hosts.put(name, SERVER));
            ns.hosts(hosts);
            ns.spawn(dir.resolve("http.log"), Daemons.peer("http", "8080"));
            Daemons.dante(ns, dir, DANTE, 1080, dir.resolve("danted.log"));
            ns.spawn(log, DIST.resolve("bin/turnout").toString(), "run", "-c", config.toString(), "--pid-file", pid.toString());
            ns.awaitTcpPort(7890, Duration.ofSeconds(30));
            ns.awaitTcpPort(CONTROLLER, Duration.ofSeconds(30));
            ns.awaitTcpPort(8080, Duration.ofSeconds(20));
            Api api = new Api(ns, CONTROLLER, null);
            Object rules = ControllerIT.clash118Rules(api.get("/rules").json());
            assertRoutedAsConfiguredAndAsTheControllerSays(ns, log, api, "before any reload");

            Files.writeString(config, routedConfig("NO-SUCH-TARGET"));
            assertEquals(0, ns.run(Duration.ofSeconds(10), "kill", "-HUP", Files.readString(pid).trim()).exitCode());
            awaitFailedReloads(log, 1);
            assertEquals(rules, ControllerIT.clash118Rules(api.get("/rules").json()), "GET /rules after a failed SIGHUP reload");
            assertRoutedAsConfiguredAndAsTheControllerSays(ns, log, api, "after a failed SIGHUP reload");

            Files.writeString(config, "rules: [\n");
            Netns.Result reload = ns.run(Duration.ofSeconds(30), DIST.resolve("bin/turnout").toString(), "reload",
                    "--pid-file", pid.toString());
            assertEquals(0, reload.exitCode(), reload.stderr());
            awaitFailedReloads(log, 2);
            assertEquals(rules, ControllerIT.clash118Rules(api.get("/rules").json()), "GET /rules after a failed `turnout reload`");
            assertRoutedAsConfiguredAndAsTheControllerSays(ns, log, api, "after a failed `turnout reload`");

            Files.writeString(config, routedConfig("NO-SUCH-TARGET"));
            Api.Response fromFile = api.call("PUT", "/configs", "{}");
            assertEquals(400, fromFile.status(), fromFile::toString);
            assertEquals(rules, ControllerIT.clash118Rules(api.get("/rules").json()), "GET /rules after a failed PUT /configs");
            assertRoutedAsConfiguredAndAsTheControllerSays(ns, log, api, "after a failed PUT /configs");

            Api.Response payload = api.call("PUT", "/configs", Json.write(Map.of("payload", routedConfig("NO-SUCH-TARGET"))));
            assertEquals(400, payload.status(), payload::toString);
            assertEquals(rules, ControllerIT.clash118Rules(api.get("/rules").json()), "GET /rules after a failed PUT /configs with a payload");
            assertRoutedAsConfiguredAndAsTheControllerSays(ns, log, api, "after a failed PUT /configs with a payload");
        }
    }

    /**
     * Probes every name of {@link #ROUTED} through the mixed port and checks what it got, and that the rule and
     * target Turnout logged for the flow are the first rule {@code GET /rules} lists for that name: the routing
     * in use, not only the stored config, is what the controller shows.
     */
    @SuppressWarnings("unchecked")
    private static void assertRoutedAsConfiguredAndAsTheControllerSays(Netns ns, Path log, Api api, String when)
            throws IOException, InterruptedException {
        List<Map<String, Object>> rules = (List<Map<String, Object>>) api.get("/rules").object().get("rules");
        Map<String, String> got = new LinkedHashMap<>();
        for (String name : ROUTED.keySet()) {
            int logged = routeLines(log, name).size();
            Netns.Result r = ns.run(Duration.ofSeconds(30), "curl", "-sS", "--max-time", "10",
                    "--socks5-hostname", "127.0.0.1:7890", "http://" + name + ":8080/probe");
            got.put(name, r.exitCode() == 0 ? r.stdout() : "curl exit " + r.exitCode());
            String line = awaitRouteLine(log, name, logged);
            Map<String, Object> shown = rules.stream()
                    .filter(rule -> "Match".equals(rule.get("type"))
                            || "Domain".equals(rule.get("type")) && name.equals(rule.get("payload")))
                    .findFirst().orElseThrow(() -> new AssertionError(when + ": GET /rules has no rule for " + name + ": " + rules));
            String rule = "Match".equals(shown.get("type")) ? "MATCH" : "DOMAIN," + name;
            assertTrue(line.endsWith(" match " + rule + " using " + shown.get("proxy")),
                    () -> when + ": GET /rules shows " + shown + " for " + name + ", the flow was routed as: " + line);
        }
        assertEquals(new java.util.TreeMap<>(ROUTED), new java.util.TreeMap<>(got), when);
    }

    /** Turnout's route lines for flows to {@code name} (one per flow). */
    private static List<String> routeLines(Path log, String name) {
        return MixedPortIT.read(log).lines().filter(l -> l.contains(" --> " + name + ":8080 match ")).toList();
    }

    /** Waits (bounded) for the route line of the flow after the first {@code seen}, and returns it. */
    private static String awaitRouteLine(Path log, String name, int seen) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (System.nanoTime() < deadline) {
            List<String> lines = routeLines(log, name);
            if (lines.size() > seen) {
                return lines.get(seen).strip();
            }
            Thread.sleep(20);
        }
        throw new AssertionError("no route line for " + name + ":\n" + MixedPortIT.read(log));
    }

    private static void awaitFailedReloads(Path log, int count) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(15).toNanos();
        while (System.nanoTime() < deadline) {
            if (MixedPortIT.read(log).split("reload failed", -1).length - 1 >= count) {
                return;
            }
            Thread.sleep(20);
        }
        throw new AssertionError("failed reload " + count + " not logged:\n" + MixedPortIT.read(log));
    }

    /**
     * Starts a web server (8080), a slow download (8081: {@code chunks} KiB, one every {@code intervalMillis}) and the
     * packaged Turnout on {@code config} (listening on 7890, {@code pid} its pid file, {@code log} its output), then a
     * curl that fetches the download into {@code dir/stream.bin} with {@code proxyAndUrl}; returns the curl once its first
     * bytes have arrived, so that what the test does next happens while the stream is flowing.
     */
    static Process streamThroughTurnout(Netns ns, Path dir, Path log, Path config, Path pid, int chunks, int intervalMillis,
                                        String... proxyAndUrl) throws IOException, InterruptedException {
        ns.spawn(dir.resolve("http.log"), Daemons.peer("http", "8080"));
        ns.spawn(dir.resolve("drip.log"), Daemons.peer("drip", "8081", Integer.toString(chunks),
                Integer.toString(intervalMillis), dir.resolve("drip.hurry").toString()));
        ns.spawn(log, DIST.resolve("bin/turnout").toString(), "run", "-c", config.toString(), "--pid-file", pid.toString());
        ns.awaitTcpPort(7890, Duration.ofSeconds(30));
        ns.awaitTcpPort(8080, Duration.ofSeconds(20));
        ns.awaitTcpPort(8081, Duration.ofSeconds(20));
        Path body = dir.resolve("stream.bin");
        List<String> curl = new java.util.ArrayList<>(List.of("curl", "-sS", "--max-time", "120", "-o", body.toString()));
        curl.addAll(List.of(proxyAndUrl));
        Process stream = ns.spawn(dir.resolve("stream.log"), curl.toArray(String[]::new));
        awaitFirstBytes(body, stream);
        return stream;
    }

    /** Has the stream {@link #streamThroughTurnout} started send the rest of its bytes at once. */
    static void hurry(Path dir) throws IOException {
        Files.writeString(dir.resolve("drip.hurry"), "");
    }

    /** Waits until {@code stream} (a curl writing to {@code body}, logging beside it) has received its first bytes. */
    static void awaitFirstBytes(Path body, Process stream) throws IOException, InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(15).toNanos();
        while (System.nanoTime() < deadline && stream.isAlive()) {
            if (Files.exists(body) && Files.size(body) > 0) {
                return;
            }
            Thread.sleep(20);
        }
        throw new AssertionError("the stream never started: " + MixedPortIT.read(body.resolveSibling("stream.log")));
    }

    private static void awaitReloads(Path log, int count) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(15).toNanos();
        while (System.nanoTime() < deadline) {
            if (MixedPortIT.read(log).split("INFO  Turnout reloaded ", -1).length - 1 >= count) {
                return;
            }
            Thread.sleep(20);
        }
        throw new AssertionError("reload " + count + " not logged:\n" + MixedPortIT.read(log));
    }
}
