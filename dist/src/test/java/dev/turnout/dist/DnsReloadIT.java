package dev.turnout.dist;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.turnout.dist.controller.Api;
import dev.turnout.dist.controller.Launched;
import dev.turnout.dist.testing.Daemons;
import dev.turnout.dist.testing.Netns;
import dev.turnout.dist.testing.ScratchNamespace;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * A reload that rewrites the {@code dns:} section, as Clash Verge's DNS override does (it swaps the whole section and
 * asks for a reload), applies what mihomo's reload applies: the listener, the servers, AAAA answers, the system's
 * hosts file, the mode; a key that still needs a restart is named alone and keeps none of the others from applying.
 * Before, any change beyond the servers and the filter left the whole section as it ran ("reload did not apply dns").
 */
class DnsReloadIT {

    static final String FIRST = "198.51.100.2";
    static final String SECOND = "198.51.100.3";

    @RegisterExtension
    final ScratchNamespace scratch = new ScratchNamespace("tdnsrel", "dig", "dnsmasq", "curl");

    Netns ns;

    @BeforeEach
    void start() throws Exception {
        ns = scratch.ns();
        Path dir = scratch.dir();
        ns.hosts(Map.of("nas.test", "192.0.2.7"));
        Daemons.dnsmasq(ns, dir.resolve("first.log"), "127.0.0.1", 5353, "--host-record=web.example.test," + FIRST
                + ",2001:db8::2", "--local=/example.test/");
        Daemons.dnsmasq(ns, dir.resolve("second.log"), "127.0.0.1", 5354, "--host-record=web.example.test," + SECOND
                + ",2001:db8::3", "--local=/example.test/");
        ns.awaitTcpPort(5353, Duration.ofSeconds(20));
        ns.awaitTcpPort(5354, Duration.ofSeconds(20));
    }

    private void write(String... dns) throws Exception {
        Files.writeString(scratch.config(), String.join("\n", "mixed-port: 7890", "log-level: info", "dns:",
                String.join("\n", dns), "rules:", "  - MATCH,DIRECT", ""));
    }

    private String dig(int port, String name, String type) throws Exception {
        return ns.run(Duration.ofSeconds(10), "dig", "+short", "+time=1", "+tries=1", "-p", Integer.toString(port),
                "@127.0.0.1", name, type).stdout().trim();
    }

    @Test
    void aDnsSectionRewrittenWholeAppliesAllButTheKeyNeedingARestart() throws Exception {
        write("  enable: true", "  listen: 127.0.0.1:1053", "  enhanced-mode: fake-ip",
                "  fake-ip-range: 198.18.0.1/16", "  fake-ip-filter: ['web.example.test']",
                "  nameserver: ['127.0.0.1:5353']");
        try (Launched turnout = Launched.start(ns, scratch.config(), scratch.log(), 7890)) {
            assertEquals(FIRST, dig(1053, "web.example.test", "A"), turnout::log);
            assertEquals("", dig(1053, "web.example.test", "AAAA"), "dns.ipv6 is off by default");
            assertEquals("192.0.2.7", dig(1053, "nas.test", "A"), "use-system-hosts is on by default");

            write("  enable: true", "  listen: 127.0.0.1:1054", "  enhanced-mode: fake-ip",
                    "  fake-ip-range: 198.19.0.1/16", "  fake-ip-filter: ['web.example.test']",
                    "  nameserver: ['127.0.0.1:5354']", "  ipv6: true", "  use-system-hosts: false",
                    "  prefer-h3: false", "  cache-algorithm: arc", "  proxy-server-nameserver: ['127.0.0.1:5354']");
            assertTrue(turnout.reload(), turnout::log);
            assertEquals(SECOND, dig(1054, "web.example.test", "A"), turnout::log);
            assertEquals("2001:db8::3", dig(1054, "web.example.test", "AAAA"), turnout::log);
            assertFalse(dig(1054, "nas.test", "A").contains("192.0.2.7"), "the hosts file is no longer asked");
            assertTrue(dig(1053, "web.example.test", "A").contains("connection refused"),
                    "nothing listens on the old port");
            String text = turnout.log();
            assertTrue(text.contains("reload did not apply dns.fake-ip-range: restart Turnout for it"), text);
            assertEquals(1, text.lines().filter(l -> l.contains("reload did not apply")).count(), text);
            assertTrue(text.contains("dns: the server now listens on /127.0.0.1:1054"), text);
        }
    }

    /**
     * Clash Verge's and metacubexd's enhanced-mode choice: into fake-ip mode the names get fake addresses that lead
     * back to them through the proxy port; out of it the names get real ones again, and the fake addresses already
     * given out still lead to their names.
     */
    @Test
    void aReloadSwitchesTheModeAndTheFakeAddressesGivenOutStillWork() throws Exception {
        ns.address("lo", FIRST + "/32");
        ns.spawn(scratch.dir().resolve("http.log"), Daemons.peer("http", "8080"));
        ns.awaitTcpPort(8080, Duration.ofSeconds(20));
        write("  enable: true", "  listen: 127.0.0.1:1053", "  enhanced-mode: redir-host",
                "  nameserver: ['127.0.0.1:5353']");
        try (Launched turnout = Launched.start(ns, scratch.config(), scratch.log(), 7890)) {
            assertEquals(FIRST, dig(1053, "web.example.test", "A"), turnout::log);
            write("  enable: true", "  listen: 127.0.0.1:1053", "  enhanced-mode: fake-ip",
                    "  nameserver: ['127.0.0.1:5353']");
            assertTrue(turnout.reload(), turnout::log);
            String fake = dig(1053, "web.example.test", "A");
            assertTrue(fake.startsWith("198.18."), () -> fake + "\n" + turnout.log());
            assertEquals("200", get(fake), turnout::log);
            assertTrue(turnout.log().contains("dns: enhanced-mode now fake-ip (fake-ip-range 198.18.0.1/16)"),
                    turnout::log);

            write("  enable: true", "  listen: 127.0.0.1:1053", "  enhanced-mode: redir-host",
                    "  nameserver: ['127.0.0.1:5353']");
            assertTrue(turnout.reload(), turnout::log);
            assertEquals(FIRST, dig(1053, "web.example.test", "A"), turnout::log);
            assertEquals("200", get(fake), "the fake address given out still leads to its name");
            assertFalse(turnout.log().contains("reload did not apply"), turnout::log);
        }
    }

    /**
     * Back into fake-ip mode with another fake range: the range needs a restart and the log names just it, while the
     * mode switches on the pools there are, and GET /configs shows the range that runs. Before, the mode stayed
     * redir-host unsaid and /configs showed fake-ip in the range asked (readme tester F4).
     */
    @Test
    @SuppressWarnings("unchecked")
    void aReloadIntoFakeIpWithAnotherRangeSwitchesOnThePoolsThereAreAndShowsTheirRange() throws Exception {
        List<String> fake18 = List.of("  enable: true", "  listen: 127.0.0.1:1053", "  enhanced-mode: fake-ip",
                "  fake-ip-range: 198.18.0.1/16", "  nameserver: ['127.0.0.1:5353']");
        Files.writeString(scratch.config(), String.join("\n", "mixed-port: 7890", "log-level: info",
                "external-controller: 127.0.0.1:9090", "dns:", String.join("\n", fake18), "rules:", "  - MATCH,DIRECT",
                ""));
        try (Launched turnout = Launched.start(ns, scratch.config(), scratch.log(), 9090)) {
            String fake = dig(1053, "web.example.test", "A");
            assertTrue(fake.startsWith("198.18."), () -> fake + "\n" + turnout.log());
            Files.writeString(scratch.config(), Files.readString(scratch.config()).replace("fake-ip\n", "redir-host\n"));
            assertTrue(turnout.reload(), turnout::log);
            assertEquals(FIRST, dig(1053, "web.example.test", "A"), turnout::log);

            Files.writeString(scratch.config(), Files.readString(scratch.config()).replace("redir-host\n", "fake-ip\n")
                    .replace("198.18.0.1/16", "198.19.0.1/16"));
            assertTrue(turnout.reload(), turnout::log);
            assertEquals(fake, dig(1053, "web.example.test", "A"), turnout::log);
            String text = turnout.log();
            assertTrue(text.contains("reload did not apply dns.fake-ip-range: restart Turnout for it"), text);
            assertTrue(text.contains("dns: enhanced-mode now fake-ip (fake-ip-range 198.18.0.1/16, the pools' until a "
                    + "restart)"), text);
            Map<String, Object> shown = (Map<String, Object>) new Api(ns, 9090, null).get("/configs").object()
                    .get("dns");
            assertEquals("fake-ip", shown.get("enhanced-mode"), shown::toString);
            assertEquals("198.18.0.1/16", shown.get("fake-ip-range"), shown::toString);
        }
    }

    private String get(String address) throws Exception {
        return ns.run(Duration.ofSeconds(20), "curl", "-sS", "--max-time", "10", "-o", "/dev/null", "-w",
                "%{http_code}", "-x", "http://127.0.0.1:7890", "http://" + address + ":8080/x").stdout().trim();
    }

    @Test
    void aDnsListenerThatCannotOpenFailsTheReloadAndChangesNothing() throws Exception {
        write("  enable: true", "  listen: 127.0.0.1:1053", "  enhanced-mode: redir-host",
                "  nameserver: ['127.0.0.1:5353']");
        try (Launched turnout = Launched.start(ns, scratch.config(), scratch.log(), 7890)) {
            assertEquals(FIRST, dig(1053, "web.example.test", "A"), turnout::log);
            write("  enable: true", "  listen: 127.0.0.1:5354", "  enhanced-mode: redir-host",
                    "  nameserver: ['127.0.0.1:5354']", "  ipv6: true");
            assertFalse(turnout.reload(), "the second dnsmasq holds 5354");
            String text = turnout.log();
            assertTrue(text.contains("dns.listen cannot listen on 127.0.0.1:5354"), text);
            assertEquals(FIRST, dig(1053, "web.example.test", "A"), "the servers asked stay as they were");
            assertEquals("", dig(1053, "web.example.test", "AAAA"), "and so do AAAA answers");
        }
    }

    /**
     * metacubexd's DNS card: it shows {@code GET /configs}' {@code dns} and sends the mode, the servers, the fake range
     * and use-hosts back with {@code PATCH /configs}, which applies them as a reload would until the next reload reads
     * the file. Before, the card showed empty fields (no {@code dns} in the answer) and its save was a 400.
     */
    @Test
    @SuppressWarnings("unchecked")
    void aDashboardsDnsCardChangesTheModeAndTheServersUntilTheNextReload() throws Exception {
        // A rule provider fetched every second: its refreshes reload the config as a subscription's do.
        Path served = Files.createDirectories(scratch.dir().resolve("served"));
        Files.writeString(served.resolve("blocked.yaml"), "payload:\n  - '+.blocked.test'\n");
        ns.spawn(scratch.dir().resolve("files.log"), Daemons.peer("files", "8081", served.toString()));
        ns.awaitTcpPort(8081, Duration.ofSeconds(20));
        Files.writeString(scratch.config(), String.join("\n", "mixed-port: 7890", "log-level: info",
                "external-controller: 127.0.0.1:9090", "dns:", "  enable: true", "  listen: 127.0.0.1:1053",
                "  enhanced-mode: fake-ip", "  nameserver: ['127.0.0.1:5353']", "rule-providers:",
                "  blocked: {type: http, behavior: domain, url: 'http://127.0.0.1:8081/blocked.yaml', "
                        + "path: ./blocked.yaml, interval: 1}",
                "rules:", "  - RULE-SET,blocked,REJECT", "  - MATCH,DIRECT", ""));
        try (Launched turnout = Launched.start(ns, scratch.config(), scratch.log(), 9090)) {
            Api api = new Api(ns, 9090, null);
            Map<String, Object> shown = (Map<String, Object>) api.get("/configs").object().get("dns");
            assertEquals("fake-ip", shown.get("enhanced-mode"), shown::toString);
            assertEquals(List.of("127.0.0.1:5353"), shown.get("nameserver"), shown::toString);
            assertEquals("198.18.0.1/16", shown.get("fake-ip-range"), shown::toString);
            assertTrue(dig(1053, "web.example.test", "A").startsWith("198.18."), turnout::log);

            Api.Response saved = api.call("PATCH", "/configs", "{\"dns\":{\"enhanced-mode\":\"redir-host\","
                    + "\"nameserver\":[\"127.0.0.1:5354\"],\"fallback\":[],\"fake-ip-range\":\"198.18.0.1/16\","
                    + "\"use-hosts\":true}}");
            assertEquals(204, saved.status(), () -> saved + turnout.log());
            assertEquals(SECOND, dig(1053, "web.example.test", "A"), turnout::log);
            shown = (Map<String, Object>) api.get("/configs").object().get("dns");
            assertEquals("redir-host", shown.get("enhanced-mode"), shown::toString);
            assertEquals(List.of("127.0.0.1:5354"), shown.get("nameserver"), shown::toString);

            for (String refused : new String[] {"{\"dns\":{\"nameserver\":[]}}",
                "{\"dns\":{\"enhanced-mode\":\"fake-ip\",\"fake-ip-range\":\"198.19.0.1/16\"}}",
                "{\"dns\":{\"listen\":\"127.0.0.1:1054\"}}"}) {
                Api.Response r = api.call("PATCH", "/configs", refused);
                assertEquals(400, r.status(), () -> refused + ": " + r);
            }
            String reasons = turnout.log() + api.call("PATCH", "/configs", "{\"dns\":{\"enhanced-mode\":\"fake-ip\","
                    + "\"fake-ip-range\":\"198.19.0.1/16\"}}").body();
            assertTrue(reasons.contains("Turnout takes another fake range at a restart"), reasons);
            assertEquals(SECOND, dig(1053, "web.example.test", "A"), "nothing changed");

            // A scheduled refresh keeps what the card set, as it keeps the ports a dashboard moved.
            int before = reloads(turnout.log());
            long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
            // A refresh that brings the same list changes nothing, as mihomo's: the set changes at each fetch here.
            for (int i = 0; reloads(turnout.log()) < before + 2 && System.nanoTime() < deadline; i++) {
                Files.writeString(served.resolve("blocked.yaml"), "payload:\n  - '+.blocked.test'\n  - 'r" + i
                        + ".blocked.test'\n");
                Thread.sleep(100);
            }
            assertTrue(reloads(turnout.log()) >= before + 2, "no provider refresh reloaded: " + turnout.log());
            assertEquals(SECOND, dig(1053, "web.example.test", "A"), turnout::log);

            // The user's reload reads the file's dns: again (a refresh's "reloaded" line may come first: waited for).
            assertTrue(turnout.reload(), turnout::log);
            long until = System.nanoTime() + Duration.ofSeconds(10).toNanos();
            while (!dig(1053, "web.example.test", "A").startsWith("198.18.") && System.nanoTime() < until) {
                Thread.sleep(200);
            }
            assertTrue(dig(1053, "web.example.test", "A").startsWith("198.18."), "the file's again: " + turnout.log());
            shown = (Map<String, Object>) api.get("/configs").object().get("dns");
            assertEquals(List.of("127.0.0.1:5353"), shown.get("nameserver"), shown::toString);
        }
    }

    private static int reloads(String log) {
        return log.split("INFO  Turnout reloaded ", -1).length - 1;
    }
}
