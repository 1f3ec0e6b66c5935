package dev.turnout.dist;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.turnout.api.testing.Required;
import dev.turnout.dist.testing.CurlExits;
import dev.turnout.dist.testing.Daemons;
import dev.turnout.dist.testing.Netns;
import dev.turnout.dist.testing.ScratchDir;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * Fake-IP DNS end to end: applications in the client namespace resolve names through Turnout's hijacked DNS,
 * connect to the fake addresses with no proxy settings, and every flow arrives with its domain: the SOCKS5
 * plugin sends the name to dante, the HTTP plugin the host name to tinyproxy, DIRECT resolves it through
 * dnsmasq (the upstream, in the server namespace).
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class FakeIpIT {

    static final String CLIENT = "192.0.2.1";
    static final String SERVER = "192.0.2.2";
    static final String REMOTE = "198.51.100.2";
    static final String DNS = "198.51.100.53";

    Path dir;
    Path dist;
    Netns client;
    Netns server;
    Path config;
    Path danteLog;
    Path tinyproxyLog;
    Process turnout;

    @BeforeAll
    void start() throws Exception {
        Netns.assumeUsable("danted", "tinyproxy", "curl", "dnsmasq", "dig");
        Required.that(Files.exists(Path.of("/dev/net/tun")), () -> "no /dev/net/tun (TUN support)");
        dist = Path.of(System.getProperty("turnout.dist"));
        dir = ScratchDir.create("tfake");
        client = Netns.create("tfakec");
        server = Netns.create("tfakes");
        client.link("veth0", List.of(CLIENT + "/24"), server, "veth0", List.of(SERVER + "/24"));
        server.address("veth0", REMOTE + "/32");
        server.address("veth0", DNS + "/32");
        client.defaultRoute(SERVER);
        // The client's system resolver points at an address nobody serves: only the TUN's hijack answers.
        client.resolver("203.0.113.53");
        // The proxies resolve the names Turnout sends them from their own hosts file.
        server.hosts(Map.of("socks.example.test", REMOTE, "http.example.test", REMOTE, "udp-socks.example.test", DNS));
        server.spawn(dir.resolve("http.log"), Daemons.peer("http", "8080"));
        Daemons.dnsmasq(server, dir.resolve("dnsmasq.log"), DNS, 53, "--host-record=direct.example.test," + REMOTE, "--host-record=filtered.example.test,203.0.113.77",
                "--host-record=socks.example.test,203.0.113.99", "--host-record=udp.example.test," + DNS,
                // Names it has no record of (the browser's HTTPS-record lookups) get NXDOMAIN or NODATA, not the
                // REFUSED of a dnsmasq with no upstream, which resolvers retry (see DesktopIT).
                "--local=/example.test/");
        // A UDP service by name: a second dnsmasq, on another port (the TUN answers port 53 itself).
        Daemons.dnsmasq(server, dir.resolve("dnsmasq5353.log"), DNS, 5353,
                "--host-record=other.example.test,198.51.100.99", "--local=/example.test/");
        danteLog = dir.resolve("danted.log");
        tinyproxyLog = dir.resolve("tinyproxy.log");
        Daemons.dante(server, dir, REMOTE, 1080, danteLog);
        Daemons.tinyproxy(server, dir, REMOTE, "192.0.2.0/24", 3128, tinyproxyLog, 8080);
        server.awaitTcpPort(8080, Duration.ofSeconds(20));
        config = dir.resolve("config.yaml");
        Files.writeString(config, String.join("\n",
                "log-level: info",
                "tun:",
                "  enable: true",
                "  device: tfake0",
                "  auto-route: true",
                "  auto-detect-interface: true",
                "  dns-hijack: [any:53]",
                "  state-file: " + dir.resolve("routes.state"),
                "dns:",
                "  enable: true",
                "  enhanced-mode: fake-ip",
                "  fake-ip-range: 198.18.0.1/16",
                "  fake-ip-filter: ['filtered.example.test']",
                "  nameserver: [" + DNS + "]",
                "sniffer: {enable: true, sniff: {HTTP: {ports: [8080]}}}",
                "proxies:",
                "  - {name: dante, type: socks5, server: " + REMOTE + ", port: 1080, udp: true}",
                "  - {name: tiny, type: http, server: " + REMOTE + ", port: 3128}",
                "rules:",
                "  - DOMAIN,socks.example.test,dante",
                "  - DOMAIN,udp-socks.example.test,dante",
                "  - DOMAIN,http.example.test,tiny",
                "  - DOMAIN-SUFFIX,reject.example.test,REJECT",
                "  - MATCH,DIRECT",
                ""));
        turnout = startTurnout("turnout.log");
    }

    private Process startTurnout(String logName) throws IOException, InterruptedException {
        Process p = client.spawn(dir.resolve(logName), dist.resolve("bin/turnout").toString(), "run", "-c", config.toString(),
                "--pid-file", dir.resolve("pid").toString());
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (System.nanoTime() < deadline && !MixedPortIT.read(dir.resolve(logName)).contains("running on")) {
            Thread.sleep(100);
        }
        assertTrue(MixedPortIT.read(dir.resolve(logName)).contains("running on"), () -> MixedPortIT.read(dir.resolve(logName)));
        return p;
    }

    @AfterAll
    void stop() throws IOException {
        Netns.closeAll(client, server);
        ScratchDir.delete(dir);
    }

    /** dig at an address nobody serves: only the hijack can answer. */
    private String dig(String name, String type, String... options) throws IOException, InterruptedException {
        List<String> cmd = new java.util.ArrayList<>(List.of("dig", "+short", "+time=3", "+tries=1"));
        cmd.addAll(List.of(options));
        cmd.addAll(List.of("@203.0.113.53", name, type));
        Netns.Result r = client.run(Duration.ofSeconds(20), cmd.toArray(String[]::new));
        assertEquals(0, r.exitCode(), r.stdout() + r.stderr() + log());
        return r.stdout().trim();
    }

    private String log() {
        return MixedPortIT.read(dir.resolve("turnout.log"));
    }

    @Test
    @Order(1)
    void answersComeFromTheFakeRangeAndStayTheSame() throws Exception {
        String first = dig("a.example.test", "A");
        assertTrue(first.matches("198\\.18\\.\\d+\\.\\d+"), first);
        assertEquals(first, dig("a.example.test", "A"));
        assertEquals(first, dig("a.example.test", "A", "+tcp"), "DNS over TCP is hijacked too, with the same answer");
        assertNotEquals(first, dig("b.example.test", "A"));
        assertEquals("203.0.113.77", dig("filtered.example.test", "A"), "fake-ip-filter names get dnsmasq's answer");
        assertEquals("", dig("a.example.test", "AAAA"), "ipv6 is off: no AAAA answer");
    }

    /** curl in the client namespace with no proxy settings, as any application there. */
    private Netns.Result curl(String... args) throws IOException, InterruptedException {
        List<String> cmd = new java.util.ArrayList<>(List.of("curl", "-sS", "--noproxy", "*", "--max-time", "10"));
        cmd.addAll(List.of(args));
        return client.run(Duration.ofSeconds(30), cmd.toArray(String[]::new));
    }

    private Netns.Result curlByName(String name, String path) throws IOException, InterruptedException {
        String address = dig(name, "A");
        return curl("--resolve", name + ":8080:" + address, "http://" + name + ":8080" + path);
    }

    /** Fetches {@code path} from the fake address of {@code name}; the server must see it come from {@code from}. */
    private void assertFetchedByName(String name, String path, String from) throws IOException, InterruptedException {
        Netns.Result r = curlByName(name, path);
        assertEquals(0, r.exitCode(), r.stderr() + log());
        assertEquals("hello " + path + " from " + from + "\n", r.stdout());
    }

    @Test
    @Order(2)
    void socks5PluginSendsTheNameToDante() throws Exception {
        assertFetchedByName("socks.example.test", "/socks", REMOTE);
        assertTrue(MixedPortIT.read(danteLog).contains("ATYP: 3 address: socks.example.test.8080"),
                () -> MixedPortIT.read(danteLog));
        assertTrue(log().contains("--> socks.example.test:8080 match DOMAIN,socks.example.test using dante"), log());
    }

    @Test
    @Order(3)
    void httpPluginSendsTheHostNameToTinyproxy() throws Exception {
        assertFetchedByName("http.example.test", "/http", REMOTE);
        assertTrue(MixedPortIT.read(tinyproxyLog).contains("http.example.test"), () -> MixedPortIT.read(tinyproxyLog));
    }

    @Test
    @Order(4)
    void directResolvesTheNameThroughTheUpstream() throws Exception {
        assertFetchedByName("direct.example.test", "/direct", CLIENT);
        assertTrue(log().contains("--> direct.example.test:8080 match MATCH using DIRECT"), log());
    }

    @Test
    @Order(5)
    void rejectedNameIsRefused() throws Exception {
        Netns.Result r = curlByName("ads.reject.example.test", "/");
        // A reset (a failed name lookup would be 6).
        assertTrue(CurlExits.reset(r), "curl exit " + r.exitCode() + ": " + r.stderr() + log());
        assertTrue(MixedPortIT.awaitLog(dir.resolve("turnout.log"),
                "--> ads.reject.example.test:8080 match DOMAIN-SUFFIX,reject.example.test using REJECT"), this::log);
    }

    @Test
    @Order(5)
    void applicationsUsingTheSystemResolverReachNamedSitesWithNoProxySettings() throws Exception {
        for (String[] site : new String[][] {{"socks.example.test", REMOTE}, {"http.example.test", REMOTE},
                {"direct.example.test", CLIENT}}) {
            Netns.Result r = curl("http://" + site[0] + ":8080/plain");
            assertEquals(0, r.exitCode(), site[0] + ": " + r.stderr() + log());
            assertEquals("hello /plain from " + site[1] + "\n", r.stdout(), site[0]);
        }
    }

    @Test
    @Order(5)
    void aRealBrowserReachesANamedSiteThroughTheRules() throws Exception {
        Required.nothingMissing(Daemons.missing("chromium"));
        Path profile = Files.createDirectories(dir.resolve("chromium-profile"));
        Netns.Result r = client.run(Duration.ofSeconds(90), "chromium", "--headless", "--no-sandbox", "--disable-gpu",
                "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update",
                "--disable-sync", "--user-data-dir=" + profile, "--dump-dom", "http://socks.example.test:8080/browser");
        // Once in CI, dante took over 10 s to answer this page's CONNECT: its log says what it was doing meanwhile.
        assertTrue(r.stdout().contains("hello /browser from " + REMOTE), () -> r.stdout() + r.stderr() + log()
                + "\n--- dante, but for its debug lines:\n" + withoutDebugLines(danteLog) + "\n--- the web server:\n"
                + MixedPortIT.read(dir.resolve("http.log")));
        assertTrue(log().contains("--> socks.example.test:8080 match DOMAIN,socks.example.test using dante"), log());
    }

    /**
     * An application's UDP to the fake address of a name reaches the name (it went to the fake address, which leads
     * nowhere, before: the flow was routed by the name and its datagrams were not), DIRECT and through dante.
     */
    @Test
    @Order(5)
    void udpToAFakeAddressReachesTheNameItStandsFor() throws Exception {
        for (String name : List.of("udp.example.test", "udp-socks.example.test")) {
            Netns.Result r = client.run(Duration.ofSeconds(20), "dig", "+short", "+time=3", "+tries=1", "-p", "5353",
                    "@" + name, "other.example.test");
            assertEquals("198.51.100.99", r.stdout().trim(), () -> name + ": " + r + log());
        }
        assertTrue(log().matches("(?s).*\\[UDP\\] [0-9.]+:\\d+ --> udp\\.example\\.test:5353 match MATCH using DIRECT.*"),
                this::log);
        assertTrue(log().contains("--> udp-socks.example.test:5353 match DOMAIN,udp-socks.example.test using dante"),
                this::log);
    }

    @Test
    @Order(6)
    void aFakeAddressWithoutANameIsRefusedNotSentSomewhere() throws Exception {
        Netns.Result r = client.run(Duration.ofSeconds(20), "curl", "-sS", "--noproxy", "*", "--max-time", "5",
                "http://198.18.200.200:8080/");
        assertTrue(CurlExits.reset(r), "a reset, curl exit " + r.exitCode() + ": " + r.stderr());
        assertTrue(log().contains("198.18.200.200:8080 refused: a fake address with no name behind it"), log());
    }

    @Test
    @Order(6)
    void aFakeAddressWithoutANameGoesByTheNameTheSnifferFindsAsInMihomo() throws Exception {
        // An application still holding an answer from before a restart: its Host names where it meant to go.
        Netns.Result r = client.run(Duration.ofSeconds(20), "curl", "-sS", "--noproxy", "*", "--max-time", "5",
                "-H", "Host: http.example.test", "http://198.18.200.201:8080/stale");
        assertEquals(0, r.exitCode(), r.stderr() + log());
        assertTrue(r.stdout().startsWith("hello /stale"), r.stdout());
        assertTrue(log().contains("--> http.example.test:8080 match DOMAIN,http.example.test using tiny"), log());
    }

    @Test
    @Order(7)
    void aNameResolvedBeforeARestartStillConnectsAfterIt() throws Exception {
        String before = dig("direct.example.test", "A");
        turnout.destroy();
        assertTrue(turnout.waitFor(20, TimeUnit.SECONDS));
        turnout = startTurnout("turnout-2.log");
        // The application kept the fake address from before the restart.
        Netns.Result r = curl("http://" + before + ":8080/again");
        assertEquals(0, r.exitCode(), r.stderr() + MixedPortIT.read(dir.resolve("turnout-2.log")));
        assertEquals("hello /again from " + CLIENT + "\n", r.stdout());
        assertEquals(before, dig("direct.example.test", "A"));
    }

    /** Dante's log at debug 1 has some 50 lines per connection; its info lines give each session and its timing. */
    private static String withoutDebugLines(Path danteLog) {
        return MixedPortIT.read(danteLog).lines().filter(l -> !l.contains(": debug: ")).limit(200)
                .collect(java.util.stream.Collectors.joining("\n"));
    }
}
