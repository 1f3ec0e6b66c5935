package dev.turnout.dist;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.turnout.api.testing.Required;
import dev.turnout.dist.testing.Daemons;
import dev.turnout.dist.testing.Netns;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What a newcomer does first: the packaged launcher, the built-in default, check and its errors. */
class LauncherIT {

    static final Path DIST = Path.of(System.getProperty("turnout.dist"));
    static final Path SHARED = Path.of(System.getProperty("turnout.repo")).resolve("../shared").normalize();

    @TempDir
    Path dir;

    @Test
    void layoutHasLauncherLibsPluginsRulesConfigAndUnit() throws Exception {
        assertTrue(Files.isExecutable(DIST.resolve("bin/turnout")));
        for (String f : new String[] {"config.yaml", "rules/private.yaml", "rules/lan.txt", "systemd/turnout.service"}) {
            assertTrue(Files.isRegularFile(DIST.resolve(f)), f);
        }
        try (var s = Files.list(DIST.resolve("plugins"))) {
            assertEquals(9, s.filter(p -> p.toString().endsWith(".jar")).count());
        }
        try (var s = Files.list(DIST.getParent())) {
            assertTrue(s.anyMatch(p -> p.getFileName().toString().matches("turnout-.*\\.tar\\.gz")), "tarball");
        }
    }

    /**
     * Every library the host runs with is in lib/ (by artifact; versions may settle differently here). dist's pom
     * once declared protobuf-java for its tests alone, which took it out of lib/: GeoSite.dat could not be read.
     */
    @Test
    void libHoldsEveryRuntimeDependencyOfTheHost() throws Exception {
        Path listed = Path.of(System.getProperty("turnout.repo"), "host/target/runtime-classpath.txt");
        org.junit.jupiter.api.Assumptions.assumeTrue(Files.exists(listed),
                () -> "skipped: " + listed + " is written by the host module's package phase; build it first");
        java.util.Set<String> inLib;
        try (var s = Files.list(DIST.resolve("lib"))) {
            inLib = s.map(p -> artifact(p.getFileName().toString())).collect(java.util.stream.Collectors.toSet());
        }
        java.util.List<String> missing = new java.util.ArrayList<>();
        for (String jar : Files.readString(listed).strip().split(java.io.File.pathSeparator)) {
            String name = artifact(Path.of(jar).getFileName().toString());
            if (!inLib.contains(name)) {
                missing.add(name);
            }
        }
        assertEquals(java.util.List.of(), missing, "the host's run-time libraries missing from " + DIST.resolve("lib"));
    }

    /** {@code protobuf-java-4.32.1.jar} -> {@code protobuf-java}: the name up to its version. */
    private static String artifact(String file) {
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("^(.+?)-\\d.*\\.jar$").matcher(file);
        return m.matches() ? m.group(1) : file;
    }

    @Test
    void versionAndHelpWork() throws Exception {
        Netns.Result version = PluginsIT.runLauncher("--version");
        assertEquals(0, version.exitCode(), version.stderr());
        assertTrue(version.stdout().startsWith("turnout "), version.stdout());
        for (String cmd : new String[] {"run", "check", "match", "plugins", "reload"}) {
            Netns.Result help = PluginsIT.runLauncher(cmd, "--help");
            assertEquals(0, help.exitCode(), cmd + ": " + help.stderr());
            assertTrue(help.stdout().contains("Usage: turnout " + cmd), help.stdout());
        }
    }

    @Test
    void theLauncherRunsThroughSymlinksAsWhenInstalledOnThePath() throws Exception {
        // ln -s /opt/turnout/bin/turnout /usr/local/bin/turnout: the launcher looked for lib/ beside the link and
        // Java said "Could not find or load main class dev.turnout.host.cli.Main". A relative link to a link too.
        Path bin = Files.createDirectories(dir.resolve("usr/local/bin"));
        Path absolute = Files.createSymbolicLink(dir.resolve("turnout-link"), DIST.resolve("bin/turnout"));
        Path relative = Files.createSymbolicLink(bin.resolve("turnout"), bin.relativize(absolute));
        for (Path link : new Path[] {absolute, relative}) {
            Process p = new ProcessBuilder(link.toString(), "--version").redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
            assertTrue(p.waitFor(60, java.util.concurrent.TimeUnit.SECONDS), link.toString());
            assertEquals(0, p.exitValue(), () -> link + ": " + out);
            assertTrue(out.startsWith("turnout "), out);
        }
    }

    @Test
    void theShippedExampleConfigChecksClean() throws Exception {
        Netns.Result r = PluginsIT.runLauncher("check", "-c", DIST.resolve("config.yaml").toString());
        assertEquals(0, r.exitCode(), r.stdout() + r.stderr());
        assertTrue(r.stdout().contains("RULE-SET") && r.stdout().endsWith("OK\n"), r.stdout());
    }

    @Test
    void checkOnLoyalsoldiersExampleAcceptsItUnchangedAndReportsUnfetchedProviders() throws Exception {
        Path config = SHARED.resolve("rulesets/loyalsoldier-clash-rules/example-config.yaml");
        assumeTrue(Files.exists(config), () -> "skipped: " + config + " is not here");
        // As written, its controller listens on 0.0.0.0 with no secret: accepted unchanged, on loopback, with a warning
        // that says why and how to open it. Run from a scratch folder so no cached provider copies exist.
        Netns.Result r = PluginsIT.runLauncher("check", "-c", config.toString(), "-d", dir.toString());
        assertEquals(0, r.exitCode(), r.stdout() + r.stderr());
        assertTrue(r.stdout().matches("(?s).*  \\S*example-config\\.yaml:\\d+:\\d+: external-controller 0\\.0\\.0\\.0:9090 .*"),
                r.stdout()); // at the key's place (s69's keys tester, F19)
        assertTrue(r.stdout().contains(": external-controller 0.0.0.0:9090 would be reachable from other machines without "
                + "a 'secret', so the controller listens on 127.0.0.1:9090 only; set a 'secret' to listen on 0.0.0.0:9090\n"),
                r.stdout());
        assertTrue(r.stdout().contains("not fetched"), r.stdout());
        assertTrue(r.stdout().contains("PROXY") && r.stdout().contains("select"), r.stdout());
        assertTrue(r.stdout().contains("RULE-SET"), r.stdout());
    }

    @Test
    void aBrokenConfigExitsNonZeroWithFileLineColumnAndStartsNothing() throws Exception {
        Path bad = dir.resolve("bad.yaml");
        Files.writeString(bad, "mixed-port: 7892\nproxies:\n  - {name: a, type: nosuch, server: x, port: 1}\n");
        Netns.Result check = PluginsIT.runLauncher("check", "-c", bad.toString());
        assertEquals(2, check.exitCode());
        assertTrue(check.stderr().contains(bad + ":3:21: unknown outbound type 'nosuch'"), check.stderr());
        String why = Netns.unavailableReason();
        Required.that(why == null, () -> "the run half: " + why);
        try (Netns ns = Netns.create("tbad")) {
            Netns.Result run = ns.run(Duration.ofSeconds(60), DIST.resolve("bin/turnout").toString(), "run", "-c", bad.toString(),
                    "--pid-file", dir.resolve("pid").toString());
            assertEquals(2, run.exitCode(), run.stderr());
            assertEquals(0, ns.run(Duration.ofSeconds(5), "ss", "-Htln").stdout().lines().count(), "something listens");
        }
    }

    @Test
    void theBuiltInDefaultServesAMixedPortOnLoopback7890() throws Exception {
        String why = Netns.unavailableReason();
        Required.nothingMissing(why);
        Required.nothingMissing(Daemons.missing("curl"));
        try (Netns ns = Netns.create("tdef")) {
            ns.spawn(dir.resolve("http.log"), Daemons.peer("http", "8080"));
            Path log = dir.resolve("turnout.log");
            Path startedIn = Files.createDirectories(dir.resolve("started-in"));
            // Exactly what the README says: the launcher with no arguments (from a folder of the test's own).
            ns.spawn(log, "env", "--chdir=" + startedIn, DIST.resolve("bin/turnout").toString());
            ns.awaitTcpPort(7890, Duration.ofSeconds(30));
            try (var left = Files.list(startedIn)) {
                assertEquals(List.of(), left.toList(), "the folder it was started from is not Turnout's to write in");
            }
            ns.awaitTcpPort(8080, Duration.ofSeconds(20));
            Netns.Result listeners = ns.run(Duration.ofSeconds(5), "ss", "-Htln", "sport = :7890");
            // Loopback only (the kernel may show it v4-mapped on a dual-stack socket).
            assertTrue(listeners.stdout().matches("(?s).*[ \\[:]127\\.0\\.0\\.1\\]?:7890 .*"), listeners.stdout());
            Netns.Result r = ns.run(Duration.ofSeconds(30), "curl", "-sS", "--max-time", "10", "--proxy",
                    "http://127.0.0.1:7890", "http://127.0.0.1:8080/default");
            assertEquals(0, r.exitCode(), r.stderr() + MixedPortIT.read(log));
            assertEquals("hello /default from 127.0.0.1\n", r.stdout());
            assertNotEquals(-1, MixedPortIT.read(log).indexOf("match MATCH using DIRECT"), MixedPortIT.read(log));
        }
    }

    @Test
    void runWithNothingMoreReadsTheHomeConfigAndRefusesABrokenOneWithItsPlace() throws Exception {
        // `turnout run` alone starts without the command-line parser (Main.plainRun): the same lookup, messages and
        // exit codes as with options.
        Path config = Files.createDirectories(dir.resolve("home/.config/turnout")).resolve("config.yaml");
        Files.writeString(config, "mixed-port: 7893\nproxies:\n  - {name: a, type: nosuch, server: x, port: 1}\n");
        String why = Netns.unavailableReason();
        Required.that(why == null, () -> "needs a namespace: " + why);
        try (Netns ns = Netns.create("tplain")) {
            Netns.Result run = ns.run(Duration.ofSeconds(60), "env", "HOME=" + dir.resolve("home"),
                    "XDG_CONFIG_HOME=" + dir.resolve("home/.config"), DIST.resolve("bin/turnout").toString(), "run");
            assertEquals(2, run.exitCode(), run.stderr());
            assertTrue(run.stderr().contains(config + ":3:21: unknown outbound type 'nosuch'"), run.stderr());
            assertEquals(0, ns.run(Duration.ofSeconds(5), "ss", "-Htln").stdout().lines().count(), "something listens");
        }
    }

    @Test
    void theClassDataArchiveHoldsTheRuleEngineThatRuleSetsLoad() throws Exception {
        // The package's archive (lib/cds-archive.sh, made by dist's pom) is trained on a config with rule providers
        // of every behaviour, so that a user's rule sets load those classes mapped, not parsed from the jars.
        assumeTrue(Files.isReadable(Path.of("/proc/net/tcp")),
                "skipped: lib/cds-archive.sh makes an archive on Linux only (it reads /proc/net/tcp)");
        Path archive;
        try (var s = Files.list(DIST.resolve("lib/cds"))) {
            archive = s.filter(f -> f.toString().endsWith(".jsa")).findFirst().orElse(null);
        }
        assertTrue(archive != null, "no class-data archive in " + DIST.resolve("lib/cds"));
        Path sets = Files.createDirectories(dir.resolve("ruleset"));
        Files.writeString(sets.resolve("d.yaml"), "payload:\n  - '+.example.org'\n");
        Files.writeString(sets.resolve("c.yaml"), "payload:\n  - '198.51.100.0/24'\n");
        Path config = dir.resolve("config.yaml");
        Files.writeString(config, "rule-providers:\n"
                + "  d: {type: file, behavior: domain, path: ./ruleset/d.yaml}\n"
                + "  c: {type: file, behavior: ipcidr, path: ./ruleset/c.yaml}\n"
                + "rules:\n  - RULE-SET,d,DIRECT\n  - RULE-SET,c,DIRECT\n  - MATCH,DIRECT\n");
        Path loaded = dir.resolve("classes.log");
        Netns.Result check = PluginsIT.runLauncher(Map.of("JAVA_TOOL_OPTIONS", "-Xlog:class+load=info:file=" + loaded),
                "check", "-c", config.toString());
        assertEquals(0, check.exitCode(), check.stdout() + check.stderr());
        String log = Files.readString(loaded);
        for (String c : new String[] {"ProviderParser", "SimpleYamlPayload", "RawEntries", "DomainTable", "CidrTrie"}) {
            assertTrue(log.contains("dev.turnout.rules." + c + " source: shared objects file"),
                    c + " not loaded from " + archive + ": " + log.lines().filter(l -> l.contains("." + c + " ")).toList());
        }
    }
}
