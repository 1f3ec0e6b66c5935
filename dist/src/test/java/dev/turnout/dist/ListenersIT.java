package dev.turnout.dist;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.turnout.dist.testing.Daemons;
import dev.turnout.dist.testing.Netns;
import dev.turnout.dist.testing.ScratchNamespace;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * mihomo's {@code listeners:} on the packaged Turnout (it ignored them, so a config's extra ports never opened):
 * each opens with its name (what IN-NAME rules match), its users, its {@code proxy} for every flow through it
 * whatever the rules say or its {@code rule} (a sub-rules list in place of the rules), on loopback unless
 * {@code listen} says otherwise; types Turnout does not open are named.
 */
class ListenersIT {

    static final String LAN = "192.0.2.10";

    @RegisterExtension
    final ScratchNamespace scratch = new ScratchNamespace("tlisten", "curl");

    Path dir;
    Netns ns;
    Path config;
    Path log;

    @BeforeEach
    void start() throws Exception {
        dir = scratch.dir();
        ns = scratch.ns();
        ns.address("lo", LAN + "/32");
        ns.spawn(dir.resolve("http.log"), Daemons.peer("http", "8080"));
        ns.awaitTcpPort(8080, Duration.ofSeconds(20));
        config = dir.resolve("config.yaml");
        log = dir.resolve("turnout.log");
    }

    private String blockedInProxy(String proxy) {
        return String.join("\n", "mixed-port: 7890", "log-level: info", "listeners:",
                "  - {name: blocked-in, type: mixed, port: 7891, proxy: " + proxy + "}",
                "  - {name: named-in, type: socks, port: 7892, listen: 0.0.0.0}",
                "  - {name: users-in, type: http, port: 7893, users: [{username: alice, password: s3cret}]}",
                "  - {name: vmess-in, type: vmess, port: 7894}",
                "  - {name: strict-in, type: mixed, port: 7895, rule: strict}",
                "sub-rules:", "  strict:", "    - IP-CIDR,127.0.0.1/32,REJECT",
                "rules:", "  - IN-NAME,named-in,REJECT", "  - MATCH,DIRECT", "");
    }

    /** curl's exit code and the HTTP status it printed, for a GET of the web server with {@code args}. */
    private Netns.Result get(String... args) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>(List.of("curl", "-sS", "--max-time", "10", "-o", "/dev/null", "-w",
                "%{http_code}"));
        cmd.addAll(List.of(args));
        cmd.add("http://127.0.0.1:8080/through");
        return ns.run(Duration.ofSeconds(20), cmd.toArray(String[]::new));
    }

    private String log() {
        return MixedPortIT.read(log);
    }

    @Test
    void eachListenerOpensWithItsNameUsersAndProxy() throws Exception {
        Files.writeString(config, blockedInProxy("REJECT"));
        Process turnout = ns.spawn(log, Path.of(System.getProperty("turnout.dist")).resolve("bin/turnout").toString(),
                "run", "-c", config.toString());
        ns.awaitTcpPort(7893, Duration.ofSeconds(30));

        assertEquals("200", get("-x", "http://127.0.0.1:7890").stdout(), "the mixed port follows the rules");
        assertEquals("403", get("-x", "http://127.0.0.1:7891").stdout(), "its proxy REJECT, whatever the rules say");
        assertTrue(log().contains("match LISTENER,blocked-in using REJECT"), log());
        Netns.Result named = get("-x", "socks5h://" + LAN + ":7892");
        assertNotEquals(0, named.exitCode(), "IN-NAME,named-in,REJECT: " + named.stdout());
        assertTrue(log().contains("match IN-NAME,named-in using REJECT"), log());
        // From an address that skip-auth-prefixes does not spare (none unless written, as in mihomo).
        assertEquals("403", get("-x", "http://127.0.0.1:7895").stdout(), "its own sub-rules list, not the rules");
        assertTrue(log().contains("match IP-CIDR,127.0.0.1/32 using REJECT"), log());
        assertEquals("407", get("--interface", LAN, "-x", "http://127.0.0.1:7893").stdout(), "its own users are asked");
        assertEquals("200", get("--interface", LAN, "-x", "http://127.0.0.1:7893", "--proxy-user", "alice:s3cret")
                .stdout(), this::log);
        assertEquals("200", get("--interface", LAN, "-x", "http://127.0.0.1:7890").stdout(),
                "the mixed port follows authentication, which has no users");

        String listening = ns.run(Duration.ofSeconds(5), "ss", "-Htln").stdout();
        assertTrue(listening.contains("127.0.0.1]:7891") && listening.contains("127.0.0.1]:7893"), listening);
        assertTrue(listening.contains("0.0.0.0:7892") || listening.contains("*:7892"), listening);
        assertFalse(listening.contains(":7894"), "a vmess listener is not opened: " + listening);
        assertTrue(log().contains("listener 'vmess-in' of type vmess is not opened"), log());
        assertEquals(7, get("-x", "http://" + LAN + ":7891").exitCode(), "no listen written: loopback only");

        // A reload applies a new proxy to the listener already open.
        Files.writeString(config, blockedInProxy("DIRECT"));
        assertEquals(0, ns.run(Duration.ofSeconds(10), "kill", "-HUP", Long.toString(turnout.pid())).exitCode());
        long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        while (!log().contains("Turnout reloaded") && System.nanoTime() < deadline) {
            Thread.sleep(100);
        }
        assertEquals("200", get("-x", "http://127.0.0.1:7891").stdout(), this::log);
    }

    @Test
    void aListenerNamingAnUnknownProxyOrAHeldPortStopsTheStartSayingWhere() throws Exception {
        Files.writeString(config, String.join("\n", "mixed-port: 7890", "listeners:",
                "  - {name: jp-in, type: mixed, port: 7891, proxy: JP}", "rules:", "  - MATCH,DIRECT", ""));
        Process unknown = ns.spawn(log, Path.of(System.getProperty("turnout.dist")).resolve("bin/turnout").toString(),
                "run", "-c", config.toString());
        assertTrue(unknown.waitFor(60, TimeUnit.SECONDS), "Turnout ran with a listener's proxy that is not there");
        assertNotEquals(0, unknown.exitValue());
        assertTrue(log().contains("config.yaml:3:51: listener 'jp-in': proxy 'JP' is neither an outbound nor a group"),
                log());

        Files.writeString(config, String.join("\n", "mixed-port: 7890", "listeners:",
                "  - {name: web-in, type: mixed, port: 8080}", "rules:", "  - MATCH,DIRECT", ""));
        Path held = dir.resolve("held.log");
        Process second = ns.spawn(held, Path.of(System.getProperty("turnout.dist")).resolve("bin/turnout").toString(),
                "run", "-c", config.toString());
        assertTrue(second.waitFor(60, TimeUnit.SECONDS), "Turnout ran with a listener on a held port");
        assertNotEquals(0, second.exitValue());
        assertTrue(MixedPortIT.read(held).contains("listener 'web-in' cannot listen on 127.0.0.1:8080"),
                MixedPortIT.read(held));
        assertEquals(0, ns.run(Duration.ofSeconds(10), "ss", "-Htln", "sport = :7890").stdout().length(),
                "the mixed port opened before is closed again");
    }

    /**
     * As mihomo's reload: listeners added to the file open, those removed close (a download through one goes on),
     * one whose port or users changed opens anew; a listener that cannot open fails the reload and every listener
     * stays as it was (before, a reload said "restart Turnout for listeners" and changed none).
     */
    @Test
    void aReloadOpensClosesAndMovesListenersAsTheFileSays() throws Exception {
        ns.spawn(dir.resolve("drip.log"), Daemons.peer("drip", "8081", "20", "200"));
        ns.awaitTcpPort(8081, Duration.ofSeconds(20));
        Files.writeString(config, listenersConfig("  - {name: a-in, type: mixed, port: 7891}",
                "  - {name: b-in, type: mixed, port: 7892}"));
        Process turnout = ns.spawn(log, Path.of(System.getProperty("turnout.dist")).resolve("bin/turnout").toString(),
                "run", "-c", config.toString());
        ns.awaitTcpPort(7892, Duration.ofSeconds(30));
        // 20 KiB over 4 s through a-in, which the reload closes meanwhile.
        Path download = dir.resolve("download.out");
        Process going = ns.spawn(dir.resolve("download.log"), "curl", "-sS", "--max-time", "30", "-o",
                download.toString(), "-w", "%{http_code} %{size_download}", "-x", "http://127.0.0.1:7891",
                "http://127.0.0.1:8081/drip");
        Thread.sleep(1000);
        assertTrue(going.isAlive(), "the download is under way");

        Files.writeString(config, listenersConfig("  - {name: b-in, type: mixed, port: 7893}",
                "  - {name: c-in, type: mixed, port: 7894, users: [{username: alice, password: s3cret}]}"));
        hup(turnout);
        awaitLog("Turnout reloaded");
        assertEquals("200", get("-x", "http://127.0.0.1:7893").stdout(), this::log);
        assertEquals("407", get("--interface", LAN, "-x", "http://127.0.0.1:7894").stdout(), this::log);
        String listening = ns.run(Duration.ofSeconds(5), "ss", "-Htln").stdout();
        assertFalse(listening.contains(":7891 ") || listening.contains(":7892 "), listening);
        assertTrue(log().contains("listener 'a-in' on port 7891 closed"), this::log);
        assertFalse(log().contains("restart Turnout for"), this::log);
        assertTrue(going.waitFor(20, TimeUnit.SECONDS));
        assertEquals("200 20480", MixedPortIT.read(dir.resolve("download.log")).trim(),
                "the download through the closed listener went on to its end");

        // A port another program holds: the reload fails, naming it, and nothing moves.
        ns.spawn(dir.resolve("holder.log"), Daemons.peer("http", "7895"));
        ns.awaitTcpPort(7895, Duration.ofSeconds(20));
        Files.writeString(config, listenersConfig("  - {name: d-in, type: mixed, port: 7895}"));
        hup(turnout);
        awaitLog("listener 'd-in' cannot listen on 127.0.0.1:7895");
        assertTrue(log().contains("listener 'd-in' cannot listen on 127.0.0.1:7895"), this::log);
        assertEquals("200", get("-x", "http://127.0.0.1:7893").stdout(), "b-in listens as before: " + log());
        assertEquals("407", get("--interface", LAN, "-x", "http://127.0.0.1:7894").stdout(), this::log);
    }

    private String listenersConfig(String... listeners) {
        return String.join("\n", "mixed-port: 7890", "log-level: info", "listeners:", String.join("\n", listeners),
                "rules:", "  - MATCH,DIRECT", "");
    }

    private void hup(Process turnout) throws Exception {
        assertEquals(0, ns.run(Duration.ofSeconds(10), "kill", "-HUP", Long.toString(turnout.pid())).exitCode());
    }

    private void awaitLog(String text) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        while (!log().contains(text) && System.nanoTime() < deadline) {
            Thread.sleep(100);
        }
    }
}
