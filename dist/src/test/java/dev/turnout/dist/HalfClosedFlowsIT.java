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
import java.util.List;
import java.util.function.IntPredicate;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * Applications that leave while the server ignores their FIN, end to end: the packaged Turnout runs in a namespace
 * of the test's own with a descriptor limit of 256 and {@code tcp-half-close-timeout: 2s}, in front of a server
 * that accepts and never closes anything.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class HalfClosedFlowsIT {

    static final int MIXED = 7890;
    static final int HTTP = 8080;
    static final int SILENT = 8099;
    static final int DESCRIPTOR_LIMIT = 256;

    Path dir;
    Netns ns;
    Path turnoutLog;
    int turnoutPid;

    @BeforeAll
    void start() throws Exception {
        Netns.assumeUsable("curl");
        Path dist = Path.of(System.getProperty("turnout.dist"));
        dir = ScratchDir.create("thalf");
        ns = Netns.create("thalf");
        ns.spawn(dir.resolve("http.log"), Daemons.peer("http", Integer.toString(HTTP)));
        ns.spawn(dir.resolve("silent.log"), Daemons.peer("silent", Integer.toString(SILENT)));
        Path config = dir.resolve("config.yaml");
        Files.writeString(config, String.join("\n",
                "mixed-port: " + MIXED,
                "tcp-half-close-timeout: 2s",
                "rules:",
                "  - MATCH,DIRECT",
                ""));
        turnoutLog = dir.resolve("turnout.log");
        Path pidFile = dir.resolve("turnout.pid");
        // sh's ulimit sets the hard limit too, so the JVM cannot raise it again.
        ns.spawn(turnoutLog, "sh", "-c", "ulimit -n " + DESCRIPTOR_LIMIT + " && exec \"$0\" run -c \"$1\" --pid-file \"$2\"",
                dist.resolve("bin/turnout").toString(), config.toString(), pidFile.toString());
        ns.awaitTcpPort(HTTP, Duration.ofSeconds(20));
        ns.awaitTcpPort(SILENT, Duration.ofSeconds(20));
        ns.awaitTcpPort(MIXED, Duration.ofSeconds(30));
        // The pid file may be written just after the port opens.
        for (int i = 0; i < 100 && (!Files.exists(pidFile) || Files.readString(pidFile).isBlank()); i++) {
            Thread.sleep(100);
        }
        turnoutPid = Integer.parseInt(Files.readString(pidFile).trim());
        assertTrue(Files.readString(Path.of("/proc/" + turnoutPid + "/limits"))
                .matches("(?s).*Max open files\\s+" + DESCRIPTOR_LIMIT + "\\s+" + DESCRIPTOR_LIMIT + ".*"),
                "Turnout runs with the low limit");
    }

    @AfterAll
    void stop() throws IOException {
        Netns.closeAll(ns);
        ScratchDir.delete(dir);
    }

    @Test
    @Order(1)
    void flowsTheApplicationsLeftAreFreedAfterTheHalfCloseTimeoutThoughTheServerNeverCloses() throws Exception {
        int before = descriptors();
        Netns.Result r = ns.run(Duration.ofSeconds(60), Daemons.peer("connect-and-leave", Integer.toString(MIXED),
                Integer.toString(SILENT), "40"));
        assertEquals("served 40 of 40", r.stdout().trim(), r.stderr());
        // Each left flow: Turnout's side of the application's connection waits in CLOSE-WAIT, its connection to
        // the server holds a descriptor too.
        int waiting = ns.tcpOn("close-wait", MIXED);
        assertTrue(waiting > 0, "the flows are half-closed first: " + waiting + " in CLOSE-WAIT");
        assertTrue(await(Duration.ofSeconds(15), () -> ns.tcpOn("close-wait", MIXED), n -> n == 0),
                "CLOSE-WAIT on the mixed port still " + ns.tcpOn("close-wait", MIXED) + " after 15 s (timeout 2 s)");
        assertTrue(await(Duration.ofSeconds(10), this::descriptors, n -> n <= before + 4),
                "Turnout holds " + descriptors() + " descriptors, " + before + " before the flows");
    }

    /**
     * A plain request through the HTTP proxy whose client gave up while the server stayed silent: its connection to
     * the server, and its line among the dashboards' active connections, lasted the proxy connection's 10-minute
     * idle timeout (SOCKS5 and CONNECT flows end after the half-close timeout).
     */
    @Test
    @Order(1)
    void aPlainHttpRequestWhoseClientLeftIsFreedAfterTheHalfCloseTimeoutThoughTheServerNeverAnswers()
            throws Exception {
        for (int i = 0; i < 3; i++) {
            Netns.Result r = ns.run(Duration.ofSeconds(20), "curl", "-sS", "--max-time", "1", "-x",
                    "http://127.0.0.1:" + MIXED, "http://127.0.0.1:" + SILENT + "/never-answered");
            assertEquals(28, r.exitCode(), "curl gave up waiting: " + r.stderr());
        }
        assertTrue(ns.tcpOn("close-wait", MIXED) > 0, "the clients' connections are half-closed first");
        assertTrue(await(Duration.ofSeconds(15), () -> ns.tcpOn("close-wait", MIXED), n -> n == 0),
                "CLOSE-WAIT on the mixed port still " + ns.tcpOn("close-wait", MIXED) + " after 15 s (timeout 2 s)");
        assertTrue(await(Duration.ofSeconds(10), () -> ns.tcpOn("established", SILENT), n -> n == 0),
                "connections to the silent server: " + ns.tcpOn("established", SILENT));
    }

    @Test
    @Order(2)
    void runningOutOfDescriptorsIsOneLineAndNewClientsAreServedOnceTheyAreFree() throws Exception {
        // 300 flows would need 600 descriptors: far beyond the limit, faster than 2 s frees them.
        Netns.Result r = ns.run(Duration.ofSeconds(60), Daemons.peer("connect-and-leave", Integer.toString(MIXED),
                Integer.toString(SILENT), "300"));
        assertEquals(0, r.exitCode(), r.stdout() + r.stderr());
        System.out.println("300 flows left at once: " + r.stdout().trim());
        assertFalse(r.stdout().contains("served 300 of 300"), "some were not served while out of descriptors: "
                + r.stdout());
        // A new client is served again once the left flows have been freed.
        Netns.Result served = null;
        long deadline = System.nanoTime() + Duration.ofSeconds(40).toNanos();
        while (System.nanoTime() < deadline) {
            served = ns.run(Duration.ofSeconds(15), "curl", "-sS", "--max-time", "5", "--socks5-hostname",
                    "127.0.0.1:" + MIXED, "http://127.0.0.1:" + HTTP + "/again");
            if (served.exitCode() == 0) {
                break;
            }
            Thread.sleep(500);
        }
        assertEquals(0, served.exitCode(), "no new client served within 40 s: " + served.stderr());
        assertEquals("hello /again from 127.0.0.1\n", served.stdout());
        assertTrue(await(Duration.ofSeconds(30), () -> ns.tcpOn("close-wait", MIXED), n -> n == 0),
                "CLOSE-WAIT on the mixed port: " + ns.tcpOn("close-wait", MIXED));
        String log = MixedPortIT.read(turnoutLog);
        log.lines().filter(l -> l.contains("descriptors")).forEach(System.out::println);
        List<String> shortage = log.lines().filter(l -> l.contains("out of file descriptors")).toList();
        assertEquals(1, shortage.size(), "one line for the shortage:\n" + tail(log));
        assertTrue(shortage.get(0).contains("limit " + DESCRIPTOR_LIMIT), shortage.get(0));
        assertFalse(log.contains("\tat "), "no stack trace in the log:\n" + tail(log));
        assertEquals(1, log.lines().filter(l -> l.contains("Too many open files")).count(),
                "nothing else about descriptors:\n" + tail(log));
    }

    private int descriptors() throws IOException {
        try (var fds = Files.list(Path.of("/proc/" + turnoutPid + "/fd"))) {
            return (int) fds.count();
        }
    }

    private interface Probe {
        int get() throws IOException, InterruptedException;
    }

    /** Polls {@code probe} until {@code done} holds, at most {@code timeout}. */
    private static boolean await(Duration timeout, Probe probe, IntPredicate done) throws Exception {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            if (done.test(probe.get())) {
                return true;
            }
            Thread.sleep(200);
        }
        return done.test(probe.get());
    }

    /** The log without its per-flow route lines, at most 80 lines of it. */
    private static String tail(String log) {
        return String.join("\n", log.lines().filter(l -> !l.contains(" INFO  route ")).limit(80).toList());
    }
}
