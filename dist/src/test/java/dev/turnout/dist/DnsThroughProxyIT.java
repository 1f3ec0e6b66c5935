package dev.turnout.dist;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.turnout.dist.testing.Daemons;
import dev.turnout.dist.testing.Netns;
import dev.turnout.dist.testing.ScratchDir;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * mihomo's {@code #PROXY} after a nameserver (Turnout refused the config): the queries go through that outbound or
 * group. The nameserver (dnsmasq) is in a namespace the client's has no route to; only the SOCKS5 server (dante)
 * beside it reaches it, so an answer can only have come through the proxy.
 */
class DnsThroughProxyIT {

    static final String CLIENT = "198.51.100.1";
    static final String SERVER = "198.51.100.2";
    /** The nameserver's address, on the server namespace's loopback: no route leads there from the client's. */
    static final String NAMESERVER = "203.0.113.53";

    Path dir;
    Netns client;
    Netns server;
    Path log;

    @BeforeEach
    void start() throws Exception {
        Netns.assumeUsable("danted", "dnsmasq", "dig");
        dir = ScratchDir.create("tdnsvia");
        client = Netns.create("tdnsviac");
        server = Netns.create("tdnsvias");
        client.link("veth0", List.of(CLIENT + "/24"), server, "veth0", List.of(SERVER + "/24"));
        server.address("lo", NAMESERVER + "/32");
        Daemons.dnsmasq(server, dir.resolve("dnsmasq.log"), NAMESERVER, 53, "--host-record=web.test,203.0.113.7");
        Daemons.dante(server, dir, SERVER, 1080, dir.resolve("dante.log"));
        log = dir.resolve("turnout.log");
    }

    @AfterEach
    void stop() throws IOException {
        Netns.closeAll(client, server);
        ScratchDir.delete(dir);
    }

    private Process turnout(String nameserver, String... moreDns) throws IOException {
        return turnout(nameserver, List.of("  - MATCH,DIRECT"), moreDns);
    }

    private Process turnout(String nameserver, List<String> rules, String... moreDns) throws IOException {
        Path config = dir.resolve("config.yaml");
        Files.writeString(config, String.join("\n", "mixed-port: 7890",
                "proxies:", "  - {name: s5, type: socks5, server: " + SERVER + ", port: 1080}",
                "  - {name: v4, type: direct, ip-version: ipv4}",
                "proxy-groups:", "  - {name: PROXY, type: select, proxies: [s5]}",
                "  - {name: straight, type: select, proxies: [DIRECT, v4]}",
                "dns:", "  enable: true", "  listen: 127.0.0.1:1053", "  nameserver: ['" + nameserver + "']",
                String.join("\n", moreDns), "rules:", String.join("\n", rules), ""));
        return client.spawn(log, Path.of(System.getProperty("turnout.dist")).resolve("bin/turnout").toString(), "run",
                "-c", config.toString());
    }

    private Netns.Result dig(String name) throws IOException, InterruptedException {
        return client.run(Duration.ofSeconds(20), "dig", "+short", "+time=5", "+tries=1", "@127.0.0.1", "-p", "1053",
                name);
    }

    @Test
    void queriesToANameserverNamingAGroupGoThroughItsProxy() throws Exception {
        Netns.Result direct = client.run(Duration.ofSeconds(20), "dig", "+short", "+time=2", "+tries=1", "@" + NAMESERVER,
                "web.test");
        assertNotEquals("203.0.113.7", direct.stdout().trim(), "the client reaches the nameserver without the proxy");
        turnout(NAMESERVER + "#PROXY");
        client.awaitTcpPort(7890, Duration.ofSeconds(30));
        Netns.Result answer = dig("web.test");
        assertEquals("203.0.113.7", answer.stdout().trim(), () -> answer.stderr() + MixedPortIT.read(log));
        String dante = MixedPortIT.read(dir.resolve("dante.log"));
        assertTrue(dante.contains(NAMESERVER + ".53"), "dante carried no connection to the nameserver:\n" + dante);
        assertTrue(MixedPortIT.read(dir.resolve("dnsmasq.log")).contains("query[A] web.test from " + SERVER),
                MixedPortIT.read(dir.resolve("dnsmasq.log")));
    }

    /** mihomo's respect-rules: each server without a '#' of its own goes where the rules send a connection to it. */
    @Test
    void withRespectRulesTheRulesChooseTheWayToTheNameserver() throws Exception {
        Process direct = turnout(NAMESERVER, List.of("  - MATCH,DIRECT"), "  respect-rules: true",
                "  proxy-server-nameserver: ['" + SERVER + "']");
        client.awaitTcpPort(7890, Duration.ofSeconds(30));
        assertNotEquals("203.0.113.7", dig("web.test").stdout().trim(), "the rules sent it DIRECT, where no route leads");
        direct.destroy();
        assertTrue(direct.waitFor(30, TimeUnit.SECONDS));
        assertTrue(!MixedPortIT.read(dir.resolve("dante.log")).contains(NAMESERVER + ".53"), "through the proxy");

        turnout(NAMESERVER, List.of("  - IP-CIDR," + NAMESERVER + "/32,PROXY", "  - MATCH,DIRECT"),
                "  respect-rules: true", "  proxy-server-nameserver: ['" + SERVER + "']");
        client.awaitTcpPort(7890, Duration.ofSeconds(30));
        Netns.Result answer = dig("web.test");
        assertEquals("203.0.113.7", answer.stdout().trim(), () -> answer.stderr() + MixedPortIT.read(log));
        assertTrue(MixedPortIT.read(dir.resolve("dante.log")).contains(NAMESERVER + ".53"), "not through the proxy");
    }

    /**
     * As mihomo: a name after '#' that is no outbound is the network interface the queries leave through
     * (JohnsonRan/CRules: '127.0.0.1#lo' for a resolver on this machine, '#tailscale0'); Turnout refused it. One this
     * machine does not have is said at the start, and its queries fail while the others answer. They are asked over
     * UDP, as mihomo asks: the far server refuses TCP here.
     */
    @Test
    void aNameserverNamingAnInterfaceSendsItsQueriesFromItAndOneNamingNothingHereFails() throws Exception {
        Netns.assumeUsable("iptables");
        Daemons.dnsmasq(client, dir.resolve("local.log"), "127.0.0.1", 5353, "--host-record=local.test,192.0.2.9");
        Daemons.dnsmasq(server, dir.resolve("far.log"), SERVER, 5353, "--host-record=a.vpn.test,192.0.2.10",
                "--host-record=a.plain.test,192.0.2.11", "--host-record=a.veth.test,192.0.2.12");
        Netns.Result noTcp = server.run(Duration.ofSeconds(10), "iptables", "-A", "INPUT", "-p", "tcp", "--dport",
                "5353", "-j", "REJECT", "--reject-with", "tcp-reset");
        assertEquals(0, noTcp.exitCode(), noTcp.stderr());
        turnout("127.0.0.1:5353#lo", "  nameserver-policy: {'+.vpn.test': '" + SERVER + ":5353#tailscale0',"
                + " '+.plain.test': '" + SERVER + ":5353', '+.veth.test': '" + SERVER + ":5353#veth0'}");
        client.awaitTcpPort(7890, Duration.ofSeconds(30));
        Netns.Result answer = dig("local.test");
        assertEquals("192.0.2.9", answer.stdout().trim(), () -> answer.stderr() + MixedPortIT.read(log));
        assertTrue(MixedPortIT.read(log).contains("dns: a nameserver sends its queries through 'tailscale0', which is"
                + " neither an outbound, a group nor a network interface of this machine now"), MixedPortIT.read(log));
        Netns.Result none = client.run(Duration.ofSeconds(20), "dig", "+time=5", "+tries=1", "@127.0.0.1", "-p", "1053",
                "a.vpn.test");
        assertTrue(none.stdout().contains("SERVFAIL"), () -> none.stdout() + MixedPortIT.read(log));
        assertEquals("192.0.2.11", dig("a.plain.test").stdout().trim(), "the same server, without the interface");
        Netns.Result fromVeth = dig("a.veth.test");
        assertEquals("192.0.2.12", fromVeth.stdout().trim(), () -> "over UDP from veth0: " + fromVeth.stderr()
                + MixedPortIT.read(log));
    }

    /**
     * Offline at start, a group whose only provider has no nodes yet refuses its flows; a nameserver sent through it
     * left every query to it unanswered (the group's refusal was thrown out of the query), and with it every
     * application that asked. Now such a query fails at once.
     */
    @Test
    void aNameserverThroughAGroupWithNoNodeYetFailsItsQueriesAtOnce() throws Exception {
        Daemons.dnsmasq(server, dir.resolve("far.log"), SERVER, 5353, "--host-record=a.far.test,192.0.2.14");
        Path config = dir.resolve("config.yaml");
        Files.writeString(config, String.join("\n", "mixed-port: 7890",
                "proxy-providers:", "  gone: {type: file, path: ./no-such-list.yaml}",
                "proxy-groups:", "  - {name: EMPTY, type: select, use: [gone]}",
                "dns:", "  enable: true", "  listen: 127.0.0.1:1053",
                "  nameserver: ['tcp://" + NAMESERVER + "#EMPTY']",
                "  nameserver-policy: {'+.far.test': '" + SERVER + ":5353'}",
                "rules:", "  - MATCH,DIRECT", ""));
        client.spawn(log, Path.of(System.getProperty("turnout.dist")).resolve("bin/turnout").toString(), "run",
                "-c", config.toString());
        client.awaitTcpPort(7890, Duration.ofSeconds(30));
        assertEquals("192.0.2.14", dig("a.far.test").stdout().trim(), () -> MixedPortIT.read(log));
        Netns.Result failed = client.run(Duration.ofSeconds(20), "dig", "+time=5", "+tries=1", "@127.0.0.1", "-p",
                "1053", "web.test");
        assertTrue(failed.stdout().contains("status: SERVFAIL"), () -> failed.stdout() + MixedPortIT.read(log));
        assertTrue(!MixedPortIT.read(log).contains("IllegalStateException"), () -> MixedPortIT.read(log));
    }

    @Test
    void aProxyServerNameserverThroughAProxyOrRespectRulesWithoutOneStopTheStartSayingSo() throws Exception {
        Process loop = turnout(NAMESERVER + "#PROXY", "  proxy-server-nameserver: ['" + NAMESERVER + "#PROXY']");
        assertTrue(loop.waitFor(60, TimeUnit.SECONDS), "Turnout ran looking proxies' names up through a proxy");
        assertNotEquals(0, loop.exitValue());
        assertTrue(MixedPortIT.read(log).contains("looks up the proxies' own server names, so its queries cannot go "
                + "through a proxy"), MixedPortIT.read(log));

        // Through a group that only goes direct (echs-top/proxy's 直接连接 of DIRECT and ip-version entries): no loop.
        Files.writeString(log, "");
        Daemons.dnsmasq(client, dir.resolve("local.log"), "127.0.0.1", 5353, "--host-record=local.test,192.0.2.9");
        Process direct = turnout("127.0.0.1:5353", "  proxy-server-nameserver: ['tcp://127.0.0.1:5353#straight']");
        client.awaitTcpPort(7890, Duration.ofSeconds(30));
        assertTrue(direct.isAlive(), MixedPortIT.read(log));
        direct.destroy();
        assertTrue(direct.waitFor(30, TimeUnit.SECONDS));

        Files.writeString(log, "");
        Process respect = turnout(NAMESERVER, "  respect-rules: true");
        assertTrue(respect.waitFor(60, TimeUnit.SECONDS), "Turnout ran with respect-rules and no proxy-server-nameserver");
        assertNotEquals(0, respect.exitValue());
        assertTrue(MixedPortIT.read(log).contains("respect-rules needs proxy-server-nameserver"), MixedPortIT.read(log));
    }
}
