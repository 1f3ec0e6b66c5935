package dev.turnout.dist;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.turnout.dist.testing.Daemons;
import dev.turnout.dist.testing.Netns;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * One Turnout per network namespace, end to end with the packaged Turnout: a second {@code turnout run} beside
 * a running one refuses before it touches anything, one in another namespace runs; {@code turnout reload}
 * signals only the running Turnout, never whatever a stale pid file names; {@code turnout cleanup -c} finds
 * the config's state file, keeps its hands off a running instance's routes, and says which routes it removed
 * and which were already gone.
 */
class SingleInstanceIT {

    static final Path DIST = Path.of(System.getProperty("turnout.dist"));

    @TempDir
    Path dir;

    private static String turnout() {
        return DIST.resolve("bin/turnout").toString();
    }

    /**
     * A TUN-mode config: mixed port {@code port}, device {@code device}, routes recorded in {@code stateFile}
     * (null: where Turnout records them by default).
     */
    private Path config(String name, int port, String device, Path stateFile) throws IOException {
        Path config = dir.resolve(name);
        Files.writeString(config, String.join("\n",
                "mixed-port: " + port,
                "log-level: info",
                "tun:",
                "  enable: true",
                "  stack: system",
                "  device: " + device,
                "  auto-route: true",
                stateFile == null ? "" : "  state-file: " + stateFile,
                "rules:",
                "  - MATCH,DIRECT",
                ""));
        return config;
    }

    /** Starts Turnout on {@code config} in {@code ns} and waits for its port and its split routes. */
    private Process run(Netns ns, Path config, int port, String device, String logName) throws Exception {
        Process p = ns.spawn(dir.resolve(logName), turnout(), "run", "-c", config.toString(),
                "--pid-file", dir.resolve(logName + ".pid").toString());
        ns.awaitTcpPort(port, Duration.ofSeconds(60));
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (!routes(ns).contains("128.0.0.0/1 dev " + device) && System.nanoTime() < deadline) {
            Thread.sleep(100);
        }
        assertTrue(routes(ns).contains("128.0.0.0/1 dev " + device),
                () -> "no split routes through " + device + ":\n" + MixedPortIT.read(dir.resolve(logName)));
        return p;
    }

    private static String routes(Netns ns) throws IOException, InterruptedException {
        return ns.run(Duration.ofSeconds(5), "ip", "route", "show").stdout();
    }

    private static String listeners(Netns ns) throws IOException, InterruptedException {
        return ns.run(Duration.ofSeconds(5), "ss", "-Htln").stdout();
    }

    private static void assertServes(Netns ns, int port, String path) throws IOException, InterruptedException {
        Netns.Result r = ns.run(Duration.ofSeconds(30), "curl", "-sS", "--max-time", "10", "--proxy",
                "http://127.0.0.1:" + port, "http://127.0.0.1:8080" + path);
        assertEquals(0, r.exitCode(), r.stderr());
        assertEquals("hello " + path + " from 127.0.0.1\n", r.stdout());
    }

    @Test
    void aSecondInstanceInTheSameNamespaceRefusesAtOnceNamingTheFirstWhichKeepsServing() throws Exception {
        Netns.assumeUsable("curl");
        assumeTrue(Files.exists(Path.of("/dev/net/tun")), "skipped: no /dev/net/tun");
        Path state = dir.resolve("routes.state");
        Path first = config("first.yaml", 7890, "tone0", state);
        // Another port and device, the same routes and state file: without a guard it opens 7891, makes tone1,
        // fails on 'ip route add ... File exists' and deletes the first one's state file on its way out.
        Path second = config("second.yaml", 7891, "tone1", state);
        try (Netns ns = Netns.create("tone")) {
            ns.spawn(dir.resolve("http.log"), Daemons.peer("http", "8080"));
            ns.awaitTcpPort(8080, Duration.ofSeconds(20));
            Process running = run(ns, first, 7890, "tone0", "first.log");
            String routesBefore = routes(ns);
            String stateBefore = Files.readString(state);
            String listenersBefore = listeners(ns);

            Netns.Result refused = ns.run(Duration.ofSeconds(60), turnout(), "run", "-c", second.toString(),
                    "--pid-file", dir.resolve("second.pid").toString());
            assertEquals(1, refused.exitCode(), refused.stdout() + refused.stderr());
            assertTrue(refused.stderr().contains("turnout is already running in this network namespace: pid "
                    + running.pid() + ", config " + first + ", since "), refused.stderr());
            assertTrue(refused.stderr().contains("(it runs the TUN and owns the namespace's routes)"), refused.stderr());
            assertFalse(refused.stdout().contains("listening"), "the second opened a port:\n" + refused.stdout());

            assertTrue(running.isAlive(), "the first instance died");
            assertEquals(routesBefore, routes(ns), "the first's routes changed");
            assertTrue(Files.exists(state), "the first's state file was deleted");
            assertEquals(stateBefore, Files.readString(state), "the first's state file changed");
            assertEquals(listenersBefore, listeners(ns), "the listening ports changed");
            assertFalse(ns.run(Duration.ofSeconds(5), "ip", "link", "show").stdout().contains("tone1"), "a second TUN");
            assertFalse(Files.exists(dir.resolve("second.pid")), "the second wrote a pid file");
            assertServes(ns, 7890, "/still");
        }
    }

    /**
     * A stop that comes while Turnout starts (here as soon as its first lock file exists, before its plugins, rules
     * and TUN are up) waits for the start, then gives everything back as any stop does. Before, the shutdown hook
     * was registered only once Turnout was up, and the JVM exited around a start it interrupted, leaving the lock
     * files in /run/turnout.
     */
    @Test
    void aStopWhileTurnoutStartsStillGivesBackItsLockFilesAndRoutes() throws Exception {
        assumeTrue(Files.exists(Path.of("/dev/net/tun")), "skipped: no /dev/net/tun");
        Path state = dir.resolve("routes.state");
        Path config = config("early.yaml", 7890, "tearly0", state);
        try (Netns ns = Netns.create("tearly")) {
            Process p = ns.spawn(dir.resolve("early.log"), turnout(), "run", "-c", config.toString(),
                    "--pid-file", dir.resolve("early.pid").toString());
            assertTrue(ns.awaitInstanceLock(p, Duration.ofSeconds(60)),
                    () -> "no lock file appeared:\n" + MixedPortIT.read(dir.resolve("early.log")));
            p.destroy(); // SIGTERM
            assertTrue(p.waitFor(60, TimeUnit.SECONDS), "still running 60 s after SIGTERM");
            String log = MixedPortIT.read(dir.resolve("early.log"));
            assertEquals(List.of(), ns.instanceLocks(), "lock files left behind; log:\n" + log);
            assertTrue(log.contains("stopping"), log);
            assertFalse(Files.exists(state), "the route state file stayed:\n" + log);
            assertFalse(Files.exists(dir.resolve("early.pid")), "the pid file stayed");
            assertFalse(routes(ns).contains("tearly0"), routes(ns));
        }
    }

    @Test
    void anInstanceInAnotherNamespaceRunsAndSoDoesOneWithoutTunOnOtherPortsBesideIt() throws Exception {
        Netns.assumeUsable("curl");
        assumeTrue(Files.exists(Path.of("/dev/net/tun")), "skipped: no /dev/net/tun");
        Netns one = null;
        Netns two = null;
        try {
            one = Netns.create("tnsa");
            two = Netns.create("tnsb");
            // Same ports and device name: each namespace has its own, and its own locks.
            Process a = run(one, config("a.yaml", 7890, "tns0", dir.resolve("a.state")), 7890, "tns0", "a.log");
            Process b = run(two, config("b.yaml", 7890, "tns0", dir.resolve("b.state")), 7890, "tns0", "b.log");
            two.spawn(dir.resolve("http.log"), Daemons.peer("http", "8080"));
            two.awaitTcpPort(8080, Duration.ofSeconds(20));
            assertServes(two, 7890, "/other");

            // Beside a TUN-mode one, a plain proxy on another config and port is no conflict; on its port it is.
            Path plain = dir.resolve("plain.yaml");
            Files.writeString(plain, "mixed-port: 7895\nrules:\n  - MATCH,DIRECT\n");
            Process c = two.spawn(dir.resolve("c.log"), turnout(), "run", "-c", plain.toString(), "--pid-file",
                    dir.resolve("c.pid").toString());
            two.awaitTcpPort(7895, Duration.ofSeconds(60));
            assertServes(two, 7895, "/beside");
            Path samePort = dir.resolve("same-port.yaml");
            Files.writeString(samePort, "mixed-port: 7895\nrules:\n  - MATCH,DIRECT\n");
            Netns.Result refused = two.run(Duration.ofSeconds(60), turnout(), "run", "-c", samePort.toString(),
                    "--pid-file", dir.resolve("d.pid").toString());
            assertEquals(1, refused.exitCode(), refused.stdout() + refused.stderr());
            assertTrue(refused.stderr().contains("turnout is already running in this network namespace: pid " + c.pid()
                    + ", config " + plain + ", since ") && refused.stderr().contains("(it listens on port 7895)"),
                    refused.stderr());
            assertTrue(a.isAlive() && b.isAlive() && c.isAlive(),
                    MixedPortIT.read(dir.resolve("a.log")) + MixedPortIT.read(dir.resolve("b.log")));
        } finally {
            Netns.closeAll(one, two);
        }
    }

    @Test
    void reloadNeverSignalsWhatAStalePidFileNames() throws Exception {
        Netns.assumeUsable("curl");
        try (Netns ns = Netns.create("tstale")) {
            // A pid file left by a Turnout that is gone, whose pid now belongs to another program.
            Process sleeper = ns.spawn(dir.resolve("sleep.log"), "sleep", "300");
            Path pid = dir.resolve("stale.pid");
            Files.writeString(pid, sleeper.pid() + "\n");

            Netns.Result nobody = ns.run(Duration.ofSeconds(60), turnout(), "reload", "--pid-file", pid.toString());
            assertEquals(1, nobody.exitCode(), nobody.stdout() + nobody.stderr());
            assertTrue(nobody.stderr().contains("not signalling pid " + sleeper.pid() + " from " + pid
                    + ": no Turnout runs in this network namespace"), nobody.stderr());
            assertFalse(sleeper.waitFor(1, TimeUnit.SECONDS), "the unrelated process was signalled");

            // With a Turnout running beside it, the stale pid is still not signalled; the running one is named.
            Path config = dir.resolve("config.yaml");
            Files.writeString(config, "mixed-port: 7890\nlog-level: info\nrules:\n  - MATCH,DIRECT\n");
            Path log = dir.resolve("turnout.log");
            Process running = ns.spawn(log, turnout(), "run", "-c", config.toString(), "--pid-file", dir.resolve("run.pid").toString());
            ns.awaitTcpPort(7890, Duration.ofSeconds(60));
            Netns.Result other = ns.run(Duration.ofSeconds(60), turnout(), "reload", "--pid-file", pid.toString());
            assertEquals(1, other.exitCode(), other.stdout() + other.stderr());
            assertTrue(other.stderr().contains("not signalling pid " + sleeper.pid() + " from " + pid
                    + ": it is not the Turnout running in this network namespace (pid " + running.pid()), other.stderr());
            assertFalse(sleeper.waitFor(1, TimeUnit.SECONDS), "the unrelated process was signalled");
            assertFalse(MixedPortIT.read(log).contains("reloaded"), MixedPortIT.read(log));

            // Its own pid file, or none at all (the lock finds it), does reload it.
            for (List<String> args : List.of(List.of("--pid-file", dir.resolve("run.pid").toString()), List.<String>of())) {
                List<String> cmd = new java.util.ArrayList<>(List.of(turnout(), "reload"));
                cmd.addAll(args);
                Netns.Result ok = ns.run(Duration.ofSeconds(60), cmd.toArray(String[]::new));
                assertEquals(0, ok.exitCode(), ok.stdout() + ok.stderr());
                assertEquals("asked pid " + running.pid() + " to reload\n", ok.stdout());
            }
            long deadline = System.nanoTime() + Duration.ofSeconds(15).toNanos();
            while (MixedPortIT.read(log).split("INFO  Turnout reloaded ", -1).length < 3 && System.nanoTime() < deadline) {
                Thread.sleep(100);
            }
            assertEquals(3, MixedPortIT.read(log).split("INFO  Turnout reloaded ", -1).length, MixedPortIT.read(log));
            assertTrue(sleeper.isAlive(), "the unrelated process was signalled");
        }
    }

    @Test
    void instancesInTwoNamespacesKeepTheirRouteRecordsApartByDefaultSoCleanupInOneLeavesTheOthers() throws Exception {
        Netns.assumeUsable();
        assumeTrue(Files.exists(Path.of("/dev/net/tun")), "skipped: no /dev/net/tun");
        assumeTrue("root".equals(System.getProperty("user.name")), "skipped: the default record is /run/turnout's as root");
        Path shared = Path.of("/run/turnout/routes.state");
        boolean sharedBefore = Files.exists(shared);
        Netns one = null;
        Netns two = null;
        try {
            one = Netns.create("tdefa");
            two = Netns.create("tdefb");
            Path stateOne = defaultStateFile(one);
            Path stateTwo = defaultStateFile(two);
            Process a = run(one, config("a.yaml", 7890, "tdef0", null), 7890, "tdef0", "a.log");
            Process b = run(two, config("b.yaml", 7890, "tdef0", null), 7890, "tdef0", "b.log");
            assertTrue(Files.exists(stateOne) && Files.exists(stateTwo), () -> "each records its routes in a file of"
                    + " its own namespace: " + stateOne + " " + Files.exists(stateOne) + ", " + stateTwo + " "
                    + Files.exists(stateTwo));
            assertEquals(sharedBefore, Files.exists(shared), "the root namespace's default record was touched");

            assertEquals(0, new ProcessBuilder("kill", "-9", Long.toString(a.pid())).start().waitFor());
            assertTrue(a.waitFor(10, TimeUnit.SECONDS));
            Netns.Result cleaned = one.run(Duration.ofSeconds(60), turnout(), "cleanup");
            assertEquals(0, cleaned.exitCode(), cleaned.stdout() + cleaned.stderr());
            assertTrue(cleaned.stdout().contains("recorded in " + stateOne), cleaned.stdout());
            assertFalse(Files.exists(stateOne), "the killed one's record is left after cleanup");
            assertTrue(Files.exists(stateTwo) && b.isAlive(), "cleanup in one namespace took the other's record");
            Netns.Result nothing = two.run(Duration.ofSeconds(60), turnout(), "cleanup");
            assertEquals(1, nothing.exitCode(), "cleanup while the other runs: " + nothing.stdout() + nothing.stderr());
            b.destroy(); // SIGTERM
            assertTrue(b.waitFor(60, TimeUnit.SECONDS), "still running 60 s after SIGTERM");
            assertFalse(Files.exists(stateTwo), "the record is left after a clean stop");
        } finally {
            Netns.closeAll(one, two);
        }
    }

    /** {@code /run/turnout/routes-net-<inode>.state}, with the inode of {@code ns}'s network namespace. */
    private static Path defaultStateFile(Netns ns) throws IOException, InterruptedException {
        String link = ns.run(Duration.ofSeconds(5), "readlink", "/proc/self/ns/net").stdout().trim();
        return Path.of("/run/turnout/routes-net-" + link.replaceAll("\\D", "") + ".state");
    }

    @Test
    void cleanupWithTheConfigRemovesWhatAKilledInstanceLeftAndSaysWhatWasAlreadyGone() throws Exception {
        Netns.assumeUsable();
        assumeTrue(Files.exists(Path.of("/dev/net/tun")), "skipped: no /dev/net/tun");
        Path state = dir.resolve("custom/routes.state");
        Path config = config("tun.yaml", 7890, "tclean0", state);
        try (Netns ns = Netns.create("tclean")) {
            String routesBefore = routes(ns);
            Process running = run(ns, config, 7890, "tclean0", "turnout.log");
            String routesRunning = routes(ns);

            // While it runs, its routes are its own.
            Netns.Result refused = ns.run(Duration.ofSeconds(60), turnout(), "cleanup", "-c", config.toString());
            assertEquals(1, refused.exitCode(), refused.stdout() + refused.stderr());
            assertTrue(refused.stderr().contains("a TUN-mode Turnout is running in this network namespace (pid " + running.pid()),
                    refused.stderr());
            assertEquals(routesRunning, routes(ns));
            assertTrue(Files.exists(state));

            assertEquals(0, new ProcessBuilder("kill", "-9", Long.toString(running.pid())).start().waitFor());
            assertTrue(running.waitFor(10, TimeUnit.SECONDS));
            assertTrue(Files.exists(state), "kill -9 leaves the state file");
            Path copy = dir.resolve("routes.state.copy");
            Files.copy(state, copy);
            // The TUN device died with the process and took its routes along. Stand in for a device that
            // outlived its Turnout: one of the two recorded routes exists again, on a device of the same name.
            ns.ip(List.of("link", "add", "tclean0", "type", "veth", "peer", "name", "tcleanp"));
            ns.ip(List.of("link", "set", "tclean0", "up"));
            ns.ip(List.of("link", "set", "tcleanp", "up"));
            ns.ip(List.of("route", "add", "0.0.0.0/1", "dev", "tclean0"));

            Netns.Result cleaned = ns.run(Duration.ofSeconds(60), turnout(), "cleanup", "-c", config.toString());
            assertEquals(0, cleaned.exitCode(), cleaned.stdout() + cleaned.stderr());
            // The IPv6 routes are there too: the TUN has no IPv6 address, so strict-route (on by default) captures
            // IPv6 to refuse it.
            assertEquals("already gone -4 128.0.0.0/1 dev tclean0\nalready gone -6 8000::/1 dev tclean0\n"
                    + "already gone -6 ::/1 dev tclean0\nremoved -4 0.0.0.0/1 dev tclean0\n"
                    + "removed 1 route(s), 3 already gone, recorded in " + state + "\n",
                    sorted(cleaned.stdout()), cleaned.stdout());
            assertFalse(routes(ns).contains("0.0.0.0/1"), routes(ns));
            assertFalse(Files.exists(state), "state file left after cleanup");
            ns.ip(List.of("link", "del", "tclean0"));
            assertEquals(routesBefore, routes(ns));

            // Again on the same record: nothing is left to remove, and it says so rather than claiming any.
            Files.copy(copy, state);
            Netns.Result again = ns.run(Duration.ofSeconds(60), turnout(), "cleanup", "-c", config.toString());
            assertEquals(0, again.exitCode(), again.stdout() + again.stderr());
            assertTrue(again.stdout().endsWith("removed 0 route(s), 4 already gone, recorded in " + state + "\n"),
                    again.stdout());
            assertNotEquals(-1, again.stdout().indexOf("already gone -4 0.0.0.0/1 dev tclean0"), again.stdout());
            Netns.Result nothing = ns.run(Duration.ofSeconds(60), turnout(), "cleanup", "-c", config.toString());
            assertEquals("nothing to clean: no state file at " + state + "\n", nothing.stdout(), nothing.stderr());
        }
    }

    /** The route lines sorted, the summary last: the order of removal is the platform's business. */
    private static String sorted(String out) {
        List<String> lines = new java.util.ArrayList<>(out.lines().toList());
        String summary = lines.remove(lines.size() - 1);
        java.util.Collections.sort(lines);
        return String.join("\n", lines) + "\n" + summary + "\n";
    }
}
