package dev.turnout.dist;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.turnout.api.testing.Required;
import dev.turnout.dist.controller.Api;
import dev.turnout.dist.controller.Launched;
import dev.turnout.dist.testing.Daemons;
import dev.turnout.dist.testing.Netns;
import dev.turnout.dist.testing.ScratchDir;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * mihomo's redir-host, its default {@code enhanced-mode}: in TUN mode the DNS answers with real addresses and maps
 * each back to the name asked, so a flow to an answered address is routed by its domain (DIRECT still dials the
 * address) and {@code /connections} says {@code dnsMode: redir-host}. A reload to {@code normal} stops the mapping;
 * one back to the default starts it again. The upstream is a real dnsmasq in a second namespace.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class RedirHostIT {

    static final String CLIENT = "192.0.2.1";
    static final String SERVER = "192.0.2.2";
    static final String WEB = "198.51.100.2";
    static final String DNS = "198.51.100.53";
    static final int CONTROLLER = 9090;

    Path dir;
    Netns client;
    Netns server;
    Path config;

    @BeforeAll
    void start() throws Exception {
        Netns.assumeUsable("curl", "dnsmasq", "dig");
        Required.that(Files.exists(Path.of("/dev/net/tun")), () -> "no /dev/net/tun (TUN support)");
        dir = ScratchDir.create("tredir");
        client = Netns.create("tredirc");
        server = Netns.create("tredirs");
        client.link("veth0", List.of(CLIENT + "/24"), server, "veth0", List.of(SERVER + "/24"));
        server.address("veth0", WEB + "/32");
        server.address("veth0", DNS + "/32");
        client.defaultRoute(SERVER);
        client.resolver("203.0.113.53"); // nobody serves it: only the TUN's hijack answers
        server.spawn(dir.resolve("http.log"), Daemons.peer("http", "8080"));
        server.spawn(dir.resolve("silent.log"), Daemons.peer("silent", "8093"));
        server.spawn(dir.resolve("silent2.log"), Daemons.peer("silent", "8094"));
        Daemons.dnsmasq(server, dir.resolve("dnsmasq.log"), DNS, 53, "--address=/a.test/" + WEB);
        server.awaitTcpPort(8080, Duration.ofSeconds(20));
        server.awaitTcpPort(8093, Duration.ofSeconds(20));
        server.awaitTcpPort(8094, Duration.ofSeconds(20));
        config = dir.resolve("config.yaml");
        write(null);
    }

    @AfterAll
    void stop() throws java.io.IOException {
        Netns.closeAll(client, server);
        ScratchDir.delete(dir);
    }

    /** The config, its {@code enhanced-mode} absent (mihomo's default) when {@code mode} is null. */
    private void write(String mode) throws Exception {
        Files.writeString(config, String.join("\n",
                "log-level: info",
                "external-controller: 127.0.0.1:" + CONTROLLER,
                "tun:",
                "  enable: true",
                "  device: tredir0",
                "  auto-route: true",
                "  auto-detect-interface: true",
                "  dns-hijack: [any:53]",
                "  state-file: " + dir.resolve("routes.state"),
                "dns:",
                "  enable: true",
                mode == null ? "" : "  enhanced-mode: " + mode,
                "  nameserver: [" + DNS + "]",
                "proxy-groups:",
                "  - {name: GDOM, type: select, proxies: [DIRECT]}",
                "rules:",
                "  - DOMAIN-SUFFIX,a.test,GDOM",
                "  - MATCH,DIRECT",
                ""));
    }

    private String dig(String name, Launched turnout) throws Exception {
        Netns.Result r = client.run(Duration.ofSeconds(20), "dig", "+short", "+time=3", "+tries=1", "@203.0.113.53",
                name, "A");
        assertEquals(0, r.exitCode(), () -> r.stdout() + r.stderr() + turnout.log());
        return r.stdout().trim();
    }

    private String get(String path, Launched turnout) throws Exception {
        Netns.Result r = client.run(Duration.ofSeconds(20), "curl", "-sS", "--noproxy", "*", "--max-time", "10",
                "http://" + WEB + ":8080" + path);
        assertEquals(0, r.exitCode(), () -> r.stdout() + r.stderr() + turnout.log());
        return r.stdout();
    }

    private static long lines(Launched turnout, String routed) {
        return turnout.log().lines().filter(l -> l.contains(routed)).count();
    }

    /**
     * {@code /connections}' flow to a silent {@code port}, while a curl to it (which gets no answer) holds it open; one
     * port a phase, since a flow the curl left stays half-closed towards the silent server.
     */
    private String heldFlow(Launched turnout, int port) throws Exception {
        Netns.Result r = client.run(Duration.ofSeconds(20), "sh", "-c", "curl -s --noproxy '*' --max-time 4 http://"
                + WEB + ":" + port + "/ >/dev/null 2>&1 & sleep 1.5; curl -sS --noproxy '*' --max-time 5 "
                + "http://127.0.0.1:" + CONTROLLER + "/connections; wait");
        Matcher m = Pattern.compile("\"metadata\":\\{[^{}]*\"destinationPort\":\"" + port + "\"[^{}]*}")
                .matcher(r.stdout());
        assertTrue(m.find(), () -> r.stdout() + r.stderr() + turnout.log());
        return m.group();
    }

    @Test
    void answeredAddressesLeadToTheirNamesInRedirHostModeAndNotInNormal() throws Exception {
        String named = "--> n.a.test:8080 match DOMAIN-SUFFIX,a.test using GDOM[DIRECT]";
        String byAddress = "--> " + WEB + ":8080 match MATCH using DIRECT";
        try (Launched turnout = Launched.start(client, config, dir.resolve("turnout.log"), CONTROLLER)) {
            client.awaitSplitRoutes("tredir0", turnout::log);
            assertTrue(get("/unasked", turnout).startsWith("hello /unasked"));
            assertEquals(1, lines(turnout, byAddress), "no answer named the address yet: " + turnout.log());

            assertEquals(WEB, dig("n.a.test", turnout), "redir-host answers with the real address");
            assertTrue(get("/named", turnout).startsWith("hello /named from " + CLIENT), turnout::log);
            assertEquals(1, lines(turnout, named), turnout::log);
            String held = heldFlow(turnout, 8093);
            assertTrue(held.contains("\"host\":\"n.a.test\""), held);
            assertTrue(held.contains("\"destinationIP\":\"" + WEB + "\""), "DIRECT dials the answered address: " + held);
            assertTrue(held.contains("\"dnsMode\":\"redir-host\""), held);

            write("normal");
            assertTrue(turnout.reload(), turnout::log);
            assertTrue(turnout.log().contains("dns: enhanced-mode now normal"), turnout::log);
            assertEquals(WEB, dig("n.a.test", turnout));
            get("/normal", turnout);
            assertEquals(1, lines(turnout, named), "normal mode maps nothing: " + turnout.log());
            assertEquals(2, lines(turnout, byAddress), turnout::log);
            String plain = heldFlow(turnout, 8094);
            assertTrue(plain.contains("\"host\":\"\"") && plain.contains("\"dnsMode\":\"normal\""), plain);

            write(null);
            assertTrue(turnout.reload(), turnout::log);
            assertTrue(turnout.log().contains("dns: enhanced-mode now redir-host"), turnout::log);
            assertEquals(WEB, dig("m.a.test", turnout));
            get("/again", turnout);
            assertEquals(1, lines(turnout, "--> m.a.test:8080 match DOMAIN-SUFFIX,a.test using GDOM[DIRECT]"),
                    turnout::log);
        }
    }
}
