package dev.turnout.dist;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.turnout.api.testing.Required;
import dev.turnout.dist.testing.Daemons;
import dev.turnout.dist.testing.Netns;
import dev.turnout.dist.testing.ScratchDir;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * Turnout's own IPv6 UDP learns a smaller path MTU in TUN mode. Client, router and server namespaces, the router's link
 * to the server at MTU 1280: a datagram of 1,400 bytes draws a Packet Too Big. Without Turnout the client's kernel
 * files the 1280 and the next try goes through, in fragments. With Turnout's TUN routes ({@code ::/1},
 * {@code 8000::/1}) the kernel filed it under the TUN's route while DIRECT's socket, bound to the uplink, kept using
 * the uplink's: every try was dropped again (no echo in five, with the path-MTU table taken out). Also: the table's
 * copy follows the uplink's default route, and nothing of it is left after a stop or after kill -9 and
 * {@code turnout cleanup}, nor of a killed run's when Turnout starts again without it.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class PathMtuIT {

    static final String CLIENT = "2001:db8:1::2";
    static final String GATEWAY = "2001:db8:1::1";
    /** A second address of the router on the client's link: the default route moves there. */
    static final String OTHER_GATEWAY = "2001:db8:1::3";
    static final String SERVER = "2001:db8:2::2";
    static final int ECHO = 5300;
    static final int LARGE = 1400;
    /** What the echo's client prints for a whole answer: Java's long form of the server's address. */
    static final String ECHOED = "echo of 1400 bytes from 2001:db8:2:0:0:0:0:2\n";

    Path dist;
    Path dir;
    Path config;
    Path stateFile;
    Netns client;
    Netns router;
    Netns server;
    Process turnout;
    String rulesBefore;
    int runs;

    @BeforeAll
    void start() throws Exception {
        Netns.assumeUsable();
        Required.that(Files.exists(Path.of("/dev/net/tun")), () -> "no /dev/net/tun (TUN support)");
        dist = Path.of(System.getProperty("turnout.dist"));
        dir = ScratchDir.create("tpmtu");
        client = Netns.create("tpmtuc");
        router = Netns.create("tpmtur");
        server = Netns.create("tpmtus");
        client.link("up0", List.of(CLIENT + "/64"), router, "down0", List.of(GATEWAY + "/64", OTHER_GATEWAY + "/64"));
        router.link("up0", List.of("2001:db8:2::1/64"), server, "down0", List.of(SERVER + "/64"));
        router.ip(List.of("link", "set", "up0", "mtu", "1280"));
        server.ip(List.of("link", "set", "down0", "mtu", "1280"));
        Netns.Result forwarding = router.run(Duration.ofSeconds(5), "sysctl", "-w", "net.ipv6.conf.all.forwarding=1");
        assertEquals(0, forwarding.exitCode(), forwarding.stderr());
        client.defaultRoute(GATEWAY);
        server.defaultRoute("2001:db8:2::1");
        server.spawn(dir.resolve("echo.log"), Daemons.peer("udp-echo", Integer.toString(ECHO), SERVER));
        server.awaitUdpPort(ECHO, Duration.ofSeconds(20));
        stateFile = dir.resolve("routes.state");
        config = dir.resolve("config.yaml");
        Files.writeString(config, String.join("\n",
                "mixed-port: 7890",
                "log-level: info",
                "tun:",
                "  enable: true",
                "  stack: system",
                "  device: tpmtu0",
                "  inet6-address: 2001:db8:ff::1/126",
                "  auto-route: true",
                "  auto-detect-interface: true",
                "  state-file: " + stateFile,
                "rules:",
                "  - MATCH,DIRECT",
                ""));
        rulesBefore = ip("-6", "rule", "show");
    }

    @AfterAll
    void stop() throws Exception {
        if (turnout != null && turnout.isAlive()) {
            turnout.destroy();
            turnout.waitFor(20, TimeUnit.SECONDS);
        }
        Netns.closeAll(client, router, server);
        ScratchDir.delete(dir);
    }

    /** Sends one datagram of {@link #LARGE} bytes to the echo, five tries a second apart at most. */
    private Netns.Result largeDatagram(String what) throws IOException, InterruptedException {
        return client.run(Duration.ofSeconds(30), Daemons.peer("udp-send", SERVER, Integer.toString(ECHO), what,
                Integer.toString(LARGE)));
    }

    @Test
    @Order(1)
    void withoutTurnoutTheNetworkPassesALargeDatagramOnceItsPathMtuIsLearnt() throws Exception {
        Netns.Result r = largeDatagram("plain");
        assertEquals(0, r.exitCode(), r.stdout() + r.stderr());
        assertEquals(ECHOED, r.stdout());
        // Forgotten, so the next test's tries start without what this one learnt.
        client.ip(List.of("-6", "route", "flush", "cache"));
    }

    @Test
    @Order(2)
    void aLargeDatagramThroughTheTunIsEchoedOnceTurnoutsOwnSocketLearnsThePathMtu() throws Exception {
        startTurnout();

        Netns.Result r = largeDatagram("through-tun");

        assertEquals(0, r.exitCode(), r.stdout() + r.stderr() + log());
        assertEquals(ECHOED, r.stdout());
        assertTrue(log().contains("[UDP] [2001:db8:ff::1]:"), "the flow came through the TUN:\n" + log());
        assertTrue(table().contains("default via " + GATEWAY + " dev up0 metric 1024"), table() + log());
        assertTrue(ip("-6", "rule", "show").contains("9054:\tfrom all oif up0 lookup main suppress_prefixlength 1"),
                ip("-6", "rule", "show"));
        assertTrue(ip("-6", "rule", "show").contains("9055:\tfrom all oif up0 lookup 2054"), ip("-6", "rule", "show"));
    }

    @Test
    @Order(3)
    void theTablesCopyFollowsTheUplinksDefaultRouteAndGoesWithIt() throws Exception {
        client.ip(List.of("-6", "route", "replace", "default", "via", OTHER_GATEWAY, "dev", "up0"));
        await(() -> table().contains("default via " + OTHER_GATEWAY + " dev up0"), "the copy follows the new gateway");
        assertFalse(table().contains(GATEWAY + " "), "the old gateway's copy is gone: " + table());
        client.ip(List.of("-6", "route", "flush", "cache"));
        Netns.Result r = largeDatagram("new-gateway");
        assertEquals(ECHOED, r.stdout(), r.stderr() + log());

        // Another program sets the TUN down and up: its routes are put back, but not the copy Turnout made at start.
        client.ip(List.of("link", "set", "tpmtu0", "down"));
        client.ip(List.of("link", "set", "tpmtu0", "up"));
        await(() -> log().contains("tpmtu0 lost its routes"), "the TUN's routes put back");
        assertTrue(log().contains("capture resumes"), "putting the old gateway's copy back failed the rest:\n" + log());
        assertTrue(ip("-6", "route", "show").contains("8000::/1 dev tpmtu0"), ip("-6", "route", "show"));
        assertFalse(table().contains(GATEWAY + " "), "no copy of the old gateway's route again: " + table());

        client.ip(List.of("-6", "route", "del", "default"));
        await(() -> table().isBlank() && ip("-6", "rule", "show").equals(rulesBefore),
                "no IPv6 default route, no copy and no rules");

        client.defaultRoute(GATEWAY);
        // The rules come a moment after the copy (a follow makes the copies first): both are awaited.
        await(() -> table().contains("default via " + GATEWAY + " dev up0")
                && ip("-6", "rule", "show").contains("oif up0 lookup 2054"), "the copy and its rules are back");
    }

    @Test
    @Order(4)
    void nothingOfTheTableIsLeftAfterAStopNorAfterKill9AndCleanup() throws Exception {
        turnout.destroy();
        assertTrue(turnout.waitFor(20, TimeUnit.SECONDS), "Turnout did not stop on SIGTERM");
        assertEquals(rulesBefore, ip("-6", "rule", "show"), "after a clean stop");
        assertEquals("", table(), "after a clean stop");

        startTurnout();
        kill9();
        assertFalse(table().isBlank(), "via the uplink, the copy outlives the TUN: cleanup must delete it");

        // Started again without cleanup, on a network with another gateway: the killed run's copy and rules go.
        client.ip(List.of("-6", "route", "replace", "default", "via", OTHER_GATEWAY, "dev", "up0"));
        startTurnout();
        assertEquals("default via " + OTHER_GATEWAY + " dev up0 metric 1024 pref medium", table(), log());
        assertEquals(1, ip("-6", "rule", "show").lines().filter(l -> l.contains("lookup 2054")).count(),
                ip("-6", "rule", "show"));
        kill9();
        Netns.Result cleanup = client.run(Duration.ofSeconds(60), dist.resolve("bin/turnout").toString(), "cleanup",
                "--state-file", stateFile.toString());
        assertEquals(0, cleanup.exitCode(), cleanup.stdout() + cleanup.stderr());
        assertEquals(rulesBefore, ip("-6", "rule", "show"), "after kill -9 and turnout cleanup: " + cleanup.stdout());
        assertEquals("", table(), "after kill -9 and turnout cleanup: " + cleanup.stdout());
        assertFalse(Files.exists(stateFile), "state file left after cleanup");
    }

    @Test
    @Order(5)
    void withoutIpv6ThroughTheTunThereIsNoTableNorRule() throws Exception {
        Files.writeString(config, Files.readString(config).replace("  inet6-address: 2001:db8:ff::1/126\n",
                "  inet6-address: []\n  strict-route: false\n"));
        startTurnout();
        try {
            assertFalse(ip("-6", "route", "show").contains("::/1 dev tpmtu0"), ip("-6", "route", "show"));
            assertTrue(log().contains("auto-route true"), log());
            assertEquals(rulesBefore, ip("-6", "rule", "show"), log());
            assertEquals("", table());
        } finally {
            turnout.destroy();
            assertTrue(turnout.waitFor(20, TimeUnit.SECONDS), "Turnout did not stop on SIGTERM");
        }
    }

    private void kill9() throws Exception {
        assertEquals(0, new ProcessBuilder("kill", "-9", Long.toString(turnout.pid())).start().waitFor());
        assertTrue(turnout.waitFor(10, TimeUnit.SECONDS));
    }

    /** Starts Turnout and waits (bounded) until its TUN is up, routes and path-MTU table made before it says so. */
    private void startTurnout() throws Exception {
        runs++;
        turnout = client.spawn(dir.resolve("turnout-" + runs + ".log"), dist.resolve("bin/turnout").toString(), "run",
                "-c", config.toString());
        client.awaitTcpPort(7890, Duration.ofSeconds(30));
        await(() -> log().contains("tun tpmtu0 up"), "the TUN up");
    }

    private void await(Check check, String what) throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(15).toNanos();
        while (!check.holds()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError(what + " within 15 s\nrules:\n" + ip("-6", "rule", "show") + "table 2054:\n"
                        + table() + "\n" + log());
            }
            Thread.sleep(100);
        }
    }

    @FunctionalInterface
    private interface Check {
        boolean holds() throws Exception;
    }

    private String table() throws IOException, InterruptedException {
        return ip("-6", "route", "show", "table", "2054").strip();
    }

    private String ip(String... args) throws IOException, InterruptedException {
        String[] cmd = new String[args.length + 1];
        cmd[0] = "ip";
        System.arraycopy(args, 0, cmd, 1, args.length);
        return client.run(Duration.ofSeconds(5), cmd).stdout();
    }

    private String log() {
        return MixedPortIT.read(dir.resolve("turnout-" + runs + ".log"));
    }
}
