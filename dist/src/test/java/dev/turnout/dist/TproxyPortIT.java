package dev.turnout.dist;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.turnout.dist.controller.Api;
import dev.turnout.dist.controller.Launched;
import dev.turnout.dist.testing.ConeProbe;
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
 * mihomo's {@code tproxy-port}, which Clash Verge's Linux template carries (7896) and which Linux routers running
 * Clash use for UDP, which redir-port cannot carry. Before, Turnout said "'tproxy-port' is not supported by Turnout;
 * ignored" and nothing listened. Here, as on a router: a client namespace whose default route is a router namespace,
 * where Turnout runs and the firewall's TPROXY target hands it the client's TCP and UDP, and a server namespace
 * behind the router with a web server and dnsmasq. The client's curl and dig reach them through Turnout's rules.
 */
class TproxyPortIT {

    static final String CLIENT = "192.0.2.1";
    static final String ROUTER = "192.0.2.2";
    static final String ROUTER_UP = "203.0.113.1";
    static final String SERVER = "203.0.113.2";
    static final String WEB = "198.51.100.2";
    static final String DNS = "198.51.100.53";
    static final String CLIENT6 = "2001:db8:1::1";
    static final String ROUTER6 = "2001:db8:1::2";
    static final String ROUTER_UP6 = "2001:db8:2::1";
    static final String SERVER6 = "2001:db8:2::2";
    static final String WEB6 = "2001:db8:3::2";
    static final String DNS6 = "2001:db8:3::53";

    Path dir;
    Netns client;
    Netns router;
    Netns server;

    @BeforeEach
    void network() throws Exception {
        Netns.assumeUsable("curl", "dig", "dnsmasq", "iptables", "python3");
        dir = ScratchDir.create("ttproxy");
        client = Netns.create("ttpc");
        router = Netns.create("ttpr");
        server = Netns.create("ttps");
        client.link("veth0", List.of(CLIENT + "/24", CLIENT6 + "/64"), router, "veth0",
                List.of(ROUTER + "/24", ROUTER6 + "/64"));
        router.link("veth1", List.of(ROUTER_UP + "/24", ROUTER_UP6 + "/64"), server, "veth1",
                List.of(SERVER + "/24", SERVER6 + "/64"));
        client.defaultRoute(ROUTER);
        client.defaultRoute(ROUTER6);
        router.ip(List.of("route", "add", "198.51.100.0/24", "via", SERVER));
        router.ip(List.of("-6", "route", "add", "2001:db8:3::/64", "via", SERVER6));
        for (String a : List.of(WEB + "/32", DNS + "/32", WEB6 + "/128", DNS6 + "/128")) {
            server.address("veth1", a);
        }
        server.defaultRoute(ROUTER_UP);
        server.defaultRoute(ROUTER_UP6);
        server.spawn(dir.resolve("http.log"), Daemons.peer("http", "8080"));
        Daemons.dnsmasq(server, dir.resolve("dnsmasq.log"), DNS, 53, "--host-record=web.example.test," + WEB,
                "--local=/example.test/");
        Daemons.dnsmasq(server, dir.resolve("dnsmasq6.log"), DNS6, 53, "--host-record=web.example.test," + WEB,
                "--local=/example.test/");
        server.awaitTcpPort(8080, Duration.ofSeconds(20));
        // The router's firewall, as a mihomo user's tproxy script sets it: what arrives from the LAN is handed to
        // the tproxy port and marked, and marked packets are delivered locally.
        router.ip(List.of("rule", "add", "fwmark", "1", "lookup", "100"));
        router.ip(List.of("route", "add", "local", "0.0.0.0/0", "dev", "lo", "table", "100"));
        router.ip(List.of("-6", "rule", "add", "fwmark", "1", "lookup", "100"));
        router.ip(List.of("-6", "route", "add", "local", "::/0", "dev", "lo", "table", "100"));
        for (String tables : List.of("iptables", "ip6tables")) {
            for (String protocol : List.of("tcp", "udp")) {
                Netns.Result r = router.run(Duration.ofSeconds(10), tables, "-t", "mangle", "-A", "PREROUTING",
                        "-i", "veth0", "-p", protocol, "-j", "TPROXY", "--on-port", "7896", "--tproxy-mark", "1");
                assertEquals(0, r.exitCode(), r::toString);
            }
        }
    }

    @AfterEach
    void removeNetwork() throws Exception {
        Netns.closeAll(client, server, router);
        if (dir != null) {
            ScratchDir.delete(dir);
        }
    }

    @Test
    void tcpAndUdpTheFirewallHandsOverGoWhereTheyWereGoing() throws Exception {
        Path config = dir.resolve("config.yaml");
        Files.writeString(config, String.join("\n", "mixed-port: 7890", "tproxy-port: 7896", "allow-lan: true",
                "log-level: info", "external-controller: 127.0.0.1:9090",
                "sniffer: {enable: true, sniff: {HTTP: {ports: [8080], override-destination: false}}}", "rules:",
                "  - DOMAIN,web.example.test,DIRECT", "  - IN-TYPE,TPROXY,DIRECT", "  - MATCH,REJECT", ""));
        try (Launched turnout = Launched.start(router, config, dir.resolve("turnout.log"), 9090)) {
            Netns.Result web = client.run(Duration.ofSeconds(20), "curl", "-sS", "--max-time", "10",
                    "http://" + WEB + ":8080/x");
            assertTrue(web.stdout().startsWith("hello /x from "), () -> web + turnout.log());
            assertTrue(turnout.log().matches("(?s).*\\[TCP\\] 192\\.0\\.2\\.1:\\d+ --> 198\\.51\\.100\\.2:8080 match "
                    + "IN-TYPE,TPROXY using DIRECT.*"), "its inbound type is mihomo's TPROXY: " + turnout.log());

            // UDP: dig takes the answer only from the address it asked, so the reply came from the DNS's address.
            for (int i = 0; i < 3; i++) {
                Netns.Result dig = client.run(Duration.ofSeconds(20), "dig", "+short", "+time=3", "+tries=1",
                        "@" + DNS, "web.example.test");
                assertEquals(WEB, dig.stdout().strip(), () -> dig + turnout.log());
            }
            assertTrue(turnout.log().matches("(?s).*\\[UDP\\] 192\\.0\\.2\\.1:\\d+ --> 198\\.51\\.100\\.53:53 match "
                    + "IN-TYPE,TPROXY using DIRECT.*"), turnout::log);
            assertTrue(Files.readString(dir.resolve("dnsmasq.log")).contains("query[A] web.example.test from "
                    + ROUTER_UP), "dnsmasq was asked by Turnout, from the router");

            // As mihomo sniffs them: the name the client sent makes domain rules apply.
            Netns.Result named = client.run(Duration.ofSeconds(20), "curl", "-sS", "--max-time", "10", "-H",
                    "Host: web.example.test", "http://" + WEB + ":8080/named");
            assertTrue(named.stdout().startsWith("hello /named from "), () -> named + turnout.log());
            assertTrue(turnout.log().contains("--> web.example.test:8080 match DOMAIN,web.example.test using DIRECT"),
                    turnout::log);

            // Made to the port itself, not handed over by the firewall (the firewall passes it on as it is):
            // there is nowhere to send it, and Turnout does not send it to itself.
            Netns.Result self = client.run(Duration.ofSeconds(20), "curl", "-sS", "--max-time", "5",
                    "http://" + ROUTER + ":7896/x");
            assertNotEquals(0, self.exitCode(), self::toString);
            Netns.Result selfUdp = client.run(Duration.ofSeconds(20), "dig", "+short", "+time=2", "+tries=1",
                    "-p", "7896", "@" + ROUTER, "web.example.test");
            assertNotEquals(0, selfUdp.exitCode(), selfUdp::toString);
            assertTrue(turnout.log().contains("DEFAULT-TPROXY from /" + CLIENT + ":"), turnout::log);
            assertEquals(0, turnout.log().lines().filter(l -> l.contains("--> " + ROUTER + ":7896")).count(),
                    turnout::log);

            // metacubexd's TProxy Port field: shown, moved with TCP and UDP, a held port refused; a reload reads the
            // file's again.
            Api api = new Api(router, 9090, null);
            assertEquals(7896, ((Number) api.get("/configs").object().get("tproxy-port")).intValue());
            assertEquals(204, api.call("PATCH", "/configs", "{\"tproxy-port\":7897}").status(), turnout::log);
            assertEquals(7897, ((Number) api.get("/configs").object().get("tproxy-port")).intValue());
            assertEquals(1, router.tcpOn("listening", 7897), turnout::log);
            assertEquals(0, router.tcpOn("listening", 7896), "moved, not added");
            assertTrue(udpListening(7897) && !udpListening(7896), turnout::log);
            Api.Response held = api.call("PATCH", "/configs", "{\"tproxy-port\":7890}");
            assertEquals(400, held.status(), held::toString);
            assertEquals(1, router.tcpOn("listening", 7897), turnout::log);
            assertTrue(turnout.reload(), turnout::log);
            assertEquals(1, router.tcpOn("listening", 7896), turnout::log);
            assertTrue(udpListening(7896) && !udpListening(7897), turnout::log);
            Netns.Result again = client.run(Duration.ofSeconds(20), "dig", "+short", "+time=3", "+tries=1",
                    "@" + DNS, "web.example.test");
            assertEquals(WEB, again.stdout().strip(), () -> again + turnout.log());
        }
    }

    /**
     * With {@code bind-address: '::'} one port takes both families, as mihomo's does with its default: TCP and UDP,
     * IPv6 and IPv4. Netty does not read an IPv6 datagram's original destination; Turnout reads it itself.
     */
    @Test
    void aDualStackPortTakesIpv6AndIpv4() throws Exception {
        Path config = dir.resolve("config.yaml");
        Files.writeString(config, String.join("\n", "mixed-port: 7890", "tproxy-port: 7896", "allow-lan: true",
                "bind-address: '::'", "ipv6: true", "log-level: info", "external-controller: 127.0.0.1:9090", "rules:",
                "  - IN-TYPE,TPROXY,DIRECT",
                "  - MATCH,REJECT", ""));
        try (Launched turnout = Launched.start(router, config, dir.resolve("turnout.log"), 7896)) {
            Netns.Result web = client.run(Duration.ofSeconds(20), "curl", "-sS", "--max-time", "10",
                    "http://[" + WEB6 + "]:8080/six");
            assertTrue(web.stdout().startsWith("hello /six from "), () -> web + turnout.log());
            // As mihomo writes them: compressed and bracketed.
            assertTrue(turnout.log().matches("(?s).*\\[TCP\\] \\[2001:db8:1::1\\]:\\d+ --> \\[2001:db8:3::2\\]:8080 match "
                    + "IN-TYPE,TPROXY using DIRECT.*"), turnout::log);
            Netns.Result web4 = client.run(Duration.ofSeconds(20), "curl", "-sS", "--max-time", "10",
                    "http://" + WEB + ":8080/four");
            assertTrue(web4.stdout().startsWith("hello /four from "), () -> web4 + turnout.log());
            for (String dns : List.of(DNS6, DNS, DNS6)) {
                Netns.Result dig = client.run(Duration.ofSeconds(20), "dig", "+short", "+time=3", "+tries=1",
                        "@" + dns, "web.example.test");
                assertEquals(WEB, dig.stdout().strip(), () -> dns + ": " + dig + turnout.log());
            }
            assertTrue(turnout.log().matches("(?s).*\\[UDP\\] \\[2001:db8:1::1\\]:\\d+ --> \\[2001:db8:3::53\\]:53 "
                    + "match IN-TYPE,TPROXY using DIRECT.*"), turnout::log);
            assertTrue(turnout.log().matches("(?s).*\\[UDP\\] 192\\.0\\.2\\.1:\\d+ --> 198\\.51\\.100\\.53:53 "
                    + "match IN-TYPE,TPROXY using DIRECT.*"), "an IPv4 client is given as IPv4: " + turnout.log());
            assertTrue(Files.readString(dir.resolve("dnsmasq6.log")).contains("query[A] web.example.test from "
                    + ROUTER_UP6), "dnsmasq was asked by Turnout over IPv6, from the router");

            // A datagram to the port itself over IPv6 is refused as over IPv4, not sent back to it.
            Netns.Result self = client.run(Duration.ofSeconds(20), "dig", "+short", "+time=2", "+tries=1",
                    "-p", "7896", "@" + ROUTER6, "web.example.test");
            assertNotEquals(0, self.exitCode(), self::toString);
            assertEquals(0, turnout.log().lines().filter(l -> l.contains(":7896 match")).count(), turnout::log);

            // Moved, both UDP sockets go with the port (the IPv6 one Turnout reads itself included) and come up on
            // the new one.
            Api api = new Api(router, 9090, null);
            assertEquals(204, api.call("PATCH", "/configs", "{\"tproxy-port\":7897}").status(), turnout::log);
            Netns.Result old = router.run(Duration.ofSeconds(10), "ss", "-Hunl", "sport = :7896");
            assertTrue(old.stdout().isBlank(), old::toString);
            Netns.Result now = router.run(Duration.ofSeconds(10), "ss", "-Hunl", "sport = :7897");
            assertEquals(2, now.stdout().strip().lines().count(), now::toString);
        }
    }

    /**
     * A router's usual set-up (OpenClash's "fake-ip + tproxy"): the LAN's resolver is Turnout's fake-IP DNS, and the
     * connections to the fake addresses it gave come to the tproxy port, which routes them by their names.
     */
    @Test
    void aRoutersFakeIpDnsGivesTheInterceptedFlowsTheirNames() throws Exception {
        client.resolver(ROUTER);
        for (String protocol : List.of("tcp", "udp")) {
            // The router's own services (its DNS) are not handed over, as every tproxy script leaves them out.
            Netns.Result r = router.run(Duration.ofSeconds(10), "iptables", "-t", "mangle", "-I", "PREROUTING",
                    "-i", "veth0", "-p", protocol, "-d", ROUTER, "-j", "RETURN");
            assertEquals(0, r.exitCode(), r::toString);
        }
        Path config = dir.resolve("config.yaml");
        Files.writeString(config, String.join("\n", "mixed-port: 7890", "tproxy-port: 7896", "allow-lan: true",
                "log-level: info", "dns:", "  enable: true", "  listen: 0.0.0.0:53", "  enhanced-mode: fake-ip",
                "  fake-ip-range: 198.18.0.1/16", "  nameserver: [" + DNS + "]", "rules:",
                "  - DOMAIN,web.example.test,DIRECT", "  - MATCH,REJECT", ""));
        try (Launched turnout = Launched.start(router, config, dir.resolve("turnout.log"), 7896)) {
            Netns.Result fake = client.run(Duration.ofSeconds(20), "dig", "+short", "+time=3", "+tries=1",
                    "web.example.test");
            assertTrue(fake.stdout().strip().startsWith("198.18."), () -> fake + turnout.log());
            Netns.Result web = client.run(Duration.ofSeconds(20), "curl", "-sS", "--max-time", "10",
                    "http://web.example.test:8080/fake");
            assertTrue(web.stdout().startsWith("hello /fake from "), () -> web + turnout.log());
            assertTrue(turnout.log().matches("(?s).*\\[TCP\\] 192\\.0\\.2\\.1:\\d+ --> web\\.example\\.test:8080 match "
                    + "DOMAIN,web\\.example\\.test using DIRECT.*"), turnout::log);
        }
    }

    /**
     * A LAN client's UDP socket is one flow whatever it writes to, as mihomo's tproxy makes it (a full-cone NAT): the
     * peers see one port of the router's, and a peer the client never wrote to reaches it there, heard from its own
     * address (the router replies from a transparent socket bound there).
     */
    @Test
    void aClientSocketHasOnePortForEveryPeerAndHearsAStranger() throws Exception {
        String b = "198.51.100.3";
        String stranger = "198.51.100.4";
        for (String a : List.of(b, stranger)) {
            server.address("veth1", a + "/32");
        }
        client.hosts(java.util.Map.of("b.nat.test", b));
        ConeProbe.startPeers(server, dir, WEB + ":4000", b + ":4000", stranger + ":5000");
        Path app = Files.writeString(dir.resolve("app.py"), ConeProbe.APP_PY);
        Path config = dir.resolve("config.yaml");
        Files.writeString(config, String.join("\n", "mixed-port: 7890", "tproxy-port: 7896", "allow-lan: true",
                "log-level: info", "external-controller: 127.0.0.1:9090", "rules:", "  - MATCH,DIRECT", ""));
        try (Launched turnout = Launched.start(router, config, dir.resolve("turnout.log"), 9090)) {
            Netns.Result r = client.run(Duration.ofSeconds(60), "python3", app.toString(), "4000", "b.nat.test", WEB,
                    stranger);
            assertEquals(0, r.exitCode(), () -> r + turnout.log());
            ConeProbe.Replies replies = new ConeProbe.Replies(r.stdout());
            assertEquals(WEB + ":4000", replies.from("A"), () -> r + turnout.log());
            assertEquals(b + ":4000", replies.from("NAME"), replies.out());
            assertEquals(replies.port("A"), replies.port("NAME"), replies.out());
            assertTrue(replies.text("A").startsWith("seen " + ROUTER_UP + ":"), replies.out());
            assertEquals("hello from a stranger", replies.text("POKE"), replies.out());
            assertEquals(stranger + ":5000", replies.from("POKE"), replies.out());
            assertEquals(replies.port("A"), replies.port("STRANGER"), replies.out());
            assertEquals(1, turnout.log().lines().filter(l -> l.contains("[UDP] " + CLIENT + ":")).count(),
                    turnout::log);
        }
    }

    private boolean udpListening(int port) throws Exception {
        Netns.Result ss = router.run(Duration.ofSeconds(10), "ss", "-Hunl", "sport = :" + port);
        return !ss.stdout().isBlank();
    }
}
