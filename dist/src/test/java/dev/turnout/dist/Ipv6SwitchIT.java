package dev.turnout.dist;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.turnout.dist.controller.Api;
import dev.turnout.dist.controller.Launched;
import dev.turnout.dist.testing.Daemons;
import dev.turnout.dist.testing.Netns;
import dev.turnout.dist.testing.ScratchNamespace;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * mihomo's top-level {@code ipv6} on the packaged Turnout (read as always off before: {@code GET /configs} said
 * false whatever the config, and metacubexd's IPv6 switch was refused): on unless written false, it decides whether
 * a name Turnout dials leads to its IPv6 addresses; a dashboard switches it for the next lookup, a reload takes the
 * file's again. The web server answers with the address the request came from, so the body says which was dialled.
 */
class Ipv6SwitchIT {

    @RegisterExtension
    final ScratchNamespace scratch = new ScratchNamespace("tipv6", "curl");

    Path dir;
    Netns ns;
    Path config;
    Path log;

    @BeforeEach
    void start() throws Exception {
        dir = scratch.dir();
        ns = scratch.ns();
        ns.spawn(dir.resolve("http.log"), Daemons.peer("http", "8080"));
        ns.awaitTcpPort(8080, Duration.ofSeconds(20));
        config = dir.resolve("config.yaml");
        log = dir.resolve("turnout.log");
    }

    private String configWith(String ipv6) {
        return String.join("\n", "mixed-port: 7890", "log-level: info", "external-controller: 127.0.0.1:9090", ipv6,
                "hosts:", "  dual.test: ['::1', 127.0.0.1]", "  six.test: ['::1']", "rules:", "  - MATCH,DIRECT", "");
    }

    /** The body of a GET of {@code name}'s web server through the mixed port, or curl's error. */
    private Netns.Result get(String name) throws IOException, InterruptedException {
        return ns.run(Duration.ofSeconds(20), "curl", "-sS", "--max-time", "10", "-x", "http://127.0.0.1:7890",
                "http://" + name + ":8080/x");
    }

    private String log() {
        return MixedPortIT.read(log);
    }

    @Test
    void theTopLevelIpv6DecidesWhetherNamesLeadToIpv6AddressesAndADashboardSwitchesIt() throws Exception {
        Files.writeString(config, configWith(""));
        try (Launched turnout = Launched.start(ns, config, log, 9090)) {
            switchesAndReloads(turnout, new Api(ns, 9090, null));
        }
    }

    /**
     * dns.ipv6 (mihomo's default false) is about the AAAA answers Turnout's DNS server gives; its own lookups for
     * dialling ask for AAAA all the same, as mihomo's LookupIP. An IPv6-only name was "no address" (s69's IPv6
     * tester, F5).
     */
    @Test
    void dnsIpv6OffEmptiesTheServersAaaaAnswersButTurnoutsOwnLookupsStillReachAnIpv6OnlyName() throws Exception {
        Netns.assumeUsable("dnsmasq", "dig");
        Daemons.dnsmasq(ns, dir.resolve("dnsmasq.log"), "127.0.0.1", 5353, "--address=/six.dns.test/::1");
        Files.writeString(config, String.join("\n", "mixed-port: 7890", "log-level: info",
                "external-controller: 127.0.0.1:9090", "dns:", "  enable: true", "  listen: 127.0.0.1:1053",
                "  ipv6: false", "  enhanced-mode: redir-host", "  nameserver: ['udp://127.0.0.1:5353']",
                "rules:", "  - MATCH,DIRECT", ""));
        try (Launched turnout = Launched.start(ns, config, log, 9090)) {
            assertEquals("hello /x from 0:0:0:0:0:0:0:1\n", get("six.dns.test").stdout(), this::log);
            Netns.Result aaaa = ns.run(Duration.ofSeconds(20), "dig", "+short", "-p", "1053", "@127.0.0.1", "AAAA",
                    "six.dns.test");
            assertEquals("", aaaa.stdout().strip(), "its DNS server answers AAAA empty: " + aaaa.stdout());
        }
    }

    private void switchesAndReloads(Launched turnout, Api api) throws Exception {

        assertEquals(true, api.get("/configs").object().get("ipv6"), "mihomo's default");
        assertEquals("hello /x from 0:0:0:0:0:0:0:1\n", get("dual.test").stdout(), this::log);

        Api.Response off = api.call("PATCH", "/configs", "{\"ipv6\":false}");
        assertEquals(204, off.status(), off.toString());
        assertEquals(false, api.get("/configs").object().get("ipv6"));
        assertTrue(log().contains("ipv6 set to false by the controller: names now lead to IPv4 addresses only"), log());
        assertTrue(get("dual.test").stdout().endsWith(" from 127.0.0.1\n") || get("dual.test").stdout()
                .endsWith(" from 0:0:0:0:0:ffff:7f00:1\n"), this::log);
        Netns.Result sixOnly = get("six.test");
        assertNotEquals("hello /x from 0:0:0:0:0:0:0:1\n", sixOnly.stdout(), "a name with IPv6 addresses alone");
        assertTrue(log().contains("six.test: no IPv4 address, and ipv6 is off"), log());

        Api.Response bad = api.call("PATCH", "/configs", "{\"ipv6\":\"no\"}");
        assertEquals(400, bad.status(), bad.toString());
        assertTrue(bad.body().contains("ipv6 must be true or false"), bad.body());

        // A reload takes the file's ipv6 again: on, as the file does not say.
        assertTrue(turnout.reload(), this::log);
        assertEquals(true, api.get("/configs").object().get("ipv6"));
        assertEquals("hello /x from 0:0:0:0:0:0:0:1\n", get("six.test").stdout(), this::log);

        Files.writeString(config, configWith("ipv6: false"));
        assertTrue(turnout.reload(), this::log);
        assertEquals(false, api.get("/configs").object().get("ipv6"));
        assertTrue(get("dual.test").stdout().contains(" from ") && !get("dual.test").stdout()
                .endsWith(" from 0:0:0:0:0:0:0:1\n"), this::log);
    }
}
