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
 * Clash's hosts before rules, with the packaged Turnout, real curl and dnsmasq as the namespace's only
 * nameserver (logging every query): a name in {@code hosts:} matches {@code IP-CIDR,...,no-resolve} from the
 * first rule on and is never looked up, through the mixed port and in {@code turnout match}. The rules after
 * the no-resolve one would reject it, so a name that skipped it is refused. A name with several addresses is
 * reached by DIRECT at the next one when the first cannot be.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class HostsBeforeRulesIT {

    static final int MIXED = 7890;
    static final int CONTROLLER = 9090;
    static final int TARGET = 8081;
    static final String WEB = "192.0.2.13";
    static final String DNS = "192.0.2.53";
    /** An IPv6 address the namespace has no route to, as on a machine without IPv6: connecting there fails at once. */
    static final String UNREACHABLE = "2001:db8::14";

    Path dir;
    Path config;
    Path dnsLog;
    Netns ns;
    Launched turnout;

    @BeforeAll
    void start() throws Exception {
        Netns.assumeUsable("dnsmasq", "curl");
        dir = ScratchDir.create("i13-groups-hosts");
        ns = Netns.create("thost");
        ns.address("lo", WEB + "/32");
        ns.address("lo", DNS + "/32");
        ns.resolver(DNS);
        ns.hosts(java.util.Map.of());
        dnsLog = dir.resolve("dnsmasq.log");
        Daemons.dnsmasq(ns, dnsLog, DNS, 53, "--host-record=other.test," + WEB);
        ns.spawn(dir.resolve("target.log"), Daemons.peer("http", Integer.toString(TARGET)));
        ns.awaitTcpPort(TARGET, Duration.ofSeconds(20));
        awaitDns();
        config = dir.resolve("config.yaml");
        Files.writeString(config, String.join("\n",
                "mixed-port: " + MIXED,
                "external-controller: 127.0.0.1:" + CONTROLLER,
                "hosts:",
                "  api.test: " + WEB,
                "  '*.wild.test': " + WEB,
                "  two.test: ['" + UNREACHABLE + "', " + WEB + "]",
                "rules:",
                "  - DOMAIN,two.test,DIRECT",
                "  - IP-CIDR," + WEB + "/32,DIRECT,no-resolve",
                "  - IP-CIDR,198.51.100.0/24,DIRECT",
                "  - MATCH,REJECT",
                ""));
        turnout = Launched.start(ns, config, dir.resolve("turnout.log"), CONTROLLER);
        ns.awaitTcpPort(MIXED, Duration.ofSeconds(30));
    }

    /** dnsmasq answers (bounded wait), so a query it did not log was never made. */
    private void awaitDns() throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        while (System.nanoTime() < deadline) {
            if (MixedPortIT.read(dnsLog).contains("started")) {
                return;
            }
            Thread.sleep(100);
        }
        throw new AssertionError("dnsmasq did not start:\n" + MixedPortIT.read(dnsLog));
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

    private Netns.Result curl(String host, String path) throws Exception {
        return ns.run(Duration.ofSeconds(30), "curl", "-sS", "--max-time", "20", "--socks5-hostname",
                "127.0.0.1:" + MIXED, "http://" + host + ":" + TARGET + path);
    }

    @Test
    @Order(1)
    void aNameInHostsMatchesANoResolveIpRuleThroughTheMixedPortWithoutAnyQuery() throws Exception {
        for (String host : new String[] {"api.test", "a.wild.test"}) {
            Netns.Result r = curl(host, "/" + host);
            assertEquals(0, r.exitCode(), () -> host + ": " + r.stderr() + "\n" + turnout.log());
            assertTrue(r.stdout().startsWith("hello /" + host), r.stdout());
            assertTrue(turnout.log().contains(host + ":" + TARGET + " match IP-CIDR," + WEB + "/32"), turnout.log());
        }
        String queries = MixedPortIT.read(dnsLog);
        assertFalse(queries.contains("api.test") || queries.contains("wild.test"), queries);
    }

    @Test
    @Order(2)
    void turnoutMatchDecidesTheSameWithoutAnyQuery() throws Exception {
        Netns.Result r = ns.run(Duration.ofSeconds(120), "bash", "-c",
                "printf 'api.test 443\\nx.wild.test\\n' | \"$0\" match -c \"$1\"",
                Path.of(System.getProperty("turnout.dist")).resolve("bin/turnout").toString(), config.toString());
        assertEquals(0, r.exitCode(), r.stderr());
        String[] lines = r.stdout().split("\n");
        assertEquals(2, lines.length, r.stdout());
        assertTrue(lines[0].startsWith("api.test 443\tDIRECT\tIP-CIDR," + WEB + "/32"), lines[0]);
        assertTrue(lines[1].startsWith("x.wild.test\tDIRECT\tIP-CIDR," + WEB + "/32"), lines[1]);
        String queries = MixedPortIT.read(dnsLog);
        assertFalse(queries.contains("api.test") || queries.contains("wild.test"), queries);
    }

    @Test
    @Order(3)
    void aNameNotInHostsIsLookedUpOnlyByTheRuleThatNeedsItAndTheNoResolveRuleSkipsIt() throws Exception {
        Netns.Result r = curl("other.test", "/other");
        assertFalse(r.stdout().startsWith("hello"), "other.test is not in hosts: it must fall through to REJECT");
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (!MixedPortIT.read(dnsLog).contains("other.test") && System.nanoTime() < deadline) {
            Thread.sleep(100);
        }
        assertTrue(MixedPortIT.read(dnsLog).contains("query[A] other.test"), () -> "dnsmasq logged no query:\n"
                + MixedPortIT.read(dnsLog));
        assertTrue(turnout.log().contains("other.test:" + TARGET + " match MATCH using REJECT"), turnout.log());
    }

    @Test
    @Order(4)
    void directReachesANameAtItsNextAddressWhenTheFirstCannotBeReached() throws Exception {
        Netns.Result r = curl("two.test", "/two");
        assertEquals(0, r.exitCode(), () -> r.stderr() + "\n" + turnout.log());
        assertTrue(r.stdout().startsWith("hello /two"), r.stdout());
        assertTrue(turnout.log().contains("two.test:" + TARGET + " match DOMAIN,two.test using DIRECT"), turnout.log());
    }
}
