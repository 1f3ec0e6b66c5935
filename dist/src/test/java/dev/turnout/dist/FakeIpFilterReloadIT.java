package dev.turnout.dist;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
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
 * A reload that changes {@code fake-ip-filter} or {@code fake-ip-filter-mode} (what a user edits when an application
 * breaks on a fake address, in the file or in Clash Verge's DNS settings) applies at once, as mihomo's reload does;
 * before, the log said "reload did not apply dns: restart Turnout for it" and every name kept getting fake addresses.
 * mihomo's newer {@code fake-ip-filter-mode: rule} (the filter written as rules ending in {@code fake-ip} or
 * {@code real-ip}, as DustinWin's and other widely copied configs now do) is read at start and on a reload alike.
 */
class FakeIpFilterReloadIT {

    static final String REAL = "198.51.100.2";

    @RegisterExtension
    final ScratchNamespace scratch = new ScratchNamespace("tfilter", "dig", "dnsmasq");

    Netns ns;
    Path config;
    Path log;

    @BeforeEach
    void start() throws Exception {
        ns = scratch.ns();
        Path dir = scratch.dir();
        Daemons.dnsmasq(ns, dir.resolve("dnsmasq.log"), "127.0.0.1", 5353, "--host-record=web.example.test," + REAL,
                "--host-record=mail.example.test," + REAL, "--host-record=webmail.example.test," + REAL,
                "--host-record=new.example.test," + REAL, "--local=/example.test/");
        config = dir.resolve("config.yaml");
        log = dir.resolve("turnout.log");
    }

    private String configWith(String... filter) {
        return String.join("\n", "mixed-port: 7890", "log-level: info", "external-controller: 127.0.0.1:9090",
                "rule-providers:", "  local: {type: file, behavior: domain, format: text, path: ./local.txt}", "dns:", "  enable: true", "  listen: 127.0.0.1:1053", "  enhanced-mode: fake-ip",
                "  fake-ip-range: 198.18.0.1/16", "  nameserver: ['127.0.0.1:5353']", String.join("\n", filter),
                "rules:", "  - MATCH,DIRECT", "");
    }

    private String answer(String name) throws Exception {
        return ns.run(Duration.ofSeconds(10), "dig", "+short", "+time=2", "+tries=2", "-p", "1053", "@127.0.0.1",
                name, "A").stdout().trim();
    }

    @Test
    void ruleModesFirstMatchingRuleSaysWhichNamesGetRealAnswersAndAReloadItCannotReadChangesNothing()
            throws Exception {
        Files.writeString(config.resolveSibling("local.txt"), "mail.example.test\n");
        Files.writeString(config, configWith("  fake-ip-filter-mode: rule", "  fake-ip-filter:",
                "    - DOMAIN,web.example.test,fake-ip", "    - RULE-SET,local,real-ip",
                "    - DOMAIN-KEYWORD,web,Real-IP", "    - MATCH,fake-ip"));
        try (Launched turnout = Launched.start(ns, config, log, 9090)) {
            String web = answer("web.example.test");
            assertTrue(web.startsWith("198.18."), () -> "DOMAIN,web.example.test,fake-ip comes first: " + web + "\n"
                    + MixedPortIT.read(log));
            assertEquals(REAL, answer("mail.example.test"), "in the rule provider");
            assertEquals(REAL, answer("webmail.example.test"), "DOMAIN-KEYWORD,web,Real-IP");
            assertFalse(MixedPortIT.read(log).contains("not supported"), () -> MixedPortIT.read(log));

            Files.writeString(config, configWith("  fake-ip-filter-mode: rule", "  fake-ip-filter:",
                    "    - DOMAIN-SUFFIX,example.test,PROXY", "    - MATCH,real-ip"));
            assertFalse(turnout.reload(), () -> MixedPortIT.read(log));
            assertTrue(MixedPortIT.read(log).contains("config.yaml:14:7: dns: fake-ip-filter (fake-ip-filter-mode: "
                    + "rule): 'PROXY' is not an action here: write fake-ip or real-ip"), () -> MixedPortIT.read(log));
            String unchanged = answer("new.example.test");
            assertTrue(unchanged.startsWith("198.18."), () -> "the failed reload changed nothing: " + unchanged);

            Files.writeString(config, configWith("  fake-ip-filter-mode: rule", "  fake-ip-filter:",
                    "    - DOMAIN,web.example.test,fake-ip", "    - MATCH,real-ip"));
            Files.writeString(config.resolveSibling("local.txt"), "\n");
            assertTrue(turnout.reload(), () -> MixedPortIT.read(log));
            assertTrue(MixedPortIT.read(log).contains("dns: fake-ip-filter now 2 entries (rule)"),
                    () -> MixedPortIT.read(log));
            assertEquals(REAL, answer("new.example.test"), "fake before the reload, MATCH,real-ip now");
            assertTrue(answer("web.example.test").startsWith("198.18."));
        }
    }

    @Test
    void aReloadThatChangesTheFakeIpFilterAppliesItAtOnce() throws Exception {
        Files.writeString(config.resolveSibling("local.txt"), "\n");
        Files.writeString(config, configWith());
        try (Launched turnout = Launched.start(ns, config, log, 9090)) {
            String fake = answer("web.example.test");
            assertTrue(fake.startsWith("198.18."), () -> fake + "\n" + MixedPortIT.read(log));

            Files.writeString(config, configWith("  fake-ip-filter: ['+.example.test']"));
            assertTrue(turnout.reload(), () -> MixedPortIT.read(log));
            assertEquals(REAL, answer("mail.example.test"), () -> MixedPortIT.read(log));
            assertTrue(MixedPortIT.read(log).contains("dns: fake-ip-filter now 1 entries (blacklist)"),
                    () -> MixedPortIT.read(log));

            Files.writeString(config, configWith("  fake-ip-filter-mode: whitelist",
                    "  fake-ip-filter: ['web.example.test']"));
            assertTrue(turnout.reload(), () -> MixedPortIT.read(log));
            assertTrue(answer("web.example.test").startsWith("198.18."), () -> MixedPortIT.read(log));
            assertEquals(REAL, answer("mail.example.test"), "whitelist: only the names listed get fake addresses");
            assertFalse(MixedPortIT.read(log).contains("reload did not apply"), () -> MixedPortIT.read(log));
        }
    }
}
