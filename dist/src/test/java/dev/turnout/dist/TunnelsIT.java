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
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * mihomo's {@code tunnels:}, which Clash Verge Rev edits in its Tunnels dialog: a local port forwarded to one target,
 * TCP and UDP, through the tunnel's proxy or where the rules send it. Before, Turnout said "unknown key 'tunnels';
 * ignored" and nothing listened. Here a DNS server reached through a tunnel by dig over UDP and TCP, and a web server
 * by curl through a tunnel whose proxy is dante; a reload opens and closes tunnels.
 */
class TunnelsIT {

    static final String WEB = "198.51.100.2";

    @RegisterExtension
    final ScratchNamespace scratch = new ScratchNamespace("ttunnels", "dig", "dnsmasq", "curl", "danted");

    Netns ns;

    @BeforeEach
    void start() throws Exception {
        ns = scratch.ns();
        ns.address("lo", WEB + "/32");
        ns.hosts(Map.of("web.example.test", WEB)); // for dante, which looks the target's name up itself
        ns.spawn(scratch.dir().resolve("http.log"), Daemons.peer("http", "8080"));
        Daemons.dnsmasq(ns, scratch.dir().resolve("dnsmasq.log"), "127.0.0.1", 5353,
                "--host-record=web.example.test," + WEB, "--local=/example.test/");
        Daemons.dante(ns, scratch.dir(), 1080, scratch.dir().resolve("danted.log"));
        ns.awaitTcpPort(8080, Duration.ofSeconds(20));
        ns.awaitTcpPort(5353, Duration.ofSeconds(20));
    }

    private void write(String... tunnels) throws Exception {
        Files.writeString(scratch.config(), String.join("\n", "mixed-port: 7890", "log-level: info",
                "proxies:", "  - {name: dante, type: socks5, server: 127.0.0.1, port: 1080}",
                "tunnels:", String.join("\n", tunnels), "rules:", "  - MATCH,DIRECT", ""));
    }

    private Netns.Result dig(int port, String... extra) throws Exception {
        String[] args = {"dig", "+short", "+time=2", "+tries=1", "-p", Integer.toString(port), "@127.0.0.1"};
        String[] all = java.util.stream.Stream.concat(java.util.Arrays.stream(args),
                java.util.stream.Stream.concat(java.util.Arrays.stream(extra),
                        java.util.stream.Stream.of("web.example.test", "A"))).toArray(String[]::new);
        return ns.run(Duration.ofSeconds(10), all);
    }

    private Netns.Result curl(int port) throws Exception {
        return ns.run(Duration.ofSeconds(20), "curl", "-sS", "--max-time", "10", "http://127.0.0.1:" + port + "/x");
    }

    @Test
    void aTunnelForwardsItsPortToItsTargetThroughItsProxyOrTheRules() throws Exception {
        write("  - tcp/udp,127.0.0.1:6553,127.0.0.1:5353",
                "  - network: [tcp]", "    address: 127.0.0.1:6666", "    target: web.example.test:8080",
                "    proxy: dante");
        // The tunnels open after the mixed port, in the order written: 6666's TCP port is the last.
        try (Launched turnout = Launched.start(ns, scratch.config(), scratch.log(), 6666)) {
            assertEquals(WEB, dig(6553).stdout().trim(), turnout::log);
            assertEquals(WEB, dig(6553, "+tcp").stdout().trim(), turnout::log);
            Netns.Result web = curl(6666);
            assertTrue(web.stdout().startsWith("hello /x from "), () -> web + turnout.log());
            String log = turnout.log();
            assertTrue(log.contains("listener 'tunnel:127.0.0.1:6553' (tunnel) listening on 127.0.0.1:6553 (tcp/udp)"
                    + " to 127.0.0.1:5353"), log);
            assertTrue(log.matches("(?s).*\\[UDP\\] 127\\.0\\.0\\.1:\\d+ --> 127\\.0\\.0\\.1:5353 match MATCH using "
                    + "DIRECT.*"), "no proxy: the rules decide: " + log);
            assertTrue(log.matches("(?s).*\\[TCP\\] 127\\.0\\.0\\.1:\\d+ --> web\\.example\\.test:8080 match "
                    + "LISTENER,tunnel:127\\.0\\.0\\.1:6666 using dante.*"), log);
            assertTrue(Files.readString(scratch.dir().resolve("danted.log")).contains("web.example.test"),
                    "dante was asked for the target by name");

            // A reload closes the tunnel it no longer has and opens the new one, as mihomo's PatchTunnel does.
            // A tunnel to its own port: each connection would make another, until descriptors ran out.
            write("  - tcp/udp,127.0.0.1:6553,127.0.0.1:5353", "  - tcp,127.0.0.1:6555,127.0.0.1:6555");
            assertFalse(turnout.reload(), turnout::log);
            assertTrue(turnout.log().contains("the tunnel's target 127.0.0.1:6555 is its own port"), turnout::log);
            // The same through another of the machine's addresses, which only the connection shows.
            write("  - tcp/udp,127.0.0.1:6553,127.0.0.1:5353", "  - udp,127.0.0.1:6554,127.0.0.1:5353",
                    "  - tcp,0.0.0.0:6555," + WEB + ":6555");
            assertTrue(turnout.reload(), turnout::log);
            assertNotEquals(0, curl(6666).exitCode(), "the tunnel is gone: " + turnout.log());
            assertNotEquals(0, ns.run(Duration.ofSeconds(20), "curl", "-sS", "--max-time", "5",
                    "http://" + WEB + ":6555/x").exitCode(), turnout::log);
            assertTrue(turnout.log().contains("the tunnel's target is its own port"), turnout::log);
            assertFalse(turnout.log().contains("--> " + WEB + ":6555"), "never routed: " + turnout.log());
            assertEquals(WEB, dig(6554).stdout().trim(), turnout::log);
            assertEquals(WEB, dig(6553).stdout().trim(), "the tunnel kept goes on");

            write("  - tcp,127.0.0.1:6666,web.example.test:8080,nowhere");
            assertFalse(turnout.reload(), "a proxy that is not one fails the reload");
            assertTrue(turnout.log().contains("listener 'tunnel:127.0.0.1:6666': proxy 'nowhere' is neither an "
                    + "outbound nor a group"), turnout::log);
            assertEquals(WEB, dig(6554).stdout().trim(), "and nothing changed");
        }
    }
}
