package dev.turnout.dist;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.turnout.dist.controller.Api;
import dev.turnout.dist.controller.Launched;
import dev.turnout.dist.testing.Daemons;
import dev.turnout.dist.testing.Netns;
import dev.turnout.dist.testing.ScratchNamespace;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * {@code dns.enable} switched by a reload, as mihomo's reload switches it ({@code updateDNS}) and as Clash Verge Rev
 * relies on: its TUN switch writes {@code dns: {enable: true, enhanced-mode: fake-ip, ...}} into the runtime config
 * beside {@code tun.enable} (its {@code enhance/tun.rs}) and asks for a reload, so a subscription without a DNS of its
 * own gets one with the TUN and loses it again without. Before, the log said "reload did not apply dns.enable: restart
 * Turnout for it" and the TUN opened without a DNS: no fake addresses, no names for the rules ({@link
 * TunSwitchIT} shows Verge's switch through the TUN). Here, without one: the listener, the answers, Turnout's own
 * lookups and the controller's DNS query follow the switch.
 */
class DnsSwitchIT {

    static final String WEB = "198.51.100.2";

    @RegisterExtension
    final ScratchNamespace scratch = new ScratchNamespace("tdnssw", "dig", "dnsmasq", "curl");

    private void write(boolean dns) throws Exception {
        write(dns, 1053);
    }

    private void write(boolean dns, int port) throws Exception {
        Files.writeString(scratch.config(), String.join("\n", "mixed-port: 7890", "log-level: info",
                "external-controller: 127.0.0.1:9090", dns ? "dns:\n  enable: true\n  listen: 127.0.0.1:" + port
                        + "\n  enhanced-mode: fake-ip\n  nameserver: ['127.0.0.1:5353']" : "",
                "rules:", "  - MATCH,DIRECT", ""));
    }

    private String dig(String name) throws Exception {
        Netns.Result r = scratch.ns().run(Duration.ofSeconds(10), "dig", "+short", "+time=1", "+tries=1", "-p",
                "1053", "@127.0.0.1", name, "A");
        return (r.stdout() + r.stderr()).trim();
    }

    /** The status of a GET through the mixed port; Turnout looks {@code host} up itself. */
    private String get(String host) throws Exception {
        return scratch.ns().run(Duration.ofSeconds(20), "curl", "-sS", "--max-time", "10", "-o", "/dev/null",
                "-w", "%{http_code}", "-x", "http://127.0.0.1:7890", "http://" + host + ":8080/x").stdout().trim();
    }

    /** How many flows the log shows going to web.example.test by name. */
    private static long named(String log) {
        return log.lines().filter(l -> l.contains("--> web.example.test:8080")).count();
    }

    @Test
    void aReloadSwitchesTheDnsOnAndOff() throws Exception {
        Netns ns = scratch.ns();
        ns.address("lo", WEB + "/32");
        ns.spawn(scratch.dir().resolve("http.log"), Daemons.peer("http", "8080"));
        Daemons.dnsmasq(ns, scratch.dir().resolve("dnsmasq.log"), "127.0.0.1", 5353,
                "--host-record=web.example.test," + WEB, "--local=/example.test/");
        ns.awaitTcpPort(8080, Duration.ofSeconds(20));
        ns.awaitTcpPort(5353, Duration.ofSeconds(20));
        write(false);
        try (Launched turnout = Launched.start(ns, scratch.config(), scratch.log(), 9090)) {
            Api api = new Api(ns, 9090, null);
            assertTrue(dig("web.example.test").contains("connection refused"), "off: nothing listens");
            assertNotEquals("200", get("web.example.test"), "only the DNS's server knows the name");
            assertTrue(api.get("/dns/query?name=web.example.test").body().contains("DNS section is disabled"));

            // Switched on to a listener dnsmasq holds: the reload fails and the DNS stays off.
            write(true, 5353);
            assertFalse(turnout.reload(), turnout::log);
            assertTrue(turnout.log().contains("dns.listen cannot listen on 127.0.0.1:5353"), turnout::log);
            assertNotEquals("200", get("web.example.test"), "still the system's resolver");
            assertTrue(api.get("/dns/query?name=web.example.test").body().contains("DNS section is disabled"));

            write(true);
            assertTrue(turnout.reload(), turnout::log);
            String fake = dig("web.example.test");
            assertTrue(fake.startsWith("198.18."), () -> fake + "\n" + turnout.log());
            assertEquals("200", get("web.example.test"), "Turnout's own lookups ask the DNS's servers");
            assertEquals("200", get(fake), turnout::log);
            Api.Response query = api.get("/dns/query?name=web.example.test");
            assertEquals(200, query.status(), query::toString);
            assertTrue(query.body().contains(WEB), query::toString);
            assertTrue(turnout.log().contains("dns: on (dns.enable switched by the reload)"), turnout::log);

            write(false);
            assertTrue(turnout.reload(), turnout::log);
            assertTrue(dig("web.example.test").contains("connection refused"), turnout::log);
            assertNotEquals("200", get("web.example.test"), "the system's resolver again");
            // A fake address given out still leads to its name, which only the DNS's servers knew.
            long named = named(turnout.log());
            assertNotEquals("200", get(fake));
            assertEquals(named + 1, named(turnout.log()), turnout::log);
            assertTrue(api.get("/dns/query?name=web.example.test").body().contains("DNS section is disabled"));
            assertTrue(turnout.log().contains("dns: off (dns.enable switched by the reload)"), turnout::log);
            assertFalse(turnout.log().contains("restart Turnout for"), turnout::log);
        }
    }
}
