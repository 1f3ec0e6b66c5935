package dev.turnout.dist;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.turnout.api.testing.Required;
import dev.turnout.api.testing.TestCertificates;
import dev.turnout.dist.testing.Daemons;
import dev.turnout.dist.testing.Netns;
import dev.turnout.dist.testing.ScratchDir;
import dev.turnout.plugins.v2ray.testing.V2rayServer;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The vmess and vless plugins end to end: the packaged Turnout (plugins loaded from its plugins/ folder) in a
 * client namespace, a real v2ray in the server namespace with vmess and vless inbounds over tcp and ws+tls (a
 * test CA trusted through SSL_CERT_FILE), and over gRPC with TLS (a grpc-java server in front of the tcp inbounds,
 * as a V2Ray or Xray gun inbound is: Debian's v2ray predates gRPC), h2, and tcp in V2Ray's HTTP/1.1 header
 * ({@code network: http}), curl through the mixed port (names sent to
 * v2ray, which resolves them) and, with no proxy settings, through the TUN; UDP through the TUN.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class VmessIT {

    static final String CLIENT = "192.0.2.1";
    static final String SERVER = "192.0.2.2";
    /** Where v2ray listens: inside the captured range, so only Turnout's own binding keeps it out of a loop. */
    static final String V2RAY = "198.51.100.2";
    static final int HTTP = 8080;
    static final int ECHO = 5300;
    static final String UUID_TEXT = UUID.randomUUID().toString();
    /** One destination address per proxy, so rules pick the proxy and the server's answer names it. */
    static final Map<String, String> VIA = Map.ofEntries(
            Map.entry("vmess-tcp", "203.0.113.10"),
            Map.entry("vmess-wstls", "203.0.113.11"),
            Map.entry("vless-tcp", "203.0.113.12"),
            Map.entry("vless-wstls", "203.0.113.13"),
            Map.entry("vmess-grpc", "203.0.113.14"),
            Map.entry("vless-grpc", "203.0.113.15"),
            Map.entry("vmess-h2", "203.0.113.16"),
            Map.entry("vless-http", "203.0.113.17"),
            Map.entry("vless-http-elsewhere", "203.0.113.18"),
            Map.entry("vmess-cdn", "203.0.113.19"),
            Map.entry("vmess-ws-over-vless-ws", "203.0.113.20"));
    /** The gRPC servers' service name, as a subscription's grpc-opts gives it. */
    static final String GUN = "turnout.Gun";

    Path dir;
    Path dist;
    Netns client;
    Netns server;
    Path access;

    @BeforeAll
    void start() throws Exception {
        Netns.assumeUsable("curl");
        Required.that(V2rayServer.installed(), () -> "v2ray is not installed (apt-get install v2ray)");
        Required.that(Files.exists(Path.of("/dev/net/tun")), () -> "no /dev/net/tun (TUN support)");
        dist = Path.of(System.getProperty("turnout.dist"));
        dir = ScratchDir.create("tvmess");
        TestCertificates certificates = TestCertificates.issue(dir, "v2ray.test");
        client = Netns.create("tvmc");
        server = Netns.create("tvms");
        client.link("veth0", List.of(CLIENT + "/24"), server, "veth0", List.of(SERVER + "/24"));
        server.address("veth0", V2RAY + "/32");
        for (String via : VIA.values()) {
            server.address("veth0", via + "/32");
        }
        client.defaultRoute(SERVER);
        server.hosts(Map.of("web.test", VIA.get("vmess-tcp")));
        server.spawn(dir.resolve("http.log"), Daemons.peer("http", Integer.toString(HTTP)));
        // UDP answers must come from the address asked: one echo per proxy's destination.
        server.spawn(dir.resolve("echo1.log"), Daemons.peer("udp-echo", Integer.toString(ECHO), VIA.get("vmess-wstls")));
        server.spawn(dir.resolve("echo2.log"), Daemons.peer("udp-echo", Integer.toString(ECHO), VIA.get("vless-tcp")));
        server.spawn(dir.resolve("echo3.log"), Daemons.peer("udp-echo", Integer.toString(ECHO), VIA.get("vless-grpc")));
        access = dir.resolve("v2ray-access.log");
        Files.writeString(access, "");
        Path v2rayConfig = dir.resolve("v2ray.json");
        Files.writeString(v2rayConfig, V2rayServer.config(V2RAY, List.of(
                new V2rayServer.Inbound("vmess", UUID_TEXT, "tcp", null, null, 10086),
                new V2rayServer.Inbound("vmess", UUID_TEXT, "ws", "/vm", certificates, 10443),
                new V2rayServer.Inbound("vless", UUID_TEXT, "tcp", null, null, 10087),
                new V2rayServer.Inbound("vless", UUID_TEXT, "ws", "/vl", certificates, 10444),
                new V2rayServer.Inbound("vmess", UUID_TEXT, "http", "/vh2", certificates, 10447),
                new V2rayServer.Inbound("vless", UUID_TEXT, V2rayServer.TCP_HTTP, "/vhttp", null, 10448)),
                access, dir.resolve("v2ray-error.log"), List.of("203.0.113.0/24", V2RAY + "/32"), List.of("web.test")));
        server.spawn(dir.resolve("v2ray.out"), V2rayServer.BINARY.toString(), "-config", v2rayConfig.toString());
        server.spawn(dir.resolve("gun-vmess.log"), Daemons.peer("gun", V2RAY, "10445", GUN,
                certificates.certificate().toString(), certificates.privateKey().toString(), V2RAY, "10086"));
        server.spawn(dir.resolve("gun-vless.log"), Daemons.peer("gun", V2RAY, "10446", GUN,
                certificates.certificate().toString(), certificates.privateKey().toString(), V2RAY, "10087"));
        server.awaitTcpPort(HTTP, Duration.ofSeconds(20));
        server.awaitTcpPort(10444, Duration.ofSeconds(20));
        server.awaitTcpPort(10445, Duration.ofSeconds(20));
        server.awaitTcpPort(10446, Duration.ofSeconds(20));
        server.awaitTcpPort(10447, Duration.ofSeconds(20));
        server.awaitTcpPort(10448, Duration.ofSeconds(20));
        Path config = dir.resolve("config.yaml");
        String tls = ", tls: true, servername: v2ray.test, network: ws";
        String grpc = ", tls: true, servername: v2ray.test, network: grpc, grpc-opts: {grpc-service-name: " + GUN + "}";
        Files.writeString(config, String.join("\n",
                "mixed-port: 7890",
                "log-level: info",
                "tun:",
                "  enable: true",
                "  stack: system",
                "  device: tvm0",
                "  auto-route: true",
                "  auto-detect-interface: true",
                "  state-file: " + dir.resolve("routes.state"),
                "proxies:",
                "  - {name: vmess-tcp, type: vmess, server: " + V2RAY + ", port: 10086, uuid: " + UUID_TEXT
                        + ", alterId: 0, cipher: aes-128-gcm, udp: true}",
                "  - {name: vmess-wstls, type: vmess, server: " + V2RAY + ", port: 10443, uuid: " + UUID_TEXT
                        + ", alterId: 0, cipher: chacha20-poly1305, udp: true, xudp: true" + tls + ", ws-opts: {path: /vm}}",
                // As subscriptions write them for Xray's servers: kept, their UDP plain (V2Ray takes nothing else).
                "  - {name: vless-tcp, type: vless, server: " + V2RAY + ", port: 10087, uuid: " + UUID_TEXT
                        + ", udp: true, packet-encoding: xudp}",
                "  - {name: vless-wstls, type: vless, server: " + V2RAY + ", port: 10444, uuid: " + UUID_TEXT
                        + ", udp: true" + tls + ", ws-opts: {path: /vl}}",
                // A CDN node as subscriptions carry them: the server an address, the site named only in the Host
                // header, and alpn h2 first (v2ray, like CDNs, picks h2 when offered it).
                "  - {name: vmess-cdn, type: vmess, server: " + V2RAY + ", port: 10443, uuid: " + UUID_TEXT
                        + ", alterId: 0, cipher: auto, tls: true, network: ws, alpn: [h2, http/1.1],"
                        + " ws-opts: {path: /vm, headers: {Host: v2ray.test}}}",
                // A chain of two WebSocket hops (a landing node behind an airport's ws node): the second upgrade goes
                // into the first's pipeline.
                "  - {name: vmess-ws-over-vless-ws, type: vmess, server: " + V2RAY + ", port: 10443, uuid: " + UUID_TEXT
                        + ", alterId: 0, cipher: auto" + tls + ", ws-opts: {path: /vm}, dialer-proxy: vless-wstls}",
                "  - {name: vmess-grpc, type: vmess, server: " + V2RAY + ", port: 10445, uuid: " + UUID_TEXT
                        + ", alterId: 0, cipher: auto, udp: true" + grpc + "}",
                "  - {name: vless-grpc, type: vless, server: " + V2RAY + ", port: 10446, uuid: " + UUID_TEXT
                        + ", udp: true" + grpc + "}",
                // h2 is always over TLS in mihomo: no tls: true needed.
                "  - {name: vmess-h2, type: vmess, server: " + V2RAY + ", port: 10447, uuid: " + UUID_TEXT
                        + ", alterId: 0, cipher: aes-128-gcm, network: h2, servername: v2ray.test,"
                        + " h2-opts: {host: [" + V2rayServer.H2_HOST + "], path: /vh2}}",
                "  - {name: vless-http, type: vless, server: " + V2RAY + ", port: 10448, uuid: " + UUID_TEXT
                        + ", network: http, http-opts: {path: [/vhttp], headers: {Host: [cdn.example]}}}",
                // A path the server does not serve: V2Ray answers 404.
                "  - {name: vless-http-elsewhere, type: vless, server: " + V2RAY + ", port: 10448, uuid: " + UUID_TEXT
                        + ", network: http, http-opts: {path: [/elsewhere]}}",
                "rules:",
                "  - DOMAIN,web.test,vmess-tcp",
                "  - IP-CIDR," + VIA.get("vmess-tcp") + "/32,vmess-tcp",
                "  - IP-CIDR," + VIA.get("vmess-wstls") + "/32,vmess-wstls",
                "  - IP-CIDR," + VIA.get("vless-tcp") + "/32,vless-tcp",
                "  - IP-CIDR," + VIA.get("vless-wstls") + "/32,vless-wstls",
                "  - IP-CIDR," + VIA.get("vmess-cdn") + "/32,vmess-cdn",
                "  - IP-CIDR," + VIA.get("vmess-ws-over-vless-ws") + "/32,vmess-ws-over-vless-ws",
                "  - IP-CIDR," + VIA.get("vmess-grpc") + "/32,vmess-grpc",
                "  - IP-CIDR," + VIA.get("vless-grpc") + "/32,vless-grpc",
                "  - IP-CIDR," + VIA.get("vmess-h2") + "/32,vmess-h2",
                "  - IP-CIDR," + VIA.get("vless-http") + "/32,vless-http",
                "  - IP-CIDR," + VIA.get("vless-http-elsewhere") + "/32,vless-http-elsewhere",
                "  - MATCH,REJECT",
                ""));
        client.spawn(dir.resolve("turnout.log"), "env", "SSL_CERT_FILE=" + certificates.caCertificate(),
                dist.resolve("bin/turnout").toString(), "run", "-c", config.toString(),
                "--pid-file", dir.resolve("turnout.pid").toString());
        client.awaitTcpPort(7890, Duration.ofSeconds(30));
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (!routes().contains("128.0.0.0/1 dev tvm0") && System.nanoTime() < deadline) {
            Thread.sleep(100);
        }
        assertTrue(routes().contains("128.0.0.0/1 dev tvm0"), () -> "no split routes through the TUN:\n" + log());
    }

    private String routes() throws IOException, InterruptedException {
        return client.run(Duration.ofSeconds(5), "ip", "route", "show").stdout();
    }

    @AfterAll
    void stop() throws IOException {
        Netns.closeAll(client, server);
        ScratchDir.delete(dir);
    }

    private String log() {
        return MixedPortIT.read(dir.resolve("turnout.log"));
    }

    @ParameterizedTest
    @CsvSource({"vmess-tcp", "vmess-wstls", "vless-tcp", "vless-wstls", "vmess-grpc", "vless-grpc", "vmess-h2",
            "vless-http", "vmess-cdn", "vmess-ws-over-vless-ws"})
    void curlThroughTheMixedPortReachesTheServerThroughV2ray(String proxy) throws Exception {
        String url = "http://" + VIA.get(proxy) + ":" + HTTP + "/mixed-" + proxy;
        Netns.Result r = client.run(Duration.ofSeconds(30), "curl", "-sS", "--max-time", "10",
                "--proxy", "socks5h://127.0.0.1:7890", url);
        assertEquals(0, r.exitCode(), r.stderr() + log());
        assertTrue(r.stdout().startsWith("hello /mixed-" + proxy + " from "), r.stdout());
        assertTrue(log().contains("using " + proxy), log());
        assertTrue(MixedPortIT.read(access).contains("tcp:" + VIA.get(proxy) + ":" + HTTP), () -> MixedPortIT.read(access));
    }

    @ParameterizedTest
    @CsvSource({"vmess-tcp", "vmess-wstls", "vless-tcp", "vless-wstls", "vmess-grpc", "vless-grpc", "vmess-h2",
            "vless-http"})
    void curlWithoutProxySettingsGoesThroughTheTunAndV2ray(String proxy) throws Exception {
        Netns.Result r = client.run(Duration.ofSeconds(30), "curl", "-sS", "--noproxy", "*", "--max-time", "10",
                "http://" + VIA.get(proxy) + ":" + HTTP + "/tun-" + proxy);
        assertEquals(0, r.exitCode(), r.stderr() + log());
        assertTrue(r.stdout().startsWith("hello /tun-" + proxy + " from "), r.stdout());
        assertTrue(log().contains("[TCP] 198.18.0.1:"), log());
    }

    /**
     * A node whose http-opts path the server does not serve fails its flows with the server's refusal named, through
     * the TUN (where the relay's half-closure made the end look like a wrong uuid) and through the mixed port alike.
     */
    @ParameterizedTest
    @CsvSource({"--noproxy", "--proxy"})
    void aPathTheServerDoesNotServeIsNamedInTheLogNotTakenForAWrongUuid(String how) throws Exception {
        // V2Ray 4.34's VLESS inbound answers 404 at once, or (when it reads the request a second time after the
        // mismatch: "firstLen = 0" in its log) only at the client's end, with 400: either is the server's answer.
        String refusal = "VLESS server " + V2RAY + ":10448 answered 'HTTP/1.1 40";
        long before = log().lines().filter(l -> l.contains(refusal)).count();
        String url = "http://" + VIA.get("vless-http-elsewhere") + ":" + HTTP + "/refused" + how;
        Netns.Result r = client.run(Duration.ofSeconds(30), "curl", "-sS", "--max-time", "5", how,
                how.equals("--proxy") ? "socks5h://127.0.0.1:7890" : "*", url);
        assertTrue(r.exitCode() != 0, () -> "curl got an answer through a refused path: " + r.stdout());
        long deadline = System.nanoTime() + Duration.ofSeconds(5).toNanos();
        while (log().lines().filter(l -> l.contains(refusal)).count() == before && System.nanoTime() < deadline) {
            Thread.sleep(50);
        }
        assertTrue(log().lines().filter(l -> l.contains(refusal)).count() > before,
                () -> log() + "\nv2ray's error log:\n" + MixedPortIT.read(dir.resolve("v2ray-error.log")));
        assertFalse(log().lines().anyMatch(l -> l.contains("10448") && l.contains("wrong uuid")), this::log);
    }

    @ParameterizedTest
    @CsvSource({"vmess-wstls", "vless-tcp", "vless-grpc"})
    void udpThroughTheTunComesBackThroughV2ray(String proxy) throws Exception {
        Netns.Result r = client.run(Duration.ofSeconds(30), Daemons.peer("udp-send", VIA.get(proxy),
                Integer.toString(ECHO), "udp-" + proxy));
        assertEquals(0, r.exitCode(), r.stdout() + r.stderr() + log());
        assertTrue(MixedPortIT.read(access).contains("udp:" + VIA.get(proxy) + ":" + ECHO), () -> MixedPortIT.read(access));
        if (!proxy.equals("vless-grpc")) {
            String type = proxy.substring(0, proxy.indexOf('-'));
            // Said once, where the entry's key is written (config.yaml:LINE:COL: 'NAME': ...).
            assertTrue(log().matches("(?s).*config\\.yaml:\\d+:\\d+: '" + proxy + "': packet encoding 'xudp' is not"
                    + " implemented by the " + type + " plugin: UDP goes as plain .*"), this::log);
        }
    }

    /**
     * An application that ends its side right after its request (a FIN, as {@code nc -N} or an HTTP/1.0 script
     * does) still gets the whole answer: over gRPC and h2 the FIN becomes the request's END_STREAM, not a
     * cancel.
     */
    @ParameterizedTest
    @CsvSource({"vless-tcp", "vmess-grpc", "vless-grpc", "vmess-h2", "vless-http"})
    void anAnswerAfterTheApplicationsFinArrivesWholeThroughTheTun(String proxy) throws Exception {
        Netns.Result r = client.run(Duration.ofSeconds(30), Daemons.peer("half-closed-get", VIA.get(proxy),
                Integer.toString(HTTP), "0"));
        assertEquals(0, r.exitCode(), r.stdout() + r.stderr() + log());
        assertTrue(r.stdout().matches("(?s)got [1-9][0-9]* bytes\\s*"), () -> r.stdout() + log());
    }

    @org.junit.jupiter.api.Test
    void aNameGoesToV2rayAsTheNameAndV2rayResolvesIt() throws Exception {
        Netns.Result r = client.run(Duration.ofSeconds(30), "curl", "-sS", "--max-time", "10",
                "--proxy", "socks5h://127.0.0.1:7890", "http://web.test:" + HTTP + "/by-name");
        assertEquals(0, r.exitCode(), r.stderr() + log());
        assertTrue(r.stdout().startsWith("hello /by-name from "), r.stdout());
        assertTrue(MixedPortIT.read(access).contains("tcp:web.test:" + HTTP), () -> MixedPortIT.read(access));
    }

    /**
     * Flows through a gRPC node are calls on the connections Turnout keeps, one per event loop, not one connection
     * each; a reload gives new flows new connections and closes the old ones once their flows are done.
     */
    @org.junit.jupiter.api.Test
    void flowsThroughAGrpcNodeShareConnectionsAndAReloadReplacesThem() throws Exception {
        // Turnout's worker loops, where the mixed port's flows run (the TUN's lanes are loops of their own, with
        // connections of their own from the tests above).
        int loops = Math.max(2, Runtime.getRuntime().availableProcessors());
        Set<String> earlier = grpcConnections();
        for (int i = 0; i < loops + 4; i++) {
            curlThroughTheMixedPort("vmess-grpc", "/shared-" + i);
        }
        Set<String> before = grpcConnections();
        Set<String> added = new HashSet<>(before);
        added.removeAll(earlier);
        assertFalse(before.isEmpty());
        assertTrue(added.size() <= loops, () -> (loops + 4) + " flows opened " + added.size() + " connections: "
                + added + log());
        long reloads = log().lines().filter(l -> l.contains("reloaded ")).count();
        client.run(Duration.ofSeconds(10), "kill", "-HUP", Files.readString(dir.resolve("turnout.pid")).trim());
        Set<String> left = before;
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (System.nanoTime() < deadline && (!left.isEmpty()
                || log().lines().filter(l -> l.contains("reloaded ")).count() == reloads)) {
            Thread.sleep(200);
            left = new HashSet<>(grpcConnections());
            left.retainAll(before);
        }
        Set<String> lingering = left;
        assertTrue(lingering.isEmpty(), () -> "the replaced outbound's connections stay open: " + lingering + log());
        curlThroughTheMixedPort("vmess-grpc", "/after-reload");
        Set<String> after = grpcConnections();
        assertFalse(after.isEmpty());
        assertTrue(Collections.disjoint(before, after), () -> before + " " + after);
    }

    private void curlThroughTheMixedPort(String proxy, String path) throws Exception {
        Netns.Result r = client.run(Duration.ofSeconds(30), "curl", "-sS", "--max-time", "10",
                "--proxy", "socks5h://127.0.0.1:7890", "http://" + VIA.get(proxy) + ":" + HTTP + path);
        assertEquals(0, r.exitCode(), r.stderr() + log());
        assertTrue(r.stdout().startsWith("hello " + path + " from "), r.stdout());
    }

    /** Turnout's end (address:port) of each established connection to vmess-grpc's gun server. */
    private Set<String> grpcConnections() throws Exception {
        Netns.Result r = client.run(Duration.ofSeconds(5), "ss", "-Htn", "state", "established",
                "dst", V2RAY + ":10445");
        return r.stdout().lines().map(l -> l.trim().split("\\s+")).filter(f -> f.length >= 4).map(f -> f[2])
                .collect(Collectors.toSet());
    }
}
