package dev.turnout.dist;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.turnout.dist.testing.Daemons;
import dev.turnout.dist.testing.Netns;
import dev.turnout.dist.testing.ScratchDir;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * The packaged Turnout with its standard error in a pipe nobody reads, as under a pager nobody scrolls or in a
 * terminal paused with Ctrl-S: at info it logs a line per flow, and once the pipe was full (64 KiB, about 600
 * lines) every request after that hung, because the flow's own event loop waited to write its line.
 */
class StandardErrorNobodyReadsIT {

    static final int MIXED = 7890;
    static final int WEB = 8080;
    static final int REQUESTS = 3_000;
    static final Pattern ROUTED = Pattern.compile(" route \\[TCP\\] 127\\.0\\.0\\.1:\\d+ --> 127\\.0\\.0\\.1:" + WEB
            + " match MATCH using DIRECT$", Pattern.MULTILINE);
    static final Pattern DROPPED = Pattern.compile(" WARN  Logging (\\d+) log lines dropped: standard error did not"
            + " take them$", Pattern.MULTILINE);

    @Test
    void itKeepsServingAndOnceReadAgainSaysHowManyLinesItCouldNotWrite() throws Exception {
        Netns.assumeUsable();
        Path dir = ScratchDir.create("tstderr");
        Netns ns = Netns.create("tstderr");
        try {
            Files.writeString(dir.resolve("config.yaml"),
                    "mixed-port: " + MIXED + "\nlog-level: info\nrules:\n  - MATCH,DIRECT\n");
            Process reader = startWithStandardErrorUnread(ns, dir);
            assertAllAnswered(ns, REQUESTS);

            // Now read: what Turnout still holds comes out, then how many lines it could not keep.
            Files.writeString(dir.resolve("go"), "");
            Path output = dir.resolve("output.log");
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (!(Files.exists(output) && DROPPED.matcher(Files.readString(output)).find())
                    && System.nanoTime() < deadline) {
                Thread.sleep(50);
            }
            ProcessHandle java = turnout(dir);
            java.destroy(); // SIGTERM
            java.onExit().get(30, TimeUnit.SECONDS);
            assertTrue(reader.waitFor(30, TimeUnit.SECONDS), "the pipe's reader ended");
            String log = Files.readString(output);

            long routed = ROUTED.matcher(log).results().count();
            long dropped = 0;
            Matcher m = DROPPED.matcher(log);
            while (m.find()) {
                dropped += Long.parseLong(m.group(1));
            }
            assertTrue(dropped > 0, "the pipe never filled, so this showed nothing: " + routed + " lines routed");
            assertEquals(REQUESTS, routed + dropped, "each request's routing line written or counted ("
                    + routed + " written, " + dropped + " counted)");
            assertTrue(log.contains(" INFO  RunCommand stopping"), "no stop in: "
                    + log.lines().filter(line -> !ROUTED.matcher(line).find()).toList());
        } finally {
            ns.close(); // and every process in it
            ScratchDir.delete(dir);
        }
    }

    /**
     * The stop logs too ("stopping", what each TUN queue did, the routes removed), from the shutdown hook: with
     * standard error full, its first line used to wait for ever, and the routes, the DNS settings and the state
     * file stayed until something killed Turnout.
     */
    @Test
    void aStopWhileStandardErrorTakesNothingStillGivesBackTheRoutes() throws Exception {
        Netns.assumeUsable();
        assumeTrue(Files.exists(Path.of("/dev/net/tun")), "skipped: no /dev/net/tun");
        Path dir = ScratchDir.create("tstderrtun");
        Netns ns = Netns.create("tstderrtun");
        try {
            Path state = dir.resolve("routes.state");
            Files.writeString(dir.resolve("config.yaml"), String.join("\n",
                    "mixed-port: " + MIXED,
                    "log-level: info",
                    "tun:",
                    "  enable: true",
                    "  stack: system",
                    "  device: tstderr0",
                    "  auto-route: true",
                    "  state-file: " + state,
                    "rules:",
                    "  - MATCH,DIRECT",
                    ""));
            startWithStandardErrorUnread(ns, dir);
            ns.awaitSplitRoutes("tstderr0", () -> "");
            assertTrue(Files.exists(state));
            // About 200 KB of routing lines: more than the pipe and the lines Turnout keeps together. Whether they
            // are all answered is the other test's business: here they only fill standard error.
            requests(ns, 2_000);

            ProcessHandle java = turnout(dir);
            java.destroy(); // SIGTERM
            try {
                java.onExit().get(30, TimeUnit.SECONDS);
            } catch (java.util.concurrent.TimeoutException e) {
                throw new AssertionError("Turnout did not stop within 30 s of SIGTERM with standard error full", e);
            }
            assertFalse(routes(ns).contains("tstderr0"), routes(ns));
            assertFalse(Files.exists(state), "state file left behind");
        } finally {
            ns.close(); // and every process in it, the pipe's reader included
            ScratchDir.delete(dir);
        }
    }

    /**
     * Starts the packaged Turnout on {@code dir}/config.yaml in {@code ns} beside a web server, its standard output
     * and error into a pipe that nothing reads until the file "go" appears in {@code dir} (then cat copies it to
     * output.log); not Java's own process pipe, which Java closes under its reader when the process exits.
     */
    private static Process startWithStandardErrorUnread(Netns ns, Path dir) throws Exception {
        ns.spawn(dir.resolve("web.log"), Daemons.peer("http", Integer.toString(WEB)));
        Files.writeString(dir.resolve("run.sh"), String.join("\n",
                "cd \"$1\" && mkfifo pipe",
                "\"$2\" run -c config.yaml >pipe 2>&1 &",
                "echo $! > turnout.pid",
                "exec 3<pipe",
                "for _ in $(seq 1 6000); do [ -e go ] && break; sleep 0.1; done",
                "exec cat <&3 >output.log", ""));
        Process reader = ns.spawn(dir.resolve("run.log"), "sh", dir.resolve("run.sh").toString(), dir.toString(),
                Path.of(System.getProperty("turnout.dist")).resolve("bin/turnout").toString());
        ns.awaitTcpPort(WEB, Duration.ofSeconds(30));
        ns.awaitTcpPort(MIXED, Duration.ofSeconds(60));
        return reader;
    }

    private static void assertAllAnswered(Netns ns, int count) throws Exception {
        Netns.Result gets = requests(ns, count);
        assertEquals(0, gets.exitCode(), "requests through Turnout: " + gets.stdout() + gets.stderr());
    }

    private static Netns.Result requests(Netns ns, int count) throws Exception {
        return ns.run(Duration.ofMinutes(3), Daemons.peer("proxied-gets", Integer.toString(MIXED),
                Integer.toString(WEB), Integer.toString(count)));
    }

    private static ProcessHandle turnout(Path dir) throws Exception {
        return ProcessHandle.of(Long.parseLong(Files.readString(dir.resolve("turnout.pid")).trim())).orElseThrow();
    }

    private static String routes(Netns ns) throws Exception {
        return ns.run(Duration.ofSeconds(5), "ip", "route", "show").stdout();
    }
}
