package dev.turnout.dist;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.turnout.api.testing.Required;
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
 * Which link Turnout's own connections leave through. auto-detect-interface follows the default route: a client namespace with two links to the "internet" (as a
 * laptop with wired and Wi-Fi), Turnout capturing its traffic through the TUN, and the default route moved from
 * one link to the other while Turnout runs. DIRECT flows must leave through the new link. Sockets still bound to
 * the old one leave through it anyway (Linux takes the destination as on-link there), which is what this test
 * catches: with the watcher's update taken out, the server saw the old link's address. A top-level
 * {@code interface-name} wins over the default route.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class InterfaceFollowIT {

    static final String WIRED_CLIENT = "192.0.2.1";
    static final String WIRED_GATEWAY = "192.0.2.2";
    static final String WIFI_CLIENT = "203.0.113.1";
    static final String WIFI_GATEWAY = "203.0.113.2";
    static final String REMOTE = "198.51.100.2";
    static final int HTTP = 8080;
    /** A download of 600 KiB, one KiB every 20 ms: some 12 s, long enough to pull the route out from under it. */
    static final int DRIP = 8081;

    Path dir;
    Netns client;
    Netns server;
    Process turnout;
    Path logFile;

    @BeforeAll
    void start() throws Exception {
        Netns.assumeUsable("curl");
        Required.that(Files.exists(Path.of("/dev/net/tun")), () -> "no /dev/net/tun (TUN support)");
        dir = ScratchDir.create("tfollow");
        client = Netns.create("tfolc");
        server = Netns.create("tfols");
        client.link("wired0", List.of(WIRED_CLIENT + "/24"), server, "wired0", List.of(WIRED_GATEWAY + "/24"));
        client.link("wifi0", List.of(WIFI_CLIENT + "/24"), server, "wifi0", List.of(WIFI_GATEWAY + "/24"));
        server.address("wired0", REMOTE + "/32");
        server.spawn(dir.resolve("http.log"), Daemons.peer("http", Integer.toString(HTTP)));
        server.spawn(dir.resolve("drip.log"), Daemons.peer("drip", Integer.toString(DRIP), "600", "20"));
        server.awaitTcpPort(HTTP, Duration.ofSeconds(20));
        server.awaitTcpPort(DRIP, Duration.ofSeconds(20));
    }

    /** Starts Turnout capturing the client's traffic, with {@code extra} config lines (top-level keys). */
    private void startTurnout(String name, String... extra) throws Exception {
        Path config = dir.resolve(name + ".yaml");
        List<String> lines = new ArrayList<>(List.of(
                "mixed-port: 7890",
                "log-level: info",
                "tun:",
                "  enable: true",
                "  device: tfol0",
                "  auto-route: true",
                "  auto-detect-interface: true",
                "  state-file: " + dir.resolve("routes.state"),
                "rules:",
                "  - MATCH,DIRECT"));
        lines.addAll(List.of(extra));
        Files.writeString(config, String.join("\n", lines) + "\n");
        logFile = dir.resolve(name + ".log");
        turnout = client.spawn(logFile, Path.of(System.getProperty("turnout.dist")).resolve("bin/turnout").toString(),
                "run", "-c", config.toString());
        client.awaitTcpPort(7890, Duration.ofSeconds(30));
        awaitLog("tun tfol0 up", Duration.ofSeconds(10));
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
        Netns.closeAll(client, server);
        ScratchDir.delete(dir);
    }

    @Test
    void directFlowsLeaveThroughTheNewLinkOnceTheDefaultRouteMoves() throws Exception {
        client.ip(List.of("route", "replace", "default", "via", WIRED_GATEWAY, "dev", "wired0"));
        startTurnout("follow");
        assertEquals("hello /before from " + WIRED_CLIENT + "\n", curl("/before").stdout(), log());

        // Followed through a netlink socket (polled every 3 s before, which left up to 3 s of failed requests).
        assertTrue(log().contains("default interface wired0: followed through the routing socket"), log());
        client.ip(List.of("route", "replace", "default", "via", WIFI_GATEWAY, "dev", "wifi0"));
        awaitLog("default interface changed: wired0 -> wifi0", Duration.ofSeconds(15));

        Netns.Result after = curl("/after");
        assertEquals(0, after.exitCode(), after.stderr() + log());
        assertEquals("hello /after from " + WIFI_CLIENT + "\n", after.stdout(), "the flow left through wifi0");
    }

    /**
     * The default route vanishes for a while (a Wi-Fi drop, a suspend) while a download runs, then comes back on
     * the other link. The running download must end (complete or fail) rather than hang; a new flow while there is
     * no route must fail at once and must not be dialled into Turnout's own TUN (unbound, Turnout's socket would
     * follow the split routes back in, and each copy would dial again); once the route is back, new flows leave
     * through its link.
     */
    @Test
    void whileTheDefaultRouteIsGoneNewFlowsFailWithoutLoopingAndOnceBackTheyUseIt() throws Exception {
        client.ip(List.of("route", "replace", "default", "via", WIRED_GATEWAY, "dev", "wired0"));
        startTurnout("vanish");
        Path downloadOut = dir.resolve("download.out");
        Process download = client.spawn(downloadOut, "curl", "-sS", "--noproxy", "*", "--max-time", "60", "-o", "/dev/null",
                "-w", "downloaded %{size_download} exit %{exitcode}\n", "http://" + REMOTE + ":" + DRIP + "/big");
        Thread.sleep(2_000);

        client.ip(List.of("route", "del", "default"));
        awaitLog("default interface changed: wired0 -> null", Duration.ofSeconds(15));
        long flowsBefore = flowLines();
        long started = System.nanoTime();
        Netns.Result during = curl("/during");
        long millis = (System.nanoTime() - started) / 1_000_000;
        assertTrue(during.exitCode() != 0, "no route, no flow: " + during.stdout());
        assertTrue(millis < 8_000, "failed at once, not after a timeout: " + millis + " ms\n" + log());
        Thread.sleep(2_000);
        long flowsDuring = flowLines() - flowsBefore;
        assertTrue(flowsDuring <= 1, "one flow for one request, none of them Turnout's own dial looping back in: "
                + flowsDuring + "\n" + log());
        assertTrue(turnout.isAlive(), "Turnout still runs");

        client.ip(List.of("route", "replace", "default", "via", WIFI_GATEWAY, "dev", "wifi0"));
        awaitLog("default interface changed: null -> wifi0", Duration.ofSeconds(15));
        Netns.Result after = curl("/after");
        assertEquals(0, after.exitCode(), after.stderr() + log());
        assertEquals("hello /after from " + WIFI_CLIENT + "\n", after.stdout(), "the new flow left through wifi0");

        assertTrue(download.waitFor(70, TimeUnit.SECONDS), "the download ended rather than hung");
        String result = MixedPortIT.read(downloadOut);
        assertTrue(result.contains("downloaded "), result);
    }

    /** Flows Turnout logged to the remote server so far. */
    private long flowLines() {
        return log().lines().filter(l -> l.contains("--> " + REMOTE + ":")).count();
    }

    @Test
    void aConfiguredInterfaceNameWinsOverTheDefaultRoute() throws Exception {
        client.ip(List.of("route", "replace", "default", "via", WIRED_GATEWAY, "dev", "wired0"));
        startTurnout("named", "interface-name: wifi0");
        Netns.Result r = curl("/named");
        assertEquals(0, r.exitCode(), r.stderr() + log());
        assertEquals("hello /named from " + WIFI_CLIENT + "\n", r.stdout(), "the flow left through wifi0, not the default route's wired0");
        assertTrue(log().contains("outbound interface wifi0"), log());
    }

    /**
     * An application that keeps one UDP socket and sends every 300 ms (QUIC, WireGuard, a call): its flow never idles
     * out, and its socket of Turnout's stayed bound to the old link after a switch, so every datagram kept leaving
     * through it. Once the default route moves, the flow ends and its next datagram leaves through the new link.
     */
    @Test
    void aUdpFlowThatKeepsSendingMovesToTheNewLinkWithTheDefaultRoute() throws Exception {
        Netns.assumeUsable("python3");
        Path received = dir.resolve("udp-received.log");
        server.spawn(dir.resolve("udp-log.out"), Daemons.peer("udp-log", REMOTE, "5301", received.toString()));
        server.awaitUdpPort(5301, Duration.ofSeconds(20));
        client.ip(List.of("route", "replace", "default", "via", WIRED_GATEWAY, "dev", "wired0"));
        startTurnout("udp");
        Path sender = Files.writeString(dir.resolve("send.py"), String.join("\n",
                "import socket, time",
                "s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)",
                "for i in range(50):",
                "    s.sendto(b'ping', ('" + REMOTE + "', 5301))",
                "    time.sleep(0.3)", ""));
        Process sending = client.spawn(dir.resolve("send.out"), "python3", sender.toString());
        Thread.sleep(2_000);
        client.ip(List.of("route", "replace", "default", "via", WIFI_GATEWAY, "dev", "wifi0"));
        awaitLog("default interface changed: wired0 -> wifi0", Duration.ofSeconds(15));
        assertTrue(sending.waitFor(30, TimeUnit.SECONDS), "the sender ended");

        List<String> lines = Files.readAllLines(received);
        assertTrue(lines.get(0).startsWith("/" + WIRED_CLIENT + ":"), "first through wired0: " + lines);
        assertTrue(lines.get(lines.size() - 1).startsWith("/" + WIFI_CLIENT + ":"), "then through wifi0: " + lines);
        assertTrue(log().contains("UDP flow ended: its next datagrams leave through wifi0"), log());
    }

    private Netns.Result curl(String path) throws IOException, InterruptedException {
        return client.run(Duration.ofSeconds(30), "curl", "-sS", "--noproxy", "*", "--max-time", "10",
                "http://" + REMOTE + ":" + HTTP + path);
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
