package dev.turnout.dist;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.turnout.dist.controller.Api;
import dev.turnout.dist.testing.Daemons;
import dev.turnout.dist.testing.Netns;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The proxy ports move while Turnout runs, as Clash moves them: by a reload of a config that names other ports,
 * and by a dashboard's {@code PATCH /configs} (yacd's and metacubexd's port fields and Allow LAN switch). New
 * ports open before old ones close, a download through a port that closes goes on, a port that cannot be opened
 * changes nothing, and what Turnout cannot change while running is refused by name, never answered 204 and ignored.
 */
class ProxyPortsMoveIT {

    static final Path DIST = Path.of(System.getProperty("turnout.dist"));
    static final String TURNOUT = DIST.resolve("bin/turnout").toString();
    static final int CONTROLLER = 9090;
    /** An address of the namespace's own beside loopback, as a LAN address of the machine would be. */
    static final String LAN = "192.0.2.10";

    @TempDir
    Path dir;

    private Path write(String name, String yaml) throws Exception {
        return Files.writeString(dir.resolve(name), yaml.replace("|", "\n") + "\n");
    }

    @Test
    void aReloadMovesTheMixedPortAndADownloadThroughTheOldOneGoesOn() throws Exception {
        Netns.assumeUsable("curl");
        Path config = write("config.yaml", "mixed-port: 7890|log-level: info|rules:|  - MATCH,DIRECT");
        Path log = dir.resolve("turnout.log");
        Path pid = dir.resolve("turnout.pid");
        try (Netns ns = Netns.create("tportmove")) {
            Process stream = ReloadIT.streamThroughTurnout(ns, dir, log, config, pid, 200, 25,
                    "--proxy", "http://127.0.0.1:7890", "http://127.0.0.1:8081/");
            Path body = dir.resolve("stream.bin");

            write("config.yaml", "mixed-port: 7891|log-level: info|rules:|  - MATCH,DIRECT");
            Netns.Result reload = ns.run(Duration.ofSeconds(30), TURNOUT, "reload", "--pid-file", pid.toString());
            assertEquals(0, reload.exitCode(), reload.stderr());
            awaitLog(log, "Turnout reloaded ");
            assertEquals(0, get(ns, "http://127.0.0.1:7891", "/new").exitCode(), MixedPortIT.read(log));
            assertEquals(7, get(ns, "http://127.0.0.1:7890", "/old").exitCode(), "7890 still takes clients");
            String text = MixedPortIT.read(log);
            assertTrue(text.contains("port 7890 closed; the connection through it goes on"), text);
            assertFalse(text.contains("reload did not apply"), text);

            // A port another program holds (the web server's): the reload fails and 7891 stays as it was.
            write("config.yaml", "mixed-port: 8080|log-level: info|rules:|  - MATCH,REJECT");
            ns.run(Duration.ofSeconds(30), TURNOUT, "reload", "--pid-file", pid.toString());
            awaitLog(log, "reload failed");
            text = MixedPortIT.read(log);
            assertTrue(text.contains("reload failed, keeping the running config: " + config
                    + ":1:13: mixed-port cannot listen on 127.0.0.1:8080: "), text);
            Netns.Result still = get(ns, "http://127.0.0.1:7891", "/still");
            assertEquals(0, still.exitCode(), "the failed reload changed the port or the rules: " + still.stderr());

            ReloadIT.hurry(dir);
            assertTrue(stream.waitFor(60, TimeUnit.SECONDS), "the download did not finish");
            assertEquals(0, stream.exitValue(), MixedPortIT.read(dir.resolve("stream.log")));
            assertEquals(200 * 1024L, Files.size(body), "the download through the closed port lost bytes");
        }
    }

    @Test
    void aDashboardMovesThePortsAndAllowLanAndIsToldWhatTurnoutDoesNotChangeWhileRunning() throws Exception {
        Netns.assumeUsable("curl");
        Path config = write("config.yaml", "mixed-port: 7890|external-controller: 127.0.0.1:" + CONTROLLER
                + "|log-level: info|rules:|  - MATCH,DIRECT");
        Path log = dir.resolve("turnout.log");
        try (Netns ns = Netns.create("tportpatch")) {
            ns.address("lo", LAN + "/32");
            ns.spawn(dir.resolve("http.log"), Daemons.peer("http", "8080"));
            ns.spawn(log, TURNOUT, "run", "-c", config.toString());
            ns.awaitTcpPort(CONTROLLER, Duration.ofSeconds(30));
            ns.awaitTcpPort(8080, Duration.ofSeconds(20));
            Api api = new Api(ns, CONTROLLER, null);
            assertEquals(7, get(ns, "http://" + LAN + ":7890", "/lan").exitCode(), "loopback only before allow-lan");

            // yacd's Allow LAN switch and port fields.
            Api.Response moved = api.call("PATCH", "/configs", "{\"allow-lan\":true,\"mixed-port\":7891,\"socks-port\":7892}");
            assertEquals(204, moved.status(), moved.toString());
            Map<String, Object> view = api.get("/configs").object();
            assertEquals(7891, ((Number) view.get("mixed-port")).intValue(), view.toString());
            assertEquals(7892, ((Number) view.get("socks-port")).intValue(), view.toString());
            assertEquals(true, view.get("allow-lan"), view.toString());
            Netns.Result lan = get(ns, "http://" + LAN + ":7891", "/lan");
            assertEquals(0, lan.exitCode(), lan.stderr() + MixedPortIT.read(log));
            assertEquals("hello /lan from 127.0.0.1\n", lan.stdout());
            assertEquals(0, get(ns, "socks5h://" + LAN + ":7892", "/socks").exitCode(), MixedPortIT.read(log));
            assertEquals(7, get(ns, "http://127.0.0.1:7890", "/old").exitCode(), "7890 still takes clients");
            assertTrue(MixedPortIT.read(log).contains("proxy ports set by the controller: mixed-port 7891, socks-port "
                    + "7892 on every address (IPv4 and IPv6)"), MixedPortIT.read(log));

            // The moved ports are this instance's: a second Turnout on one of them is refused naming this one; the
            // port it gave back is free for the next.
            Netns.Result second = ns.run(Duration.ofSeconds(60), TURNOUT, "run", "-c",
                    write("second.yaml", "socks-port: 7892").toString());
            assertEquals(1, second.exitCode(), second.stderr());
            assertTrue(second.stderr().contains("(it listens on port 7892)"), second.stderr());
            Process third = ns.spawn(dir.resolve("third.log"), TURNOUT, "run", "-c",
                    write("third.yaml", "mixed-port: 7890").toString());
            ns.awaitTcpPort(7890, Duration.ofSeconds(30));
            third.destroy();
            assertTrue(third.waitFor(30, TimeUnit.SECONDS), "the third Turnout did not stop");

            // A port another program holds: 400 naming it, and nothing changed.
            Api.Response held = api.call("PATCH", "/configs", "{\"mixed-port\":8080}");
            assertEquals(400, held.status(), held.toString());
            assertTrue(held.body().contains("\"PATCH /configs: mixed-port cannot listen on 0.0.0.0:8080: "), held.body());
            assertEquals(0, get(ns, "http://" + LAN + ":7891", "/kept").exitCode(), MixedPortIT.read(log));

            // What Turnout does not change while running is refused by name, not 204 and nothing (the TUN switch
            // itself is TunSwitchIT's). Values sent back as read are fine.
            Api.Response mark = api.call("PATCH", "/configs", "{\"routing-mark\":7893}");
            assertEquals(400, mark.status(), mark.toString());
            assertTrue(mark.body().contains("not routing-mark: edit the config and restart Turnout"), mark.body());
            assertEquals(400, api.call("PATCH", "/configs", "{\"bind-address\":\"lan.example\"}").status());
            assertEquals(204, api.call("PATCH", "/configs", "{\"ipv6\":false,\"redir-port\":0,\"mode\":\"global\"}").status());
            assertEquals("global", api.get("/configs").object().get("mode"));

            // Allow LAN off again: loopback only, same ports.
            assertEquals(204, api.call("PATCH", "/configs", "{\"allow-lan\":false}").status());
            assertEquals(7, get(ns, "http://" + LAN + ":7891", "/lan-off").exitCode(), "still open to the LAN");
            assertEquals(0, get(ns, "http://127.0.0.1:7891", "/local").exitCode(), MixedPortIT.read(log));
        }
    }

    @Test
    void portsAndClientListsADashboardChangedStayWhenAProviderRefreshReloads() throws Exception {
        Netns.assumeUsable("curl");
        Path served = Files.createDirectories(dir.resolve("served"));
        Files.writeString(served.resolve("blocked.yaml"), "payload:\n  - '+.blocked.test'\n");
        Path config = write("config.yaml", "mixed-port: 7890|external-controller: 127.0.0.1:" + CONTROLLER
                + "|log-level: info|rule-providers:|  blocked: {type: http, behavior: domain, url: "
                + "'http://127.0.0.1:8081/blocked.yaml', path: ./blocked.yaml, interval: 1}|rules:"
                + "|  - RULE-SET,blocked,REJECT|  - MATCH,DIRECT");
        Path log = dir.resolve("turnout.log");
        try (Netns ns = Netns.create("tportkeep")) {
            ns.spawn(dir.resolve("http.log"), Daemons.peer("http", "8080"));
            ns.spawn(dir.resolve("files.log"), Daemons.peer("files", "8081", served.toString()));
            ns.awaitTcpPort(8081, Duration.ofSeconds(20));
            ns.spawn(log, TURNOUT, "run", "-c", config.toString());
            ns.awaitTcpPort(CONTROLLER, Duration.ofSeconds(30));
            ns.awaitTcpPort(8080, Duration.ofSeconds(20));
            Api api = new Api(ns, CONTROLLER, null);
            assertEquals(204, api.call("PATCH", "/configs", "{\"mixed-port\":7891,"
                    + "\"lan-disallowed-ips\":[\"192.0.2.0/24\"]}").status());
            int before = reloads(log);
            long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
            // A refresh that brings the same list changes nothing, as mihomo's: the set changes at each fetch here.
            for (int i = 0; reloads(log) < before + 2 && System.nanoTime() < deadline; i++) {
                Files.writeString(served.resolve("blocked.yaml"), "payload:\n  - '+.blocked.test'\n  - 'r" + i
                        + ".blocked.test'\n");
                Thread.sleep(100);
            }
            assertTrue(reloads(log) >= before + 2, "no provider refresh reloaded: " + MixedPortIT.read(log));
            assertEquals(0, get(ns, "http://127.0.0.1:7891", "/kept").exitCode(), MixedPortIT.read(log));
            assertEquals(7, get(ns, "http://127.0.0.1:7890", "/back").exitCode(), "a refresh moved the port back");
            Map<String, Object> view = api.get("/configs").object();
            assertEquals(7891, ((Number) view.get("mixed-port")).intValue());
            assertEquals(List.of("192.0.2.0/24"), view.get("lan-disallowed-ips"), "a refresh put the LAN lists back");
        }
    }

    private static int reloads(Path log) {
        return MixedPortIT.read(log).split("INFO  Turnout reloaded ", -1).length - 1;
    }

    /** A GET of the web server through {@code proxy}; curl exits 7 when nothing listens there. */
    private static Netns.Result get(Netns ns, String proxy, String path) throws Exception {
        return ns.run(Duration.ofSeconds(30), "curl", "-sS", "--max-time", "5", "--proxy", proxy, "http://127.0.0.1:8080" + path);
    }

    private static void awaitLog(Path log, String text) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (!MixedPortIT.read(log).contains(text) && System.nanoTime() < deadline) {
            Thread.sleep(100);
        }
        assertTrue(MixedPortIT.read(log).contains(text), MixedPortIT.read(log));
    }
}
