package dev.turnout.dist;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.turnout.dist.testing.Daemons;
import dev.turnout.dist.testing.Netns;
import dev.turnout.dist.testing.ScratchDir;
import java.io.IOException;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.zip.CRC32;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * Fake addresses with the default {@code tun:} and {@code dns:} settings (TUN 198.18.0.1/30, fake range
 * 198.18.0.1/16), across restarts and kill -9: no name maps into the TUN's own subnet (198.18.0.3, its broadcast
 * address, is unreachable), a cache that holds one is repaired at start, and mappings survive a kill.
 * Names resolve through Turnout's hijacked DNS; DIRECT resolves them for real through dnsmasq.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class FakeIpPersistenceIT {

    static final String CLIENT = "192.0.2.1";
    static final String SERVER = "192.0.2.2";
    static final String REMOTE = "198.51.100.2";
    static final String DNS = "198.51.100.53";
    static final String TUN_SUBNET = "198.18.0.0/30";
    static final String CONTROLLER = "127.0.0.1:9090";

    Path dir;
    Path dist;
    Netns client;
    Netns server;
    Path config;
    Path stateFile;
    Process turnout;
    Path turnoutLog;
    int starts;

    @BeforeAll
    void start() throws Exception {
        Netns.assumeUsable("curl", "dnsmasq", "dig");
        assumeTrue(Files.exists(Path.of("/dev/net/tun")), "skipped: no /dev/net/tun");
        dist = Path.of(System.getProperty("turnout.dist"));
        dir = ScratchDir.create("tfpers");
        client = Netns.create("tfpc");
        server = Netns.create("tfps");
        client.link("veth0", List.of(CLIENT + "/24"), server, "veth0", List.of(SERVER + "/24"));
        server.address("veth0", REMOTE + "/32");
        server.address("veth0", DNS + "/32");
        client.defaultRoute(SERVER);
        client.resolver("203.0.113.53");
        server.spawn(dir.resolve("http.log"), Daemons.peer("http", "8080"));
        List<String> dnsmasq = new ArrayList<>(List.of("--host-record=first.example.test," + REMOTE,
                "--host-record=broken.example.test," + REMOTE));
        for (int i = 0; i < 5; i++) {
            dnsmasq.add("--host-record=kept" + i + ".example.test," + REMOTE);
            dnsmasq.add("--host-record=stalled" + i + ".example.test," + REMOTE);
        }
        Daemons.dnsmasq(server, dir.resolve("dnsmasq.log"), DNS, 53, dnsmasq.toArray(String[]::new));
        server.awaitTcpPort(8080, Duration.ofSeconds(20));
        stateFile = dir.resolve("routes.state");
        config = dir.resolve("config.yaml");
        // No inet4-address and no fake-ip-range: the defaults are what this test is about.
        Files.writeString(config, String.join("\n",
                "log-level: info",
                "external-controller: " + CONTROLLER,
                "tun:",
                "  enable: true",
                "  device: tfpers0",
                "  auto-route: true",
                "  auto-detect-interface: true",
                "  dns-hijack: [any:53]",
                "  state-file: " + stateFile,
                "dns:",
                "  enable: true",
                "  enhanced-mode: fake-ip",
                "  nameserver: [" + DNS + "]",
                "rules:",
                "  - MATCH,DIRECT",
                ""));
        startTurnout();
    }

    private void startTurnout() throws IOException, InterruptedException {
        turnoutLog = dir.resolve("turnout-" + (++starts) + ".log");
        turnout = client.spawn(turnoutLog, dist.resolve("bin/turnout").toString(), "run", "-c", config.toString());
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (System.nanoTime() < deadline && !log().contains("running on")) {
            Thread.sleep(100);
        }
        assertTrue(log().contains("running on"), this::log);
    }

    private void stopTurnout() throws InterruptedException {
        turnout.destroy();
        assertTrue(turnout.waitFor(20, TimeUnit.SECONDS), "Turnout did not stop on SIGTERM");
    }

    @AfterAll
    void stop() throws IOException {
        Netns.closeAll(client, server);
        ScratchDir.delete(dir);
    }

    private String log() {
        return MixedPortIT.read(turnoutLog);
    }

    /** dig at an address nobody serves: only the hijack can answer. */
    private String dig(String name) throws IOException, InterruptedException {
        Netns.Result r = client.run(Duration.ofSeconds(20), "dig", "+short", "+time=3", "+tries=1", "@203.0.113.53",
                name, "A");
        assertEquals(0, r.exitCode(), r.stdout() + r.stderr() + log());
        String address = r.stdout().trim();
        assertTrue(address.matches("198\\.18\\.\\d+\\.\\d+"), name + " got '" + address + "'");
        return address;
    }

    /** Fetches {@code path} from {@code address} as {@code name}, as an application that resolved it earlier. */
    private void assertConnects(String name, String address, String path) throws IOException, InterruptedException {
        Netns.Result r = client.run(Duration.ofSeconds(30), "curl", "-sS", "--noproxy", "*", "--max-time", "10",
                "--resolve", name + ":8080:" + address, "http://" + name + ":8080" + path);
        assertEquals(0, r.exitCode(), name + " at " + address + ": " + r.stderr() + log());
        assertEquals("hello " + path + " from " + CLIENT + "\n", r.stdout());
    }

    private static boolean inTunSubnet(String address) throws IOException {
        byte[] a = InetAddress.getByName(address).getAddress();
        return (a[0] & 0xFF) == 198 && (a[1] & 0xFF) == 18 && a[2] == 0 && (a[3] & 0xFF) < 4;
    }

    @Test
    @Order(0)
    void aDashboardSeesTheTunUpAndSwitchingItOnAgainLeavesItAsItRuns() throws Exception {
        dev.turnout.dist.controller.Api api = new dev.turnout.dist.controller.Api(client, 9090, null);
        Object tun = api.get("/configs").object().get("tun");
        // The defaults' addresses too (mihomo's config.Tun names): no inet4-address is written here.
        assertEquals(java.util.Map.ofEntries(java.util.Map.entry("enable", true), java.util.Map.entry("device", "tfpers0"),
                java.util.Map.entry("stack", "System"), java.util.Map.entry("dns-hijack", List.of("any:53")),
                java.util.Map.entry("auto-route", true), java.util.Map.entry("auto-detect-interface", true),
                java.util.Map.entry("mtu", 65535), java.util.Map.entry("gso", true),
                java.util.Map.entry("inet4-address", List.of("198.18.0.1/30")),
                java.util.Map.entry("inet6-address", List.of("fdfe:dcba:9876::1/126")),
                java.util.Map.entry("strict-route", true), java.util.Map.entry("udp-timeout", 60),
                java.util.Map.entry("file-descriptor", 0)), tun);
        // metacubexd's switch sends what it shows: on, while on, is a 204 that opens nothing again (switching it
        // off and on is TunSwitchIT's).
        assertEquals(204, api.call("PATCH", "/configs", "{\"tun\":{\"enable\":true}}").status());
        assertEquals(1, log().lines().filter(l -> l.contains("TUN tfpers0 up")).count(), this::log);
        assertFalse(log().contains("TUN tfpers0 down"), this::log);
    }

    @Test
    @Order(1)
    void theFirstNameResolvedGetsAnAddressOutsideTheTunSubnetAndConnects() throws Exception {
        String first = dig("first.example.test");
        assertFalse(inTunSubnet(first), first + " is in the TUN's " + TUN_SUBNET);
        assertConnects("first.example.test", first, "/first");
    }

    @Test
    @Order(2)
    void namesResolvedBeforeAKillMapToTheSameAddressesAfterIt() throws Exception {
        List<String> before = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            before.add(dig("kept" + i + ".example.test"));
        }
        assertEquals(0, new ProcessBuilder("kill", "-9", Long.toString(turnout.pid())).start().waitFor());
        assertTrue(turnout.waitFor(10, TimeUnit.SECONDS), "Turnout still running after kill -9");
        Netns.Result cleanup = client.run(Duration.ofSeconds(60), dist.resolve("bin/turnout").toString(), "cleanup",
                "--state-file", stateFile.toString());
        assertEquals(0, cleanup.exitCode(), cleanup.stdout() + cleanup.stderr());
        startTurnout();
        // An application still holding an address from before the kill reaches its site.
        assertConnects("kept0.example.test", before.get(0), "/after-kill");
        for (int i = 0; i < 5; i++) {
            assertEquals(before.get(i), dig("kept" + i + ".example.test"), "kept" + i + ".example.test");
        }
    }

    @Test
    @Order(3)
    void aCachedAddressInTheTunSubnetIsRepairedAtStartAndItsNameConnects() throws Exception {
        stopTurnout();
        // What an older Turnout saved: the first name resolved got 198.18.0.3, the TUN subnet's broadcast address.
        String body = "turnout-fake-ip 1\npool 198.18.0.1/16\n198.18.0.3 broken.example.test\n";
        CRC32 crc = new CRC32();
        crc.update(body.getBytes(StandardCharsets.UTF_8));
        Files.writeString(dir.resolve("turnout-fakeip.cache"), body + "end 1 " + Long.toHexString(crc.getValue()) + "\n");
        startTurnout();
        assertTrue(log().contains("repaired 1 mappings"), this::log);
        String repaired = dig("broken.example.test");
        assertFalse(inTunSubnet(repaired), repaired + " is in the TUN's " + TUN_SUBNET);
        assertConnects("broken.example.test", repaired, "/repaired");
    }

    /**
     * The disk stops taking the fake-IP journal, as a file system frozen for a backup snapshot does (here the next
     * journal is a FIFO nobody reads, and the controller's flush switches to it). The journal was written on the
     * lane that answered the query, under the lock every new TUN flow takes: every flow stopped, to plain
     * addresses too. Now names still resolve and connect, and what was mapped meanwhile survives a stop.
     */
    @Test
    @Order(4)
    void aDiskThatStopsTakingTheFakeIpJournalStopsNoFlowAndLosesNoMapping() throws Exception {
        long current;
        try (var files = Files.list(dir)) {
            current = files.map(p -> p.getFileName().toString()).filter(n -> n.startsWith("turnout-fakeip.cache.journal."))
                    .mapToLong(n -> Long.parseLong(n.substring(n.lastIndexOf('.') + 1))).max().orElseThrow();
        }
        Path fifo = dir.resolve("turnout-fakeip.cache.journal." + (current + 1));
        assertEquals(0, new ProcessBuilder("mkfifo", fifo.toString()).start().waitFor(), "mkfifo");
        Thread reader = null;
        try {
            Netns.Result flush = client.run(Duration.ofSeconds(30), "curl", "-sS", "--noproxy", "*", "--max-time", "10",
                    "-o", "/dev/null", "-w", "%{http_code}", "-X", "POST", "http://" + CONTROLLER + "/cache/fakeip/flush");
            assertEquals("204", flush.stdout(), flush.stderr() + log());
            List<String> stalled = new ArrayList<>();
            for (int i = 0; i < 5; i++) {
                String name = "stalled" + i + ".example.test";
                stalled.add(dig(name));
                assertConnects(name, stalled.get(i), "/stalled" + i);
            }
            Netns.Result plain = client.run(Duration.ofSeconds(30), "curl", "-sS", "--noproxy", "*", "--max-time", "10",
                    "http://" + REMOTE + ":8080/plain");
            assertEquals(0, plain.exitCode(), plain.stderr() + log());

            reader = new Thread(() -> {
                try (var in = Files.newInputStream(fifo)) {
                    in.transferTo(java.io.OutputStream.nullOutputStream());
                } catch (IOException e) {
                    // the stop closed it
                }
            }, "fifo-reader");
            reader.start();
            stopTurnout();
            startTurnout();
            for (int i = 0; i < 5; i++) {
                assertEquals(stalled.get(i), dig("stalled" + i + ".example.test"), "stalled" + i + ".example.test");
            }
        } finally {
            if (reader == null) {
                // Whatever failed, the journal's thread must not stay blocked opening the FIFO.
                try (var unblock = java.nio.channels.FileChannel.open(fifo, java.nio.file.StandardOpenOption.READ,
                        java.nio.file.StandardOpenOption.WRITE)) {
                    stopTurnout();
                }
            } else {
                reader.join(10_000);
            }
        }
    }
}
