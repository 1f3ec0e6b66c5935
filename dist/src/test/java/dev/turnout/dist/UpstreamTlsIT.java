package dev.turnout.dist;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.turnout.dist.controller.Launched;
import dev.turnout.dist.testing.Daemons;
import dev.turnout.dist.testing.Netns;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * socks5 and http outbounds with {@code tls: true}: a real TLS terminator (stunnel4) in front of dante and
 * tinyproxy, its certificate signed by a test CA that Turnout trusts through {@code SSL_CERT_FILE}. The name
 * is checked against the certificate, a pinned {@code fingerprint} replaces the CA check, and a wrong pin or a
 * wrong name is refused before any proxy byte is sent.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class UpstreamTlsIT {

    static final int MIXED = 7890;
    static final int CONTROLLER = 9090;
    static final int TARGET = 8081;
    static final int DANTE = 1081;
    static final int TINYPROXY = 8888;
    static final int SOCKS_TLS = 1443;
    static final int HTTPS_PROXY = 8443;

    @TempDir
    static Path dir;

    Netns ns;
    Launched turnout;

    private static void openssl(String... args) throws IOException, InterruptedException {
        List<String> command = new java.util.ArrayList<>(List.of("openssl"));
        command.addAll(List.of(args));
        Process p = new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        assertTrue(p.waitFor(60, TimeUnit.SECONDS) && p.exitValue() == 0, String.join(" ", command) + "\n" + out);
    }

    /** The SHA-256 of the server certificate, in hex: what {@code fingerprint} pins. */
    private static String fingerprint(Path pem) throws IOException, InterruptedException {
        Process p = new ProcessBuilder("openssl", "x509", "-in", pem.toString(), "-noout", "-fingerprint", "-sha256")
                .redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes()).trim();
        assertTrue(p.waitFor(30, TimeUnit.SECONDS) && p.exitValue() == 0, out);
        return out.substring(out.indexOf('=') + 1).replace(":", "").toLowerCase();
    }

    @BeforeAll
    void start() throws Exception {
        Netns.assumeUsable("danted", "tinyproxy", "curl", "stunnel4", "openssl");
        // A test CA and a certificate for proxy.test (and 127.0.0.1) signed by it.
        openssl("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", "ca.key", "-out", "ca.pem", "-days", "2",
                "-subj", "/CN=Turnout test CA");
        openssl("req", "-newkey", "rsa:2048", "-nodes", "-keyout", "proxy.key", "-out", "proxy.csr",
                "-subj", "/CN=proxy.test");
        Files.writeString(dir.resolve("san.ext"), "subjectAltName=DNS:proxy.test,IP:127.0.0.1\n");
        openssl("x509", "-req", "-in", "proxy.csr", "-CA", "ca.pem", "-CAkey", "ca.key", "-CAcreateserial",
                "-out", "proxy.pem", "-days", "2", "-extfile", "san.ext");
        String pin = fingerprint(dir.resolve("proxy.pem"));

        ns = Netns.create("s13tls");
        ns.hosts(Map.of("a.test", "127.0.0.1", "b.test", "127.0.0.1", "c.test", "127.0.0.1", "d.test", "127.0.0.1",
                "e.test", "127.0.0.1", "f.test", "127.0.0.1", "g.test", "127.0.0.1"));
        ns.spawn(dir.resolve("target.log"), Daemons.peer("http", Integer.toString(TARGET)));
        Path d = Files.createDirectories(dir.resolve("dante"));
        Daemons.dante(ns, d, DANTE, d.resolve("danted.log"));
        Path t = Files.createDirectories(dir.resolve("tinyproxy"));
        Daemons.tinyproxy(ns, t, TINYPROXY, t.resolve("tinyproxy.log"), TARGET);
        Path conf = dir.resolve("stunnel.conf");
        Files.writeString(conf, String.join("\n",
                "foreground = yes",
                "pid =",
                "output = " + dir.resolve("stunnel.log"),
                "cert = " + dir.resolve("proxy.pem"),
                "key = " + dir.resolve("proxy.key"),
                "[socks]",
                "accept = 127.0.0.1:" + SOCKS_TLS,
                "connect = 127.0.0.1:" + DANTE,
                "[http]",
                "accept = 127.0.0.1:" + HTTPS_PROXY,
                "connect = 127.0.0.1:" + TINYPROXY,
                ""));
        ns.spawn(dir.resolve("stunnel.out"), "stunnel4", conf.toString());
        ns.awaitTcpPort(SOCKS_TLS, Duration.ofSeconds(20));
        ns.awaitTcpPort(HTTPS_PROXY, Duration.ofSeconds(20));
        ns.awaitTcpPort(TARGET, Duration.ofSeconds(20));
        String wrongPin = "00".repeat(32);
        Path config = dir.resolve("config.yaml");
        Files.writeString(config, String.join("\n",
                "mixed-port: " + MIXED,
                "external-controller: 127.0.0.1:" + CONTROLLER,
                "proxies:",
                "  - {name: socks-tls, type: socks5, server: 127.0.0.1, port: " + SOCKS_TLS + ", tls: true, sni: proxy.test}",
                "  - {name: https-proxy, type: http, server: 127.0.0.1, port: " + HTTPS_PROXY
                        + ", tls: true, servername: proxy.test, skip-cert-verify: false}",
                "  - {name: wrong-pin, type: socks5, server: 127.0.0.1, port: " + SOCKS_TLS + ", tls: true, sni: proxy.test,"
                        + " fingerprint: '" + wrongPin + "'}",
                "  - {name: wrong-name, type: socks5, server: 127.0.0.1, port: " + SOCKS_TLS + ", tls: true, sni: other.test}",
                "  - {name: pinned, type: http, server: 127.0.0.1, port: " + HTTPS_PROXY + ", tls: true, sni: other.test,"
                        + " fingerprint: '" + pin + "'}",
                "  - {name: by-address, type: socks5, server: 127.0.0.1, port: " + SOCKS_TLS + ", tls: true}",
                "  - {name: insecure, type: socks5, server: 127.0.0.1, port: " + SOCKS_TLS + ", tls: true, sni: other.test,"
                        + " skip-cert-verify: true}",
                "rules:",
                "  - DOMAIN,a.test,socks-tls",
                "  - DOMAIN,b.test,https-proxy",
                "  - DOMAIN,c.test,wrong-pin",
                "  - DOMAIN,d.test,wrong-name",
                "  - DOMAIN,e.test,pinned",
                "  - DOMAIN,f.test,by-address",
                "  - DOMAIN,g.test,insecure",
                "  - MATCH,DIRECT",
                ""));
        turnout = Launched.start(ns, config, dir.resolve("turnout.log"), CONTROLLER,
                "SSL_CERT_FILE=" + dir.resolve("ca.pem"));
        ns.awaitTcpPort(MIXED, Duration.ofSeconds(30));
    }

    @AfterAll
    void stop() throws Exception {
        if (turnout != null) {
            turnout.close();
        }
        if (ns != null) {
            ns.close();
        }
    }

    private Netns.Result curl(String host) throws Exception {
        return ns.run(Duration.ofSeconds(30), "curl", "-sS", "--max-time", "15", "--socks5-hostname",
                "127.0.0.1:" + MIXED, "http://" + host + ":" + TARGET + "/tls");
    }

    private static String read(Path p) throws IOException {
        return Files.exists(p) ? Files.readString(p) : "";
    }

    @Test
    void socks5OverTlsAndAnHttpsProxyCarryTrafficWithTheCaAndTheNameChecked() throws Exception {
        Netns.Result a = curl("a.test");
        assertEquals(0, a.exitCode(), a.stderr() + turnout.log());
        assertTrue(a.stdout().startsWith("hello /tls"), a.stdout());
        assertTrue(read(dir.resolve("dante/danted.log")).contains("a.test." + TARGET), read(dir.resolve("dante/danted.log")));
        Netns.Result b = curl("b.test");
        assertEquals(0, b.exitCode(), b.stderr() + turnout.log());
        assertTrue(read(dir.resolve("tinyproxy/tinyproxy.log")).contains("CONNECT b.test:" + TARGET));
        Netns.Result f = curl("f.test");
        assertEquals(0, f.exitCode(), "the certificate's IP address names 127.0.0.1: " + f.stderr() + turnout.log());
    }

    @Test
    void aPinnedFingerprintStandsForTheCaCheckAndAWrongPinOrNameIsRefused() throws Exception {
        Netns.Result e = curl("e.test");
        assertEquals(0, e.exitCode(), "the right pin passes although the name differs: " + e.stderr() + turnout.log());
        Netns.Result g = curl("g.test");
        assertEquals(0, g.exitCode(), "skip-cert-verify passes whatever the name: " + g.stderr() + turnout.log());
        for (String host : new String[] {"c.test", "d.test"}) {
            Netns.Result r = curl(host);
            assertNotEquals(0, r.exitCode(), host + " went through: " + r.stdout());
            assertFalse(read(dir.resolve("dante/danted.log")).contains(host + "." + TARGET),
                    "dante saw " + host + " although TLS should have failed first");
        }
        assertTrue(turnout.log().contains("TLS handshake with proxy.test failed")
                && turnout.log().contains("TLS handshake with other.test failed"), turnout.log());
    }
}
