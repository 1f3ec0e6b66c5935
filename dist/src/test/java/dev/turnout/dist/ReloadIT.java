package dev.turnout.dist;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.turnout.dist.testing.Daemons;
import dev.turnout.dist.testing.Netns;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Hot reload under load: a download keeps streaming through Turnout while its rules are swapped 100 times by
 * SIGHUP ({@code turnout reload}); it never drops, new connections follow the newest rules, and a broken
 * config changes nothing.
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
        String why = Netns.unavailableReason();
        assumeTrue(why == null, () -> "skipped: " + why);
        assumeTrue(Daemons.missing("curl") == null, "skipped: curl missing");
        Path config = dir.resolve("config.yaml");
        Path pid = dir.resolve("turnout.pid");
        Path log = dir.resolve("turnout.log");
        Files.writeString(config, config(false));
        try (Netns ns = Netns.create("treload")) {
            ns.hosts(Map.of("probe.test", "127.0.0.1", "stream.test", "127.0.0.1"));
            ns.spawn(dir.resolve("http.log"), Daemons.peer("http", "8080"));
            ns.spawn(dir.resolve("drip.log"), Daemons.peer("drip", "8081", Integer.toString(CHUNKS), "50"));
            ns.spawn(log, DIST.resolve("bin/turnout").toString(), "run", "-c", config.toString(), "--pid-file", pid.toString());
            ns.awaitTcpPort(7890, Duration.ofSeconds(30));
            ns.awaitTcpPort(8080, Duration.ofSeconds(20));
            ns.awaitTcpPort(8081, Duration.ofSeconds(20));
            Path body = dir.resolve("stream.bin");
            Process stream = ns.spawn(dir.resolve("stream.log"), "curl", "-sS", "--max-time", "120", "-o", body.toString(),
                    "--socks5-hostname", "127.0.0.1:7890", "http://stream.test:8081/");
            Thread.sleep(500);
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
