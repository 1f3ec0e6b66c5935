package dev.turnout.dist;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.turnout.dist.controller.Api;
import dev.turnout.dist.controller.Launched;
import dev.turnout.dist.testing.Netns;
import dev.turnout.dist.testing.ScratchNamespace;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * A reload takes the controller's keys as mihomo's reload does (it recreates its controller): a new secret holds at
 * once and ends what the old one opened, the controller moves to a new address, starts where none ran and closes
 * where the config asks for none. Before, the log said "reload did not apply secret: restart Turnout for it", and a
 * secret rotated because it leaked kept working, streams opened with it included, until a restart.
 */
class ControllerReloadIT {

    @RegisterExtension
    final ScratchNamespace scratch = new ScratchNamespace("tctlrel", "curl");

    Netns ns;

    @BeforeEach
    void start() throws Exception {
        ns = scratch.ns();
    }

    private void write(String... controller) throws Exception {
        Files.writeString(scratch.config(), String.join("\n", "mixed-port: 7890", "log-level: info",
                String.join("\n", controller), "rules:", "  - MATCH,DIRECT", ""));
    }

    @Test
    void aNewSecretHoldsAtOnceAndEndsTheStreamsTheOldOneOpened() throws Exception {
        write("external-controller: 127.0.0.1:9090", "secret: old-secret");
        try (Launched turnout = Launched.start(ns, scratch.config(), scratch.log(), 9090)) {
            Api old = new Api(ns, 9090, "old-secret");
            assertEquals(200, old.get("/version").status(), turnout::log);
            Process stream = ns.spawn(scratch.dir().resolve("traffic.log"), "curl", "-sS", "-N", "--max-time", "60",
                    "-H", "Authorization: Bearer old-secret", "http://127.0.0.1:9090/traffic");
            Thread.sleep(1500);
            assertTrue(stream.isAlive(), "the stream runs");

            write("external-controller: 127.0.0.1:9090", "secret: new-secret");
            assertTrue(turnout.reload(), turnout::log);
            assertEquals(401, old.get("/version").status(), "the old secret no longer opens the API");
            assertEquals(200, old.withSecret("new-secret").get("/version").status(), turnout::log);
            assertTrue(stream.waitFor(10, TimeUnit.SECONDS), "the stream opened with the old secret ended");
            assertFalse(turnout.log().contains("reload did not apply"), turnout::log);
        }
    }

    /**
     * Turnout with a subscription whose copy is stale and whose server (on 8099, started by the caller) accepts and
     * never answers, once the refresh at the start has reached that server.
     */
    private Launched refreshingFromASilentServer() throws Exception {
        Path copy = scratch.dir().resolve("sub.yaml");
        Files.writeString(copy, "proxies:\n  - {name: n1, type: socks5, server: 127.0.0.1, port: 1080}\n");
        Files.setLastModifiedTime(copy, java.nio.file.attribute.FileTime.fromMillis(
                System.currentTimeMillis() - Duration.ofHours(2).toMillis())); // stale: refreshed at the start
        Files.writeString(scratch.config(), String.join("\n", "mixed-port: 7890", "log-level: info",
                "external-controller: 127.0.0.1:9090",
                "proxy-providers:",
                "  sub: {type: http, url: 'http://127.0.0.1:8099/sub.yaml', path: ./sub.yaml, interval: 3600}",
                "proxy-groups:",
                "  - {name: G, type: select, proxies: [DIRECT, REJECT], use: [sub]}",
                "rules:", "  - MATCH,G", ""));
        Launched turnout = Launched.start(ns, scratch.config(), scratch.log(), 9090);
        long deadline = System.nanoTime() + Duration.ofSeconds(15).toNanos();
        while (!ns.run(Duration.ofSeconds(5), "ss", "-Htn", "state", "established", "dst", "127.0.0.1:8099")
                .stdout().contains("8099") && System.nanoTime() < deadline) {
            Thread.sleep(100);
        }
        if (System.nanoTime() >= deadline) {
            turnout.close();
            throw new AssertionError("the refresh of the stale copy never reached the server");
        }
        return turnout;
    }

    /**
     * A subscription's server that accepts and never answers holds a refresh for its 30 s: the dashboard's group
     * choice and every request behind it on the controller waited that long (the soak's helper saw 28 s for
     * {@code GET /version}, and 40-s timeouts with two such providers), as the compile held the lock they take.
     */
    @Test
    void aGroupChoiceAndTheRequestsBehindItAreAnsweredWhileASubscriptionsServerHoldsARefresh() throws Exception {
        Process server = ns.spawn(scratch.dir().resolve("silent.log"),
                dev.turnout.dist.testing.Daemons.peer("silent", "8099"));
        try (Launched turnout = refreshingFromASilentServer()) {
            Api api = new Api(ns, 9090, null);
            long asked = System.nanoTime();
            assertEquals(204, api.call("PUT", "/proxies/G", "{\"name\":\"REJECT\"}", "--max-time", "5").status(),
                    turnout::log);
            assertEquals(200, api.call("GET", "/version", null, "--max-time", "5").status(), turnout::log);
            assertTrue(Duration.ofNanos(System.nanoTime() - asked).toMillis() < 5000);
            assertTrue(api.get("/proxies/G").body().contains("\"now\":\"REJECT\""), turnout::log);
        } finally {
            server.destroyForcibly();
        }
    }

    /**
     * A subscription's server that never answers held the refresh, which held the reloader's lock through its
     * download, and the dashboard's "update" of that provider ran on the controller's one worker: {@code PUT /configs}
     * waited minutes, and the requests behind it on the worker got "busy: too many reloads queued" (the hostile
     * tester's F2). Now the refresh downloads outside the lock, a reload downloads only missing copies, and each
     * provider's update has a thread of its own and ends at its download's deadline.
     */
    @Test
    void aReloadIsNotHeldByASubscriptionsServerThatNeverAnswersNorByTheDashboardsUpdatesOfIt() throws Exception {
        Process server = ns.spawn(scratch.dir().resolve("silent.log"),
                dev.turnout.dist.testing.Daemons.peer("silent", "8099"));
        try (Launched turnout = refreshingFromASilentServer()) {
            // A dashboard's "update all", three times over.
            for (int i = 0; i < 3; i++) {
                ns.spawn(scratch.dir().resolve("update" + i + ".log"), "curl", "-sS", "--max-time", "60", "-X", "PUT",
                        "http://127.0.0.1:9090/providers/proxies/sub");
            }
            Thread.sleep(500);
            Api api = new Api(ns, 9090, null);
            for (int i = 0; i < 2; i++) {
                long asked = System.nanoTime();
                Api.Response put = api.call("PUT", "/configs?force=true", "{}", "--max-time", "10");
                assertEquals(204, put.status(), () -> put + turnout.log());
                long millis = Duration.ofNanos(System.nanoTime() - asked).toMillis();
                assertTrue(millis < 8000, "PUT /configs took " + millis + " ms");
            }
            long asked = System.nanoTime();
            String update = ns.run(Duration.ofSeconds(50), "curl", "-sS", "--max-time", "45", "-X", "PUT",
                    "-w", "%{http_code}", "http://127.0.0.1:9090/providers/proxies/sub").stdout();
            long millis = Duration.ofNanos(System.nanoTime() - asked).toMillis();
            assertTrue(update.endsWith("503") && update.contains("within 30 s"), () -> update + turnout.log());
            assertTrue(millis < 35_000, "the update took " + millis + " ms");
            assertTrue(api.get("/proxies/G").body().contains("n1"), "the cached copy's node stays");
        } finally {
            server.destroyForcibly();
        }
    }

    /** A dashboard's or Clash Verge's {@code PUT /configs} that changes the secret is answered before the change. */
    @Test
    void aPutConfigsThatChangesTheSecretIsAnsweredAndTheNewSecretHolds() throws Exception {
        write("external-controller: 127.0.0.1:9090", "secret: old-secret");
        try (Launched turnout = Launched.start(ns, scratch.config(), scratch.log(), 9090)) {
            write("external-controller: 127.0.0.1:9090", "secret: new-secret");
            // Asked over a connection the new secret ends: the old connections close only after the reload's answer.
            Api.Response put = new Api(ns, 9090, "old-secret").call("PUT", "/configs?force=true",
                    "{\"path\":\"" + scratch.config() + "\"}");
            assertEquals(204, put.status(), () -> put + turnout.log());
            assertEquals(401, new Api(ns, 9090, "old-secret").get("/version").status());
            assertEquals(200, new Api(ns, 9090, "new-secret").get("/version").status(), turnout::log);
        }
    }

    @Test
    void theControllerMovesStartsAndClosesAsTheFileSays() throws Exception {
        write("external-controller: 127.0.0.1:9090");
        try (Launched turnout = Launched.start(ns, scratch.config(), scratch.log(), 9090)) {
            write("external-controller: 127.0.0.1:9091");
            assertTrue(turnout.reload(), turnout::log);
            assertEquals(200, new Api(ns, 9091, null).get("/version").status(), turnout::log);
            assertFalse(reachable(9090), "the old address is closed");

            // A reload can close it, and a later one start it again.
            write("");
            assertTrue(turnout.reload(), turnout::log);
            Thread.sleep(1500);
            assertFalse(reachable(9091), turnout::log);
            write("external-controller: 127.0.0.1:9092");
            assertTrue(turnout.reload(), turnout::log);
            assertEquals(200, new Api(ns, 9092, null).get("/version").status(), turnout::log);
            assertFalse(turnout.log().contains("reload did not apply"), turnout::log);
        }
    }

    @Test
    void anAddressAnotherProgramHoldsFailsTheReloadAndTheControllerStaysAsItWas() throws Exception {
        write("external-controller: 127.0.0.1:9090", "secret: kept");
        try (Launched turnout = Launched.start(ns, scratch.config(), scratch.log(), 9090)) {
            // The mixed port is another listener on this machine: the controller cannot take it.
            write("external-controller: 127.0.0.1:7890", "secret: other");
            assertFalse(turnout.reload(), turnout::log);
            assertTrue(turnout.log().contains("external-controller cannot listen on"), turnout::log);
            assertEquals(200, new Api(ns, 9090, "kept").get("/version").status(), "the old one answers as before");
        }
    }

    private boolean reachable(int port) throws Exception {
        return ns.run(Duration.ofSeconds(10), "curl", "-sS", "--max-time", "3", "-o", "/dev/null",
                "http://127.0.0.1:" + port + "/version").exitCode() == 0;
    }
}
