package dev.turnout.dist;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.turnout.api.testing.Required;
import dev.turnout.api.testing.TestCertificates;
import dev.turnout.dist.testing.Daemons;
import dev.turnout.dist.testing.Netns;
import dev.turnout.dist.testing.ScratchDir;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * The trojan plugin, loaded from the packaged Turnout's plugins/, against a real trojan-gfw in a server
 * namespace whose certificate a test CA signed: Turnout trusts the CA through {@code SSL_CERT_FILE} in its
 * environment, as Go programs do, and names the server {@code trojan.test} in SNI; another entry pins the
 * certificate instead. Flows come from curl through the mixed port and through the TUN (TCP and UDP).
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class TrojanIT {

    static final String CLIENT = "192.0.2.1";
    static final String SERVER = "192.0.2.2";
    /** Where trojan-gfw listens: inside the TUN's captured range, so a loop would show. */
    static final String TROJAN = "198.51.100.2";
    static final String VIA_TROJAN = "203.0.113.50";
    static final String VIA_PINNED = "203.0.113.51";
    static final String VIA_WRONG_PIN = "203.0.113.52";
    static final String VIA_WRONG_PASSWORD = "203.0.113.53";
    static final int HTTP = 8080;
    static final int BULK = 8090;
    static final int ECHO = 5300;
    static final String PASSWORD = "trojan-it secret";

    Path dir;
    Path dist;
    Netns client;
    Netns server;
    Path trojanLog;

    @BeforeAll
    void start() throws Exception {
        Netns.assumeUsable("trojan", "curl");
        Required.that(Files.exists(Path.of("/dev/net/tun")), () -> "no /dev/net/tun (TUN support)");
        dist = Path.of(System.getProperty("turnout.dist"));
        dir = ScratchDir.create("s13-trojan-it");
        TestCertificates certs = TestCertificates.issue(dir.resolve("certs"), "trojan.test");
        client = Netns.create("s13tjc");
        server = Netns.create("s13tjs");
        client.link("veth0", List.of(CLIENT + "/24"), server, "veth0", List.of(SERVER + "/24"));
        for (String extra : new String[] {TROJAN, VIA_TROJAN, VIA_PINNED, VIA_WRONG_PIN, VIA_WRONG_PASSWORD}) {
            server.address("veth0", extra + "/32");
        }
        client.defaultRoute(SERVER);
        server.hosts(Map.of("target.test", VIA_TROJAN, "chain.test", VIA_TROJAN));
        server.spawn(dir.resolve("http.log"), Daemons.peer("http", Integer.toString(HTTP)));
        server.spawn(dir.resolve("bulk.log"), Daemons.peer("bulk", Integer.toString(BULK), Integer.toString(64 * 1024)));
        server.spawn(dir.resolve("echo.log"), Daemons.peer("udp-echo", Integer.toString(ECHO)));
        trojanLog = dir.resolve("trojan.log");
        Path trojanConfig = dir.resolve("trojan.json");
        // The fallback for connections that do not authenticate is a port where nothing listens.
        Files.writeString(trojanConfig, """
                {"run_type": "server", "local_addr": "%s", "local_port": 443,
                 "remote_addr": "127.0.0.1", "remote_port": 81, "password": ["%s"], "log_level": 1,
                 "ssl": {"cert": "%s", "key": "%s", "alpn": ["http/1.1"]}}
                """.formatted(TROJAN, PASSWORD, certs.certificate(), certs.privateKey()));
        server.spawn(dir.resolve("trojan.out"), "trojan", "-l", trojanLog.toString(), "-c", trojanConfig.toString());
        server.awaitTcpPort(443, Duration.ofSeconds(20));
        server.awaitTcpPort(HTTP, Duration.ofSeconds(20));
        server.awaitTcpPort(BULK, Duration.ofSeconds(20));
        String common = "server: " + TROJAN + ", port: 443, sni: trojan.test";
        Path config = dir.resolve("config.yaml");
        Files.writeString(config, String.join("\n",
                "mixed-port: 7890",
                "log-level: info",
                "tun:",
                "  enable: true",
                "  stack: system",
                "  device: s13tj0",
                "  auto-route: true",
                "  auto-detect-interface: true",
                "  state-file: " + dir.resolve("routes.state"),
                "proxies:",
                "  - {name: tj, type: trojan, " + common + ", password: '" + PASSWORD + "', udp: true}",
                "  - {name: tj-pinned, type: trojan, server: " + TROJAN + ", port: 443, sni: other.test, password: '"
                        + PASSWORD + "', fingerprint: '" + certs.fingerprintHex() + "'}",
                "  - {name: tj-wrong-pin, type: trojan, " + common + ", password: '" + PASSWORD + "', fingerprint: '"
                        + "ab".repeat(32) + "'}",
                "  - {name: tj-wrong-password, type: trojan, " + common + ", password: not-it}",
                // Trojan through trojan: two TLS sessions in one connection's pipeline.
                "  - {name: tj-via-tj, type: trojan, " + common + ", password: '" + PASSWORD + "', dialer-proxy: tj}",
                "rules:",
                "  - DOMAIN,target.test,tj",
                "  - DOMAIN,chain.test,tj-via-tj",
                "  - IP-CIDR," + VIA_TROJAN + "/32,tj",
                "  - IP-CIDR," + VIA_PINNED + "/32,tj-pinned",
                "  - IP-CIDR," + VIA_WRONG_PIN + "/32,tj-wrong-pin",
                "  - IP-CIDR," + VIA_WRONG_PASSWORD + "/32,tj-wrong-password",
                "  - MATCH,DIRECT",
                ""));
        // As Go programs do, Turnout trusts the CA in SSL_CERT_FILE beside the system's.
        client.spawn(dir.resolve("turnout.log"), "env", "SSL_CERT_FILE=" + certs.caCertificate(),
                dist.resolve("bin/turnout").toString(), "run", "-c", config.toString());
        client.awaitTcpPort(7890, Duration.ofSeconds(30));
        client.awaitSplitRoutes("s13tj0", this::log);
    }

    @AfterAll
    void stop() throws IOException {
        Netns.closeAll(client, server);
        if (dir != null) {
            ScratchDir.delete(dir);
        }
    }

    private String log() {
        return MixedPortIT.read(dir.resolve("turnout.log")) + "\n--- trojan-gfw:\n" + MixedPortIT.read(trojanLog);
    }

    private Netns.Result curl(String... args) throws IOException, InterruptedException {
        List<String> command = new java.util.ArrayList<>(List.of("curl", "-sS", "--max-time", "10"));
        command.addAll(List.of(args));
        return client.run(Duration.ofSeconds(30), command.toArray(String[]::new));
    }

    @Test
    void theMixedPortReachesANameThroughTrojanAndTheServerResolvesIt() throws Exception {
        Netns.Result r = curl("--proxy", "socks5h://127.0.0.1:7890", "http://target.test:" + HTTP + "/mixed");
        assertEquals(0, r.exitCode(), r.stderr() + log());
        assertTrue(r.stdout().startsWith("hello /mixed from "), r.stdout());
        assertTrue(MixedPortIT.read(trojanLog).contains("requested connection to target.test:" + HTTP), log());
        assertTrue(log().contains("using tj"), log());
        // The packaged Turnout speaks TLS through BoringSSL (netty-tcnative), not the JDK's fallback.
        assertTrue(log().contains("TLS to servers: BoringSSL"), log());
    }

    /** A landing node behind an airport's node: both TLS, one inside the other ("Duplicate handler name" before). */
    @Test
    void aTrojanNodeReachedThroughAnotherTrojanNodeCarriesTheFlow() throws Exception {
        Netns.Result r = curl("--proxy", "socks5h://127.0.0.1:7890", "http://chain.test:" + HTTP + "/chain");
        assertEquals(0, r.exitCode(), r.stderr() + log());
        assertTrue(r.stdout().startsWith("hello /chain from "), r.stdout());
        assertTrue(MixedPortIT.read(trojanLog).contains("requested connection to " + TROJAN + ":443"), log());
        assertTrue(MixedPortIT.read(trojanLog).contains("requested connection to chain.test:" + HTTP), log());
    }

    @Test
    void theTunCarriesTcpThroughTrojan() throws Exception {
        Netns.Result r = curl("http://" + VIA_TROJAN + ":" + HTTP + "/tun");
        assertEquals(0, r.exitCode(), r.stderr() + log());
        assertTrue(r.stdout().startsWith("hello /tun from "), r.stdout());
        assertTrue(MixedPortIT.read(trojanLog).contains("requested connection to " + VIA_TROJAN + ":" + HTTP), log());
    }

    @Test
    void theTunCarriesUdpThroughTrojan() throws Exception {
        Netns.Result r = client.run(Duration.ofSeconds(30), Daemons.peer("udp-send", VIA_TROJAN, Integer.toString(ECHO),
                "over trojan"));
        assertEquals(0, r.exitCode(), r.stdout() + r.stderr() + log());
        assertTrue(r.stdout().startsWith("echo: over trojan from " + VIA_TROJAN), r.stdout());
    }

    @Test
    void a64MiBDownloadThroughTheMixedPortArrivesWhole() throws Exception {
        Netns.Result r = client.run(Duration.ofSeconds(90), "curl", "-sS", "--max-time", "80", "--proxy",
                "http://127.0.0.1:7890", "-o", "/dev/null", "-w", "%{size_download}", "http://" + VIA_TROJAN + ":" + BULK + "/");
        assertEquals(0, r.exitCode(), r.stderr() + log());
        assertEquals(Long.toString(64L * 1024 * 1024), r.stdout());
    }

    @Test
    void aPinnedCertificateIsAcceptedWhateverTheNameAndAnotherPinIsRefused() throws Exception {
        Netns.Result pinned = curl("http://" + VIA_PINNED + ":" + HTTP + "/pinned");
        assertEquals(0, pinned.exitCode(), pinned.stderr() + log());
        assertTrue(pinned.stdout().startsWith("hello /pinned from "), pinned.stdout());
        Netns.Result wrong = curl("http://" + VIA_WRONG_PIN + ":" + HTTP + "/wrong-pin");
        assertNotEquals(0, wrong.exitCode(), "a certificate other than the pinned one is refused: " + wrong.stdout());
        assertTrue(log().contains("not the pinned fingerprint " + "ab".repeat(32)), log());
    }

    @Test
    void aWrongPasswordFailsTheFlowAndTheLogSaysWhy() throws Exception {
        Netns.Result r = curl("http://" + VIA_WRONG_PASSWORD + ":" + HTTP + "/wrong-password");
        assertNotEquals(0, r.exitCode(), "nothing came back, and curl must not take that for an answer: " + r.stdout());
        assertTrue(log().contains("trojan 'tj-wrong-password' (" + TROJAN + ":443) closed the connection"), log());
        assertTrue(log().contains("a wrong password"), log());
        assertTrue(!MixedPortIT.read(dir.resolve("turnout.log")).contains("not-it"), "the password is never logged");
    }

    @Test
    void withoutItsJarTheTypeIsGoneAndAConfigThatUsesItIsRefusedAtItsLine() throws Exception {
        Path plugins = Files.createDirectories(dir.resolve("plugins-without-trojan"));
        try (var jars = Files.newDirectoryStream(dist.resolve("plugins"), "*.jar")) {
            for (Path jar : jars) {
                if (!jar.getFileName().toString().startsWith("turnout-plugin-trojan")) {
                    Files.copy(jar, plugins.resolve(jar.getFileName()));
                }
            }
        }
        Path config = dir.resolve("uses-trojan.yaml");
        Files.writeString(config, "proxies:\n  - {name: tj, type: trojan, server: " + TROJAN + ", port: 443, password: p}\n");
        Netns.Result check = PluginsIT.runLauncher("check", "-c", config.toString(), "--plugins", plugins.toString());
        assertEquals(2, check.exitCode(), check.stdout() + check.stderr());
        assertTrue(check.stderr().contains(config + ":2:22: unknown outbound type 'trojan' for 'tj'"), check.stderr());
    }
}
