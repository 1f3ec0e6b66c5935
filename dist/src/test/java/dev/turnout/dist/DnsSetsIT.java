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
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * mihomo's {@code rule-set:} entries in {@code fake-ip-filter} and {@code nameserver-policy}, with the packaged
 * Turnout's fake-IP DNS, real dig, and two dnsmasq servers logging every query: the public one, which answers the
 * company's names wrongly, and the company's own. A name of the company's rule provider gets its real address, asked
 * of the company's server alone; an ad provider's names get an empty answer nobody was asked for; everything else
 * gets a fake address; and a name added to the provider file counts after a SIGHUP. With the company's server as
 * {@code fallback} too, {@code fallback-filter} sends a name whose public answer it distrusts there; and as
 * {@code proxy-server-nameserver} and {@code direct-nameserver}, it alone is asked for the name of a SOCKS5 server
 * and for a name DIRECT connects to.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class DnsSetsIT {

    static final int CONTROLLER = 9090;
    static final int DNS_PORT = 1053;
    static final String PUBLIC = "192.0.2.53";
    static final String CORP = "192.0.2.54";
    static final String CORP_ANSWER = "192.0.2.10";
    static final String NEW_ANSWER = "192.0.2.11";
    static final String WRONG_ANSWER = "192.0.2.99";
    static final String CLEAN_ANSWER = "192.0.2.13";
    static final String FALLBACK_ANSWER = "192.0.2.12";
    /** Where the web server and dante listen; the company's server knows them by name, the public one wrongly. */
    static final String WEB = "192.0.2.80";
    static final String SOCKS = "192.0.2.81";
    static final int MIXED = 7890;

    Path dir;
    Path config;
    Netns ns;
    Launched turnout;

    @BeforeAll
    void start() throws Exception {
        Netns.assumeUsable("dnsmasq", "dig");
        dir = ScratchDir.create("dns-sets");
        ns = Netns.create("tdset");
        ns.address("lo", PUBLIC + "/32");
        ns.address("lo", CORP + "/32");
        ns.address("lo", WEB + "/32");
        ns.address("lo", SOCKS + "/32");
        ns.spawn(dir.resolve("http.log"), Daemons.peer("http", "8080"));
        Daemons.dante(ns, dir, SOCKS, 1080, dir.resolve("danted.log"));
        dnsmasq("public", PUBLIC, "--address=/corp.test/" + WRONG_ANSWER, "--address=/new.test/" + WRONG_ANSWER,
                "--address=/other.test/" + WRONG_ANSWER, "--address=/polluted.test/" + WRONG_ANSWER,
                "--address=/clean.test/" + CLEAN_ANSWER, "--address=/direct.test/" + WRONG_ANSWER,
                "--address=/proxy.test/" + WRONG_ANSWER);
        dnsmasq("corp", CORP, "--address=/corp.test/" + CORP_ANSWER, "--address=/new.test/" + NEW_ANSWER,
                "--address=/polluted.test/" + FALLBACK_ANSWER, "--address=/direct.test/" + WEB,
                "--address=/proxy.test/" + SOCKS);
        Files.writeString(dir.resolve("corp.txt"), "+.corp.test\n");
        Files.writeString(dir.resolve("ads.yaml"), "payload:\n  - DOMAIN-SUFFIX,ads.test\n  - DST-PORT,53\n");
        config = dir.resolve("config.yaml");
        Files.writeString(config, String.join("\n",
                "external-controller: 127.0.0.1:" + CONTROLLER,
                "mixed-port: " + MIXED,
                "proxies:",
                "  - {name: socks, type: socks5, server: socks.proxy.test, port: 1080}",
                "rule-providers:",
                "  corp: {type: file, behavior: domain, format: text, path: ./corp.txt}",
                "  ads: {type: file, behavior: classical, path: ./ads.yaml}",
                "dns:",
                "  enable: true",
                "  listen: 127.0.0.1:" + DNS_PORT,
                "  enhanced-mode: fake-ip",
                "  nameserver: [" + PUBLIC + "]",
                "  proxy-server-nameserver: [" + CORP + "]",
                "  direct-nameserver: [" + CORP + "]",
                "  fallback: [" + CORP + "]",
                "  fallback-filter: {geoip: false, ipcidr: [" + WRONG_ANSWER + "/32]}",
                "  fake-ip-filter: ['rule-set:corp', '+.polluted.test', '+.clean.test']",
                "  nameserver-policy:",
                "    'rule-set:corp': " + CORP,
                "    'rule-set:ads': 'rcode://success'",
                "rules:",
                "  - IP-CIDR,203.0.113.0/24,socks,no-resolve",
                "  - MATCH,DIRECT",
                ""));
        turnout = Launched.start(ns, config, dir.resolve("turnout.log"), CONTROLLER);
    }

    private void dnsmasq(String name, String address, String... answers) throws Exception {
        Path log = dir.resolve(name + ".log");
        Daemons.dnsmasq(ns, log, address, 53, answers);
        long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        while (System.nanoTime() < deadline && !MixedPortIT.read(log).contains("started")) {
            Thread.sleep(100);
        }
        assertTrue(MixedPortIT.read(log).contains("started"), () -> name + " dnsmasq did not start");
    }

    @AfterAll
    void stop() throws Exception {
        if (turnout != null) {
            turnout.close();
        }
        if (ns != null) {
            ns.close();
        }
        if (dir != null) {
            ScratchDir.delete(dir);
        }
    }

    private Netns.Result dig(String name, String type, String... options) throws Exception {
        java.util.List<String> cmd = new java.util.ArrayList<>(java.util.List.of("dig", "@127.0.0.1", "-p",
                Integer.toString(DNS_PORT), "+time=5", "+tries=1", name, type));
        cmd.addAll(java.util.List.of(options));
        Netns.Result r = ns.run(Duration.ofSeconds(20), cmd.toArray(String[]::new));
        assertEquals(0, r.exitCode(), () -> name + ": " + r.stdout() + r.stderr() + "\n" + turnout.log());
        return r;
    }

    private String queriesOf(String server) {
        return MixedPortIT.read(dir.resolve(server + ".log"));
    }

    @Test
    @Order(1)
    void aCompanyNameGetsItsRealAddressFromTheCompanyServerAlone() throws Exception {
        assertEquals(CORP_ANSWER, dig("git.corp.test", "A", "+short").stdout().trim(), turnout::log);
        assertTrue(queriesOf("corp").contains("query[A] git.corp.test"), () -> queriesOf("corp"));
        assertFalse(queriesOf("public").contains("corp.test"), () -> queriesOf("public"));
        String fake = dig("www.other.test", "A", "+short").stdout().trim();
        assertTrue(fake.startsWith("198.18."), "a name outside the filter gets a fake address: " + fake);
        assertFalse(turnout.log().contains("not supported"), turnout::log);
    }

    @Test
    @Order(2)
    void anAdProvidersNamesGetAnEmptyAnswerNobodyWasAskedFor() throws Exception {
        String answer = dig("tracker.ads.test", "TXT").stdout();
        assertTrue(answer.contains("status: NOERROR") && answer.contains("ANSWER: 0"), answer);
        dig("www.other.test", "TXT");
        assertTrue(queriesOf("public").contains("query[TXT] www.other.test"), () -> queriesOf("public"));
        assertFalse(queriesOf("public").contains("ads.test") || queriesOf("corp").contains("ads.test"),
                () -> queriesOf("public") + queriesOf("corp"));
    }

    @Test
    @Order(3)
    void aNameAddedToTheProviderCountsAfterAReload() throws Exception {
        String before = dig("www.new.test", "A", "+short").stdout().trim();
        assertTrue(before.startsWith("198.18."), "not in the provider yet: a fake address, got " + before);
        Files.writeString(dir.resolve("corp.txt"), "+.corp.test\n+.new.test\n");
        Netns.Result hup = ns.run(Duration.ofSeconds(10), "kill", "-HUP",
                Files.readString(config.resolveSibling("turnout-" + CONTROLLER + ".pid")).trim());
        assertEquals(0, hup.exitCode(), hup.stderr());
        long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        while (System.nanoTime() < deadline && !turnout.log().contains("reloaded")) {
            Thread.sleep(100);
        }
        assertTrue(turnout.log().contains("reloaded"), turnout::log);
        assertEquals(NEW_ANSWER, dig("api.new.test", "A", "+short").stdout().trim(), turnout::log);
        assertTrue(queriesOf("corp").contains("query[A] api.new.test"), () -> queriesOf("corp"));
        assertFalse(queriesOf("public").contains("new.test"), () -> queriesOf("public"));
    }

    @Test
    @Order(4)
    void fallbackAnswersWhenTheFilterDistrustsTheNameserversAnswer() throws Exception {
        assertEquals(FALLBACK_ANSWER, dig("www.polluted.test", "A", "+short").stdout().trim(), turnout::log);
        assertTrue(queriesOf("public").contains("query[A] www.polluted.test"), () -> queriesOf("public"));
        assertEquals(CLEAN_ANSWER, dig("www.clean.test", "A", "+short").stdout().trim(), turnout::log);
        assertFalse(queriesOf("corp").contains("clean.test"), "a trusted answer: fallback never asked\n"
                + queriesOf("corp"));
    }

    @Test
    @Order(5)
    void directAndProxyServerNamesAreAskedOfTheirOwnServers() throws Exception {
        ns.awaitTcpPort(MIXED, Duration.ofSeconds(10));
        Netns.Result direct = ns.run(Duration.ofSeconds(30), "curl", "-sS", "--max-time", "10", "-x",
                "http://127.0.0.1:" + MIXED, "http://web.direct.test:8080/direct");
        assertEquals("hello /direct from " + WEB + "\n", direct.stdout(), () -> direct.stderr() + turnout.log());
        assertTrue(queriesOf("corp").contains("query[A] web.direct.test"), () -> queriesOf("corp"));
        assertFalse(queriesOf("public").contains("direct.test"), () -> queriesOf("public"));
        // 203.0.113.9 is nowhere: dante is reached (through its name, asked of the company's server) and fails to
        // connect on, which curl reports as a SOCKS failure rather than a refused proxy.
        ns.run(Duration.ofSeconds(30), "curl", "-sS", "--max-time", "10", "-x", "http://127.0.0.1:" + MIXED,
                "http://203.0.113.9:8080/socks");
        assertTrue(queriesOf("corp").contains("query[A] socks.proxy.test"), () -> queriesOf("corp") + turnout.log());
        assertFalse(queriesOf("public").contains("proxy.test"), () -> queriesOf("public"));
        assertTrue(MixedPortIT.read(dir.resolve("danted.log")).contains("203.0.113.9"),
                () -> MixedPortIT.read(dir.resolve("danted.log")));
    }
}
