package dev.turnout.dist;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.turnout.dist.testing.Netns;
import dev.turnout.dist.testing.ScratchDir;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * Two Turnouts on two configs in one folder (as profiles often sit), both answering DNS with fake addresses from the
 * same range: only the first keeps its mappings in the folder's cache. Were they to share it, the one that stopped
 * last would leave its mappings for the other's next start, which would then give its own earlier addresses the
 * other's names (an application that still holds such an address would be routed as another site).
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class SharedConfigFolderIT {

    Path dir;
    Path dist;
    Netns ns;

    @BeforeAll
    void start() throws Exception {
        Netns.assumeUsable("dig");
        dist = Path.of(System.getProperty("turnout.dist"));
        dir = ScratchDir.create("tshared");
        ns = Netns.create("tshr");
        for (String name : List.of("a", "b")) {
            writeFakeIpConfig(dir.resolve(name + ".yaml"), name.equals("a") ? 1 : 2);
        }
    }

    /** A mixed port on n7890 and fake-IP DNS on 127.0.0.1:n5353, from 198.18.0.1/16. */
    private static void writeFakeIpConfig(Path file, int n) throws IOException {
        Files.writeString(file, String.join("\n",
                "mixed-port: " + n + "7890",
                "log-level: info",
                "dns:",
                "  enable: true",
                "  listen: 127.0.0.1:" + n + "5353",
                "  enhanced-mode: fake-ip",
                "  fake-ip-range: 198.18.0.1/16",
                "  nameserver: [127.0.0.1:9]",
                "rules:",
                "  - MATCH,DIRECT",
                ""));
    }

    @AfterAll
    void stop() throws IOException {
        Netns.closeAll(ns);
        ScratchDir.delete(dir);
    }

    private Process turnout(String name, int run) throws IOException, InterruptedException {
        return turnout(dir, name, run, name.equals("a") ? 17890 : 27890);
    }

    private Process turnout(Path folder, String name, int run, int port) throws IOException, InterruptedException {
        Process p = ns.spawn(folder.resolve(name + "-" + run + ".log"), dist.resolve("bin/turnout").toString(), "run",
                "-c", folder.resolve(name + ".yaml").toString());
        ns.awaitTcpPort(port, Duration.ofSeconds(30));
        return p;
    }

    private static void stop(Process p) throws InterruptedException {
        p.destroy();
        assertTrue(p.waitFor(20, TimeUnit.SECONDS), "Turnout did not stop on SIGTERM");
    }

    private String dig(int port, String... query) throws IOException, InterruptedException {
        String[] command = Stream.concat(Stream.of("dig", "+short", "+time=3", "+tries=1", "@127.0.0.1", "-p",
                Integer.toString(port)), Stream.of(query)).toArray(String[]::new);
        Netns.Result r = ns.run(Duration.ofSeconds(20), command);
        assertEquals(0, r.exitCode(), r.stdout() + r.stderr());
        return r.stdout().trim();
    }

    private String log(String name, int run) {
        return MixedPortIT.read(dir.resolve(name + "-" + run + ".log"));
    }

    @Test
    void theSecondInstanceKeepsItsFakeIpsInMemoryAndTheFirstFindsItsOwnAfterARestart() throws Exception {
        Process a = turnout("a", 1);
        Process b = turnout("b", 1);
        Map<String, String> mine = new LinkedHashMap<>();
        for (String name : List.of("mail.a-side.test", "bank.a-side.test")) {
            mine.put(name, dig(15353, name, "A"));
        }
        // From the same range: the other instance hands out the same addresses, for its own names.
        for (String name : List.of("ads.b-side.test", "tracker.b-side.test")) {
            assertTrue(mine.containsValue(dig(25353, name, "A")), () -> mine + "\n" + log("b", 1));
        }
        assertFalse(log("a", 1).contains("kept in memory only"), () -> log("a", 1));
        assertTrue(log("b", 1).contains(dir + ": fake-IP mappings, group choices and dashboards' settings are kept in"
                + " memory only, not across restarts: another Turnout keeps its own there (pid " + a.pid() + ", config "
                + dir.resolve("a.yaml")), () -> log("b", 1));
        stop(a);
        stop(b);
        try (Stream<Path> left = Files.list(dir)) {
            assertEquals(List.of("a-1.log", "a.yaml", "b-1.log", "b.yaml", "turnout-fakeip.cache"),
                    left.map(p -> p.getFileName().toString()).sorted().toList(), "what the folder holds after both");
        }
        Process again = turnout("a", 2);
        try {
            for (Map.Entry<String, String> e : mine.entrySet()) {
                assertEquals(e.getKey() + ".", dig(15353, "-x", e.getValue()), () -> "after a restart, " + e.getValue()
                        + " is not " + e.getKey() + "'s any more\n" + log("a", 2));
                assertEquals(e.getValue(), dig(15353, e.getKey(), "A"));
            }
        } finally {
            stop(again);
        }
    }

    /** One that keeps nothing between runs (no fake-IP DNS, no groups) takes no lock: the next one keeps its own. */
    @Test
    void anInstanceThatKeepsNothingLeavesTheFolderToOneThatDoes() throws Exception {
        Path folder = Files.createDirectories(dir.resolve("plain-first"));
        Files.writeString(folder.resolve("plain.yaml"), "mixed-port: 37890\nrules:\n  - MATCH,DIRECT\n");
        writeFakeIpConfig(folder.resolve("fake.yaml"), 4);
        Process plain = turnout(folder, "plain", 1, 37890);
        Process fake = turnout(folder, "fake", 1, 47890);
        try {
            String address = dig(45353, "kept.test", "A");
            assertTrue(address.startsWith("198.18."), address);
            assertFalse(MixedPortIT.read(folder.resolve("fake-1.log")).contains("kept in memory only"),
                    () -> MixedPortIT.read(folder.resolve("fake-1.log")));
        } finally {
            stop(fake);
            stop(plain);
        }
        assertTrue(Files.size(folder.resolve("turnout-fakeip.cache")) > 0, "the fake-IP instance kept its mappings");
        assertFalse(Files.exists(folder.resolve(".turnout-state.lock")));
    }
}
