package dev.turnout.dist;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.turnout.dist.testing.Daemons;
import dev.turnout.dist.testing.Netns;
import java.io.BufferedWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * What the packaged Turnout refuses, and how: {@code check} refuses exactly what {@code run} refuses, with the
 * same message, listing every problem at once; an oversized or undecodable file is one clear line; and a reload
 * of such a file leaves the running instance, and a download through it, alone.
 */
class ConfigRefusalIT {

    static final Path DIST = Path.of(System.getProperty("turnout.dist"));
    static final String TURNOUT = DIST.resolve("bin/turnout").toString();

    @TempDir
    Path dir;

    private Path write(String name, String yaml) throws Exception {
        Path file = dir.resolve(name);
        Files.writeString(file, yaml.replace("|", "\n") + "\n");
        return file;
    }

    /** {@code turnout run} on {@code config} in a fresh namespace: it must stop on its own, having opened nothing. */
    private Netns.Result runRefused(Path config) throws Exception {
        try (Netns ns = Netns.create("trefuse")) {
            Netns.Result run = ns.run(Duration.ofSeconds(60), TURNOUT, "run", "-c", config.toString(),
                    "--pid-file", dir.resolve("pid").toString());
            assertEquals(0, ns.run(Duration.ofSeconds(5), "ss", "-Htlnu").stdout().lines().count(), "something listens");
            return run;
        }
    }

    /**
     * A port another program holds (the commonest: a second proxy on 7890, systemd-resolved on 53) is a refusal
     * that names the setting, its line and column and the kernel's reason; whatever was bound before it, the DNS
     * server's UDP side on the same port included, is closed again.
     */
    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiterString = " ~ ", value = {
        "mixed-port ~ 7890 ~ mixed-port: 7890 ~ :1:13: mixed-port cannot listen on 127.0.0.1:7890: ",
        "dns.listen ~ 1053 ~ mixed-port: 7891|dns:|  enable: true|  listen: 127.0.0.1:1053|  nameserver: [127.0.0.1]"
                + " ~ :4:11: dns.listen cannot listen on 127.0.0.1:1053: ",
    })
    void aPortAnotherProgramHoldsIsRefusedWithItsSettingAndNothingStaysOpen(String name, int port, String yaml,
                                                                            String expected) throws Exception {
        Netns.assumeUsable();
        Path config = write("c.yaml", yaml);
        try (Netns ns = Netns.create("theld")) {
            ns.spawn(dir.resolve("holder.log"), Daemons.peer("http", Integer.toString(port)));
            ns.awaitTcpPort(port, Duration.ofSeconds(15));
            Netns.Result run = ns.run(Duration.ofSeconds(60), TURNOUT, "run", "-c", config.toString(),
                    "--pid-file", dir.resolve("pid").toString());
            assertEquals(2, run.exitCode(), run.stdout() + run.stderr());
            String line = "turnout: " + config + expected;
            String last = run.stderr().strip().lines().reduce((a, b) -> b).orElse("");
            assertTrue(last.startsWith(line) && last.endsWith("Address already in use"), run.stderr());
            String open = ns.run(Duration.ofSeconds(5), "ss", "-Htlnu").stdout().strip();
            assertEquals(1, open.lines().count(), "only the holder listens:\n" + open);
            assertTrue(open.startsWith("tcp") && open.contains(":" + port), open);
        }
    }

    /**
     * A refused config opens nothing, the DNS listener included (the lifecycle tester's F10: "DNS server listening on
     * 127.0.0.1:1053" came before the refusal of a malformed rule, and the socket answered meanwhile).
     */
    @Test
    void aRefusedConfigNeverOpensTheDnsListener() throws Exception {
        Netns.assumeUsable();
        Path config = write("c.yaml", "mixed-port: 7891|dns:|  enable: true|  listen: 127.0.0.1:1053|  enhanced-mode: fake-ip"
                + "|  nameserver: [127.0.0.1]|rules:|  - DOMAIN,x|  - MATCH,DIRECT");
        Netns.Result run = runRefused(config);
        assertEquals(2, run.exitCode(), run.stdout() + run.stderr());
        assertTrue(run.stderr().contains("malformed rule"), run.stderr());
        assertFalse((run.stdout() + run.stderr()).contains("DNS server listening"), run.stdout() + run.stderr());
    }

    /** TUN mode without the right to open a TUN is one line saying so, no stack trace or exception class. */
    @Test
    void aTunWithoutTheRightToOpenOneIsRefusedInOneLine() throws Exception {
        Netns.assumeUsable("setpriv");
        Path home = Files.createDirectories(dir.resolve("home"));
        Path config = Files.writeString(home.resolve("config.yaml"),
                "mixed-port: 7890\ntun:\n  enable: true\n  auto-route: true\n  auto-detect-interface: true\n");
        for (Path p : new Path[] {dir, home, config}) {
            Files.setPosixFilePermissions(p, java.nio.file.attribute.PosixFilePermissions.fromString("rwxrwxrwx"));
        }
        try (Netns ns = Netns.create("tpriv")) {
            Netns.Result run = ns.run(Duration.ofSeconds(60), "env", "HOME=" + home, "setpriv", "--reuid=nobody",
                    "--regid=nogroup", "--clear-groups", TURNOUT, "run", "-d", home.toString());
            assertEquals(1, run.exitCode(), run.stdout() + run.stderr());
            String last = run.stderr().strip().lines().reduce((a, b) -> b).orElse("");
            // (Opening /dev/net/tun fails where it is root's alone, as here; creating the device where it is not.)
            assertTrue(last.startsWith("turnout: cannot start: cannot start the TUN: ")
                    && last.endsWith("; root or CAP_NET_ADMIN needed"), run.stderr());
            assertEquals(0, ns.run(Duration.ofSeconds(5), "ss", "-Htlnu").stdout().lines().count(), "something listens");
        }
    }

    /** A tun.device name another kind of device has: said so, where the kernel's EINVAL said nothing. */
    @Test
    void aTunDeviceNameAnotherDeviceHasIsRefusedSayingSo() throws Exception {
        Netns.assumeUsable();
        Path config = write("c.yaml", "mixed-port: 7890|tun:|  enable: true|  device: tveth0|  auto-route: false");
        try (Netns ns = Netns.create("ttaken")) {
            Netns.Result veth = ns.run(Duration.ofSeconds(10), "ip", "link", "add", "tveth0", "type", "veth",
                    "peer", "name", "tveth1");
            assertEquals(0, veth.exitCode(), veth.stderr());
            Netns.Result run = ns.run(Duration.ofSeconds(60), TURNOUT, "run", "-c", config.toString(),
                    "--pid-file", dir.resolve("pid").toString());
            assertEquals(1, run.exitCode(), run.stdout() + run.stderr());
            String last = run.stderr().strip().lines().reduce((a, b) -> b).orElse("");
            assertEquals("turnout: cannot start: cannot start the TUN: a network device named tveth0 exists and is "
                    + "not a TUN: choose another tun.device", last, run.stderr());
            assertFalse(run.stdout().contains("multi-queue") || run.stderr().contains("multi-queue"), run.stderr());
        }
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiterString = " ~ ", value = {
        "fake-ip-range ~ dns:|  enable: true|  enhanced-mode: fake-ip|  fake-ip-range: 198.18.0.1/99 ~ :5:18: dns: prefix /99 out of range",
        "tun address ~ tun:|  enable: true|  inet4-address: notanip ~ :4:18: 'inet4-address' must be an address with a prefix",
        "controller without port ~ external-controller: abc ~ :2:22: external-controller 'abc' needs HOST:PORT",
    })
    void checkRefusesWhatRunRefusesWithTheSameMessage(String name, String yaml, String expected) throws Exception {
        Path config = write("c.yaml", "mixed-port: 7890|" + yaml);
        Netns.Result check = PluginsIT.runLauncher("check", "-c", config.toString());
        assertEquals(2, check.exitCode(), check.stdout() + check.stderr());
        assertEquals("turnout: " + config + expected, check.stderr().strip().substring(0, ("turnout: " + config + expected).length()),
                check.stderr());
        Netns.assumeUsable();
        Netns.Result run = runRefused(config);
        assertEquals(2, run.exitCode(), run.stdout() + run.stderr());
        assertTrue(run.stderr().contains(check.stderr().strip()), "run: " + run.stderr() + "\ncheck: " + check.stderr());
    }

    /**
     * A refused start leaves the config's folder as it was: the fake-IP cache is written at start (so that a disk
     * that refuses it is said then) and a rule provider's download makes its folder, but neither stays.
     */
    @Test
    void aRefusedStartLeavesTheConfigsFolderAsItWas() throws Exception {
        Netns.assumeUsable();
        Path home = Files.createDirectory(dir.resolve("home"));
        Path config = home.resolve("config.yaml");
        Files.writeString(config, String.join("\n",
                "mixed-port: 7890",
                "dns: {enable: true, listen: '127.0.0.1:1053', enhanced-mode: fake-ip, nameserver: [192.0.2.53]}",
                "profile: {store-fake-ip: true}",
                "rule-providers:",
                "  r: {type: http, behavior: domain, url: 'http://192.0.2.1/r.yaml', path: ./ruleset/r.yaml}",
                "rules:",
                "  - RULE-SET,r,DIRECT",
                "  - DOMAIN,a.test,NOPE",
                "  - MATCH,DIRECT") + "\n");
        Netns.Result run = runRefused(config);
        assertEquals(2, run.exitCode(), run.stdout() + run.stderr());
        assertTrue(run.stderr().contains(":8:5: unknown target 'NOPE'"), run.stderr());
        try (var left = Files.list(home)) {
            assertEquals(java.util.List.of("config.yaml"), left.map(p -> p.getFileName().toString()).sorted().toList(),
                    "what the folder holds after the refusal\n" + run.stdout() + run.stderr());
        }
    }

    @Test
    void aRuleProviderWhoseFileIsMissingIsNotAProblemButTheRulesProblemsAre() throws Exception {
        // mihomo's documented config names a provider file that is not there: mihomo logs it and goes on, as Turnout
        // now does (a note, the provider empty); the rules' own problems are still problems.
        Path config = write("c.yaml", String.join("|",
                "mixed-port: 7890",
                "rule-providers:",
                "  p: {type: file, behavior: domain, path: ./nope.yaml}",
                "rules:",
                "  - RULE-SET,p,DIRECT",
                "  - DOMAIN,a.test,NOPE",
                "  - MATCH,DIRECT"));
        Netns.Result check = PluginsIT.runLauncher("check", "-c", config.toString());
        assertEquals(2, check.exitCode(), check.stdout() + check.stderr());
        String c = config.toString();
        assertEquals("turnout: " + c + ":6:5: unknown target 'NOPE': no proxy, group, DIRECT or REJECT has that name\n",
                check.stderr());
        Files.writeString(config, Files.readString(config).replace("  - DOMAIN,a.test,NOPE\n", ""));
        Netns.Result fixed = PluginsIT.runLauncher("check", "-c", config.toString());
        assertEquals(0, fixed.exitCode(), fixed.stdout() + fixed.stderr());
        assertTrue(fixed.stdout().contains("  p                        file   domain    no file at "
                + config.getParent().resolve("nope.yaml")), fixed.stdout());
        assertTrue(fixed.stdout().contains(c + ":3:6: provider 'p': file " + config.getParent().resolve("nope.yaml")
                + " does not exist; its rules match nothing until it is there and read again"), fixed.stdout());
    }

    /**
     * What real configs and subscriptions hold that mihomo loads and Turnout refused: a second YAML document (the
     * config's, a file provider's), a file provider that does not read, VLESS encryption, {@code authentication: [""]}
     * and a socks5 or http node with a password alone. The packaged check takes the config, says each at its place,
     * and leaves out only what it cannot use.
     */
    @Test
    void aConfigMihomoLoadsIsTakenWithAWarningForWhatIsLeftOut() throws Exception {
        Netns.assumeUsable();
        write("sub.txt", "proxies:|  - {name: f, type: socks5, server: 192.0.2.4, port: 1080}|---|proxies: [");
        write("broken.yaml", "proxies:|  - {name: b, type: socks5");
        Path config = write("c.yaml", String.join("|",
                "mixed-port: 7890",
                "authentication: [\"\"]",
                "proxies:",
                "  - {name: v, type: vless, server: 192.0.2.1, port: 443, uuid: b831381d-6324-4d53-ad4f-8cda48b30811,"
                        + " encryption: mlkem768x25519plus.native.0rtt.AAAA}",
                "  - {name: s, type: socks5, server: 192.0.2.2, port: 1080, password: p}",
                "  - {name: h, type: http, server: 192.0.2.3, port: 3128, password: p}",
                "proxy-providers:",
                "  free: {type: file, path: ./sub.txt}",
                "  broken: {type: file, path: ./broken.yaml}",
                "proxy-groups:",
                "  - {name: G, type: select, proxies: [v, s, h], use: [free, broken]}",
                "rules:",
                "  - MATCH,G",
                "---",
                "mixed-port: ["));
        String c = config.toString();
        try (Netns ns = Netns.create("tmihomo")) {
            Netns.Result check = ns.run(Duration.ofSeconds(60), TURNOUT, "check", "-c", c);
            assertEquals(0, check.exitCode(), check.stdout() + check.stderr());
            String out = check.stdout();
            for (String said : new String[] {
                c + ":14:1: a second YAML document begins here; only the first is read",
                dir.resolve("sub.txt") + ":3:1: a second YAML document begins here; only the first is read",
                c + ":2:18: this 'authentication' entry has no ':', so it is not a login",
                c + ":2:17: 'authentication' has no login left: the proxy ports ask nobody for a password",
                "'encryption: mlkem768x25519plus...' (VLESS encryption) is not implemented by the vless plugin",
                "'password' is not used without a 'username': no credentials are sent",
                "'password' is not used without a 'username': no Proxy-Authorization is sent",
                c + ":9:11: proxy provider 'broken': file " + dir.resolve("broken.yaml") + " cannot be read as a provider ("
                        + dir.resolve("broken.yaml") + ":3:1: invalid YAML: ",
                "its file at " + dir.resolve("broken.yaml") + " cannot be read",
                "1 node from " + dir.resolve("sub.txt"),
            }) {
                assertTrue(out.contains(said), said + "\n" + out);
            }
            assertTrue(out.lines().anyMatch(l -> l.startsWith("  G ") && l.contains("s, h, f")), out);
        }
    }

    @Test
    void aRefusedGroupIsReportedOnceNotAgainByEveryGroupAndRuleThatNamesIt() throws Exception {
        // refined-fish/clash_rule_fish's template: seven groups of a fork's type 'smart', named by 86 groups and rules.
        Path config = write("c.yaml", String.join("|",
                "mixed-port: 7890",
                "template: &smart {type: smart, include-all: true}",
                "proxy-groups:",
                "  - {name: HK, <<: *smart}",
                "  - {name: AI, type: select, proxies: [HK, DIRECT]}",
                "  - {name: Media, type: select, proxies: [HK, nope]}",
                "rules:",
                "  - DOMAIN,a.test,HK",
                "  - MATCH,AI"));
        Netns.Result check = PluginsIT.runLauncher("check", "-c", config.toString());
        assertEquals(2, check.exitCode(), check.stdout() + check.stderr());
        String c = config.toString();
        assertEquals(String.join("\n",
                "turnout: 2 problems in the config:",
                "  " + c + ":2:25: group 'HK': unknown group type 'smart'; expected one of select, url-test, fallback,"
                        + " load-balance, relay (smart is a mihomo fork's; mihomo itself refuses it too)",
                "  " + c + ":6:5: group 'Media' names 'nope', which is neither an outbound nor a group",
                ""), check.stderr());
    }

    @Test
    void oneCheckListsEveryProblemAndRunListsTheSame() throws Exception {
        // 'mode' is refused while the YAML is read, the others only when the config is built: one run lists both.
        Path config = write("c.yaml", String.join("|",
                "mixed-port: 7890",
                "mode: sideways",
                "external-controller: 0.0.0.0:abc",
                "tun: {enable: true, inet4-address: notanip}",
                "proxies:",
                "  - {name: v, type: hystria2, server: 192.0.2.1, port: 443}",
                "  - {name: s, type: socks5, server: 192.0.2.1, port: 99999}",
                "rules:",
                "  - URL-REGEX,^http://x,DIRECT",
                "  - DOMAIN,a.test,NOPE",
                "  - MATCH,v"));
        Netns.Result check = PluginsIT.runLauncher("check", "-c", config.toString());
        assertEquals(2, check.exitCode(), check.stdout() + check.stderr());
        String c = config.toString();
        assertEquals(String.join("\n",
                "turnout: 7 problems in the config:",
                "  " + c + ":2:7: 'mode' must be rule, global or direct, got 'sideways'",
                "  " + c + ":4:36: 'inet4-address' must be an address with a prefix such as 198.18.0.1/30, got 'notanip'",
                "  " + c + ":3:22: external-controller '0.0.0.0:abc' has no valid port",
                "  " + c + ":6:21: unknown outbound type 'hystria2' for 'v'; available types: direct, dns, http, reject, reject-drop, socks5, ss, ssh, trojan, vless, vmess",
                "  " + c + ":7:54: 'port' must be a port from 1 to 65535, got 99999",
                "  " + c + ":9:5: unsupported rule type 'URL-REGEX'",
                "  " + c + ":10:5: unknown target 'NOPE': no proxy, group, DIRECT or REJECT has that name",
                ""), check.stderr());
        Netns.assumeUsable();
        Netns.Result run = runRefused(config);
        assertEquals(2, run.exitCode(), run.stdout() + run.stderr());
        assertTrue(run.stderr().contains(check.stderr()), "run: " + run.stderr() + "\ncheck: " + check.stderr());
    }

    @Test
    void aConfigThatIsNotUtf8IsNamedWithItsLineAndByteOffset() throws Exception {
        Path config = dir.resolve("latin1.yaml");
        Files.write(config, "mixed-port: 7890\nrules:\n  - DOMAIN,caf\u00e9.test,DIRECT\n".getBytes(StandardCharsets.ISO_8859_1));
        Netns.Result check = PluginsIT.runLauncher("check", "-c", config.toString());
        assertEquals(2, check.exitCode(), check.stdout() + check.stderr());
        assertEquals("turnout: " + config + ":3:15: not UTF-8: byte 0xE9 at offset 38 cannot be decoded; save it as UTF-8\n",
                check.stderr());
    }

    /** 1.6 million DOMAIN rules, 67 MB: what the report sent. */
    private Path oversized(String name) throws Exception {
        Path file = dir.resolve(name);
        try (BufferedWriter out = Files.newBufferedWriter(file)) {
            out.write("mixed-port: 7890\nrules:\n");
            for (int i = 0; i < 1_600_000; i++) {
                out.write("  - DOMAIN,host" + i + ".example.com,DIRECT\n");
            }
            out.write("  - MATCH,DIRECT\n");
        }
        return file;
    }

    private static String tooLarge(Path file) throws Exception {
        return file + ": the config is " + String.format(java.util.Locale.ROOT, "%,d", Files.size(file))
                + " bytes; the limit is 4,194,304 (4 MiB), refused";
    }

    @Test
    void anOversizedConfigIsRefusedByCheckAndRunInOneLine() throws Exception {
        Path big = oversized("big.yaml");
        Netns.Result check = PluginsIT.runLauncher("check", "-c", big.toString());
        assertEquals(2, check.exitCode(), check.stdout() + check.stderr());
        assertEquals("turnout: " + tooLarge(big) + "\n", check.stderr());
        Netns.assumeUsable();
        Netns.Result run = runRefused(big);
        assertEquals(2, run.exitCode(), run.stdout() + run.stderr());
        assertEquals("turnout: " + tooLarge(big) + "\n", run.stderr());
    }

    @Test
    void anOversizedReloadKeepsTheRunningRoutingAndALiveDownload() throws Exception {
        Netns.assumeUsable("curl");
        Path config = write("config.yaml", "mixed-port: 7890|log-level: info|rules:|  - DOMAIN,probe.test,REJECT|  - MATCH,DIRECT");
        Path big = oversized("big.yaml");
        Path log = dir.resolve("turnout.log");
        Path pid = dir.resolve("turnout.pid");
        int chunks = 200;
        try (Netns ns = Netns.create("tbigreload")) {
            ns.hosts(Map.of("probe.test", "127.0.0.1", "stream.test", "127.0.0.1"));
            Process stream = ReloadIT.streamThroughTurnout(ns, dir, log, config, pid, chunks, 50,
                    "--socks5-hostname", "127.0.0.1:7890", "http://stream.test:8081/");
            Path body = dir.resolve("stream.bin");
            Files.move(big, config, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
            Netns.Result reload = ns.run(Duration.ofSeconds(30), TURNOUT, "reload", "--pid-file", pid.toString());
            assertEquals(0, reload.exitCode(), reload.stderr());
            long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
            while (!MixedPortIT.read(log).contains("reload failed") && System.nanoTime() < deadline) {
                Thread.sleep(100);
            }
            String text = MixedPortIT.read(log);
            assertTrue(text.contains("reload failed, keeping the running config: " + tooLarge(config) + "\n"), text);
            assertFalse(text.contains("OutOfMemoryError"), text);
            // The old routing stays: probe.test is still refused, everything else still goes DIRECT.
            Netns.Result probe = ns.run(Duration.ofSeconds(30), "curl", "-sS", "--max-time", "5",
                    "--socks5-hostname", "127.0.0.1:7890", "http://probe.test:8080/probe");
            assertNotEquals(0, probe.exitCode(), "probe.test should still be rejected: " + probe.stdout());
            Netns.Result other = ns.run(Duration.ofSeconds(30), "curl", "-sS", "--max-time", "5",
                    "--socks5-hostname", "127.0.0.1:7890", "http://stream.test:8080/other");
            assertEquals(0, other.exitCode(), other.stderr() + MixedPortIT.read(log));
            ReloadIT.hurry(dir);
            assertTrue(stream.waitFor(90, TimeUnit.SECONDS), "the download did not finish");
            assertEquals(0, stream.exitValue(), MixedPortIT.read(dir.resolve("stream.log")));
            assertEquals(chunks * 1024L, Files.size(body), "the download lost bytes");
        }
    }
}
