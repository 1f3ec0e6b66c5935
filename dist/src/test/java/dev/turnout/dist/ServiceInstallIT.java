package dev.turnout.dist;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.turnout.api.testing.Required;
import dev.turnout.dist.testing.Daemons;
import dev.turnout.dist.testing.Netns;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code turnout service install} of the packaged Turnout, into a scratch root (never the machine's /etc): systemd's
 * own checker accepts the unit without a warning, and it grants exactly the three network capabilities.
 */
class ServiceInstallIT {

    static final Path DIST = Path.of(System.getProperty("turnout.dist"));

    @TempDir
    Path root;

    @Test
    void systemdAnalyzeVerifiesTheInstalledUnitAndItHasExactlyTheThreeCapabilities() throws Exception {
        Required.nothingMissing(Daemons.missing("systemd-analyze"));
        Netns.Result install = PluginsIT.runLauncher("service", "install", "--os", "linux", "--root", root.toString());
        assertEquals(0, install.exitCode(), install.stdout() + install.stderr());
        Path unit = root.resolve("etc/systemd/system/turnout.service");
        String text = Files.readString(unit);
        String start = text.lines().filter(l -> l.startsWith("ExecStart=")).findFirst().orElseThrow();
        assertTrue(start.endsWith("/bin/turnout run -c /etc/turnout/config.yaml --pid-file /run/turnout/turnout.pid"), start);
        assertTrue(Files.isSameFile(Path.of(start.substring("ExecStart=".length()).split(" ")[0]), DIST.resolve("bin/turnout")),
                "the unit runs this Turnout: " + start);

        Process verify = new ProcessBuilder("systemd-analyze", "verify", unit.toString()).redirectErrorStream(true).start();
        String said = new String(verify.getInputStream().readAllBytes());
        assertTrue(verify.waitFor(60, java.util.concurrent.TimeUnit.SECONDS));
        assertEquals(0, verify.exitValue(), said);
        assertEquals("", said.strip(), "no warning either (an unknown key is only a warning)");

        Set<String> four = Set.of("CAP_NET_ADMIN", "CAP_NET_BIND_SERVICE", "CAP_NET_RAW", "CAP_BPF");
        for (String key : List.of("AmbientCapabilities", "CapabilityBoundingSet")) {
            List<String> lines = text.lines().filter(l -> l.startsWith(key + "=")).toList();
            assertEquals(1, lines.size(), key);
            assertEquals(four, Arrays.stream(lines.get(0).substring(key.length() + 1).split("\\s+")).collect(Collectors.toSet()), key);
        }

        Netns.Result uninstall = PluginsIT.runLauncher("service", "uninstall", "--os", "linux", "--root", root.toString());
        assertEquals(0, uninstall.exitCode(), uninstall.stderr());
        assertFalse(Files.exists(unit));
    }

    /**
     * What the unit promises, run the way systemd would run it, in a namespace: an unprivileged user (nobody stands in
     * for turnout) with exactly the unit's four capabilities, ambient and as the bounding set, and the unit's
     * XDG_RUNTIME_DIR. TUN mode must come up, capture (routes through the TUN) and give it all back on SIGTERM. The
     * machine's /dev/net/tun may be root-only (0600 here; desktops make it 0666 by udev), so the test mounts a 0666
     * node for the same device over it in a mount namespace of its own, leaving the machine's untouched.
     */
    @Test
    void tunModeRunsAsAnUnprivilegedUserWithOnlyTheUnitsCapabilities() throws Exception {
        Netns.assumeUsable("setpriv", "unshare", "mknod");
        Required.that(Files.exists(Path.of("/dev/net/tun")), () -> "no /dev/net/tun (TUN support)");
        Path dir = Files.createTempDirectory("s13-desktop-caps");
        Netns ns = Netns.create("tcaps");
        try {
            Path run = Files.createDirectories(dir.resolve("run"));
            for (Path p : List.of(dir, run)) {
                Files.setPosixFilePermissions(p, java.nio.file.attribute.PosixFilePermissions.fromString("rwxrwxrwx"));
            }
            Path config = dir.resolve("config.yaml");
            Files.writeString(config, String.join("\n", "log-level: info", "tun:", "  enable: true", "  device: tcaps0",
                    "  auto-route: true", "  auto-detect-interface: true", "rules:", "  - MATCH,DIRECT", ""));
            String caps = "+net_admin,+net_bind_service,+net_raw,+bpf";
            String script = String.join("\n",
                    "set -e",
                    "mknod -m 666 " + dir + "/tun c 10 200",
                    "mount --bind " + dir + "/tun /dev/net/tun",
                    "setpriv --reuid=65534 --regid=65534 --clear-groups --inh-caps=" + caps + " --ambient-caps=" + caps
                            + " --bounding-set=-all," + caps + " env XDG_RUNTIME_DIR=" + run + " HOME=" + dir + " "
                            + DIST.resolve("bin/turnout") + " run -c " + config + " > " + dir + "/turnout.log 2>&1 &",
                    "pid=$!",
                    "i=0; while ! grep -q 'running on' " + dir + "/turnout.log && [ $i -lt 300 ]; do sleep 0.1; i=$((i+1)); done",
                    "grep '^Cap' /proc/$pid/status > " + dir + "/caps",
                    "ip -4 route > " + dir + "/routes; ip -6 route >> " + dir + "/routes",
                    "ls " + run + "/turnout > " + dir + "/state",
                    "kill $pid; i=0; while kill -0 $pid 2>/dev/null && [ $i -lt 150 ]; do sleep 0.1; i=$((i+1)); done",
                    "ip -4 route > " + dir + "/routes-after; ip -6 route >> " + dir + "/routes-after",
                    "echo done > " + dir + "/done");
            Netns.Result r = ns.run(java.time.Duration.ofSeconds(90), "unshare", "-m", "--propagation", "private", "sh", "-c", script);
            String log = Files.exists(dir.resolve("turnout.log")) ? Files.readString(dir.resolve("turnout.log")) : "";
            assertEquals(0, r.exitCode(), r.stdout() + r.stderr() + log);
            assertTrue(log.contains("tun tcaps0 up"), log);
            if (Runtime.getRuntime().availableProcessors() >= 2) {
                // One queue per core, and CAP_BPF loads the program steering each packet to its flow's queue.
                assertTrue(log.contains("(steered to their flows' lanes)"), log);
            }
            // bits 10 (NET_BIND_SERVICE), 12 (NET_ADMIN), 13 (NET_RAW), 39 (BPF), in every set
            for (String set : List.of("CapPrm", "CapEff", "CapBnd", "CapAmb")) {
                assertTrue(Files.readString(dir.resolve("caps")).contains(set + ":\t0000008000003400"),
                        set + ": " + Files.readString(dir.resolve("caps")));
            }
            String routes = Files.readString(dir.resolve("routes"));
            for (String route : List.of("0.0.0.0/1 dev tcaps0", "128.0.0.0/1 dev tcaps0", "::/1 dev tcaps0", "8000::/1 dev tcaps0")) {
                assertTrue(routes.contains(route), route + " in\n" + routes);
            }
            assertTrue(Files.readString(dir.resolve("state")).contains("routes-net-"),
                    "the route state under the unit's XDG_RUNTIME_DIR: " + Files.readString(dir.resolve("state")));
            assertFalse(Files.readString(dir.resolve("routes-after")).contains("tcaps0"), "all given back on SIGTERM");
        } finally {
            ns.close();
            try (var s = Files.walk(dir)) {
                s.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
    }

    /**
     * The service's files land where root's commands look (the lifecycle tester's F1 and F2): the unit's commands run
     * as an unprivileged user with the unit's capabilities and its XDG_RUNTIME_DIR (read from the shipped unit), in a
     * mount namespace with a /run of its own holding the unit's RuntimeDirectory /run/turnout, owned by that user.
     * Root's `turnout reload`, without --pid-file or XDG_RUNTIME_DIR, reaches the running service; after a kill -9,
     * root's `turnout cleanup -c CONFIG`, as the README tells an admin, finds the service's route record and removes
     * the DNS policy rules the crash left. With XDG_RUNTIME_DIR=/run/turnout the record was in /run/turnout/turnout
     * and both said there was nothing there.
     */
    @Test
    void rootsCleanupAndReloadFindTheServicesFiles() throws Exception {
        Netns.assumeUsable("setpriv", "unshare", "mknod");
        Required.that(Files.exists(Path.of("/dev/net/tun")), () -> "no /dev/net/tun (TUN support)");
        String runtime = Files.readString(DIST.resolve("systemd/turnout.service")).lines()
                .filter(l -> l.startsWith("Environment=XDG_RUNTIME_DIR=")).map(l -> l.substring("Environment=XDG_RUNTIME_DIR=".length()))
                .findFirst().orElseThrow();
        Path dir = Files.createTempDirectory("s68-svc-files");
        Netns ns = Netns.create("tsvcf");
        try {
            Files.setPosixFilePermissions(dir, java.nio.file.attribute.PosixFilePermissions.fromString("rwxrwxrwx"));
            Path config = dir.resolve("config.yaml");
            Files.writeString(config, String.join("\n", "log-level: info",
                    "dns:", "  enable: true", "  enhanced-mode: fake-ip", "  nameserver: [192.0.2.1]",
                    "tun:", "  enable: true", "  device: tsvcf0", "  auto-route: true", "  dns-hijack: [any:53]",
                    "rules:", "  - MATCH,DIRECT", ""));
            String caps = "+net_admin,+net_bind_service,+net_raw,+bpf";
            String asService = "setpriv --reuid=65534 --regid=65534 --clear-groups --inh-caps=" + caps + " --ambient-caps="
                    + caps + " --bounding-set=-all," + caps + " env XDG_RUNTIME_DIR=" + runtime + " HOME=" + dir + " ";
            String turnout = DIST.resolve("bin/turnout").toString();
            String asRoot = "env -u XDG_RUNTIME_DIR HOME=" + dir + " " + turnout;
            String script = String.join("\n",
                    "set -e",
                    "mknod -m 666 " + dir + "/tun c 10 200",
                    "mount --bind " + dir + "/tun /dev/net/tun",
                    "mount -t tmpfs -o mode=0755 tmpfs /run",
                    "mkdir /run/turnout; chown 65534:65534 /run/turnout",
                    asService + turnout + " cleanup -c " + config + " > " + dir + "/pre.log 2>&1",
                    asService + turnout + " run -c " + config + " --pid-file /run/turnout/turnout.pid > " + dir + "/turnout.log 2>&1 &",
                    "pid=$!",
                    "i=0; while ! grep -q 'running on' " + dir + "/turnout.log && [ $i -lt 300 ]; do sleep 0.1; i=$((i+1)); done",
                    asRoot + " reload > " + dir + "/reload.out 2>&1 || echo rc=$? >> " + dir + "/reload.out",
                    "i=0; while ! grep -q 'reloaded' " + dir + "/turnout.log && [ $i -lt 100 ]; do sleep 0.1; i=$((i+1)); done",
                    "ls -l /run/turnout > " + dir + "/state",
                    "kill -9 $pid; wait $pid || true",
                    "ip -4 rule > " + dir + "/rules-crash; ip -6 rule >> " + dir + "/rules-crash",
                    asRoot + " cleanup -c " + config + " > " + dir + "/cleanup.out 2>&1 || echo rc=$? >> " + dir + "/cleanup.out",
                    "ip -4 rule > " + dir + "/rules-after; ip -6 rule >> " + dir + "/rules-after");
            Netns.Result r = ns.run(java.time.Duration.ofSeconds(90), "unshare", "-m", "--propagation", "private", "sh", "-c", script);
            String log = read(dir.resolve("turnout.log"));
            String all = r.stdout() + r.stderr() + "\n--- log\n" + log + "\n--- state\n" + read(dir.resolve("state"))
                    + "\n--- reload\n" + read(dir.resolve("reload.out")) + "\n--- cleanup\n" + read(dir.resolve("cleanup.out"));
            assertEquals(0, r.exitCode(), all);
            assertTrue(log.contains("tun tsvcf0 up"), all);
            assertTrue(read(dir.resolve("state")).contains("routes-net-"), "the record in /run/turnout itself: " + all);
            assertTrue(read(dir.resolve("reload.out")).contains("to reload"), "root's reload reaches the service: " + all);
            assertTrue(read(dir.resolve("rules-crash")).contains("lookup 2053"), "the crash left the DNS rules: " + all);
            assertFalse(read(dir.resolve("cleanup.out")).contains("nothing to clean"), all);
            assertFalse(read(dir.resolve("cleanup.out")).contains("rc="), all);
            assertFalse(read(dir.resolve("rules-after")).contains("lookup 2053"), "root's cleanup removed them: " + all);
        } finally {
            ns.close();
            try (var s = Files.walk(dir)) {
                s.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
    }

    private static String read(Path file) throws java.io.IOException {
        return Files.exists(file) ? Files.readString(file) : "(none)";
    }

    @Test
    void theShippedExampleUnitIsWhatInstallWritesForOptTurnout() throws Exception {
        Netns.Result install = PluginsIT.runLauncher("service", "install", "--os", "linux", "--root", root.toString(),
                "--home", "/opt/turnout");
        assertEquals(0, install.exitCode(), install.stderr());
        assertEquals(Files.readString(root.resolve("etc/systemd/system/turnout.service")),
                Files.readString(DIST.resolve("systemd/turnout.service")));
    }

    /** The unit's Documentation= names the install's README.md, which the package did not hold (tester F13). */
    @Test
    void theUnitsDocumentationIsInThePackage() throws Exception {
        Netns.Result install = PluginsIT.runLauncher("service", "install", "--os", "linux", "--root", root.toString());
        assertEquals(0, install.exitCode(), install.stderr());
        String doc = Files.readString(root.resolve("etc/systemd/system/turnout.service")).lines()
                .filter(l -> l.startsWith("Documentation=file://")).findFirst().orElseThrow();
        Path readme = Path.of(doc.substring("Documentation=file://".length()));
        assertTrue(Files.isSameFile(readme, DIST.resolve("README.md")), doc);
        assertTrue(Files.readString(readme).contains("Removing Turnout"));
        Path tarball;
        try (var s = Files.list(DIST.getParent())) {
            tarball = s.filter(p -> p.getFileName().toString().matches("turnout-.*\\.tar\\.gz")).findFirst().orElseThrow();
        }
        Process tar = new ProcessBuilder("tar", "tzf", tarball.toString()).redirectErrorStream(true).start();
        String entries = new String(tar.getInputStream().readAllBytes());
        assertTrue(tar.waitFor(60, java.util.concurrent.TimeUnit.SECONDS));
        assertTrue(entries.lines().anyMatch("turnout/README.md"::equals), entries);
    }
}
