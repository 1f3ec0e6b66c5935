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
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * mihomo's {@code redir-port}, which Clash configs for Linux routers and Clash Verge's Linux template carry: TCP
 * connections an {@code iptables ... -j REDIRECT} sends to the port go where they were going, through the rules.
 * Before, Turnout said "'redir-port' is not supported by Turnout; ignored" and nothing listened. Here in a namespace
 * of the test's own: curl's connections to a web server are redirected to Turnout, and Turnout's own, marked with
 * {@code routing-mark} as a mihomo user marks them, are not; the sniffer names them as it names the TUN's.
 */
class RedirPortIT {

    static final String WEB = "198.51.100.2";
    static final String CLIENT = "192.0.2.1";

    @RegisterExtension
    final ScratchNamespace scratch = new ScratchNamespace("tredir", "curl", "iptables");

    @Test
    void redirectedConnectionsGoWhereTheyWereGoing() throws Exception {
        Netns ns = scratch.ns();
        ns.address("lo", WEB + "/32");
        ns.address("lo", CLIENT + "/32");
        ns.spawn(scratch.dir().resolve("http.log"), Daemons.peer("http", "8080"));
        ns.awaitTcpPort(8080, Duration.ofSeconds(20));
        // curl's connections to the web server, not Turnout's (its routing-mark), go to the redir port.
        Netns.Result nat = ns.run(Duration.ofSeconds(10), "iptables", "-t", "nat", "-A", "OUTPUT", "-p", "tcp", "-d",
                WEB, "--dport", "8080", "-m", "mark", "!", "--mark", "6666", "-j", "REDIRECT", "--to-ports", "7892");
        assertEquals(0, nat.exitCode(), nat::toString);
        Files.writeString(scratch.dir().resolve("skipped.txt"), "skipped.example.test\n");
        Files.writeString(scratch.config(), String.join("\n", "mixed-port: 7890", "redir-port: 7892",
                "routing-mark: 6666", "log-level: info", "external-controller: 127.0.0.1:9090",
                "rule-providers: {skipped: {type: file, behavior: domain, format: text, path: ./skipped.txt}}",
                "sniffer: {enable: true, sniff: {HTTP: {ports: [8080], override-destination: false}}, "
                        + "skip-domain: ['rule-set:skipped']}", "rules:",
                "  - DOMAIN,web.example.test,DIRECT", "  - DOMAIN,skipped.example.test,REJECT", "  - IN-TYPE,REDIR,DIRECT",
                "  - MATCH,REJECT", ""));
        try (Launched turnout = Launched.start(ns, scratch.config(), scratch.log(), 9090)) {
            Netns.Result web = ns.run(Duration.ofSeconds(20), "curl", "-sS", "--max-time", "10", "--interface",
                    CLIENT, "http://" + WEB + ":8080/x");
            assertTrue(web.stdout().startsWith("hello /x from "), () -> web + turnout.log());
            assertTrue(turnout.log().contains("[TCP] " + CLIENT + ":"), turnout::log);
            assertTrue(turnout.log().matches("(?s).*\\[TCP\\] 192\\.0\\.2\\.1:\\d+ --> 198\\.51\\.100\\.2:8080 match "
                    + "IN-TYPE,REDIR using DIRECT.*"), "its inbound type is mihomo's REDIR: " + turnout.log());
            // As mihomo sniffs them: the name the client sent makes domain rules apply to a redirected flow.
            Netns.Result named = ns.run(Duration.ofSeconds(20), "curl", "-sS", "--max-time", "10", "--interface",
                    CLIENT, "-H", "Host: web.example.test", "http://" + WEB + ":8080/named");
            assertTrue(named.stdout().startsWith("hello /named from "), () -> named + turnout.log());
            assertTrue(turnout.log().contains("--> web.example.test:8080 match DOMAIN,web.example.test using DIRECT"),
                    turnout::log);
            // A name skip-domain's rule set lists is not used: the flow goes by its address (a rule for the name would
            // have refused it).
            Netns.Result skipped = ns.run(Duration.ofSeconds(20), "curl", "-sS", "--max-time", "10", "--interface",
                    CLIENT, "-H", "Host: skipped.example.test", "http://" + WEB + ":8080/skipped");
            assertTrue(skipped.stdout().startsWith("hello /skipped from "), () -> skipped + turnout.log());
            assertFalse(turnout.log().contains("--> skipped.example.test"), turnout::log);
            assertEquals(7892, ((Number) new Api(ns, 9090, null).get("/configs").object().get("redir-port"))
                    .intValue());

            // yacd's and metacubexd's Redir Port field: moved as the proxy ports are; a port another listener holds is
            // refused and nothing changes; a reload reads the file's again.
            Api api = new Api(ns, 9090, null);
            assertEquals(204, api.call("PATCH", "/configs", "{\"redir-port\":7893}").status(), turnout::log);
            assertEquals(7893, ((Number) api.get("/configs").object().get("redir-port")).intValue());
            assertEquals(1, ns.tcpOn("listening", 7893), turnout::log);
            assertEquals(0, ns.tcpOn("listening", 7892), "moved, not added");
            Api.Response held = api.call("PATCH", "/configs", "{\"redir-port\":7890}");
            assertEquals(400, held.status(), held::toString);
            assertEquals(1, ns.tcpOn("listening", 7893), turnout::log);
            assertTrue(turnout.reload(), turnout::log);
            assertEquals(7892, ((Number) api.get("/configs").object().get("redir-port")).intValue());
            assertEquals(1, ns.tcpOn("listening", 7892), turnout::log);

            // A connection made to the port itself was not redirected: there is nowhere to send it.
            Netns.Result direct = ns.run(Duration.ofSeconds(20), "curl", "-sS", "--max-time", "5",
                    "http://127.0.0.1:7892/x");
            assertNotEquals(0, direct.exitCode(), direct::toString);
            assertTrue(turnout.log().contains("DEFAULT-REDIR from /127.0.0.1:"), turnout::log);
            // A client trying again and again: said once, then a line a minute with the count.
            Netns.Result again = ns.run(Duration.ofSeconds(60), "sh", "-c", "for i in $(seq 20); do curl -s "
                    + "--max-time 2 http://127.0.0.1:7892/x; done; true");
            assertEquals(0, again.exitCode(), again::toString);
            assertEquals(1, turnout.log().lines().filter(l -> l.contains("DEFAULT-REDIR from /127.0.0.1:")).count(),
                    turnout::log);
        }
    }
}
