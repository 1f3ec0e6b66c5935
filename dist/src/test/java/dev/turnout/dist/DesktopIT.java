package dev.turnout.dist;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.turnout.api.testing.Required;
import dev.turnout.dist.controller.BrowserScript;
import dev.turnout.dist.testing.Daemons;
import dev.turnout.dist.testing.Netns;
import dev.turnout.dist.testing.ScratchDir;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * TUN mode on a namespace that stands in for a desktop: its resolver is a dnsmasq on the home router, on the
 * desktop's own subnet (which the split routes leave outside the TUN), and it has IPv6 from the router while
 * the TUN has none. Applications are plain curl with no proxy settings. With dns-hijack, the system's resolver
 * must reach Turnout (names get fake addresses and the rules see them), and IPv6 must not go around the TUN.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class DesktopIT {

    static final String DESKTOP = "192.0.2.1";
    static final String ROUTER = "192.0.2.2";
    static final String DESKTOP6 = "2001:db8:1::1";
    static final String ROUTER6 = "2001:db8:1::2";
    static final String REMOTE = "198.51.100.2";
    /** A server with only an IPv6 address. */
    static final String REMOTE6 = "2001:db8:2::80";
    static final int HTTP = 8080;
    static final String DEVICE = "tdesk0";

    Path dir;
    Netns desktop;
    Netns router;
    Process turnout;
    Path logFile;

    @BeforeAll
    void start() throws Exception {
        Netns.assumeUsable("curl", "dnsmasq");
        Required.that(Files.exists(Path.of("/dev/net/tun")), () -> "no /dev/net/tun (TUN support)");
        dir = ScratchDir.create("s13-desktop");
        desktop = Netns.create("tdeskc");
        router = Netns.create("tdeskr");
        desktop.link("lan0", List.of(DESKTOP + "/24", DESKTOP6 + "/64"), router, "lan0", List.of(ROUTER + "/24", ROUTER6 + "/64"));
        router.address("lan0", REMOTE + "/32");
        router.address("lan0", REMOTE6 + "/128");
        desktop.defaultRoute(ROUTER);
        desktop.defaultRoute(ROUTER6);
        desktop.resolver(ROUTER);
        router.spawn(dir.resolve("http.log"), Daemons.peer("http", Integer.toString(HTTP)));
        Daemons.dnsmasq(router, dir.resolve("dnsmasq.log"), ROUTER, 53, "--host-record=web.example.test," + REMOTE,
                "--host-record=blocked.example.test," + REMOTE,
                // A home router's resolver answers what it has no record of (Chromium's HTTPS-record lookups, which
                // Turnout forwards): NXDOMAIN or NODATA, never REFUSED, which resolvers retry; Chromium then held its
                // first request so long that the server's 10 s read timeout closed the connection (1 run in 10).
                "--local=/example.test/");
        router.awaitTcpPort(HTTP, Duration.ofSeconds(20));
        router.awaitTcpPort(53, Duration.ofSeconds(20));
    }

    /** Starts Turnout in the desktop with {@code tunExtra} lines added to its tun section. */
    private void startTurnout(String name, String... tunExtra) throws Exception {
        startTurnout(name, true, tunExtra);
    }

    /** @param routerNameserver {@code nameserver: [ROUTER]}; without it Turnout asks the system's, resolv.conf's */
    private void startTurnout(String name, boolean routerNameserver, String... tunExtra) throws Exception {
        List<String> lines = new ArrayList<>(List.of(
                "log-level: info",
                "tun:",
                "  enable: true",
                "  device: " + DEVICE,
                "  auto-route: true",
                "  auto-detect-interface: true",
                "  dns-hijack: [any:53]",
                "  state-file: " + dir.resolve(name + ".state")));
        lines.addAll(List.of(tunExtra));
        lines.addAll(List.of(
                "dns:",
                "  enable: true",
                "  enhanced-mode: fake-ip",
                "  fake-ip-range: 198.18.0.1/16",
                // Turnout asks the same router: its own sockets leave through lan0, around the host route.
                routerNameserver ? "  nameserver: [" + ROUTER + "]" : "",
                "rules:",
                "  - DOMAIN,blocked.example.test,REJECT",
                "  - MATCH,DIRECT"));
        Path config = dir.resolve(name + ".yaml");
        Files.writeString(config, String.join("\n", lines) + "\n");
        logFile = dir.resolve(name + ".log");
        turnout = desktop.spawn(logFile, Path.of(System.getProperty("turnout.dist")).resolve("bin/turnout").toString(),
                "run", "-c", config.toString());
        awaitLog("running on", Duration.ofSeconds(30));
    }

    @AfterEach
    void stopTurnout() throws InterruptedException {
        if (turnout != null) {
            turnout.destroy();
            assertTrue(turnout.waitFor(15, TimeUnit.SECONDS), "Turnout did not stop on SIGTERM");
            turnout = null;
        }
    }

    @AfterAll
    void stop() throws IOException {
        Netns.closeAll(desktop, router);
        ScratchDir.delete(dir);
    }

    /**
     * resolv.conf changes with every network joined (DHCP names the next router); the host routes made at start
     * cannot know that router. Here the resolver moves, after the start, to another address of the local subnet.
     */
    @Test
    void aResolverOfANetworkJoinedAfterTheStartIsAnsweredByTurnoutToo() throws Exception {
        Netns.assumeUsable("dig");
        startTurnout("joined");
        assertTrue(log().contains("UDP to port 53 of every IPv4 address"), log());
        // 192.0.2.3: no one there. Without the port rule the query leaves on lan0 and is never answered.
        Netns.Result dig = desktop.run(Duration.ofSeconds(20), "dig", "+short", "+tries=1", "+time=3",
                "@192.0.2.3", "web.example.test");
        assertEquals(0, dig.exitCode(), dig.stdout() + dig.stderr() + log());
        assertTrue(dig.stdout().strip().startsWith("198.18."), "a fake address from Turnout: " + dig.stdout());

        stopTurnout();
        Netns.Result rules = desktop.run(Duration.ofSeconds(10), "ip", "rule", "show");
        assertFalse(rules.stdout().contains("dport 53"), "the rule went with Turnout: " + rules.stdout());
    }

    /**
     * Another program sets the TUN down and up again (a network applet may): the kernel deletes the device's routes
     * and puts none back, and capture had stopped without a word, names getting real addresses.
     */
    @Test
    void routesTheKernelDroppedWithTheDeviceSetDownAndUpArePutBack() throws Exception {
        startTurnout("flap");
        desktop.ip(List.of("link", "set", "dev", DEVICE, "down"));
        desktop.ip(List.of("link", "set", "dev", DEVICE, "up"));
        // That the kernel dropped them is in the warning: they may be back before an 'ip route' here could look.
        awaitLog("tun " + DEVICE + " lost its routes (set down by another program?): capture resumes", Duration.ofSeconds(10));
        desktop.awaitSplitRoutes(DEVICE, this::log);
        Netns.Result web = curl("http://web.example.test:" + HTTP + "/after-flap");
        assertEquals(0, web.exitCode(), web.stderr() + log());
        assertTrue(web.stdout().split("\n")[1].startsWith("198.18."), "a fake address again: " + web.stdout());
    }

    @Test
    void theResolversHostRouteIsInPlaceBeforeTheRoutesThatCaptureEverythingElse() throws Exception {
        Path monitor = dir.resolve("routes.monitor");
        Process watch = desktop.spawn(monitor, "ip", "-4", "monitor", "route");
        try {
            // ip monitor prints nothing to say it listens: a route made and removed marks that it does.
            desktop.run(Duration.ofSeconds(10), "ip", "route", "add", "203.0.113.250/32", "dev", "lo");
            desktop.run(Duration.ofSeconds(10), "ip", "route", "del", "203.0.113.250/32", "dev", "lo");
            waitForLine(monitor, "203.0.113.250", Duration.ofSeconds(10));
            startTurnout("order");
            waitForLine(monitor, "0.0.0.0/1 dev " + DEVICE, Duration.ofSeconds(10));
        } finally {
            watch.destroy();
            watch.waitFor(10, TimeUnit.SECONDS);
        }
        List<String> added = Files.readAllLines(monitor).stream().filter(l -> !l.startsWith("Deleted")).toList();
        int host = indexOf(added, ROUTER + " dev " + DEVICE);
        int capture = indexOf(added, "0.0.0.0/1 dev " + DEVICE);
        assertTrue(host >= 0 && host < capture, "the resolver's host route comes first (queries sent between the two "
                + "would go around the TUN): " + added);
    }

    private static int indexOf(List<String> lines, String prefix) {
        for (int i = 0; i < lines.size(); i++) {
            if (lines.get(i).startsWith(prefix)) {
                return i;
            }
        }
        return -1;
    }

    private static void waitForLine(Path file, String text, Duration limit) throws Exception {
        long end = System.nanoTime() + limit.toNanos();
        while (!MixedPortIT.read(file).contains(text)) {
            assertTrue(System.nanoTime() < end, "no '" + text + "' in " + file + ": " + MixedPortIT.read(file));
            Thread.sleep(50);
        }
    }

    @Test
    void theSystemResolverOnTheLocalSubnetIsAnsweredByTurnoutAndTheRulesSeeTheNames() throws Exception {
        startTurnout("dns");
        Netns.Result web = curl("http://web.example.test:" + HTTP + "/web");
        assertEquals(0, web.exitCode(), web.stderr() + log());
        String[] out = web.stdout().split("\n");
        assertTrue(out[1].startsWith("198.18."), "curl connected to a fake address, not the router's answer: " + out[1]);
        assertEquals("hello /web from " + DESKTOP, out[0], "DIRECT through lan0");
        assertTrue(log().contains("web.example.test:" + HTTP + " match MATCH using DIRECT"), log());

        Netns.Result blocked = curl("http://blocked.example.test:" + HTTP + "/blocked");
        assertNotEquals(0, blocked.exitCode(), "the domain rule applied: " + blocked.stdout());
        assertTrue(log().contains("blocked.example.test:" + HTTP + " match DOMAIN,blocked.example.test using REJECT"), log());
        assertTrue(log().contains("system DNS: resolv.conf nameserver " + ROUTER + " routed into " + DEVICE), "says how: " + log());

        stopTurnout();
        Netns.Result routes = desktop.run(Duration.ofSeconds(10), "ip", "-4", "route", "show", ROUTER + "/32");
        assertEquals("", routes.stdout().trim(), "the host route went with Turnout");
    }

    @Test
    void afterKillNineCleanupAccountsForTheRecordedHostRoute() throws Exception {
        startTurnout("crash");
        Path state = dir.resolve("crash.state");
        assertTrue(Files.readString(state).contains("route=-4 " + ROUTER + "/32 dev " + DEVICE), Files.readString(state));
        turnout.destroyForcibly();
        assertTrue(turnout.waitFor(15, TimeUnit.SECONDS));
        turnout = null;
        Netns.Result cleanup = desktop.run(Duration.ofSeconds(60),
                Path.of(System.getProperty("turnout.dist")).resolve("bin/turnout").toString(), "cleanup",
                "--state-file", state.toString());
        assertEquals(0, cleanup.exitCode(), cleanup.stdout() + cleanup.stderr());
        assertTrue(cleanup.stdout().contains(ROUTER + "/32 dev " + DEVICE), cleanup.stdout());
        assertFalse(Files.exists(state), "state file removed");
        Netns.Result web = curl("http://web.example.test:" + HTTP + "/after");
        assertEquals(REMOTE, web.stdout().split("\n")[1], "the router answers again, directly: " + web.stdout() + web.stderr());
    }

    @Test
    void ipv6DoesNotGoAroundATunWithoutIpv6ItIsRefusedAtOnce() throws Exception {
        startTurnout("v6", "  inet6-address: []"); // mihomo's way to keep IPv6 off the TUN, whose default has it
        long started = System.nanoTime();
        Netns.Result r = curl("http://[" + REMOTE6 + "]:" + HTTP + "/v6");
        long millis = (System.nanoTime() - started) / 1_000_000;
        assertEquals(7, r.exitCode(), "curl: could not connect: " + r.stdout() + r.stderr());
        assertTrue(millis < 5_000, "refused at once, not timed out: " + millis + " ms");
        // Exit code 7 is also what shows the server never saw it: around the TUN, the server answers (curl exits 0,
        // as withStrictRouteOffIpv6BypassesTheTun shows). Its log names no requests, so it cannot show this.
        assertTrue(log().contains("IPv6 is captured and refused"), "says so: " + log());
    }

    @Test
    void withStrictRouteOffIpv6BypassesTheTun() throws Exception {
        startTurnout("v6off", "  strict-route: false", "  inet6-address: []");
        Netns.Result r = curl("http://[" + REMOTE6 + "]:" + HTTP + "/v6off");
        assertEquals(0, r.exitCode(), r.stderr() + log());
        assertEquals("hello /v6off from 2001:db8:1:0:0:0:0:1", r.stdout().split("\n")[0],
                "straight from the desktop (" + DESKTOP6 + "), around the TUN");
    }

    /**
     * A desktop browser takes the same system-DNS path as curl: Chromium (its own resolver reads resolv.conf, as on
     * a desktop; no secure-DNS upgrade exists for a home router's address; the pages are plain HTTP, so no QUIC)
     * connects to the fake address Turnout answered for the router, the page comes through the TUN and DIRECT,
     * and the name the rules reject does not load.
     */
    @Test
    void headlessChromiumOpensPagesByNameThroughTheTunAndTheRulesApply() throws Exception {
        Path pw = playwright();
        startTurnout("chromium");
        assertChromiumGoesWhereTheRulesSay(pw, "/chromium");
    }

    /**
     * systemd-resolved's arrangement without resolved (which cannot run in a namespace): resolv.conf names a stub on
     * 127.0.0.53, a dnsmasq that forwards to the router. No route can capture a loopback resolver, so Turnout rules
     * what the stub forwards (UDP port 53) into the TUN, where dns-hijack answers it; curl and Chromium get fake
     * addresses, and the rule goes with Turnout.
     */
    @Test
    void aLocalStubResolverLikeSystemdResolvedStillGivesFakeAddresses() throws Exception {
        Path pw = playwright();
        Process stub = Daemons.dnsmasq(desktop, dir.resolve("stub.log"), "127.0.0.53", 53, "--cache-size=0",
                "--server=" + ROUTER);
        try {
            desktop.resolver("127.0.0.53");
            desktop.awaitTcpPort(53, Duration.ofSeconds(20));
            startTurnout("stub");
            Netns.Result web = curl("http://web.example.test:" + HTTP + "/stub");
            assertEquals(0, web.exitCode(), web.stderr() + log());
            assertTrue(web.stdout().split("\n")[1].startsWith("198.18."), "curl through the stub got a fake address: " + web.stdout());
            assertTrue(MixedPortIT.read(dir.resolve("stub.log")).contains("query[A] web.example.test from 127.0.0.1"),
                    "curl asked the stub: " + MixedPortIT.read(dir.resolve("stub.log")));
            assertChromiumGoesWhereTheRulesSay(pw, "/stub-chromium");
            assertTrue(log().contains("system DNS: resolv.conf nameserver 127.0.0.53 is a local stub: what it forwards "
                    + "(UDP port 53) is routed into " + DEVICE), "says how: " + log());

            stopTurnout();
            Netns.Result rules = desktop.run(Duration.ofSeconds(10), "ip", "-4", "rule", "show");
            assertFalse(rules.stdout().contains("dport 53"), "the rule went with Turnout: " + rules.stdout());
        } finally {
            stub.destroy();
            desktop.resolver(ROUTER);
        }
    }

    /**
     * The same stub as Turnout's own nameserver ({@code nameserver} left out: the system's): what Turnout asks the stub,
     * the stub forwards, the TUN captures it, and answered by Turnout it asked the stub again, in a circle, so every
     * DIRECT flow by name failed (readme tester F9). Such a forward of Turnout's own question now goes on to the router.
     */
    @Test
    void aLocalStubAsTurnoutsOwnNameserverDoesNotAskItselfInACircle() throws Exception {
        Process stub = Daemons.dnsmasq(desktop, dir.resolve("own-stub.log"), "127.0.0.53", 53, "--cache-size=0",
                "--server=" + ROUTER);
        try {
            desktop.resolver("127.0.0.53");
            desktop.awaitTcpPort(53, Duration.ofSeconds(20));
            startTurnout("ownstub", false);
            Netns.Result web = curl("http://web.example.test:" + HTTP + "/ownstub");
            assertEquals(0, web.exitCode(), web.stderr() + log());
            assertTrue(web.stdout().split("\n")[1].startsWith("198.18."), "a fake address: " + web.stdout());
            assertTrue(web.stdout().startsWith("hello /ownstub"), "DIRECT by name: " + web.stdout() + log());
            assertTrue(log().contains("a nameserver on this machine (a local stub) forwards Turnout's questions"),
                    log());
        } finally {
            stopTurnout();
            stub.destroy();
            desktop.resolver(ROUTER);
        }
    }

    private static Path playwright() {
        Netns.assumeUsable("chromium", "node");
        Path pw = BrowserScript.requirePlaywright();
        return pw;
    }

    /** Chromium opens web.example.test at {@code path} from a fake address, DIRECT, and blocked.example.test fails. */
    private void assertChromiumGoesWhereTheRulesSay(Path pw, String path) throws Exception {
        String web = "http://web.example.test:" + HTTP + path;
        String blocked = "http://blocked.example.test:" + HTTP + "/blocked" + path;
        Netns.Result r = desktop.run(Duration.ofSeconds(120), "env", "NODE_PATH=" + pw, "HOME=" + dir, "node",
                PagesByNameScript.write(dir).toString(), dir.resolve("chromium-profile" + path.replace('/', '-')).toString(), web, blocked);
        String out = r.stdout() + r.stderr();
        assertEquals(0, r.exitCode(), out + log());
        String loaded = out.lines().filter(l -> l.startsWith("LOADED " + web + " ")).findFirst().orElse("");
        String[] fields = loaded.split(" ", 5);
        assertEquals(5, fields.length, () -> "the page loaded: " + out + log() + "\n--- the web server:\n"
                + MixedPortIT.read(dir.resolve("http.log")));
        assertEquals("200", fields[2], out);
        assertTrue(fields[3].startsWith("198.18."), "Chromium connected to a fake address, not the router's answer: " + out);
        assertEquals("hello " + path + " from " + DESKTOP, fields[4], "DIRECT through lan0: " + out);
        assertTrue(log().contains("web.example.test:" + HTTP + " match MATCH using DIRECT"), log());

        assertTrue(out.contains("FAILED " + blocked + " "), "the rejected name does not load: " + out);
        assertTrue(log().contains("blocked.example.test:" + HTTP + " match DOMAIN,blocked.example.test using REJECT"), log());
    }

    /** curl with no proxy: the body, then the address it connected to. */
    private Netns.Result curl(String url) throws IOException, InterruptedException {
        return desktop.run(Duration.ofSeconds(30), "curl", "-gsS", "--noproxy", "*", "--max-time", "10",
                "-w", "%{remote_ip}", url);
    }

    private void awaitLog(String text, Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!log().contains(text) && System.nanoTime() < deadline) {
            Thread.sleep(100);
        }
        assertTrue(log().contains(text), () -> "no '" + text + "' in the log:\n" + log());
    }

    private String log() {
        return logFile == null ? "" : MixedPortIT.read(logFile);
    }
}
