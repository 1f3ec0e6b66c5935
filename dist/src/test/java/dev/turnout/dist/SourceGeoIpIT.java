package dev.turnout.dist;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.turnout.dist.controller.Launched;
import dev.turnout.dist.testing.Daemons;
import dev.turnout.dist.testing.Netns;
import dev.turnout.dist.testing.ScratchDir;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * mihomo's {@code SRC-GEOIP} on the packaged Turnout, as a router's config uses it to keep its own LAN's clients
 * DIRECT: a client on this machine (loopback, in LAN) and one on another machine at 198.51.100.2 (not in LAN) ask
 * the same mixed port for the same page, and only the first is let through. Before, the rule type stopped the start
 * ("unsupported rule type 'SRC-GEOIP'"). Its country lookups and {@code SRC-IP-ASN} are checked against real MaxMind
 * databases in the host's CountryAndAsnDatabasesTest.
 */
class SourceGeoIpIT {

    static final String ROUTER = "198.51.100.1";
    static final String CLIENT = "198.51.100.2";

    Path dir;
    Netns router;
    Netns client;

    @BeforeEach
    void start() throws Exception {
        Netns.assumeUsable("curl");
        dir = ScratchDir.create("tsrcgeo");
        router = Netns.create("tsgr");
        client = Netns.create("tsgc");
        router.link("veth0", List.of(ROUTER + "/24"), client, "veth0", List.of(CLIENT + "/24"));
    }

    @AfterEach
    void stop() throws Exception {
        if (client != null) {
            client.close();
        }
        if (router != null) {
            router.close();
        }
        ScratchDir.delete(dir);
    }

    @Test
    void aLanSourceIsLetThroughAndAnotherIsRefused() throws Exception {
        Path config = dir.resolve("config.yaml");
        Files.writeString(config, String.join("\n",
                "mixed-port: 7890",
                "allow-lan: true",
                "bind-address: '*'",
                "rules:",
                "  - SRC-GEOIP,LAN,DIRECT",
                "  - MATCH,REJECT",
                ""));
        Netns.Result check = PluginsIT.runLauncher("check", "-c", config.toString());
        assertEquals(0, check.exitCode(), check.stdout() + check.stderr());
        router.spawn(dir.resolve("web.log"), Daemons.peer("http", "8080"));
        router.awaitTcpPort(8080, Duration.ofSeconds(20));
        // No controller: the launch waits for the mixed port instead.
        try (Launched turnout = Launched.start(router, config, dir.resolve("turnout.log"), 7890)) {
            Netns.Result lan = router.run(Duration.ofSeconds(30), "curl", "-sS", "--max-time", "10", "--proxy",
                    "http://127.0.0.1:7890", "http://" + ROUTER + ":8080/from-lan");
            assertEquals(0, lan.exitCode(), lan.stderr() + turnout.log());
            assertTrue(lan.stdout().startsWith("hello /from-lan"), lan.stdout());
            Netns.Result wan = client.run(Duration.ofSeconds(30), "curl", "-sS", "--max-time", "10", "-o", "/dev/null",
                    "-w", "%{http_code}", "--proxy", "http://" + ROUTER + ":7890", "http://" + ROUTER + ":8080/from-wan");
            assertEquals("403", wan.stdout(), wan.stderr() + turnout.log());
            String web = MixedPortIT.read(dir.resolve("web.log"));
            assertFalse(web.contains("/from-wan"), web);
            assertTrue(turnout.log().contains("127.0.0.1") && turnout.log().contains("match SRC-GEOIP,LAN using DIRECT"),
                    turnout.log());
            assertTrue(turnout.log().contains(CLIENT) && turnout.log().contains("match MATCH using REJECT"), turnout.log());
        }
    }
}
