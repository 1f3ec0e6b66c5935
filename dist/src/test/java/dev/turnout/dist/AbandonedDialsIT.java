package dev.turnout.dist;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.turnout.dist.testing.Daemons;
import dev.turnout.dist.testing.Netns;
import dev.turnout.dist.testing.ScratchDir;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * An application that leaves (with a reset) while Turnout is still connecting for it: the connection attempt goes
 * with it, long before the 10 s connect timeout, whether the application gave an address or a name. A FIN alone
 * does not end the attempt: the application may only have ended its request, and still wait for the answer. The
 * packaged Turnout runs in a namespace of the test's own, in front of a listener whose full accept queue leaves
 * every SYN unanswered.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class AbandonedDialsIT {

    static final int MIXED = 7890;
    static final int UNANSWERING = 8097;
    static final int CONTROLLER = 9097;

    Path dir;
    Netns ns;

    @BeforeAll
    void start() throws Exception {
        Netns.assumeUsable("ss");
        Path dist = Path.of(System.getProperty("turnout.dist"));
        dir = ScratchDir.create("tabandon");
        ns = Netns.create("tabandon");
        Path peerLog = dir.resolve("unanswering.log");
        ns.spawn(peerLog, Daemons.peer("unanswering", Integer.toString(UNANSWERING)));
        Path config = dir.resolve("config.yaml");
        Files.writeString(config, String.join("\n",
                "mixed-port: " + MIXED,
                "external-controller: 127.0.0.1:" + CONTROLLER,
                "hosts:",
                "  unanswering.test: 127.0.0.1",
                "rules:",
                "  - MATCH,DIRECT",
                ""));
        ns.spawn(dir.resolve("turnout.log"), dist.resolve("bin/turnout").toString(), "run", "-c", config.toString());
        ns.awaitTcpPort(MIXED, Duration.ofSeconds(30));
        for (int i = 0; i < 100 && !(Files.exists(peerLog) && Files.readString(peerLog).contains("ready")); i++) {
            Thread.sleep(100);
        }
        assertTrue(Files.readString(peerLog).contains("ready"), "the listener's queue is full: " + Files.readString(peerLog));
    }

    @AfterAll
    void stop() throws IOException {
        Netns.closeAll(ns);
        ScratchDir.delete(dir);
    }

    @Test
    void anApplicationThatLeavesWhileItsAddressIsDialledTakesTheAttemptWithIt() throws Exception {
        assertTheAttemptEndsWithTheApplication("127.0.0.1");
    }

    @Test
    void anApplicationThatLeavesWhileItsNameIsDialledTakesTheAttemptWithIt() throws Exception {
        assertTheAttemptEndsWithTheApplication("unanswering.test");
    }

    @Test
    void aDashboardsCloseAllEndsAFlowStillBeingDialledAndItsAttempt() throws Exception {
        // curl waits up to 20 s for the SOCKS5 reply; the dial would go on for Turnout's 10 s connect timeout.
        Process curl = ns.spawn(dir.resolve("curl.log"), "curl", "-sS", "--max-time", "20", "--socks5-hostname",
                "127.0.0.1:" + MIXED, "http://unanswering.test:" + UNANSWERING + "/");
        assertTrue(await(Duration.ofSeconds(5), n -> n == 1), "Turnout is connecting for curl: " + synSent()
                + " connection(s) in SYN-SENT");
        Netns.Result closed = ns.run(Duration.ofSeconds(10), "curl", "-sS", "-X", "DELETE", "-o", "/dev/null", "-w",
                "%{http_code}", "http://127.0.0.1:" + CONTROLLER + "/connections");
        assertEquals("204", closed.stdout(), closed.stderr());
        long asked = System.nanoTime();
        assertTrue(curl.waitFor(3, java.util.concurrent.TimeUnit.SECONDS), "curl's flow ended within 3 s: "
                + Files.readString(dir.resolve("curl.log")));
        assertTrue(await(Duration.ofSeconds(3), n -> n == 0), synSent() + " connection(s) still in SYN-SENT "
                + (System.nanoTime() - asked) / 1_000_000 + " ms after the flows were closed");
    }

    /**
     * A SOCKS5 CONNECT to {@code host} through the mixed port, left with a reset a second later; Turnout's
     * connection attempt must end within 3 s of that.
     */
    private void assertTheAttemptEndsWithTheApplication(String host) throws Exception {
        Process client = ns.spawn(dir.resolve("client.log"), Daemons.peer("connect-then-reset", Integer.toString(MIXED),
                host, Integer.toString(UNANSWERING)));
        assertTrue(await(Duration.ofSeconds(5), n -> n == 1), "Turnout is connecting for the application: "
                + synSent() + " connection(s) in SYN-SENT");
        assertTrue(client.waitFor(10, java.util.concurrent.TimeUnit.SECONDS), "the application left");
        assertEquals(0, client.exitValue(), Files.readString(dir.resolve("client.log")));
        long left = System.nanoTime();
        assertTrue(await(Duration.ofSeconds(3), n -> n == 0), synSent() + " connection(s) still in SYN-SENT "
                + (System.nanoTime() - left) / 1_000_000 + " ms after the application left");
        // The application's leaving is no failure of Turnout's: no warning (it was "failed:
        // LeanCancellationException").
        String log = MixedPortIT.read(dir.resolve("turnout.log"));
        assertFalse(log.contains(" failed: "), log);
    }

    private int synSent() throws IOException, InterruptedException {
        Netns.Result r = ns.run(Duration.ofSeconds(5), "ss", "-Htn", "state", "syn-sent", "dport = :" + UNANSWERING);
        return (int) r.stdout().lines().filter(l -> !l.isBlank()).count();
    }

    private boolean await(Duration within, java.util.function.IntPredicate done) throws Exception {
        long deadline = System.nanoTime() + within.toNanos();
        while (System.nanoTime() < deadline) {
            if (done.test(synSent())) {
                return true;
            }
            Thread.sleep(100);
        }
        return done.test(synSent());
    }
}
