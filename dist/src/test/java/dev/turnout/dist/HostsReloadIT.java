package dev.turnout.dist;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.turnout.dist.controller.Launched;
import dev.turnout.dist.testing.Daemons;
import dev.turnout.dist.testing.Netns;
import dev.turnout.dist.testing.ScratchNamespace;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * A reload that changes {@code hosts:} applies it, as mihomo's reload does, to the DNS's answers, to the addresses the
 * rules see and to the names Turnout dials, with its DNS on or off; before, the log said "reload did not apply hosts:
 * restart Turnout for it" and the old entries stayed. The only nameserver is an address nobody serves, so every
 * answer here comes from {@code hosts:}.
 */
class HostsReloadIT {

    @RegisterExtension
    final ScratchNamespace scratch = new ScratchNamespace("thosts", "curl", "dig");

    Netns ns;
    Path config;
    Path log;

    @BeforeEach
    void start() throws Exception {
        ns = scratch.ns();
        ns.resolver("203.0.113.53"); // no route to it: the system's resolver answers nothing, and sends nothing
        ns.spawn(scratch.dir().resolve("http.log"), Daemons.peer("http", "8080"));
        ns.awaitTcpPort(8080, Duration.ofSeconds(20));
        config = scratch.dir().resolve("config.yaml");
        log = scratch.dir().resolve("turnout.log");
    }

    private String configWith(boolean dns, String... hosts) {
        return String.join("\n", "mixed-port: 7890", "log-level: info", "external-controller: 127.0.0.1:9090",
                dns ? "dns:\n  enable: true\n  listen: 127.0.0.1:1053\n  enhanced-mode: fake-ip\n"
                        + "  fake-ip-range: 198.18.0.1/16\n  nameserver: ['127.0.0.1:5353']" : "",
                "hosts:", String.join("\n", hosts), "rules:", "  - IP-CIDR,127.0.0.2/32,REJECT,no-resolve",
                "  - MATCH,DIRECT", "");
    }

    private String answer(String name) throws Exception {
        return ns.run(Duration.ofSeconds(10), "dig", "+short", "+time=2", "+tries=1", "-p", "1053", "@127.0.0.1",
                name, "A").stdout().trim();
    }

    /** The status curl printed for a GET of {@code name}'s web server through the mixed port. */
    private String get(String name) throws Exception {
        return ns.run(Duration.ofSeconds(20), "curl", "-sS", "--max-time", "5", "-o", "/dev/null", "-w",
                "%{http_code}", "-x", "http://127.0.0.1:7890", "http://" + name + ":8080/x").stdout();
    }

    private String log() {
        return MixedPortIT.read(log);
    }

    @Test
    void aReloadThatChangesHostsAppliesToTheDnsTheRulesAndDialling() throws Exception {
        Files.writeString(config, configWith(true, "  app.test: 127.0.0.1"));
        try (Launched turnout = Launched.start(ns, config, log, 9090)) {
            assertEquals("127.0.0.1", answer("app.test"), this::log);
            assertEquals("200", get("app.test"), this::log);

            Files.writeString(config, configWith(true, "  app.test: 127.0.0.2", "  new.test: 127.0.0.1"));
            assertTrue(turnout.reload(), this::log);
            assertEquals("127.0.0.2", answer("app.test"), this::log);
            assertEquals("127.0.0.1", answer("new.test"), this::log);
            assertEquals("403", get("app.test"), "the rules see the new address: " + log());
            assertTrue(log().contains("app.test:8080 match IP-CIDR,127.0.0.2/32 using REJECT"), this::log);
            assertEquals("200", get("new.test"), this::log);
            assertTrue(log().contains("hosts: 2 entries now"), this::log);
            assertFalse(log().contains("restart Turnout for"), this::log);
        }
    }

    /**
     * mihomo's hosts: aliases (widely copied configs write 'google.cn: google.com'), which Turnout refused: a name
     * written as another that hosts: gives addresses has those addresses, for the DNS and dialling alike; one written
     * as a name hosts: does not give is answered for that name, after a CNAME to it, with a fake address standing for
     * it. A name the table cannot hold is left out with a warning, as mihomo leaves it out (without one).
     */
    @Test
    void aNameWrittenAsAnotherStandsForIt() throws Exception {
        Files.writeString(config, configWith(true, "  alias.test: app.test", "  app.test: 127.0.0.1",
                "  '+.cdn.test': far.test", "  '*default.bad.test': 127.0.0.1"));
        try (Launched turnout = Launched.start(ns, config, log, 9090)) {
            assertEquals("127.0.0.1", answer("alias.test"), this::log);
            assertEquals("200", get("alias.test"), "dialled at app.test's address: " + log());
            java.util.List<String> lines = answer("img.cdn.test").lines().toList();
            assertEquals(2, lines.size(), () -> lines + "\n" + log());
            assertEquals("far.test.", lines.get(0), "the CNAME comes first");
            assertTrue(lines.get(1).startsWith("198.18."), lines::toString);
            String ptr = ns.run(Duration.ofSeconds(10), "dig", "+short", "+time=2", "+tries=1", "-p", "1053",
                    "@127.0.0.1", "-x", lines.get(1)).stdout().trim();
            assertEquals("far.test.", ptr, "the fake address stands for the other name");
            assertTrue(log().contains("hosts '*default.bad.test': ") && log().contains("left out, as mihomo leaves it"
                    + " out"), this::log);
        }
    }

    @Test
    void withoutTurnoutsDnsTheNamesItDialsFollowTheReloadedHostsToo() throws Exception {
        Files.writeString(config, configWith(false, "  app.test: 127.0.0.1"));
        try (Launched turnout = Launched.start(ns, config, log, 9090)) {
            assertEquals("200", get("app.test"), this::log);
            assertNotEquals("200", get("new.test"), "no such name yet");

            Files.writeString(config, configWith(false, "  new.test: 127.0.0.1"));
            assertTrue(turnout.reload(), this::log);
            assertEquals("200", get("new.test"), this::log);
            assertNotEquals("200", get("app.test"), "its entry is gone: " + log());
        }
    }
}
