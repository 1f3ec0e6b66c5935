package dev.turnout.dist;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.turnout.dist.controller.Api;
import dev.turnout.dist.testing.Netns;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The packaged launcher with the flags Clash and mihomo users type: -d, -f, -t, -v, -ext-ctl, -ext-ui, -secret. */
class CliIT {

    static final Path DIST = Path.of(System.getProperty("turnout.dist"));

    @TempDir
    Path dir;

    /** The launcher with {@code environment} ({@code NAME=VALUE}) added, from {@code cwd}, bounded. */
    private static Netns.Result launch(Path cwd, List<String> environment, String... args) throws Exception {
        List<String> cmd = new ArrayList<>(List.of(DIST.resolve("bin/turnout").toString()));
        cmd.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(cmd).directory(cwd.toFile());
        for (String e : environment) {
            pb.environment().put(e.substring(0, e.indexOf('=')), e.substring(e.indexOf('=') + 1));
        }
        Path out = Files.createTempFile("i13-cli-launch", ".out");
        Path err = Files.createTempFile("i13-cli-launch", ".err");
        try {
            Process p = pb.redirectOutput(out.toFile()).redirectError(err.toFile()).start();
            if (!p.waitFor(60, TimeUnit.SECONDS)) {
                p.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
                return new Netns.Result(-1, Files.readString(out), "timed out");
            }
            return new Netns.Result(p.exitValue(), Files.readString(out), Files.readString(err));
        } finally {
            Files.deleteIfExists(out);
            Files.deleteIfExists(err);
        }
    }

    /** A home folder as Clash has one: config.yaml naming a provider by a path relative to the folder. */
    private static Path home(Path home, int mixedPort, String controller) throws Exception {
        Files.createDirectories(home.resolve("rules"));
        Files.writeString(home.resolve("rules/local.list"), "DOMAIN-SUFFIX,local.test\nDOMAIN,other.test\n");
        Files.writeString(home.resolve("config.yaml"), String.join("\n",
                "mixed-port: " + mixedPort,
                controller == null ? "" : "external-controller: " + controller,
                "rule-providers:",
                "  local: {type: file, behavior: classical, format: text, path: ./rules/local.list}",
                "rules:",
                "  - RULE-SET,local,REJECT",
                "  - MATCH,DIRECT", ""));
        return home;
    }

    @Test
    void minusVPrintsTheVersion() throws Exception {
        Netns.Result r = launch(dir, List.of(), "-v");
        assertEquals(0, r.exitCode(), r.stderr());
        assertTrue(r.stdout().startsWith("turnout "), r.stdout());
    }

    @Test
    void minusTTestsTheConfigAndExitsZeroOrOne() throws Exception {
        Path good = home(dir.resolve("h"), 7890, null).resolve("config.yaml");
        Netns.Result ok = launch(dir, List.of(), "-t", "-f", good.toString());
        assertEquals(0, ok.exitCode(), ok.stdout() + ok.stderr());
        assertTrue(ok.stdout().contains("loaded from " + dir.resolve("h/rules/local.list")) && ok.stdout().endsWith("OK\n"),
                ok.stdout());
        Path bad = Files.writeString(dir.resolve("bad.yaml"), "mixed-port: 7890\nrules:\n  - MATCH,NOWHERE\n");
        Netns.Result refused = launch(dir, List.of(), "-t", "-f", bad.toString());
        assertEquals(1, refused.exitCode(), refused.stdout() + refused.stderr());
        assertTrue(refused.stderr().contains(bad + ":3:5: unknown target 'NOWHERE'"), refused.stderr());
    }

    /**
     * A controller run refuses is refused by check and -t too, at the key's place: a key of {@code tls:} that cannot be
     * used (a SEC1 EC key, which the README says is refused), a Unix socket's path holding a plain file, which is left
     * as it is. Before, check said OK and run exited 2 (readme tester F5).
     */
    @Test
    void checkAndMinusTRefuseAControllerRunRefuses() throws Exception {
        Path key = Files.writeString(dir.resolve("key.pem"), "-----BEGIN EC PRIVATE KEY-----\n"
                + "MHcCAQEEIBkg4LVWM9nuwNSk3yByxZpYRTBnVJk5oLj7h8dT5/MvoAoGCCqGSM49\n-----END EC PRIVATE KEY-----\n");
        Path cert = Files.writeString(dir.resolve("cert.pem"), "-----BEGIN CERTIFICATE-----\nMIIB\n"
                + "-----END CERTIFICATE-----\n");
        Path tls = Files.writeString(dir.resolve("tls.yaml"), "mixed-port: 17890\nexternal-controller-tls: "
                + "127.0.0.1:19443\ntls: {certificate: " + cert + ", private-key: " + key + "}\nrules:\n  - MATCH,DIRECT\n");
        Netns.Result r = launch(dir, List.of(), "check", "-f", tls.toString());
        assertEquals(2, r.exitCode(), r.stdout() + r.stderr());
        assertTrue(r.stderr().contains(tls + ":2:") && r.stderr().contains("external-controller-tls: the certificate "
                + "and key of 'tls:' cannot be used"), r.stderr());
        assertEquals(1, launch(dir, List.of(), "-t", "-f", tls.toString()).exitCode());

        Path file = Files.writeString(dir.resolve("existing.sock"), "not a socket");
        Path unix = Files.writeString(dir.resolve("unix.yaml"), "mixed-port: 17890\nexternal-controller-unix: " + file
                + "\nrules:\n  - MATCH,DIRECT\n");
        r = launch(dir, List.of(), "check", "-f", unix.toString());
        assertEquals(2, r.exitCode(), r.stdout() + r.stderr());
        assertTrue(r.stderr().contains(unix + ":2:") && r.stderr().contains(file + " exists and is not a socket"),
                r.stderr());
        assertEquals(1, launch(dir, List.of(), "-t", "-f", unix.toString()).exitCode());
        assertEquals("not a socket", Files.readString(file));
    }

    @Test
    void minusDAloneReadsTheHomeFoldersConfigAndResolvesRelativePathsThere() throws Exception {
        Path home = home(dir.resolve("clash-home"), 7890, null);
        // From another folder, with -d relative to it, as `clash -d .` users do.
        Netns.Result r = launch(dir, List.of(), "-t", "-d", "clash-home");
        assertEquals(0, r.exitCode(), r.stdout() + r.stderr());
        assertTrue(r.stderr().contains("using " + home.resolve("config.yaml") + " (-d " + home + ")"), r.stderr());
        assertTrue(r.stdout().contains("loaded from " + home.resolve("rules/local.list")), r.stdout());
    }

    @Test
    void withoutFlagsTurnoutsXdgFolderComesFirstThenClashsThenTheBuiltIn() throws Exception {
        Path userHome = Files.createDirectories(dir.resolve("user"));
        Path xdg = Files.createDirectories(dir.resolve("xdg"));
        List<String> env = List.of("HOME=" + userHome, "XDG_CONFIG_HOME=" + xdg);
        Netns.Result none = launch(dir, env, "-t");
        assertEquals(0, none.exitCode(), none.stdout() + none.stderr());
        assertTrue(none.stderr().contains("exists: using the built-in default"), none.stderr());
        assertTrue(none.stdout().contains("config: (built-in default)"), none.stdout());

        home(userHome.resolve(".config/clash"), 7890, null);
        Netns.Result clash = launch(dir, env, "-t");
        assertEquals(0, clash.exitCode(), clash.stdout() + clash.stderr());
        assertTrue(clash.stderr().contains("using " + userHome.resolve(".config/clash/config.yaml")), clash.stderr());
        assertTrue(clash.stdout().contains("loaded from " + userHome.resolve(".config/clash/rules/local.list")), clash.stdout());

        home(xdg.resolve("turnout"), 7890, null);
        Netns.Result own = launch(dir, env, "-t");
        assertEquals(0, own.exitCode(), own.stdout() + own.stderr());
        assertTrue(own.stderr().contains("using " + xdg.resolve("turnout/config.yaml")), own.stderr());
    }

    @Test
    void runsFromAHomeFolderWithTheControllerOverriddenOnTheCommandLine() throws Exception {
        Netns.assumeUsable("curl");
        Path home = home(dir.resolve("run-home"), 7895, "127.0.0.1:9195");
        Files.createDirectories(home.resolve("dash"));
        Files.writeString(home.resolve("dash/index.html"), "<title>dash</title>");
        try (Netns ns = Netns.create("tcli")) {
            Process p = ns.spawn(dir.resolve("run.log"), DIST.resolve("bin/turnout").toString(), "-d", home.toString(),
                    "-ext-ctl", "0.0.0.0:9196", "-secret", "s3", "-ext-ui", "dash",
                    "--pid-file", dir.resolve("run.pid").toString());
            try {
                ns.awaitTcpPort(9196, Duration.ofSeconds(30));
                String listening = ns.run(Duration.ofSeconds(5), "ss", "-Htln").stdout();
                assertTrue(listening.contains("*:9196") && !listening.contains(":9195"), listening);
                Api api = new Api(ns, 9196, "s3");
                assertEquals(401, api.anonymous().get("/version").status());
                // The provider's relative path resolved in the home folder: its two entries are there.
                assertTrue(api.get("/providers/rules").body().contains("\"ruleCount\":2"), api.get("/providers/rules").body());
                assertEquals("<title>dash</title>", api.anonymous().get("/ui/").body());
                String log = Files.readString(dir.resolve("run.log"));
                assertTrue(log.contains("using " + home.resolve("config.yaml")), log);
                // Found through -d, not named by -c: 'reload' still knows the process for the lock's holder.
                Netns.Result reload = ns.run(Duration.ofSeconds(30), DIST.resolve("bin/turnout").toString(), "reload",
                        "--pid-file", dir.resolve("run.pid").toString());
                assertEquals(0, reload.exitCode(), reload.stdout() + reload.stderr());
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(15);
                while (!Files.readString(dir.resolve("run.log")).contains("reloaded " + home.resolve("config.yaml"))
                        && System.nanoTime() < deadline) {
                    Thread.sleep(100);
                }
                assertTrue(Files.readString(dir.resolve("run.log")).contains("reloaded " + home.resolve("config.yaml")),
                        Files.readString(dir.resolve("run.log")));
            } finally {
                p.destroy();
                p.waitFor(10, TimeUnit.SECONDS);
            }
            // A stop by SIGTERM that went well is a success, for systemd as for mihomo's users.
            assertEquals(0, p.exitValue());
        }
    }
}
