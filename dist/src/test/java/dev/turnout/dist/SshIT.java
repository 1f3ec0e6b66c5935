package dev.turnout.dist;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.turnout.api.testing.OpenSsh;
import dev.turnout.api.testing.Required;
import dev.turnout.dist.testing.Daemons;
import dev.turnout.dist.testing.Netns;
import dev.turnout.dist.testing.ScratchDir;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * The {@code ssh} plugin end to end, as mihomo's users write it for their own VPS: the packaged Turnout, the plugin
 * loaded from its jar, reaches a server namespace through OpenSSH's sshd (a key file named relative to the home
 * folder, the server's key pinned) from the mixed port, names sent for the server to resolve, and from the TUN; sshd
 * sits inside the captured range, as in TunIT, so a loop would show. Before this plugin, such an entry was left out
 * and its flows refused.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class SshIT {

    static final String CLIENT = "192.0.2.1";
    static final String SERVER = "192.0.2.2";
    /** Where sshd listens: reached through the TUN's routes, so only binding to veth0 avoids a loop. */
    static final String REMOTE = "198.51.100.2";
    static final String TARGET = "203.0.113.21";
    static final int HTTP = 8080;
    static final int FILES = 8081;
    static final int MIXED = 7890;
    static final int SSHD = 2222;
    static final int CONTROLLER = 9090;

    Path dir;
    Path dist;
    Netns client;
    Netns server;
    String user;
    byte[] bulk;

    @BeforeAll
    void start() throws Exception {
        Netns.assumeUsable("sshd", "ssh-keygen", "curl");
        Required.that(Files.exists(Path.of("/dev/net/tun")), () -> "no /dev/net/tun (TUN support)");
        Required.that(Files.isDirectory(Path.of("/run/sshd")), () -> "/run/sshd is missing (.ci/test-deps.sh makes it)");
        user = System.getProperty("user.name");
        dist = Path.of(System.getProperty("turnout.dist"));
        dir = ScratchDir.create("s52-ssh-it");
        OpenSsh.keygen(dir.resolve("host_ed25519"), "ed25519", "");
        OpenSsh.keygen(dir.resolve("id_ed25519"), "ed25519", "");
        Files.copy(dir.resolve("id_ed25519.pub"), dir.resolve("authorized_keys"));
        Path files = Files.createDirectories(dir.resolve("files"));
        bulk = new byte[32 << 20];
        new Random(52).nextBytes(bulk);
        Files.write(files.resolve("bulk.bin"), bulk);

        client = Netns.create("s52sshc");
        server = Netns.create("s52sshs");
        client.link("veth0", List.of(CLIENT + "/24"), server, "veth0", List.of(SERVER + "/24"));
        server.address("veth0", REMOTE + "/32");
        server.address("veth0", TARGET + "/32");
        client.defaultRoute(SERVER);
        // Names the SSH server resolves itself, from its own namespace's hosts file: one of them is its own loopback.
        server.hosts(Map.of("web.ssh.test", TARGET, "files.ssh.test", "127.0.0.1"));
        server.spawn(dir.resolve("http.log"), Daemons.peer("http", Integer.toString(HTTP)));
        server.spawn(dir.resolve("files.log"), Daemons.peer("files", Integer.toString(FILES), files.toString()));
        Path sshdConfig = Files.writeString(dir.resolve("sshd_config"), OpenSsh.sshdConfig(REMOTE, SSHD,
                List.of(dir.resolve("host_ed25519")), dir.resolve("authorized_keys")));
        server.spawn(dir.resolve("sshd.log"), "/usr/sbin/sshd", "-D", "-e", "-f", sshdConfig.toString());
        server.awaitTcpPort(SSHD, Duration.ofSeconds(20));
        server.awaitTcpPort(HTTP, Duration.ofSeconds(20));
        server.awaitTcpPort(FILES, Duration.ofSeconds(20));

        String hostKey = Files.readString(dir.resolve("host_ed25519.pub"), StandardCharsets.UTF_8).strip();
        Path config = dir.resolve("config.yaml");
        Files.writeString(config, String.join("\n",
                "mixed-port: " + MIXED,
                "external-controller: 127.0.0.1:" + CONTROLLER,
                "log-level: info",
                "tun:",
                "  enable: true",
                "  stack: system",
                "  device: s52ssh0",
                "  auto-route: true",
                "  auto-detect-interface: true",
                "proxies:",
                "  - name: vps",
                "    type: ssh",
                "    server: " + REMOTE,
                "    port: " + SSHD,
                "    username: " + user,
                "    private-key: id_ed25519", // relative: read from the home folder (the config's), as in mihomo
                "    host-key:",
                "      - \"" + hostKey + "\"",
                "rules:",
                "  - DOMAIN-SUFFIX,ssh.test,vps",
                "  - IP-CIDR," + TARGET + "/32,vps",
                "  - MATCH,DIRECT",
                ""));
        client.spawn(dir.resolve("turnout.log"), dist.resolve("bin/turnout").toString(), "run", "-c", config.toString(),
                "--pid-file", dir.resolve("pid").toString());
        client.awaitTcpPort(MIXED, Duration.ofSeconds(30));
        client.awaitSplitRoutes("s52ssh0", this::log);
    }

    @AfterAll
    void stop() throws IOException {
        Netns.closeAll(client, server);
        ScratchDir.delete(dir);
    }

    private String log() {
        return MixedPortIT.read(dir.resolve("turnout.log"));
    }

    private String sshdLog() {
        return MixedPortIT.read(dir.resolve("sshd.log"));
    }

    private Netns.Result curl(String... args) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>(List.of("curl", "-sS", "--max-time", "30"));
        cmd.addAll(List.of(args));
        return client.run(Duration.ofSeconds(45), cmd.toArray(String[]::new));
    }

    @Test
    void theMixedPortSendsNamesForTheSshServerToResolve() throws Exception {
        Netns.Result r = curl("--socks5-hostname", "127.0.0.1:" + MIXED, "http://web.ssh.test:" + HTTP + "/mixed");
        assertEquals(0, r.exitCode(), r.stderr() + log() + sshdLog());
        assertTrue(r.stdout().startsWith("hello /mixed"), r.stdout());
        assertTrue(log().contains("web.ssh.test:" + HTTP + " match DOMAIN-SUFFIX,ssh.test using vps"), log());
        assertTrue(sshdLog().contains("Accepted publickey for " + user), sshdLog());
        // The server's own loopback, by a name only the server knows: the flow was opened there, not here.
        Netns.Result own = curl("--socks5-hostname", "127.0.0.1:" + MIXED, "-o", "/dev/null", "-w", "%{http_code}",
                "http://files.ssh.test:" + FILES + "/missing");
        assertEquals("404", own.stdout(), own.stderr() + log());
        // Flows that went well leave their route lines only: not the SSH library's account of each session's steps
        // (MINA SSHD logs its provider and each server's extensions at INFO), no stack traces.
        assertTrue(log().lines().noneMatch(l -> l.contains("Exception") || l.contains("HostBoundPubkeyAuthentication")
                || l.contains("SecurityProviderRegistrar")), log());
    }

    @Test
    void tunFlowsGoThroughTheServerAndBulkDataArrivesWhole() throws Exception {
        Netns.Result r = curl("--noproxy", "*", "http://" + TARGET + ":" + HTTP + "/tun");
        assertEquals(0, r.exitCode(), r.stderr() + log() + sshdLog());
        assertTrue(r.stdout().startsWith("hello /tun"), r.stdout());
        assertTrue(log().contains(TARGET + ":" + HTTP + " match IP-CIDR," + TARGET + "/32 using vps"), log());

        Path got = dir.resolve("bulk.got");
        Netns.Result big = curl("--socks5-hostname", "127.0.0.1:" + MIXED, "-o", got.toString(),
                "http://files.ssh.test:" + FILES + "/bulk.bin");
        assertEquals(0, big.exitCode(), big.stderr() + log());
        assertEquals(sha256(bulk), sha256(Files.readAllBytes(got)), "32 MB through the SSH channel");
    }

    @Test
    void oneSessionCarriesTheFlowsOfALoop() throws Exception {
        for (int i = 0; i < 6; i++) {
            Netns.Result r = curl("--socks5-hostname", "127.0.0.1:" + MIXED, "http://web.ssh.test:" + HTTP + "/n" + i);
            assertEquals(0, r.exitCode(), r.stderr() + log());
        }
        long logins = sshdLog().lines().filter(l -> l.contains("Accepted publickey for " + user)).count();
        long flows = log().lines().filter(l -> l.contains(" using vps")).count();
        // One session per event loop that carried flows, however many flows: not one login per flow.
        assertTrue(flows >= 6 && logins >= 1 && logins * 2 <= flows,
                logins + " logins for " + flows + " flows:\n" + sshdLog() + log());
    }

    /**
     * A reload (SIGHUP) builds the ssh outbound anew; a download through the old one's session goes on to its end,
     * and the next flow logs in with the new one.
     */
    @Test
    void aReloadLeavesAFlowThroughTheServerWhole() throws Exception {
        Path got = dir.resolve("reload.got");
        Path curlLog = dir.resolve("reload-curl.log");
        // 32 MB at 10 MB/s: about three seconds, the reload in the middle.
        Process slow = client.spawn(curlLog, "curl", "-sS", "--max-time", "40", "--limit-rate", "10M",
                "--socks5-hostname", "127.0.0.1:" + MIXED, "-o", got.toString(),
                "http://files.ssh.test:" + FILES + "/bulk.bin");
        Thread.sleep(1000);
        long reloadsBefore = log().lines().filter(l -> l.contains("Turnout reloaded")).count();
        String pid = Files.readString(dir.resolve("pid"), StandardCharsets.UTF_8).strip();
        Process hup = new ProcessBuilder("kill", "-HUP", pid).redirectErrorStream(true).start();
        assertTrue(hup.waitFor(10, TimeUnit.SECONDS) && hup.exitValue() == 0, "kill -HUP " + pid + " failed");
        long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        while (log().lines().filter(l -> l.contains("Turnout reloaded")).count() == reloadsBefore
                && System.nanoTime() < deadline) {
            Thread.sleep(100);
        }
        assertTrue(log().lines().filter(l -> l.contains("Turnout reloaded")).count() > reloadsBefore, log());
        assertTrue(slow.isAlive(), "the download was over before the reload: " + MixedPortIT.read(curlLog));
        assertTrue(slow.waitFor(40, TimeUnit.SECONDS), "the download never ended");
        assertEquals(0, slow.exitValue(), MixedPortIT.read(curlLog) + log());
        assertEquals(sha256(bulk), sha256(Files.readAllBytes(got)), "the download across the reload");
        Netns.Result after = curl("--socks5-hostname", "127.0.0.1:" + MIXED, "http://web.ssh.test:" + HTTP + "/after");
        assertEquals(0, after.exitCode(), after.stderr() + log());
        assertTrue(after.stdout().startsWith("hello /after"), after.stdout());
    }

    /** A dashboard's latency test of the node: the test URL fetched through the SSH server, as mihomo does. */
    @Test
    void aDashboardsDelayTestGoesThroughTheServer() throws Exception {
        Netns.Result r = client.run(Duration.ofSeconds(30), "curl", "-sS", "--max-time", "20",
                "http://127.0.0.1:" + CONTROLLER + "/proxies/vps/delay?timeout=5000&url="
                        + "http%3A%2F%2Fweb.ssh.test%3A" + HTTP + "%2Fdelay");
        assertEquals(0, r.exitCode(), r.stderr() + log());
        assertTrue(r.stdout().matches("\\{\"delay\":[1-9][0-9]*\\}\\s*"), r.stdout() + "\n" + log());
        assertTrue(MixedPortIT.read(dir.resolve("http.log")).contains("/delay"),
                "the page server saw no /delay request:\n" + MixedPortIT.read(dir.resolve("http.log")));
    }

    private static String sha256(byte[] bytes) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
    }
}
