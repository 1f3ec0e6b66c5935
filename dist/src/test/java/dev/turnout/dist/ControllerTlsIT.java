package dev.turnout.dist;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.turnout.api.testing.TestCertificates;
import dev.turnout.dist.controller.Launched;
import dev.turnout.dist.testing.Netns;
import dev.turnout.dist.testing.ScratchNamespace;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * mihomo's {@code external-controller-tls} with the {@code tls:} section's certificate, as routers running Clash
 * expose their dashboard: the same API over HTTPS, with the same secret. Before, Turnout said
 * "'external-controller-tls' is not supported by Turnout; ignored", and nothing listened there.
 */
class ControllerTlsIT {

    @RegisterExtension
    final ScratchNamespace scratch = new ScratchNamespace("tctls", "curl", "openssl", "dig");

    @Test
    void theApiIsServedOverHttpsWithTheSameSecretAndMovesWithReloads() throws Exception {
        Netns ns = scratch.ns();
        Path dir = scratch.dir();
        TestCertificates certs = TestCertificates.issue(dir.resolve("pki"), "127.0.0.1");
        Files.writeString(scratch.config(), config(9443, "  certificate: pki/server.pem",
                "  private-key: pki/server.key"));
        try (Launched turnout = Launched.start(ns, scratch.config(), scratch.log(), 9443)) {
            Netns.Result version = https(ns, certs, 9443, "s3cret", "/version");
            assertTrue(version.stdout().contains("\"version\":\"turnout-"), () -> version + turnout.log());
            Netns.Result noSecret = https(ns, certs, 9443, null, "/version");
            assertTrue(noSecret.stdout().endsWith("401"), () -> noSecret + turnout.log());
            Netns.Result plain = ns.run(Duration.ofSeconds(20), "curl", "-sS", "--max-time", "5", "-H",
                    "Authorization: Bearer s3cret", "http://127.0.0.1:9090/version");
            assertTrue(plain.stdout().contains("turnout-"), plain::toString);

            // The certificate written inline, and another port: a reload moves it.
            String pem = Files.readString(certs.certificate());
            String key = Files.readString(certs.privateKey());
            Files.writeString(scratch.config(), config(9444, "  certificate: |", indent(pem), "  private-key: |",
                    indent(key)));
            assertTrue(turnout.reload(), turnout::log);
            assertTrue(https(ns, certs, 9444, "s3cret", "/version").stdout().contains("turnout-"), turnout::log);
            assertEquals(0, ns.tcpOn("listening", 9443), turnout::log);

            // A certificate renewed in place (a router's ACME client renews it so) is read again at the next reload,
            // though the config says the same.
            Files.writeString(scratch.config(), config(9444, "  certificate: pki/server.pem",
                    "  private-key: pki/server.key"));
            assertTrue(turnout.reload(), turnout::log);
            TestCertificates renewed = TestCertificates.issue(dir.resolve("pki"), "127.0.0.1");
            assertNotEquals(0, https(ns, renewed, 9444, "s3cret", "/version").exitCode(),
                    "the old certificate, which the new authority did not sign");
            assertTrue(turnout.reload(), turnout::log);
            Netns.Result afterRenewal = https(ns, renewed, 9444, "s3cret", "/version");
            assertTrue(afterRenewal.stdout().contains("turnout-"), () -> afterRenewal + turnout.log());

            // A key that is not one fails the reload, and HTTPS goes on as it was.
            Files.writeString(scratch.config(), config(9445, "  certificate: pki/server.pem",
                    "  private-key: pki/server.pem"));
            assertFalse(turnout.reload(), turnout::log);
            assertTrue(turnout.log().contains("external-controller-tls: the certificate and key of 'tls:' cannot be "
                    + "used"), turnout::log);
            assertTrue(https(ns, renewed, 9444, "s3cret", "/version").stdout().contains("turnout-"), turnout::log);
            assertEquals(0, ns.tcpOn("listening", 9445), turnout::log);
        }

        // At start, a key that is not one stops it, saying where the key is written.
        Files.writeString(scratch.config(), config(9443, "  certificate: pki/server.pem",
                "  private-key: pki/server.pem"));
        Netns.Result start = ns.run(Duration.ofSeconds(60), Path.of(System.getProperty("turnout.dist"))
                .resolve("bin/turnout").toString(), "run", "-c", scratch.config().toString());
        assertEquals(2, start.exitCode(), start::toString);
        assertTrue(start.stderr().contains("turnout: " + scratch.config() + ":5:26: external-controller-tls: the "
                + "certificate and key of 'tls:' cannot be used"), start::toString);

        // A certificate outside the home folder is refused, as mihomo refuses it.
        Files.writeString(scratch.config(), config(9443, "  certificate: /etc/ssl/certs/../private/x.pem",
                "  private-key: pki/server.key"));
        Netns.Result check = ns.run(Duration.ofSeconds(60), Path.of(System.getProperty("turnout.dist"))
                .resolve("bin/turnout").toString(), "check", "-c", scratch.config().toString());
        assertNotEquals(0, check.exitCode(), check::toString);
        assertTrue((check.stdout() + check.stderr()).contains("tls: path /etc/ssl/private/x.pem is outside the home "
                + "folder"), check::toString);
    }

    /**
     * mihomo's {@code external-doh-server}: DNS over HTTPS on the controller's ports, answered by Turnout's DNS and
     * asking no secret (a DNS client has none to send): dig over HTTPS (HTTP/2, POST and GET), curl over plain HTTP.
     */
    @Test
    void theControllerAnswersDnsOverHttpsAtItsDohPath() throws Exception {
        Netns ns = scratch.ns();
        ns.address("lo", "192.0.2.1/32"); // the router's LAN address, where HTTPS is open with the secret
        TestCertificates certs = TestCertificates.issue(scratch.dir().resolve("pki"), "192.0.2.1");
        Files.writeString(scratch.config(), config(9443, "  certificate: pki/server.pem",
                "  private-key: pki/server.key").replace("127.0.0.1:9443", "192.0.2.1:9443")
                .replace("log-level: info", String.join("\n", "log-level: info",
                "external-doh-server: /dns-query", "hosts: {'doh.example.test': 192.0.2.80}", "dns:", "  enable: true",
                "  enhanced-mode: fake-ip", "  fake-ip-range: 198.18.0.1/16", "  nameserver: [127.0.0.1:5353]")));
        try (Launched turnout = Launched.start(ns, scratch.config(), scratch.log(), 9443)) {
            for (List<String> how : List.of(List.of("+https=/dns-query", "-p", "9443"),
                    List.of("+https-get=/dns-query", "-p", "9443"))) {
                List<String> cmd = new java.util.ArrayList<>(List.of("dig", "+short", "+time=5", "+tries=1"));
                cmd.addAll(how);
                cmd.addAll(List.of("@192.0.2.1", "www.example.test"));
                Netns.Result fake = ns.run(Duration.ofSeconds(20), cmd.toArray(String[]::new));
                assertTrue(fake.stdout().strip().startsWith("198.18."), () -> how + ": " + fake + turnout.log());
            }
            Netns.Result hosts = ns.run(Duration.ofSeconds(20), "dig", "+short", "+time=5", "+tries=1",
                    "+https=/dns-query", "-p", "9443", "@192.0.2.1", "doh.example.test");
            assertEquals("192.0.2.80", hosts.stdout().strip(), () -> hosts + turnout.log());
            // The API itself over HTTPS at the LAN address, though the plain port is on loopback: not refused as a
            // request to a loopback-only controller under another name.
            Netns.Result lan = ns.run(Duration.ofSeconds(20), "curl", "-sS", "--max-time", "5", "--cacert",
                    certs.caCertificate().toString(), "-H", "Authorization: Bearer s3cret", "-w", " %{http_code}",
                    "https://192.0.2.1:9443/version");
            assertTrue(lan.stdout().endsWith(" 200") && lan.stdout().contains("turnout-"), () -> lan + turnout.log());
            // Over plain HTTP/1.1 (the controller's own port), a POST as RFC 8484 writes it, with curl.
            java.nio.file.Path query = scratch.dir().resolve("query.bin");
            Files.write(query, aQuery("www.example.test"));
            java.nio.file.Path answer = scratch.dir().resolve("answer.bin");
            Netns.Result plain = ns.run(Duration.ofSeconds(20), "curl", "-sS", "--max-time", "5", "-o",
                    answer.toString(), "-w", "%{http_code} %{content_type}", "-H",
                    "Content-Type: application/dns-message", "--data-binary", "@" + query,
                    "http://127.0.0.1:9090/dns-query");
            assertEquals("200 application/dns-message", plain.stdout(), plain::toString);
            byte[] a = Files.readAllBytes(answer);
            assertEquals(0x12, a[0] & 0xff, "the query's id");
            assertEquals(1, a[7] & 0xff, "one answer");
            assertEquals(198, a[a.length - 4] & 0xff, "a fake address");
            assertEquals(18, a[a.length - 3] & 0xff, "a fake address");
            Netns.Result elsewhere = ns.run(Duration.ofSeconds(20), "curl", "-sS", "-o", "/dev/null", "-w",
                    "%{http_code}", "http://127.0.0.1:9090/version");
            assertEquals("401", elsewhere.stdout(), "the rest of the API still asks for the secret");
        }
    }

    /** A DNS query for the A records of {@code name}, id 0x1234, recursion desired. */
    private static byte[] aQuery(String name) {
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        out.writeBytes(new byte[] {0x12, 0x34, 0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, 0});
        for (String label : name.split("\\.")) {
            out.write(label.length());
            out.writeBytes(label.getBytes(java.nio.charset.StandardCharsets.US_ASCII));
        }
        out.writeBytes(new byte[] {0, 0, 1, 0, 1});
        return out.toByteArray();
    }

    private static String config(int tlsPort, String... tls) {
        List<String> lines = new java.util.ArrayList<>(List.of("mixed-port: 7890", "log-level: info",
                "secret: s3cret", "external-controller: 127.0.0.1:9090",
                "external-controller-tls: 127.0.0.1:" + tlsPort, "tls:"));
        lines.addAll(List.of(tls));
        lines.add("");
        return String.join("\n", lines);
    }

    private static String indent(String pem) {
        return pem.strip().lines().map(l -> "    " + l).collect(java.util.stream.Collectors.joining("\n"));
    }

    /** curl over HTTPS, trusting the test's authority alone; prints the body and the status. */
    private static Netns.Result https(Netns ns, TestCertificates certs, int port, String secret, String path)
            throws Exception {
        List<String> cmd = new java.util.ArrayList<>(List.of("curl", "-sS", "--max-time", "5", "--cacert",
                certs.caCertificate().toString(), "-w", "%{http_code}"));
        if (secret != null) {
            cmd.addAll(List.of("-H", "Authorization: Bearer " + secret));
        }
        cmd.add("https://127.0.0.1:" + port + path);
        return ns.run(Duration.ofSeconds(20), cmd.toArray(String[]::new));
    }
}
