package dev.turnout.dist;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.turnout.api.testing.Required;
import dev.turnout.api.testing.TestCertificates;
import dev.turnout.api.testing.UnboundConf;
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
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * DNS over HTTPS and over TLS in TUN mode, as a Clash user's profile has them: a real unbound in the server
 * namespace answers on ports 443 (HTTP/2) and 853 with a certificate of a test CA that Turnout trusts through
 * {@code SSL_CERT_FILE}, its server known by name ({@code dns.example.test}) and looked up through
 * {@code default-nameserver}. An application in the client namespace, with no proxy settings, reaches a site by
 * name: the TUN's fake-IP DNS answers it, and DIRECT resolves the name through the encrypted upstream, whose
 * connection leaves from the physical interface rather than looping into the TUN. A reload switches it to DNS over TLS.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class EncryptedDnsIT {

    static final String CLIENT = "192.0.2.1";
    static final String SERVER = "192.0.2.2";
    static final String REMOTE = "198.51.100.2";
    static final String DNS = "198.51.100.53";

    Path dir;
    Path dist;
    Netns client;
    Netns server;
    Path config;
    Path pid;
    TestCertificates certs;
    Path logFile;

    @BeforeAll
    void start() throws Exception {
        Netns.assumeUsable("unbound", "curl", "openssl");
        Required.that(Files.exists(Path.of("/dev/net/tun")), () -> "no /dev/net/tun (TUN support)");
        dist = Path.of(System.getProperty("turnout.dist"));
        dir = ScratchDir.create("tenc");
        client = Netns.create("tencc");
        server = Netns.create("tencs");
        client.link("veth0", List.of(CLIENT + "/24"), server, "veth0", List.of(SERVER + "/24"));
        server.address("veth0", REMOTE + "/32");
        server.address("veth0", DNS + "/32");
        client.defaultRoute(SERVER);
        client.resolver("203.0.113.53"); // nobody serves it: only the TUN's hijack answers
        server.spawn(dir.resolve("http.log"), Daemons.peer("http", "8080"));
        TestCertificates certs = TestCertificates.issue(dir.resolve("certs"), "dns.example.test", DNS);
        Path unboundConf = dir.resolve("unbound.conf");
        Files.write(unboundConf, UnboundConf.lines(dir, certs, List.of(DNS + "@53", DNS + "@853", DNS + "@443"), 853,
                443, Map.of("dns.example.test", DNS, "doh.example.test", REMOTE, "dot.example.test", REMOTE)));
        server.spawn(dir.resolve("unbound.out"), "unbound", "-d", "-c", unboundConf.toString());
        server.awaitTcpPort(443, Duration.ofSeconds(20));
        server.awaitTcpPort(8080, Duration.ofSeconds(20));
        config = dir.resolve("config.yaml");
        pid = dir.resolve("pid");
        this.certs = certs;
        startTurnout("'https://dns.example.test/dns-query'");
    }

    private void startTurnout(String nameserver) throws IOException, InterruptedException {
        writeConfig(nameserver);
        logFile = dir.resolve("turnout.log");
        client.spawn(logFile, "env", "SSL_CERT_FILE=" + certs.caCertificate(),
                dist.resolve("bin/turnout").toString(), "run", "-c", config.toString(), "--pid-file", pid.toString());
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (System.nanoTime() < deadline && !log().contains("running on")) {
            Thread.sleep(100);
        }
        assertTrue(log().contains("running on"), this::log);
    }

    private void writeConfig(String nameserver) throws IOException {
        Files.writeString(config, String.join("\n",
                "log-level: info",
                "tun:",
                "  enable: true",
                "  device: tenc0",
                "  auto-route: true",
                "  auto-detect-interface: true",
                "  dns-hijack: [any:53]",
                "  state-file: " + dir.resolve("routes.state"),
                "dns:",
                "  enable: true",
                "  enhanced-mode: fake-ip",
                "  fake-ip-range: 198.18.0.1/16",
                "  default-nameserver: [" + DNS + "]",
                "  nameserver: [" + nameserver + "]",
                "rules:",
                "  - MATCH,DIRECT",
                ""));
    }

    @AfterAll
    void stop() throws IOException {
        Netns.closeAll(client, server);
        ScratchDir.delete(dir);
    }

    private String log() {
        return MixedPortIT.read(logFile);
    }

    private String fetch(String name) throws IOException, InterruptedException {
        Netns.Result r = client.run(Duration.ofSeconds(30), "curl", "-sS", "--max-time", "15",
                "http://" + name + ":8080/by-name");
        assertEquals(0, r.exitCode(), () -> r.stderr() + "\n" + log() + "\nunbound:\n"
                + MixedPortIT.read(dir.resolve("unbound.log")));
        return r.stdout();
    }

    @Test
    @Order(1)
    void directResolvesThroughDnsOverHttpsFromThePhysicalInterface() throws Exception {
        fetch("doh.example.test");
        assertTrue(log().contains("--> doh.example.test:8080 match MATCH using DIRECT"), this::log);
        // Its HTTP/2 connection stays open for the next queries: the server sees it come from the veth's
        // address, not from the TUN's, and no flow to the DNS server went through the rules.
        Netns.Result ss = server.run(Duration.ofSeconds(10), "ss", "-Htn", "state", "established", "sport = :443");
        assertTrue(ss.stdout().contains(CLIENT + ":"), () -> "no DoH connection from " + CLIENT + ":\n" + ss.stdout());
        assertFalse(log().contains("--> " + DNS + ":443") || log().contains("--> dns.example.test:443"), this::log);
        assertTrue(MixedPortIT.read(dir.resolve("unbound.log")).contains("doh.example.test. A IN"),
                () -> MixedPortIT.read(dir.resolve("unbound.log")));
    }

    @Test
    @Order(2)
    void aReloadSwitchesToDnsOverTls() throws Exception {
        // As a dashboard or Clash Verge switching nameservers does: the config changes, SIGHUP (systemd's reload).
        writeConfig("'tls://dns.example.test'");
        Netns.Result hup = client.run(Duration.ofSeconds(10), "kill", "-HUP", Files.readString(pid).trim());
        assertEquals(0, hup.exitCode(), hup.stderr());
        long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        while (System.nanoTime() < deadline && !log().contains("dns: now asking")) {
            Thread.sleep(100);
        }
        assertTrue(log().contains("dns: now asking [tls://dns.example.test:853]"), this::log);
        assertFalse(log().contains("reload did not apply"), this::log);
        fetch("dot.example.test");
        assertTrue(log().contains("--> dot.example.test:8080 match MATCH using DIRECT"), this::log);
        assertFalse(log().contains("--> " + DNS + ":853") || log().contains("--> dns.example.test:853"), this::log);
        assertTrue(MixedPortIT.read(dir.resolve("unbound.log")).contains("dot.example.test. A IN"));
        // The DoH server is no longer named: its connection is closed.
        Netns.Result ss = server.run(Duration.ofSeconds(10), "ss", "-Htn", "state", "established", "sport = :443");
        assertFalse(ss.stdout().contains(CLIENT + ":"), ss.stdout());
    }
}
