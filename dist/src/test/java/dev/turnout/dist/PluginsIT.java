package dev.turnout.dist;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.turnout.api.OutboundType;
import dev.turnout.api.testing.Required;
import dev.turnout.dist.controller.Api;
import dev.turnout.dist.testing.Daemons;
import dev.turnout.dist.testing.ExamplePlugin;
import dev.turnout.dist.testing.Netns;
import dev.turnout.host.plugin.LoadedPlugin;
import dev.turnout.host.plugin.PluginHost;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.jar.Attributes;
import java.util.jar.JarOutputStream;
import java.util.jar.Manifest;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.pf4j.PluginClassLoader;

/** The packaged outbounds are plugins loaded from jars, exactly as a third party's would be. */
class PluginsIT {

    static final Path DIST = Path.of(System.getProperty("turnout.dist"));

    @TempDir
    Path dir;

    @Test
    void thePackagedPluginsLoadFromTheirJarsNotTheClassPath() {
        try (PluginHost host = PluginHost.load(DIST.resolve("plugins"))) {
            assertEquals(Set.of(), Set.copyOf(host.failures()), "failures: " + host.failures());
            Set<String> ids = host.plugins().stream().map(LoadedPlugin::id).collect(Collectors.toCollection(TreeSet::new));
            assertEquals(new TreeSet<>(Set.of("direct", "socks5", "http-connect", "reject", "shadowsocks", "trojan", "vmess",
                    "vless", "ssh")), ids);
            assertEquals(Set.of("direct", "socks5", "http", "reject", "reject-drop", "ss", "trojan", "vmess", "vless", "ssh"),
                    host.outboundTypes().keySet());
            for (OutboundType type : host.outboundTypes().values()) {
                // The implementation comes from the plugin's own loader, the interface from the host's.
                assertInstanceOf(PluginClassLoader.class, type.getClass().getClassLoader(), type.type());
                assertEquals(OutboundType.class.getClassLoader(), getClass().getClassLoader());
            }
        }
    }

    /**
     * The packaged plugins say which Turnout they need (plugins/pom.xml's plugin.requires, never written to their
     * manifests before), and the host checks it: a plugin for a newer Turnout is refused in one line.
     */
    @Test
    void thePackagedPluginsRequireThisTurnoutAndANewerOnesPluginIsRefused() throws Exception {
        try (DirectoryStream<Path> jars = Files.newDirectoryStream(DIST.resolve("plugins"), "*.jar")) {
            for (Path jar : jars) {
                try (java.util.jar.JarFile f = new java.util.jar.JarFile(jar.toFile())) {
                    assertEquals(">=0.1.0", f.getManifest().getMainAttributes().getValue("Plugin-Requires"), jar.toString());
                }
            }
        }
        Path plugins = packagedPlugins();
        Path newer = plugins.resolve("newer-1.0.0.jar");
        Path built = ExamplePlugin.build(dir);
        try (java.nio.file.FileSystem zip = java.nio.file.FileSystems.newFileSystem(Files.copy(built, newer))) {
            Path mf = zip.getPath("META-INF/MANIFEST.MF");
            Files.writeString(mf, Files.readString(mf).trim() + "\r\nPlugin-Requires: >=99.0.0\r\n\r\n");
        }
        Netns.Result listing = runLauncher("plugins", "--plugins", plugins.toString());
        assertTrue(listing.stdout().contains("  FAILED " + newer + ": it requires Turnout >=99.0.0 (Plugin-Requires), and"
                + " this is Turnout 0.1.0: it needs a newer Turnout, or a build of the plugin for this one\n"), listing.stdout());
        assertTrue(listing.stdout().contains("types: socks5"), "the packaged plugins, >=0.1.0, load:\n" + listing.stdout());
    }

    /**
     * A jar built without PF4J's annotation processor (no META-INF/extensions.idx) loads with no type: said in a
     * WARNING line naming the likely cause, where it was "types: -" alone; a warning is no failure (exit 0), and the
     * help says when the exit status is 1.
     */
    @Test
    void aPluginWithoutExtensionIndexIsWarnedAboutAndTheExitStatusIsDocumented() throws Exception {
        Path plugins = Files.createDirectories(dir.resolve("plugins"));
        Path unindexed = Files.copy(ExamplePlugin.build(dir), plugins.resolve("unindexed-1.0.0.jar"));
        try (java.nio.file.FileSystem zip = java.nio.file.FileSystems.newFileSystem(unindexed)) {
            Files.delete(zip.getPath("META-INF/extensions.idx"));
        }
        Netns.Result listing = runLauncher("plugins", "--plugins", plugins.toString());
        assertEquals(0, listing.exitCode(), listing.stdout() + listing.stderr());
        assertTrue(listing.stdout().contains("  WARNING " + unindexed + ": it provides no outbound type: it lists no"
                + " extensions (no META-INF/extensions.idx), which PF4J's annotation processor writes for its @Extension"
                + " classes; it did not run"), listing.stdout());
        Netns.Result help = runLauncher("plugins", "--help");
        assertTrue(help.stdout().contains("1   a plugin failed to load (a FAILED line)"), help.stdout());
        // -p's default is the launcher's own installation, whatever $TURNOUT_HOME says (the help said $TURNOUT_HOME).
        assertTrue(help.stdout().replaceAll("\\s+", " ").contains("(default: the plugins folder of Turnout's installation,"
                + " beside the bin/ of the bin/turnout that started it; else ./plugins)"), help.stdout());
        Netns.Result homed = runLauncher(Map.of("TURNOUT_HOME", dir.toString()), "plugins");
        assertTrue(homed.stdout().startsWith("plugins in " + DIST.resolve("plugins").toAbsolutePath()), homed.stdout());
    }

    /**
     * As root, plugins that another user can write are refused before any of their code runs, by check and plugins
     * as by run: a plugins folder every user can write (all its jars, one line), and a jar another user owns. Before,
     * both loaded and ran as root (session 68's F3).
     */
    @Test
    void asRootAPluginAnotherUserCanWriteIsRefusedByCheckAndPlugins() throws Exception {
        org.junit.jupiter.api.Assumptions.assumeTrue("0".equals(new String(new ProcessBuilder("id", "-u").start()
                .getInputStream().readAllBytes()).trim()), "skipped: needs root, as CI runs (it gives a jar to uid 65534)");
        Path plugins = packagedPlugins();
        Files.setPosixFilePermissions(plugins, java.nio.file.attribute.PosixFilePermissions.fromString("rwxrwxrwx"));
        Path config = dir.resolve("config.yaml");
        Files.writeString(config, "mixed-port: 7891\nproxies:\n  - {name: s, type: socks5, server: 192.0.2.1, port: 1080}\n"
                + "rules:\n  - MATCH,s\n");
        String refused = "refused, as Turnout runs as root: " + plugins.toRealPath() + " is writable by every user (mode"
                + " 0777); so no plugin in this folder is loaded";
        Netns.Result listing = runLauncher("plugins", "--plugins", plugins.toString());
        assertEquals(1, listing.exitCode(), listing.stdout());
        assertEquals(List.of("  FAILED " + plugins + ": " + refused), listing.stdout().lines().filter(l -> l.contains("FAILED"))
                .toList(), listing.stdout());
        assertFalse(listing.stdout().contains("types:"), listing.stdout());
        Netns.Result check = runLauncher("check", "-c", config.toString(), "--plugins", plugins.toString());
        assertEquals(2, check.exitCode(), check.stdout() + check.stderr());
        assertTrue(check.stderr().contains("turnout: plugin " + plugins + " failed: " + refused), check.stderr());

        Files.setPosixFilePermissions(plugins, java.nio.file.attribute.PosixFilePermissions.fromString("rwxr-xr-x"));
        Path theirs = Files.copy(ExamplePlugin.build(dir), plugins.resolve("theirs-1.0.0.jar"));
        Files.setAttribute(theirs, "unix:uid", 65534);
        listing = runLauncher("plugins", "--plugins", plugins.toString());
        assertEquals(1, listing.exitCode(), listing.stdout());
        assertTrue(listing.stdout().contains("  FAILED " + theirs + ": refused, as Turnout runs as root: " + theirs.toRealPath()
                + " is owned by uid 65534, neither root nor the owner of Turnout's installation"), listing.stdout());
        assertTrue(listing.stdout().contains("types: socks5"), listing.stdout());
        check = runLauncher("check", "-c", config.toString(), "--plugins", plugins.toString());
        assertEquals(0, check.exitCode(), check.stdout() + check.stderr());
        assertTrue(check.stderr().contains("turnout: plugin " + theirs + " failed: refused, as Turnout runs as root"),
                check.stderr());
    }

    /**
     * Root trusts the owner of Turnout's installation as itself: a user who unpacked Turnout in their home and runs
     * it with sudo keeps their plugins, which that user owns.
     */
    @Test
    void asRootTheInstallationsOwnerIsTrustedWithItsPlugins() throws Exception {
        org.junit.jupiter.api.Assumptions.assumeTrue("0".equals(new String(new ProcessBuilder("id", "-u").start()
                .getInputStream().readAllBytes()).trim()), "skipped: needs root, as CI runs (it gives a copy to uid 65534)");
        Path home = Files.createDirectories(dir.resolve("home"));
        Path inst = home.resolve("turnout");
        // As the tarball unpacks (its modes are 644 and 755; a build under umask 002 leaves 664 and 775 here, which
        // another user's group may write: refused, as sshd would).
        for (String[] cmd : new String[][] {{"cp", "-a", DIST.toString(), inst.toString()},
                {"chmod", "-R", "go-w", home.toString()}, {"chown", "-R", "65534:65534", home.toString()}}) {
            assertEquals(0, new ProcessBuilder(cmd).inheritIO().start().waitFor(), String.join(" ", cmd));
        }
        Netns.Result listing = runLauncher(inst.resolve("bin/turnout"), Map.of(), "plugins");
        assertEquals(0, listing.exitCode(), listing.stdout() + listing.stderr());
        assertTrue(listing.stdout().contains("types: socks5") && !listing.stdout().contains("FAILED"), listing.stdout());
    }

    @Test
    void pluginsAreNotOnTheTestClassPath() {
        assertTrue(java.util.Arrays.stream(System.getProperty("java.class.path").split(java.io.File.pathSeparator)).noneMatch(l -> l.matches(".*turnout-plugin-(direct|socks5|http-connect|reject|shadowsocks|trojan|vmess|vless|ssh)-[0-9].*")),
                "a plugin jar on the class path would prove nothing");
        for (String cls : new String[] {"dev.turnout.plugins.socks5.Socks5Plugin", "dev.turnout.plugins.direct.DirectPlugin"}) {
            boolean found;
            try {
                Class.forName(cls);
                found = true;
            } catch (ClassNotFoundException e) {
                found = false;
            }
            assertTrue(!found, cls + " must only be reachable through its plugin jar");
        }
    }

    @Test
    void aDroppedInPluginIsPickedUpAndABrokenOneIsReportedWithItsPath() throws Exception {
        Path plugins = packagedPlugins();
        Files.copy(ExamplePlugin.build(dir), plugins.resolve("example-pinned-1.0.0.jar"));
        Files.writeString(plugins.resolve("broken.jar"), "this is not a jar");
        try (PluginHost host = PluginHost.load(plugins)) {
            assertTrue(host.outboundTypes().containsKey("pinned"), host.outboundTypes().keySet().toString());
            assertEquals(jarsIn(DIST.resolve("plugins")) + 1, host.plugins().size(), host.plugins().toString());
            assertEquals(1, host.failures().size(), host.failures().toString());
            assertEquals(plugins.resolve("broken.jar"), host.failures().get(0).path());
        }
        Netns.Result listing = runLauncher("plugins", "--plugins", plugins.toString());
        assertEquals(1, listing.exitCode(), "a FAILED jar is exit status 1 (it was 0): " + listing.stderr());
        assertTrue(listing.stdout().contains("example-pinned") && listing.stdout().contains("pinned"), listing.stdout());
        assertTrue(listing.stdout().contains("socks5") && listing.stdout().contains("http-connect"), listing.stdout());
        assertTrue(listing.stdout().contains("FAILED " + plugins.resolve("broken.jar")), listing.stdout());
    }

    @Test
    void eachBadJarIsOnePlainLineAndDuplicatesAreRefusedNamingBoth() throws Exception {
        Path plugins = packagedPlugins();
        Path reject;
        try (Stream<Path> s = Files.list(plugins)) {
            reject = s.filter(p -> p.getFileName().toString().startsWith("turnout-plugin-reject")).findFirst().orElseThrow();
        }
        Path rejectCopy = Files.copy(reject, plugins.resolve("zz-reject-copy.jar"));
        Path pinned = Files.copy(ExamplePlugin.build(dir), plugins.resolve("example-pinned-1.0.0.jar"));
        Path twin = Files.copy(ExamplePlugin.build(dir, "pinned-twin"), plugins.resolve("pinned-twin-1.0.0.jar"));
        Path corrupt = Files.writeString(plugins.resolve("corrupt.jar"), "this is not a jar");
        Path empty = Files.createFile(plugins.resolve("empty.jar"));
        Path classless = plugins.resolve("classless.jar");
        Manifest manifest = new Manifest();
        manifest.getMainAttributes().put(Attributes.Name.MANIFEST_VERSION, "1.0");
        manifest.getMainAttributes().putValue("Plugin-Id", "classless");
        manifest.getMainAttributes().putValue("Plugin-Version", "1.0.0");
        manifest.getMainAttributes().putValue("Plugin-Class", "dev.example.Missing");
        new JarOutputStream(Files.newOutputStream(classless), manifest).close();
        // A library dropped here by mistake: classes, no manifest. It stopped the start with PF4J's
        // NullPointerException until session 52 (found when the ssh plugin's first build lost its manifest).
        Path library = plugins.resolve("some-library.jar");
        try (JarOutputStream out = new JarOutputStream(Files.newOutputStream(library))) {
            out.putNextEntry(new java.util.zip.ZipEntry("dev/example/Helper.class"));
            out.write(new byte[] {(byte) 0xCA, (byte) 0xFE, (byte) 0xBA, (byte) 0xBE});
            out.closeEntry();
        }

        Netns.Result listing = runLauncher("plugins", "--plugins", plugins.toString());
        assertEquals(1, listing.exitCode(), listing.stdout() + listing.stderr());
        Map<Path, String> expected = new LinkedHashMap<>();
        expected.put(corrupt, "not a jar: the file is damaged or not a zip archive (zip END header not found)");
        expected.put(empty, "the file is empty, not a jar");
        expected.put(classless, "the jar contains no classes");
        expected.put(library, "it has no manifest (META-INF/MANIFEST.MF), so it is no plugin; a plugin's manifest"
                + " names its Plugin-Id, Plugin-Version and Plugin-Class");
        expected.put(reject, "plugin id 'reject' is also the id of " + rejectCopy + "; none of them is loaded: keep one");
        expected.put(rejectCopy, "plugin id 'reject' is also the id of " + reject + "; none of them is loaded: keep one");
        expected.put(pinned, "outbound type 'pinned' is also provided by " + twin + "; none of them is loaded: keep one");
        expected.put(twin, "outbound type 'pinned' is also provided by " + pinned + "; none of them is loaded: keep one");
        List<String> failed = listing.stdout().lines().filter(l -> l.contains("FAILED")).toList();
        assertEquals(expected.size(), failed.size(), listing.stdout());
        for (Map.Entry<Path, String> e : expected.entrySet()) {
            assertTrue(failed.contains("  FAILED " + e.getKey() + ": " + e.getValue()), e.getKey() + " in\n" + listing.stdout());
        }
        assertTrue(listing.stdout().contains("direct ") && listing.stdout().contains("socks5 "), listing.stdout());
        // At the default log level nothing else is said: no PF4J stack traces, no second copy of each failure.
        assertEquals("", listing.stderr());
    }

    @Test
    void theExamplePluginCarriesTrafficThroughTheHostDialer() throws Exception {
        String why = Netns.unavailableReason();
        Required.nothingMissing(why);
        Required.nothingMissing(Daemons.missing("curl"));
        Path plugins = packagedPlugins();
        Files.copy(ExamplePlugin.build(dir), plugins.resolve("example-pinned-1.0.0.jar"));
        Path config = dir.resolve("config.yaml");
        Files.writeString(config, String.join("\n",
                "mixed-port: 7891",
                "proxies:",
                "  - {name: sink, type: pinned, server: 127.0.0.1, port: 8080}",
                "rules:",
                "  - DOMAIN-SUFFIX,pinned.test,sink",
                "  - MATCH,REJECT",
                ""));
        try (Netns ns = Netns.create("tplug")) {
            ns.spawn(dir.resolve("http.log"), Daemons.peer("http", "8080"));
            ns.spawn(dir.resolve("turnout.log"), DIST.resolve("bin/turnout").toString(), "run", "-c", config.toString(),
                    "--plugins", plugins.toString(), "--pid-file", dir.resolve("pid").toString());
            ns.awaitTcpPort(7891, Duration.ofSeconds(30));
            ns.awaitTcpPort(8080, Duration.ofSeconds(20));
            Netns.Result r = ns.run(Duration.ofSeconds(30), "curl", "-sS", "--max-time", "10", "--socks5-hostname",
                    "127.0.0.1:7891", "http://anything.pinned.test:1234/x");
            assertEquals(0, r.exitCode(), r.stderr() + MixedPortIT.read(dir.resolve("turnout.log")));
            assertEquals("hello /x from 127.0.0.1\n", r.stdout());
        }
    }

    /**
     * A third party's plugin with bugs (its dial returns no future, throws an error for a class its jar lacks,
     * recurses without end, or hands back a connection on another event loop): before, each left its flow in the
     * table and its application waiting for good, with Netty's stack trace in the log. Now each flow is refused at
     * once with a line naming the outbound, and nothing stays open.
     */
    @Test
    void aFaultyPluginsFlowsEndAtOnceNamingItAndLeaveNothingOpen() throws Exception {
        Required.nothingMissing(Netns.unavailableReason());
        Required.nothingMissing(Daemons.missing("curl"));
        Path plugins = packagedPluginsWithFaulty();
        Map<String, String> faults = new LinkedHashMap<>();
        faults.put("no-future", "returned no future");
        faults.put("missing-class", "threw java.lang.NoClassDefFoundError: com/example/LibraryNotShipped");
        faults.put("endless-recursion", "threw java.lang.StackOverflowError");
        faults.put("other-loop", "gave a connection that is not on the event loop it was asked to use");
        StringBuilder yaml = new StringBuilder("mixed-port: 7891\nexternal-controller: 127.0.0.1:9091\n"
                + "hosts: {'+.test': 127.0.0.1}\nproxies:\n");
        faults.keySet().forEach(f -> yaml.append("  - {name: ").append(f).append(", type: faulty, fault: ").append(f)
                .append("}\n"));
        yaml.append("  - {name: fine, type: faulty, fault: none}\nrules:\n");
        faults.keySet().forEach(f -> yaml.append("  - DOMAIN-SUFFIX,").append(f).append(".test,").append(f).append("\n"));
        yaml.append("  - DOMAIN-SUFFIX,fine.test,fine\n  - MATCH,REJECT\n");
        Path config = dir.resolve("config.yaml");
        Files.writeString(config, yaml);
        Path log = dir.resolve("turnout.log");
        try (Netns ns = Netns.create("tfaulty")) {
            ns.spawn(dir.resolve("http.log"), Daemons.peer("http", "8080"));
            ns.spawn(log, DIST.resolve("bin/turnout").toString(), "run", "-c", config.toString(),
                    "--plugins", plugins.toString(), "--pid-file", dir.resolve("pid").toString());
            ns.awaitTcpPort(7891, Duration.ofSeconds(30));
            ns.awaitTcpPort(9091, Duration.ofSeconds(30));
            ns.awaitTcpPort(8080, Duration.ofSeconds(20));
            for (String fault : faults.keySet()) {
                for (String proxy : List.of("--socks5-hostname", "--proxy")) {
                    long t0 = System.nanoTime();
                    Netns.Result r = ns.run(Duration.ofSeconds(30), "curl", "-sS", "--max-time", "20", "-o", "/dev/null",
                            "-w", "%{http_code}", proxy, (proxy.equals("--proxy") ? "http://" : "") + "127.0.0.1:7891",
                            "http://x." + fault + ".test:8080/");
                    long ms = (System.nanoTime() - t0) / 1_000_000;
                    assertTrue(ms < 10_000, fault + " " + proxy + ": refused at once, not after curl gave up: " + ms + " ms");
                    if (proxy.equals("--proxy")) {
                        assertEquals("502", r.stdout(), fault + ": " + r.stderr());
                    } else {
                        assertEquals(97, r.exitCode(), fault + ": SOCKS5 refused the request: " + r.stderr());
                    }
                }
            }
            String text = MixedPortIT.read(log);
            faults.forEach((fault, what) -> assertTrue(text.contains("failed: outbound '" + fault + "' (type faulty) "
                    + what), fault + " named in the log:\n" + text));
            assertFalse(text.contains("DefaultPromise"), "no listener's stack trace:\n" + text);
            Netns.Result fine = ns.run(Duration.ofSeconds(30), "curl", "-sS", "--max-time", "10", "--socks5-hostname",
                    "127.0.0.1:7891", "http://x.fine.test:8080/ok");
            assertEquals("hello /ok from 127.0.0.1\n", fine.stdout(), fine.stderr());
            Netns.Result open = ns.run(Duration.ofSeconds(30), "curl", "-sS", "--max-time", "10",
                    "http://127.0.0.1:9091/connections");
            assertTrue(open.stdout().contains("\"connections\":[]"), "no flow left open: " + open.stdout());
        }
    }

    /**
     * What a faulty plugin builds, and what it calls its types, is checked where it is loaded: an outbound that is
     * nothing, or that names itself otherwise than the config does, is a problem at the proxy's line; a type named
     * what no config could write fails the plugin in one line. An error a plugin throws while building (a class its
     * jar lacks) is a problem at the line too: before, turnout check ended on its stack trace, exit 1.
     */
    @Test
    void whatAFaultyPluginBuildsAndNamesIsRefusedInPlainWords() throws Exception {
        Path plugins = packagedPluginsWithFaulty();
        Path misnamed = Files.copy(ExamplePlugin.build(dir, "/misnamed-plugin", "misnamed",
                "dev.turnout.misnamed.MisnamedPlugin"), plugins.resolve("misnamed-1.0.0.jar"));
        Netns.Result listing = runLauncher("plugins", "--plugins", plugins.toString());
        assertTrue(listing.stdout().contains("  FAILED " + misnamed + ": its outbound type "
                + "dev.turnout.misnamed.MisnamedPlugin$MisnamedType gives the name 'My Proxy' (a type is lower case "
                + "letters, digits, '.', '_' and '-', at most 32)\n"), listing.stdout());
        assertTrue(listing.stdout().contains("types: faulty"), listing.stdout());
        Path config = dir.resolve("config.yaml");
        Files.writeString(config, String.join("\n",
                "mixed-port: 7891",
                "proxies:",
                "  - {name: nothing, type: faulty, fault: builds-nothing}",
                "  - {name: renamed, type: faulty, fault: another-name}",
                "  - {name: lacking, type: faulty, fault: missing-class-at-build}",
                "rules:",
                "  - MATCH,DIRECT",
                ""));
        Netns.Result check = runLauncher("check", "-c", config.toString(), "--plugins", plugins.toString());
        assertEquals(2, check.exitCode(), check.stdout() + check.stderr());
        assertTrue(check.stderr().contains(config + ":3:5: plugin for type 'faulty' failed to build 'nothing': it built "
                + "nothing (null)"), check.stderr());
        assertTrue(check.stderr().contains(config + ":4:5: plugin for type 'faulty' failed to build 'renamed': it built "
                + "an outbound named 'someone-else'"), check.stderr());
        assertTrue(check.stderr().contains(config + ":5:5: plugin for type 'faulty' failed to build 'lacking': "
                + "java.lang.NoClassDefFoundError: com/example/LibraryNotShipped"), check.stderr());
        assertFalse(check.stderr().contains("\tat "), "no stack trace: " + check.stderr());
    }

    /**
     * A plugin whose create does not return holds turnout check (and run, and a reload, which build the same way) for
     * the bound only: before, check never ended, and a reload held the Reloader's lock for good.
     */
    @Test
    void aCreateThatNeverReturnsFailsCheckAfterTheBoundNamingTheEntryTypeAndJar() throws Exception {
        Path plugins = packagedPluginsWithFaulty();
        Path config = dir.resolve("config.yaml");
        Files.writeString(config, String.join("\n",
                "mixed-port: 7891",
                "proxies:",
                "  - {name: fine, type: faulty, fault: none}",
                "  - {name: stuck, type: faulty, fault: never-built}",
                "rules:",
                "  - MATCH,fine",
                ""));
        Netns.Result check = runLauncher("check", "-c", config.toString(), "--plugins", plugins.toString());
        assertEquals(2, check.exitCode(), check.stdout() + check.stderr());
        assertTrue(check.stderr().contains(config + ":4:5: 'stuck' (type faulty, plugin faulty-1.0.0.jar) was not "
                + "built: its plugin's create had not returned after 30 s"), check.stderr());
    }

    /**
     * A reload that waits for a plugin's create past the bound fails naming it, keeps the running config, and does
     * not hold the next reload: before, the create held the Reloader's lock, so every later SIGHUP and the
     * controller's PUT /configs hung, without a line in the log.
     */
    @Test
    void aReloadThatWaitsForAPluginPast30sFailsNamingItAndThePutConfigsAfterItWorks() throws Exception {
        Required.nothingMissing(Netns.unavailableReason());
        Required.nothingMissing(Daemons.missing("curl"));
        Path plugins = packagedPluginsWithFaulty();
        String fine = String.join("\n",
                "mixed-port: 7891",
                "external-controller: 127.0.0.1:9091",
                "proxies:",
                "  - {name: fine, type: faulty, fault: none}",
                "rules:",
                "  - MATCH,fine",
                "");
        Path config = dir.resolve("config.yaml");
        Files.writeString(config, fine);
        Path log = dir.resolve("turnout.log");
        Path pid = dir.resolve("pid");
        try (Netns ns = Netns.create("tcreatewait")) {
            ns.spawn(log, DIST.resolve("bin/turnout").toString(), "run", "-c", config.toString(),
                    "--plugins", plugins.toString(), "--pid-file", pid.toString());
            ns.awaitTcpPort(9091, Duration.ofSeconds(30));
            Files.writeString(config, fine.replace("rules:", "  - {name: stuck, type: faulty, fault: never-built}\nrules:"));
            assertEquals(0, ns.run(Duration.ofSeconds(10), "kill", "-HUP", Files.readString(pid).trim()).exitCode());
            long deadline = System.nanoTime() + Duration.ofSeconds(90).toNanos();
            while (!MixedPortIT.read(log).contains("reload failed") && System.nanoTime() < deadline) {
                Thread.sleep(200);
            }
            String text = MixedPortIT.read(log);
            assertTrue(text.contains("reload failed, keeping the running config: " + config + ":5:5: 'stuck' (type "
                    + "faulty, plugin faulty-1.0.0.jar) was not built: its plugin's create had not returned after 30 s"),
                    text);
            assertTrue(text.contains("the faulty plugin (faulty-1.0.0.jar) has been building 'stuck' for 10 s and has "
                    + "not returned"), "said while the reload waited:\n" + text);

            Files.writeString(config, fine.replace("MATCH,fine", "MATCH,DIRECT"));
            Api api = new Api(ns, 9091, null);
            long t0 = System.nanoTime();
            Api.Response put = api.call("PUT", "/configs", "{}");
            assertEquals(204, put.status(), put::toString);
            assertTrue(System.nanoTime() - t0 < Duration.ofSeconds(15).toNanos(), "not held by the stuck create");
            deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
            while (!MixedPortIT.read(log).contains("reloaded " + config) && System.nanoTime() < deadline) {
                Thread.sleep(100); // the line may be written a moment after the answer
            }
            assertTrue(MixedPortIT.read(log).contains("reloaded " + config), MixedPortIT.read(log));
        }
    }

    /**
     * A plugin that blocks its event loop in openStream is named while it still does, and the controller's delay
     * tests answer at their timeout, as mihomo's do: before, nothing was said until the call returned, and a test
     * with timeout=3000 of a plugin sleeping 40 s answered a success after 40 s.
     */
    @Test
    void aDialThatBlocksItsLoopIsNamedWhileItDoesAndItsDelayTestsAnswerAtTheirTimeout() throws Exception {
        Required.nothingMissing(Netns.unavailableReason());
        Required.nothingMissing(Daemons.missing("curl"));
        Path plugins = packagedPluginsWithFaulty();
        Path config = dir.resolve("config.yaml");
        Files.writeString(config, String.join("\n",
                "mixed-port: 7891",
                "external-controller: 127.0.0.1:9091",
                "proxies:",
                "  - {name: blocking, type: faulty, fault: blocks-dial}",
                "proxy-groups:",
                "  - {name: g, type: select, proxies: [blocking]}",
                "rules:",
                "  - MATCH,DIRECT",
                ""));
        Path log = dir.resolve("turnout.log");
        try (Netns ns = Netns.create("tblockdial")) {
            ns.spawn(log, DIST.resolve("bin/turnout").toString(), "run", "-c", config.toString(),
                    "--plugins", plugins.toString(), "--pid-file", dir.resolve("pid").toString());
            ns.awaitTcpPort(9091, Duration.ofSeconds(30));
            Api api = new Api(ns, 9091, null);
            long t0 = System.nanoTime();
            Api.Response proxy = api.get("/proxies/blocking/delay?url=http://127.0.0.1:9/&timeout=1000");
            long proxyMillis = (System.nanoTime() - t0) / 1_000_000;
            assertEquals(504, proxy.status(), proxy::toString);
            assertTrue(proxy.body().contains("Timeout"), proxy.body());
            assertTrue(proxyMillis < 6_000, "answered at its timeout, not when the plugin returned: " + proxyMillis);
            long deadline = System.nanoTime() + Duration.ofSeconds(6).toNanos();
            while (!MixedPortIT.read(log).contains("outbound 'blocking' (type faulty) has kept thread")
                    && System.nanoTime() < deadline) {
                Thread.sleep(100);
            }
            String text = MixedPortIT.read(log);
            assertTrue(text.contains("outbound 'blocking' (type faulty) has kept thread ")
                    && text.contains("in its dial and has not returned"), "named while it blocks:\n" + text);

            t0 = System.nanoTime();
            Api.Response group = api.get("/group/g/delay?url=http://127.0.0.1:9/&timeout=1000");
            long groupMillis = (System.nanoTime() - t0) / 1_000_000;
            assertEquals(504, group.status(), group::toString);
            assertTrue(groupMillis < 6_000, "answered soon after its timeout: " + groupMillis);
        }
    }

    /** A plugins folder in the test's folder holding copies of the packaged plugins, as a user's would. */
    /** {@link #packagedPlugins()} and the faulty test plugin beside them, whose entries' {@code fault} picks a bug. */
    private Path packagedPluginsWithFaulty() throws Exception {
        Path plugins = packagedPlugins();
        Files.copy(ExamplePlugin.build(dir, "/faulty-plugin", "faulty", "dev.turnout.faulty.FaultyPlugin"),
                plugins.resolve("faulty-1.0.0.jar"));
        return plugins;
    }

    private Path packagedPlugins() throws java.io.IOException {
        Path plugins = Files.createDirectories(dir.resolve("plugins"));
        try (DirectoryStream<Path> jars = Files.newDirectoryStream(DIST.resolve("plugins"), "*.jar")) {
            for (Path jar : jars) {
                Files.copy(jar, plugins.resolve(jar.getFileName()));
            }
        }
        return plugins;
    }

    private static long jarsIn(Path folder) throws java.io.IOException {
        try (Stream<Path> s = Files.list(folder)) {
            return s.filter(p -> p.toString().endsWith(".jar")).count();
        }
    }

    static Netns.Result runLauncher(String... args) throws Exception {
        return runLauncher(Map.of(), args);
    }

    /** As {@link #runLauncher(String...)}, with {@code env} added to the launcher's environment. */
    static Netns.Result runLauncher(Map<String, String> env, String... args) throws Exception {
        return runLauncher(DIST.resolve("bin/turnout"), env, args);
    }

    /** As {@link #runLauncher(Map, String...)}, with another copy's {@code launcher}. */
    static Netns.Result runLauncher(Path launcher, Map<String, String> env, String... args) throws Exception {
        String[] cmd = new String[args.length + 1];
        cmd[0] = launcher.toString();
        System.arraycopy(args, 0, cmd, 1, args.length);
        Path out = Files.createTempFile("launcher", ".out");
        Path err = Files.createTempFile("launcher", ".err");
        try {
            ProcessBuilder pb = new ProcessBuilder(cmd).redirectOutput(out.toFile()).redirectError(err.toFile());
            pb.environment().putAll(env);
            Process p = pb.start();
            if (!p.waitFor(60, java.util.concurrent.TimeUnit.SECONDS)) {
                p.destroyForcibly();
                return new Netns.Result(-1, Files.readString(out), "timed out");
            }
            return new Netns.Result(p.exitValue(), Files.readString(out), Files.readString(err));
        } finally {
            Files.deleteIfExists(out);
            Files.deleteIfExists(err);
        }
    }
}
