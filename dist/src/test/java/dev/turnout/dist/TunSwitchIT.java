package dev.turnout.dist;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.turnout.dist.controller.Api;
import dev.turnout.dist.controller.Launched;
import dev.turnout.dist.testing.Daemons;
import dev.turnout.dist.testing.Netns;
import dev.turnout.dist.testing.WebBehindRouter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The TUN switched while Turnout runs, as metacubexd's and zashboard's TUN switch ({@code PATCH /configs
 * {"tun": {"enable": ...}}}) and a reload of an edited file do it under mihomo (Turnout refused the first, and a
 * reload said "restart Turnout for tun"). The packaged Turnout starts with the TUN off in a client namespace whose
 * resolver is an address nobody serves; switched on, with mihomo's defaults for what the section leaves out
 * (auto-route, dns-hijack of any :53), a name resolves to a fake address and its web server answers through the TUN;
 * switched off, the routes, the device and the flows through it are gone and the TUN's instance lock is given back.
 */
class TunSwitchIT {

    static final String CLIENT = WebBehindRouter.CLIENT;
    static final String REMOTE = WebBehindRouter.REMOTE;
    static final String DNS = WebBehindRouter.DNS;
    static final String DEVICE = "tswitch0";

    @RegisterExtension
    final WebBehindRouter net = new WebBehindRouter("ttunsw");

    Path dir;
    Netns client;
    Netns server;
    Path config;
    Path log;

    @BeforeEach
    void start() throws Exception {
        dir = net.dir();
        client = net.client();
        server = net.server();
        server.spawn(dir.resolve("silent.log"), Daemons.peer("silent", "8081"));
        server.awaitTcpPort(8081, Duration.ofSeconds(20));
        config = dir.resolve("config.yaml");
        log = dir.resolve("turnout.log");
    }

    /** A config whose {@code tun:} says only whether it is on, its device and where its routes are recorded. */
    private String configWith(boolean tun, int mixedPort, int controller, String device) {
        return String.join("\n", "mixed-port: " + mixedPort, "log-level: info",
                "external-controller: 127.0.0.1:" + controller, "tun:", "  enable: " + tun, "  device: " + device,
                "  state-file: " + dir.resolve(device + ".state"), "dns:", "  enable: true",
                "  enhanced-mode: fake-ip", "  fake-ip-range: 198.18.0.1/16", "  nameserver: [" + DNS + "]",
                "rules:", "  - MATCH,DIRECT", "");
    }

    private Netns.Result web() throws Exception {
        return client.run(Duration.ofSeconds(20), "curl", "-sS", "--max-time", "5", "http://web.example.test:8080/x");
    }

    private String routes() {
        try {
            return client.run(Duration.ofSeconds(10), "ip", "route", "show").stdout();
        } catch (java.io.IOException | InterruptedException e) {
            throw new IllegalStateException("ip route show: " + e, e);
        }
    }

    private int establishedToSilent() {
        try {
            return server.establishedOn(8081);
        } catch (java.io.IOException | InterruptedException e) {
            throw new IllegalStateException("ss: " + e, e);
        }
    }

    private boolean tunLockHeld() throws Exception {
        return client.instanceLocks().stream().anyMatch(f -> f.getFileName().toString().endsWith("-tun.lock"));
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> tunView(Api api) throws Exception {
        return (Map<String, Object>) api.get("/configs").object().get("tun");
    }

    /** mihomo's view of a TUN switched off: the switch, beside what switching it on would open. */
    private static void assertOff(Map<String, Object> view, String device) {
        assertEquals(false, view.get("enable"), view::toString);
        assertEquals(device, view.get("device"), view::toString);
        assertEquals("System", view.get("stack"), view::toString); // mihomo's spelling
        assertEquals(true, view.get("auto-route"), view::toString);
    }

    private static void await(BooleanSupplier done, Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!done.getAsBoolean() && System.nanoTime() < deadline) {
            Thread.sleep(100);
        }
    }

    private String log() {
        return MixedPortIT.read(log);
    }

    @Test
    void aDashboardSwitchesTheTunOnAndOffAndAReloadTakesTheFilesSwitch() throws Exception {
        Files.writeString(config, configWith(false, 7890, 9090, DEVICE));
        try (Launched turnout = Launched.start(client, config, log, 9090)) {
            Api api = new Api(client, 9090, null);
            Map<String, Object> before = tunView(api);
            assertOff(before, DEVICE);
            assertEquals(List.of("0.0.0.0:53"), before.get("dns-hijack"), "mihomo's default, shown while off too");
            assertFalse(routes().contains(DEVICE), this::log);
            assertNotEquals(0, web().exitCode(), "no TUN: the name cannot be resolved, nobody serves DNS");
            assertFalse(tunLockHeld(), "the TUN is not this instance's while it is off");

            // As a dashboard sends it: the options it read, the switch turned.
            Api.Response on = api.call("PATCH", "/configs", "{\"tun\":{\"enable\":true,\"device\":\"" + DEVICE
                    + "\",\"stack\":\"system\",\"auto-route\":true,\"auto-detect-interface\":true,"
                    + "\"dns-hijack\":[\"0.0.0.0:53\"]}}");
            assertEquals(204, on.status(), () -> on + log());
            Map<String, Object> up = tunView(api);
            assertEquals(true, up.get("enable"), up::toString);
            assertEquals(DEVICE, up.get("device"));
            assertEquals(true, up.get("auto-route"), "mihomo's default");
            assertEquals(List.of("0.0.0.0:53"), up.get("dns-hijack"), "mihomo's default");
            assertTrue(routes().contains("0.0.0.0/1 dev " + DEVICE), this::log);
            assertTrue(routes().contains("128.0.0.0/1 dev " + DEVICE), this::log);
            assertTrue(tunLockHeld(), "the TUN switched on is claimed for this instance");
            Netns.Result through = web();
            assertEquals("hello /x from " + CLIENT + "\n", through.stdout(), () -> through.stderr() + log());
            assertTrue(log().matches("(?s).*\\[TCP\\] 198\\.18\\.0\\.\\d+:\\d+ --> web\\.example\\.test:8080 .*"
                    + "using DIRECT.*"), this::log);

            // A flow held open through the TUN (the server never answers) ends when the TUN is switched off.
            Process held = client.spawn(dir.resolve("held.log"), "curl", "-sS", "--max-time", "60",
                    "http://" + REMOTE + ":8081/");
            await(() -> log().contains("--> " + REMOTE + ":8081"), Duration.ofSeconds(10));
            assertTrue(log().contains("--> " + REMOTE + ":8081"), this::log);
            assertTrue(held.isAlive());

            Api.Response off = api.call("PATCH", "/configs", "{\"tun\":{\"enable\":false}}");
            assertEquals(204, off.status(), () -> off + log());
            assertOff(tunView(api), DEVICE);
            assertFalse(routes().contains(DEVICE), this::routes);
            assertNotEquals(0, client.run(Duration.ofSeconds(10), "ip", "link", "show", DEVICE).exitCode(),
                    "the device is gone");
            assertTrue(log().contains("TUN " + DEVICE + " down"), this::log);
            assertFalse(tunLockHeld(), "the TUN's claim is given back");
            held.waitFor(10, java.util.concurrent.TimeUnit.SECONDS);
            assertFalse(held.isAlive(), "the flow through the TUN ended with it, not at curl's 60 s");
            assertTrue(log().contains("tun " + DEVICE + ": the connection through it ended"), this::log);
            assertNotEquals(0, web().exitCode(), "off again: DNS is the machine's own once more");

            Api.Response bad = api.call("PATCH", "/configs", "{\"tun\":{\"enable\":\"yes\"}}");
            assertEquals(400, bad.status(), bad.toString());
            assertTrue(bad.body().contains("tun.enable must be true or false"), bad.body());

            // A reload takes the file's switch, as mihomo's does: on, then off again.
            Files.writeString(config, configWith(true, 7890, 9090, DEVICE));
            assertTrue(turnout.reload(), this::log);
            assertEquals(true, tunView(api).get("enable"), this::log);
            assertEquals("hello /x from " + CLIENT + "\n", web().stdout(), this::log);
            // A reload that leaves the tun: section as it is leaves the TUN and the flows through it alone.
            Process kept = client.spawn(dir.resolve("kept.log"), "curl", "-sS", "--max-time", "60",
                    "http://" + REMOTE + ":8081/kept");
            await(() -> establishedToSilent() > 0, Duration.ofSeconds(10));
            assertEquals(1, establishedToSilent(), this::log);
            assertTrue(turnout.reload(), this::log);
            assertEquals(2, log().lines().filter(l -> l.contains("TUN " + DEVICE + " up")).count(), this::log);
            assertTrue(kept.isAlive(), "the flow through the TUN outlived a reload that did not change it");
            Files.writeString(config, configWith(false, 7890, 9090, DEVICE));
            assertTrue(turnout.reload(), this::log);
            assertOff(tunView(api), DEVICE);
            assertFalse(routes().contains(DEVICE), this::routes);
            assertFalse(log().contains("restart Turnout for"), this::log);
        }
    }

    /**
     * Clash Verge Rev's TUN switch on a profile without {@code dns:}: it writes {@code dns: {enable: true,
     * enhanced-mode: fake-ip, ...}} beside {@code tun.enable: true} into its runtime config ({@code enhance/tun.rs})
     * and asks for a reload, and leaves the profile's (none) when switched off. Before, the DNS stayed off ("reload did
     * not apply dns.enable") and the TUN opened without one: the client's resolver went unanswered.
     */
    @Test
    void clashVergesTunSwitchBringsTheDnsWithTheTun() throws Exception {
        writeVerges(false, false);
        try (Launched turnout = Launched.start(client, config, log, 7890)) {
            assertNotEquals(0, web().exitCode(), "nobody answers the client's resolver");

            writeVerges(true, true);
            assertTrue(turnout.reload(), this::log);
            Netns.Result on = web();
            assertEquals("hello /x from " + CLIENT + "\n", on.stdout(), () -> on.stderr() + log());
            assertTrue(log().matches("(?s).*\\[TCP\\] 198\\.18\\.0\\.\\d+:\\d+ --> web\\.example\\.test:8080 .*"
                    + "using DIRECT.*"), "the flow came with its name: " + log());

            // The DNS switched off while the TUN stays on: it opens again, without the hijack.
            writeVerges(true, false);
            assertTrue(turnout.reload(), this::log);
            assertTrue(routes().contains("0.0.0.0/1 dev " + DEVICE), this::log);
            assertNotEquals(0, web().exitCode(), "DNS goes to the client's resolver again");
            Netns.Result byAddress = client.run(Duration.ofSeconds(20), "curl", "-sS", "--max-time", "5",
                    "http://" + REMOTE + ":8080/x");
            assertEquals("hello /x from " + CLIENT + "\n", byAddress.stdout(), () -> byAddress.stderr() + log());

            writeVerges(true, true);
            assertTrue(turnout.reload(), this::log);
            assertEquals(0, web().exitCode(), this::log);

            writeVerges(false, false);
            assertTrue(turnout.reload(), this::log);
            assertFalse(routes().contains(DEVICE), this::routes);
            assertNotEquals(0, web().exitCode(), this::log);
            assertFalse(log().contains("restart Turnout for"), this::log);
            assertEquals(3, log().lines().filter(l -> l.contains("TUN " + DEVICE + " down")).count(),
                    "down as the DNS switched off, on again, and with the TUN switch: " + log());
        }
    }

    /** Clash Verge's runtime config of a profile without {@code dns:}, with its TUN switch on or off. */
    private void writeVerges(boolean tun, boolean dns) throws Exception {
        Files.writeString(config, String.join("\n", "mixed-port: 7890", "log-level: info", "tun:", "  enable: " + tun,
                "  device: " + DEVICE, "  state-file: " + dir.resolve(DEVICE + ".state"),
                dns ? "dns:\n  enable: true\n  ipv6: false\n  enhanced-mode: fake-ip\n  fake-ip-range: 198.18.0.1/16\n"
                        + "  nameserver: [" + DNS + "]" : "", "rules:", "  - MATCH,DIRECT", ""));
    }

    /** One TUN per network namespace: a second instance's switch is refused, naming the one that runs it. */
    @Test
    void aSecondInstancesSwitchIsRefusedWhileAnotherRunsTheTun() throws Exception {
        Files.writeString(config, configWith(true, 7890, 9090, DEVICE));
        Path second = dir.resolve("second");
        Files.createDirectories(second);
        Path secondConfig = second.resolve("config.yaml");
        Files.writeString(secondConfig, configWith(false, 7891, 9091, "tswitch1"));
        Path secondLog = dir.resolve("second.log");
        try (Launched first = Launched.start(client, config, log, 9090);
             Launched other = Launched.start(client, secondConfig, secondLog, 9091)) {
            Api api = new Api(client, 9091, null);
            Api.Response refused = api.call("PATCH", "/configs", "{\"tun\":{\"enable\":true}}");
            assertEquals(503, refused.status(), refused::toString);
            assertTrue(refused.body().contains("pid " + first.pid()), refused::body);
            assertOff(tunView(api), "tswitch1");
            assertFalse(routes().contains("tswitch1"), this::routes);
            assertEquals("hello /x from " + CLIENT + "\n", web().stdout(), "the first one's TUN runs on");
        }
    }

    /**
     * With the TUN up and its way out detected (mihomo's default), Turnout's own connection to a service on this
     * machine is made without binding it to the physical interface, as mihomo's dialer does: bound, a DIRECT flow to
     * 127.0.0.1 through the mixed port timed out.
     */
    @Test
    void aServiceOnThisMachineIsReachedThroughTheMixedPortWhileTheTunIsUp() throws Exception {
        client.spawn(dir.resolve("local-http.log"), Daemons.peer("http", "8090"));
        client.awaitTcpPort(8090, Duration.ofSeconds(20));
        // Written out, as Clash Verge writes them (and mihomo's defaults).
        Files.writeString(config, configWith(true, 7890, 9090, DEVICE).replace("  device: ",
                "  auto-route: true\n  auto-detect-interface: true\n  device: "));
        try (Launched turnout = Launched.start(client, config, log, 9090)) {
            assertTrue(routes().contains("0.0.0.0/1 dev " + DEVICE), this::log);
            Netns.Result local = client.run(Duration.ofSeconds(20), "curl", "-sS", "--max-time", "8", "-x",
                    "http://127.0.0.1:7890", "http://127.0.0.1:8090/local");
            assertEquals("hello /local from 127.0.0.1\n", local.stdout(), () -> local.stderr() + log());
            assertEquals("hello /x from " + CLIENT + "\n", web().stdout(), "leaving the machine, through the TUN's "
                    + "way out: " + log());
        }
    }
}
