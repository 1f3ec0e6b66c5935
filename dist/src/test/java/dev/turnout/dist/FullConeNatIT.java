package dev.turnout.dist;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.turnout.api.testing.Required;
import dev.turnout.dist.testing.ConeProbe;
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
 * The TUN's UDP is a full-cone NAT, as mihomo's is: an application socket has one outbound port whatever it writes
 * to (endpoint-independent mapping), and a peer it never wrote to may reach it there, heard from the peer's own
 * address (endpoint-independent filtering). Games and WebRTC learn their public port from a STUN server and give
 * it to peers; before, each destination of a socket had its own DIRECT socket, so the port the STUN server saw
 * was not the one peers could reach, and a stranger's datagram reached the application disguised as the first
 * destination's.
 *
 * <p>Checked with coturn's RFC 5780 NAT behaviour discovery ({@code turnutils_natdiscovery} against
 * {@code turnserver} on two addresses, by address and by a name the fake-IP DNS answered), and with a small
 * application of one socket talking to peers by address and by name, DIRECT and through dante.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class FullConeNatIT {

    static final String CLIENT = "192.0.2.1";
    static final String SERVER = "192.0.2.2";
    /** coturn's primary and alternate addresses, and the peers' two; all inside the TUN's captured range. */
    static final String A = "198.51.100.2";
    static final String B = "198.51.100.3";
    /** A peer the application never writes to first. */
    static final String STRANGER = "198.51.100.4";
    static final String DNS = "198.51.100.53";
    static final String DANTE = "198.51.100.9";
    static final int MIXED = 7890;

    Path dir;
    Path dist;
    Netns client;
    Netns server;

    @BeforeAll
    void start() throws Exception {
        Netns.assumeUsable("turnserver", "turnutils_natdiscovery", "dnsmasq", "danted", "python3");
        Required.that(Files.exists(Path.of("/dev/net/tun")), () -> "no /dev/net/tun (TUN support)");
        dist = Path.of(System.getProperty("turnout.dist"));
        dir = ScratchDir.create("s53-cone");
        client = Netns.create("s53conec");
        server = Netns.create("s53cones");
        client.link("veth0", List.of(CLIENT + "/24"), server, "veth0", List.of(SERVER + "/24"));
        for (String a : List.of(A, B, STRANGER, DNS, DANTE)) {
            server.address("veth0", a + "/32");
        }
        client.defaultRoute(SERVER);
        // Only the TUN's DNS hijack answers the client's lookups (with fake addresses).
        client.resolver("203.0.113.53");
        // dante resolves the names Turnout sends it from its namespace's hosts file.
        server.hosts(java.util.Map.of("b.nat.test", B));
        Daemons.dnsmasq(server, dir.resolve("dnsmasq.log"), DNS, 53, "--host-record=stun.nat.test," + A,
                "--host-record=b.nat.test," + B, "--local=/nat.test/");
        server.spawn(dir.resolve("turnserver.log"), "turnserver", "-n", "--no-cli", "--stun-only", "--no-tls",
                "--no-dtls", "-L", A, "-L", B, "--listening-port", "3478", "--alt-listening-port", "3479",
                "--simple-log", "-l", "stdout", "--pidfile", dir.resolve("turnserver.pid").toString());
        ConeProbe.startPeers(server, dir, A + ":4000", B + ":4000", A + ":4001", B + ":4001", STRANGER + ":5000");
        Daemons.dante(server, dir, DANTE, 1080, dir.resolve("danted.log"));
        Files.writeString(dir.resolve("app.py"), ConeProbe.APP_PY);
        Files.writeString(dir.resolve("socks-app.py"), ConeProbe.SOCKS_APP_PY);
        Path config = Files.writeString(dir.resolve("config.yaml"), String.join("\n",
                "log-level: info",
                "mixed-port: " + MIXED,
                "tun:",
                "  enable: true",
                "  device: s53cone0",
                "  auto-route: true",
                "  auto-detect-interface: true",
                "  dns-hijack: [any:53]",
                "dns:",
                "  enable: true",
                "  enhanced-mode: fake-ip",
                "  fake-ip-range: 198.18.0.1/16",
                "  nameserver: [" + DNS + "]",
                "proxies:",
                "  - {name: dante, type: socks5, server: " + DANTE + ", port: 1080, udp: true}",
                "rules:",
                "  - DST-PORT,4001,dante",
                "  - DST-PORT,4009,REJECT",
                "  - MATCH,DIRECT",
                ""));
        client.spawn(dir.resolve("turnout.log"), dist.resolve("bin/turnout").toString(), "run", "-c",
                config.toString());
        client.awaitTcpPort(MIXED, Duration.ofSeconds(30));
        client.awaitSplitRoutes("s53cone0", this::log);
        server.awaitUdpPort(3479, Duration.ofSeconds(20)); // coturn's alternate port, the last it opens
    }

    @AfterAll
    void stop() throws IOException {
        Netns.closeAll(client, server);
        ScratchDir.delete(dir);
    }

    private String log() {
        return MixedPortIT.read(dir.resolve("turnout.log"));
    }

    private String natDiscovery(String stunServer) throws Exception {
        Netns.Result r = client.run(Duration.ofSeconds(60), "turnutils_natdiscovery", "-m", "-f", stunServer);
        return r.stdout() + r.stderr();
    }

    @Test
    void stunFindsEndpointIndependentMappingAndFiltering() throws Exception {
        String out = natDiscovery(A);
        assertTrue(out.contains("NAT with Endpoint Independent Mapping!"), out + log());
        assertTrue(out.contains("NAT with Endpoint Independent Filtering!"), out + log());
    }

    @Test
    void aStunServerByNameSeesTheSameBehaviour() throws Exception {
        // Its name resolves to a fake address: the session sends the name, and the replies from the name's
        // address are the fake address's, while those from the alternate address (OTHER-ADDRESS, never written
        // to before the filtering test) are heard from where they come.
        String out = natDiscovery("stun.nat.test");
        assertTrue(out.contains("NAT with Endpoint Independent Mapping!"), out + log());
        assertTrue(out.contains("NAT with Endpoint Independent Filtering!"), out + log());
        assertTrue(log().contains("stun.nat.test:3478 match MATCH using DIRECT"), log());
    }

    @Test
    void oneSocketHasOnePortForEveryPeerAndHearsAStranger() throws Exception {
        ConeProbe.Replies app = app("4000");
        // The same outbound port, by address and by name; the name's reply comes from the fake address written.
        assertEquals(app.port("A"), app.port("NAME"), app.out());
        assertTrue(app.from("NAME").startsWith("198.18."), app.out());
        assertEquals(A + ":4000", app.from("A"), app.out());
        // A peer it never wrote to reaches it, heard from the peer's own address, and its answer goes out the
        // same port.
        assertEquals("hello from a stranger", app.text("POKE"), app.out());
        assertEquals(STRANGER + ":5000", app.from("POKE"), app.out());
        assertEquals(app.port("A"), app.port("STRANGER"), app.out());
        // One socket, one route line: the first datagram's, which routed the socket (as mihomo's tunnel does).
        String port = app.from("LOCAL").substring(app.from("LOCAL").lastIndexOf(':'));
        assertEquals(1, log().lines().filter(l -> l.contains("[UDP] ") && l.contains(port + " --> ")).count(), log());
    }

    @Test
    void throughASocks5ServerTheSocketIsStillOneAssociation() throws Exception {
        ConeProbe.Replies app = app("4001");
        assertTrue(MixedPortIT.read(dir.resolve("danted.log")).contains("udp"), () -> MixedPortIT.read(dir.resolve("danted.log")));
        assertTrue(log().contains(A + ":4001 match DST-PORT,4001 using dante"), log());
        // Both peers see dante's one port: the socket's datagrams to both went through one association.
        assertEquals(app.port("A"), app.port("NAME"), app.out());
        assertTrue(app.from("NAME").startsWith("198.18."), app.out());
    }

    @Test
    void aSocks5ClientsAssociationIsOnePortToo() throws Exception {
        Netns.Result r = client.run(Duration.ofSeconds(60), "python3", dir.resolve("socks-app.py").toString(),
                Integer.toString(MIXED), A, "b.nat.test", STRANGER);
        assertEquals(0, r.exitCode(), r.stdout() + r.stderr() + log());
        ConeProbe.Replies app = new ConeProbe.Replies(r.stdout());
        // One association, one session: both peers see one port, by address and by name (sent as a name).
        assertEquals(app.port("A"), app.port("NAME"), app.out());
        assertEquals(A + ":4000", app.from("A"), app.out());
        assertEquals(B + ":4000", app.from("NAME"), app.out());
        assertEquals("hello from a stranger", app.text("POKE"), app.out());
        assertEquals(STRANGER + ":5000", app.from("POKE"), app.out());
        assertTrue(log().contains("[UDP] 127.0.0.1:"), log());
    }

    /**
     * A socket (or association) whose first datagram the rules refuse is routed again by its next datagram elsewhere,
     * as mihomo forgets a session whose dial failed: it is not left dropping everything it sends.
     */
    @Test
    void aRefusedFirstDatagramDoesNotSilenceTheSocket() throws Exception {
        Netns.Result tun = client.run(Duration.ofSeconds(60), "python3", dir.resolve("app.py").toString(), "4000",
                "b.nat.test", A, STRANGER, "4009");
        ConeProbe.Replies viaTun = new ConeProbe.Replies(tun.stdout());
        assertEquals("none", viaTun.from("REFUSED"), tun.stdout());
        assertEquals(A + ":4000", viaTun.from("A"), tun.stdout() + log());
        Netns.Result socks = client.run(Duration.ofSeconds(60), "python3", dir.resolve("socks-app.py").toString(),
                Integer.toString(MIXED), A, "b.nat.test", STRANGER, "4009");
        ConeProbe.Replies viaSocks = new ConeProbe.Replies(socks.stdout());
        assertEquals("none", viaSocks.from("REFUSED"), socks.stdout());
        assertEquals(A + ":4000", viaSocks.from("A"), socks.stdout() + log());
        assertTrue(log().contains(A + ":4009 match DST-PORT,4009 using REJECT"), log());
    }

    private ConeProbe.Replies app(String port) throws Exception {
        Netns.Result r = client.run(Duration.ofSeconds(60), "python3", dir.resolve("app.py").toString(), port,
                "b.nat.test", A, STRANGER);
        assertEquals(0, r.exitCode(), r.stdout() + r.stderr() + log());
        return new ConeProbe.Replies(r.stdout());
    }
}
