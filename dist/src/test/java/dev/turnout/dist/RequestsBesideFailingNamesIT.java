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
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * A browser's first request goes out the moment its connection opens, while beside it other names fail (a
 * desktop browser's background hosts that the network cannot resolve): Turnout's DNS sockets open and close around
 * every failing name, and each new TUN connection must still get its request to the server. A closed DNS socket's
 * read loop once took a new connection's request when the connection got the socket's descriptor number; the page
 * then came back empty after the server's 10 s read timeout (DesktopIT, about one Chromium run in a hundred; here
 * about 2 requests in 100 before the fix). The packaged Turnout in TUN mode, fake-IP DNS, a router namespace with
 * dnsmasq and a web server.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class RequestsBesideFailingNamesIT {

    // The home network of DesktopIT: a desktop, its router (DNS) and a web server behind it.
    static final String DESKTOP = DesktopIT.DESKTOP;
    static final String ROUTER = DesktopIT.ROUTER;
    static final String REMOTE = DesktopIT.REMOTE;
    static final int HTTP = DesktopIT.HTTP;
    static final int ROUNDS = 300;
    static final int FAILING = 8;

    Path dir;
    Netns desktop;
    Netns router;
    Process turnout;
    Path logFile;

    @BeforeAll
    void start() throws Exception {
        Netns.assumeUsable("dnsmasq");
        Required.that(Files.exists(Path.of("/dev/net/tun")), () -> "no /dev/net/tun (TUN support)");
        dir = ScratchDir.create("treqfail");
        desktop = Netns.create("treqc");
        router = Netns.create("treqr");
        desktop.link("lan0", List.of(DESKTOP + "/24"), router, "lan0", List.of(ROUTER + "/24"));
        router.address("lan0", REMOTE + "/32");
        desktop.defaultRoute(ROUTER);
        desktop.resolver(ROUTER);
        router.spawn(dir.resolve("http.log"), Daemons.peer("http", Integer.toString(HTTP)));
        Daemons.dnsmasq(router, dir.resolve("dnsmasq.log"), ROUTER, 53, "--host-record=web.example.test," + REMOTE,
                "--local=/example.test/");
        router.awaitTcpPort(HTTP, Duration.ofSeconds(20));
        router.awaitTcpPort(53, Duration.ofSeconds(20));
        Path config = dir.resolve("config.yaml");
        Files.writeString(config, String.join("\n",
                "log-level: info",
                "tun:",
                "  enable: true",
                "  device: treq0",
                "  auto-route: true",
                "  auto-detect-interface: true",
                "  dns-hijack: [any:53]",
                "  state-file: " + dir.resolve("tun.state"),
                "dns:",
                "  enable: true",
                "  enhanced-mode: fake-ip",
                "  fake-ip-range: 198.18.0.1/16",
                "  nameserver: [" + ROUTER + "]",
                "rules:",
                "  - MATCH,DIRECT",
                ""));
        logFile = dir.resolve("turnout.log");
        turnout = desktop.spawn(logFile, Path.of(System.getProperty("turnout.dist")).resolve("bin/turnout").toString(),
                "run", "-c", config.toString());
        for (int i = 0; i < 300 && !MixedPortIT.read(logFile).contains("running on"); i++) {
            Thread.sleep(100);
        }
        assertTrue(MixedPortIT.read(logFile).contains("running on"), () -> "Turnout did not start: " + MixedPortIT.read(logFile));
    }

    @AfterAll
    void stop() throws Exception {
        try {
            if (turnout != null) {
                turnout.destroy();
                assertTrue(turnout.waitFor(15, TimeUnit.SECONDS), "Turnout did not stop on SIGTERM");
            }
        } finally {
            Netns.closeAll(desktop, router);
            ScratchDir.delete(dir);
        }
    }

    @Test
    void everyRequestReachesTheServerWhileNamesBesideItFailToResolve() throws Exception {
        Netns.Result r = desktop.run(Duration.ofSeconds(600), Daemons.peer("beside-failing-names", "web.example.test",
                Integer.toString(HTTP), Integer.toString(ROUNDS), Integer.toString(FAILING), "example.test"));
        assertEquals(0, r.exitCode(), () -> r.stdout() + r.stderr() + "\n--- the web server:\n"
                + tail(MixedPortIT.read(dir.resolve("http.log"))) + "\n--- Turnout:\n" + tail(MixedPortIT.read(logFile)));
        assertTrue(r.stdout().contains("ANSWERED " + ROUNDS), r.stdout());
    }

    /** The last lines of a log: every failing name leaves a line or two in Turnout's. */
    private static String tail(String log) {
        List<String> lines = log.lines().toList();
        return String.join("\n", lines.subList(Math.max(0, lines.size() - 40), lines.size()));
    }
}
