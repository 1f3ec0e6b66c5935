package dev.turnout.dist;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.turnout.api.testing.Required;
import dev.turnout.dist.testing.Daemons;
import dev.turnout.dist.testing.Netns;
import dev.turnout.dist.testing.ScratchDir;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * mihomo's rules about who sent a flow, through the packaged Turnout's TUN: PROCESS-NAME finds the application's
 * own socket (its source as the application sees it, on the TUN's address), DSCP reads the flow's first IP
 * packet, IN-TYPE/IN-NAME say TUN/DEFAULT-TUN. Each rule is scoped to its own destination with AND and REJECTs:
 * a match is a reset, no match the server's answer.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class TunProcessAndDscpRulesIT {

    static final String CLIENT = "192.0.2.1";
    static final String SERVER = "192.0.2.2";
    static final String BY_NAME = "203.0.113.40";
    static final String BY_DSCP = "203.0.113.50";
    static final String BY_INBOUND = "203.0.113.60";
    static final int HTTP = 8080;
    /** Expedited Forwarding, what a VoIP application marks its packets with. */
    static final int EF = 46;

    Path dir;
    Netns client;
    Netns server;

    @BeforeAll
    void start() throws Exception {
        Netns.assumeUsable("curl");
        Required.that(Files.exists(Path.of("/dev/net/tun")), () -> "no /dev/net/tun (TUN support)");
        Path dist = Path.of(System.getProperty("turnout.dist"));
        dir = ScratchDir.create("tidt");
        client = Netns.create("tidtc");
        server = Netns.create("tidts");
        client.link("veth0", List.of(CLIENT + "/24"), server, "veth0", List.of(SERVER + "/24"));
        for (String a : new String[] {BY_NAME, BY_DSCP, BY_INBOUND}) {
            server.address("veth0", a + "/32");
        }
        client.defaultRoute(SERVER);
        server.spawn(dir.resolve("http.log"), Daemons.peer("http", Integer.toString(HTTP)));
        server.awaitTcpPort(HTTP, Duration.ofSeconds(20));
        Path config = dir.resolve("config.yaml");
        Files.writeString(config, String.join("\n",
                "mixed-port: 7890",
                "log-level: info",
                "tun:",
                "  enable: true",
                "  stack: system",
                "  device: tidt0",
                "  auto-route: true",
                "  auto-detect-interface: true",
                "  state-file: " + dir.resolve("routes.state"),
                "rules:",
                "  - AND,((IP-CIDR," + BY_NAME + "/32),(PROCESS-NAME,curl)),REJECT",
                "  - AND,((IP-CIDR," + BY_DSCP + "/32),(DSCP," + EF + ")),REJECT",
                "  - AND,((IP-CIDR," + BY_INBOUND + "/32),(IN-TYPE,TUN),(IN-NAME,DEFAULT-TUN)),REJECT",
                "  - MATCH,DIRECT",
                ""));
        client.spawn(log(), dist.resolve("bin/turnout").toString(), "run", "-c", config.toString(),
                "--pid-file", dir.resolve("pid").toString());
        client.awaitTcpPort(7890, Duration.ofSeconds(30));
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (!routes().contains("128.0.0.0/1 dev tidt0") && System.nanoTime() < deadline) {
            Thread.sleep(100);
        }
        assertTrue(routes().contains("128.0.0.0/1 dev tidt0"), () -> "no split routes: " + MixedPortIT.read(log()));
    }

    private Path log() {
        return dir.resolve("turnout.log");
    }

    private String routes() throws IOException, InterruptedException {
        return client.run(Duration.ofSeconds(5), "ip", "route", "show").stdout();
    }

    @AfterAll
    void stop() throws IOException {
        Netns.closeAll(client, server);
        ScratchDir.delete(dir);
    }

    private Netns.Result curl(String address) throws IOException, InterruptedException {
        return client.run(Duration.ofSeconds(30), "curl", "-sS", "--noproxy", "*", "--max-time", "10",
                "http://" + address + ":" + HTTP + "/");
    }

    /**
     * An HTTP GET whose packets carry {@code dscp}, from a Java client. On the IPv4 stack, because a dual-stack
     * socket's setTrafficClass sets IPv6's traffic class, which IPv4 packets do not carry.
     */
    private Netns.Result marked(String address, int dscp) throws IOException, InterruptedException {
        List<String> cmd = new java.util.ArrayList<>(List.of(Daemons.peer("dscp-get", address, Integer.toString(HTTP),
                Integer.toString(dscp), "/marked")));
        cmd.add(1, "-Djava.net.preferIPv4Stack=true");
        return client.run(Duration.ofSeconds(30), cmd.toArray(String[]::new));
    }

    @Test
    void processNameMatchesTheApplicationBehindATunFlow() throws Exception {
        Netns.Result byCurl = curl(BY_NAME);
        assertNotEquals(0, byCurl.exitCode(), "curl's flow is reset: " + MixedPortIT.read(log()));
        assertTrue(MixedPortIT.read(log()).contains("match AND,((IP-CIDR," + BY_NAME + "/32),(PROCESS-NAME,curl))"
                + " using REJECT"), () -> MixedPortIT.read(log()));
        Netns.Result byJava = marked(BY_NAME, 0);
        assertEquals(0, byJava.exitCode(), "another program passes: " + byJava.stdout() + MixedPortIT.read(log()));
        assertEquals("hello /marked from " + CLIENT + "\n", byJava.stdout());
    }

    @Test
    void dscpMatchesTheMarkOfTheFlowsPackets() throws Exception {
        Netns.Result ef = marked(BY_DSCP, EF);
        assertEquals(1, ef.exitCode(), "a flow marked EF is reset: " + ef.stdout() + MixedPortIT.read(log()));
        Netns.Result other = marked(BY_DSCP, 10);
        assertEquals(0, other.exitCode(), "another mark passes: " + other.stdout() + MixedPortIT.read(log()));
        Netns.Result unmarked = curl(BY_DSCP);
        assertEquals(0, unmarked.exitCode(), unmarked.stderr() + MixedPortIT.read(log()));
    }

    @Test
    void inTypeAndInNameSayTun() throws Exception {
        Netns.Result r = curl(BY_INBOUND);
        assertNotEquals(0, r.exitCode(), MixedPortIT.read(log()));
        Netns.Result viaMixed = client.run(Duration.ofSeconds(30), "curl", "-sS", "--max-time", "10", "--proxy",
                "http://127.0.0.1:7890", "http://" + BY_INBOUND + ":" + HTTP + "/");
        assertEquals(0, viaMixed.exitCode(), "the same destination through the mixed port is not TUN: "
                + viaMixed.stderr() + MixedPortIT.read(log()));
    }
}
