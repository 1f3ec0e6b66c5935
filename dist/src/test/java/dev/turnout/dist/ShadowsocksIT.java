package dev.turnout.dist;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.turnout.api.testing.Required;
import dev.turnout.dist.testing.Daemons;
import dev.turnout.dist.testing.Netns;
import dev.turnout.dist.testing.ScratchDir;
import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * The {@code ss} plugin end to end: the packaged Turnout, with the plugin loaded from its jar in plugins/, reaches a
 * server namespace through real shadowsocks-libev servers, one per cipher of a few, from the mixed port (names sent for
 * ss-server to resolve) and from the TUN (TCP, and a DNS query over UDP); and through two more with a plugin:
 * simple-obfs's obfs-server in TLS mode ({@code plugin: obfs}) and v2ray-plugin's WebSocket
 * ({@code plugin: v2ray-plugin}). The servers sit inside the captured range, as in TunIT, so a loop would show.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ShadowsocksIT {

    static final String CLIENT = "192.0.2.1";
    static final String SERVER = "192.0.2.2";
    /** Where the ss-servers listen: reached through the TUN's routes, so only binding to veth0 avoids a loop. */
    static final String REMOTE = "198.51.100.2";
    /** The AEAD ciphers, XChaCha20's (BouncyCastle's ChaCha core, shaded into the plugin) and a stream cipher. */
    static final String[] CIPHERS = {"aes-128-gcm", "aes-256-gcm", "chacha20-ietf-poly1305", "aes-192-gcm",
        "xchacha20-ietf-poly1305", "aes-256-cfb"};
    /** One destination address per cipher, routed to that cipher's server by an IP-CIDR rule. */
    static final String[] TARGETS = {"203.0.113.11", "203.0.113.12", "203.0.113.13", "203.0.113.14", "203.0.113.15",
        "203.0.113.16"};
    static final String DNS = "203.0.113.53";
    static final int HTTP = 8080;
    static final int MIXED = 7890;
    static final int FIRST_SS_PORT = 8381;
    static final int OBFS_PORT = 8391;
    static final int WS_PORT = 8392;
    static final String PASSWORD = "it-secret-not-for-logs";

    Path dir;
    Path dist;
    Path config;
    Netns client;
    Netns server;

    @BeforeAll
    void start() throws Exception {
        Netns.assumeUsable("ss-server", "obfs-server", "ss-v2ray-plugin", "curl", "dnsmasq", "dig");
        Required.that(Files.exists(Path.of("/dev/net/tun")), () -> "no /dev/net/tun (TUN support)");
        dist = Path.of(System.getProperty("turnout.dist"));
        dir = ScratchDir.create("s13-ss-it");
        client = Netns.create("s13ssc");
        server = Netns.create("s13sss");
        client.link("veth0", List.of(CLIENT + "/24"), server, "veth0", List.of(SERVER + "/24"));
        server.address("veth0", REMOTE + "/32");
        server.address("veth0", DNS + "/32");
        for (String target : TARGETS) {
            server.address("veth0", target + "/32");
        }
        client.defaultRoute(SERVER);
        // ss-server resolves the names Turnout sends from the server namespace's own hosts file.
        server.hosts(Map.of("aes-128-gcm.ss.test", TARGETS[0], "aes-256-gcm.ss.test", TARGETS[1],
                "chacha20-ietf-poly1305.ss.test", TARGETS[2], "aes-192-gcm.ss.test", TARGETS[3], "xchacha20-ietf-poly1305.ss.test",
                TARGETS[4], "aes-256-cfb.ss.test", TARGETS[5], "obfs.ss.test", TARGETS[0], "ws.ss.test", TARGETS[1]));
        server.spawn(dir.resolve("http.log"), Daemons.peer("http", Integer.toString(HTTP)));
        Daemons.dnsmasq(server, dir.resolve("dnsmasq.log"), DNS, 53, "--host-record=through-ss.test,203.0.113.99");
        for (int i = 0; i < CIPHERS.length; i++) {
            server.spawn(ssLog(i), "ss-server", "-s", REMOTE, "-p", Integer.toString(FIRST_SS_PORT + i), "-k", PASSWORD,
                    "-m", CIPHERS[i], "-u", "-v");
            server.awaitTcpPort(FIRST_SS_PORT + i, Duration.ofSeconds(20));
        }
        server.spawn(dir.resolve("ss-server-obfs.log"), "ss-server", "-s", REMOTE, "-p", Integer.toString(OBFS_PORT),
                "-k", PASSWORD, "-m", "aes-256-gcm", "-v", "--plugin", "obfs-server", "--plugin-opts", "obfs=tls");
        server.awaitTcpPort(OBFS_PORT, Duration.ofSeconds(20));
        server.spawn(dir.resolve("ss-server-ws.log"), "ss-server", "-s", REMOTE, "-p", Integer.toString(WS_PORT),
                "-k", PASSWORD, "-m", "aes-128-gcm", "-v", "--plugin", "ss-v2ray-plugin", "--plugin-opts",
                "server;path=/ray");
        server.awaitTcpPort(WS_PORT, Duration.ofSeconds(20));
        server.awaitTcpPort(HTTP, Duration.ofSeconds(20));
        List<String> lines = new ArrayList<>(List.of(
                "mixed-port: " + MIXED,
                "log-level: info",
                "tun:",
                "  enable: true",
                "  stack: system",
                "  device: s13ss0",
                "  auto-route: true",
                "  auto-detect-interface: true",
                "  state-file: " + dir.resolve("routes.state"),
                "proxies:"));
        for (int i = 0; i < CIPHERS.length; i++) {
            lines.add("  - {name: ss-" + CIPHERS[i] + ", type: ss, server: " + REMOTE + ", port: " + (FIRST_SS_PORT + i)
                    + ", cipher: " + CIPHERS[i] + ", password: " + PASSWORD + ", udp: true}");
        }
        lines.add("  - {name: ss-obfs, type: ss, server: " + REMOTE + ", port: " + OBFS_PORT + ", cipher: aes-256-gcm,"
                + " password: " + PASSWORD + ", plugin: obfs, plugin-opts: {mode: tls, host: www.example.com}}");
        lines.add("  - {name: ss-ws, type: ss, server: " + REMOTE + ", port: " + WS_PORT + ", cipher: aes-128-gcm,"
                + " password: " + PASSWORD + ", plugin: v2ray-plugin, plugin-opts: {mode: websocket, path: /ray}}");
        lines.add("rules:");
        lines.add("  - DOMAIN-SUFFIX,obfs.ss.test,ss-obfs");
        lines.add("  - DOMAIN-SUFFIX,ws.ss.test,ss-ws");
        // Every name rule before the first address rule: a name the mixed port gets would otherwise be looked up
        // for the address rules above its own, through a resolver these namespaces do not have (9 s a name).
        for (int i = 0; i < CIPHERS.length; i++) {
            lines.add("  - DOMAIN-SUFFIX," + CIPHERS[i] + ".ss.test,ss-" + CIPHERS[i]);
        }
        for (int i = 0; i < CIPHERS.length; i++) {
            lines.add("  - IP-CIDR," + TARGETS[i] + "/32,ss-" + CIPHERS[i]);
        }
        lines.add("  - IP-CIDR," + DNS + "/32,ss-chacha20-ietf-poly1305");
        lines.add("  - MATCH,DIRECT");
        lines.add("");
        config = dir.resolve("config.yaml");
        Files.writeString(config, String.join("\n", lines));
        client.spawn(dir.resolve("turnout.log"), dist.resolve("bin/turnout").toString(), "run", "-c", config.toString(),
                "--pid-file", dir.resolve("pid").toString());
        client.awaitTcpPort(MIXED, Duration.ofSeconds(30));
        client.awaitSplitRoutes("s13ss0", this::log);
    }

    @AfterAll
    void stop() throws IOException {
        Netns.closeAll(client, server);
        ScratchDir.delete(dir);
    }

    private Path ssLog(int i) {
        return dir.resolve("ss-server-" + CIPHERS[i] + ".log");
    }

    private String log() {
        return MixedPortIT.read(dir.resolve("turnout.log"));
    }

    private Netns.Result curl(String... args) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>(List.of("curl", "-sS", "--max-time", "15"));
        cmd.addAll(List.of(args));
        return client.run(Duration.ofSeconds(30), cmd.toArray(String[]::new));
    }

    @Test
    void mixedPortReachesTheServerThroughEachCipherSendingTheName() throws Exception {
        for (int i = 0; i < CIPHERS.length; i++) {
            String name = CIPHERS[i] + ".ss.test";
            Netns.Result r = curl("--socks5-hostname", "127.0.0.1:" + MIXED, "http://" + name + ":" + HTTP + "/mixed");
            assertEquals(0, r.exitCode(), r.stderr() + log() + MixedPortIT.read(ssLog(i)));
            // ss-server connected from its own side: the HTTP server sees the target's address as the source.
            assertEquals("hello /mixed from " + TARGETS[i] + "\n", r.stdout());
            assertTrue(MixedPortIT.read(ssLog(i)).contains("connect to " + name + ":" + HTTP),
                    "ss-server was asked for the name:\n" + MixedPortIT.read(ssLog(i)));
        }
    }

    @Test
    void mixedPortReachesTheServerThroughObfsInTlsMode() throws Exception {
        reachesThroughPlugin("obfs", TARGETS[0]);
    }

    @Test
    void mixedPortReachesTheServerThroughV2rayPlugin() throws Exception {
        reachesThroughPlugin("ws", TARGETS[1]);
    }

    /** {@code NAME.ss.test} through the mixed port, its rule and the ss-server (with its plugin) of the same name. */
    private void reachesThroughPlugin(String name, String target) throws Exception {
        Netns.Result r = curl("--socks5-hostname", "127.0.0.1:" + MIXED, "http://" + name + ".ss.test:" + HTTP + "/" + name);
        String ssLog = MixedPortIT.read(dir.resolve("ss-server-" + name + ".log"));
        assertEquals(0, r.exitCode(), r.stderr() + log() + ssLog);
        assertEquals("hello /" + name + " from " + target + "\n", r.stdout());
        assertTrue(ssLog.contains("connect to " + name + ".ss.test:" + HTTP), ssLog);
        assertTrue(log().contains(name + ".ss.test:" + HTTP + " match DOMAIN-SUFFIX," + name + ".ss.test using ss-"
                + name), log());
    }

    @Test
    void tunFlowsGoThroughEachCipher() throws Exception {
        for (int i = 0; i < CIPHERS.length; i++) {
            Netns.Result r = curl("--noproxy", "*", "http://" + TARGETS[i] + ":" + HTTP + "/tun");
            assertEquals(0, r.exitCode(), r.stderr() + log() + MixedPortIT.read(ssLog(i)));
            assertEquals("hello /tun from " + TARGETS[i] + "\n", r.stdout());
            assertTrue(MixedPortIT.read(ssLog(i)).contains("connect to " + TARGETS[i] + ":" + HTTP),
                    "the flow went through ss-server:\n" + MixedPortIT.read(ssLog(i)));
        }
        assertTrue(log().contains("[TCP] 198.18.0.1:"), "the flows came through the TUN:\n" + log());
    }

    @Test
    void aDnsQueryOverUdpThroughTheTunGoesThroughTheSsUdpRelay() throws Exception {
        Netns.Result r = client.run(Duration.ofSeconds(30), "dig", "+short", "+time=3", "+tries=3", "@" + DNS,
                "through-ss.test", "A");
        assertEquals(0, r.exitCode(), r.stdout() + r.stderr() + log());
        assertEquals("203.0.113.99", r.stdout().trim(), log());
        // dnsmasq saw the query come from the ss-server's side of the server namespace, not from the client.
        String dnsmasq = MixedPortIT.read(dir.resolve("dnsmasq.log"));
        assertTrue(dnsmasq.contains("query[A] through-ss.test from ") && !dnsmasq.contains("from " + CLIENT), dnsmasq);
        assertTrue(log().contains("ss-chacha20-ietf-poly1305"), log());
    }

    @Test
    void thePasswordNeverReachesTheLog() {
        assertFalse(log().contains(PASSWORD), log());
    }

    @Test
    void thePluginIsListedWithItsVersionAndType() throws Exception {
        Netns.Result listing = PluginsIT.runLauncher("plugins");
        assertEquals(0, listing.exitCode(), listing.stderr());
        assertTrue(listing.stdout().lines().anyMatch(l -> l.contains("shadowsocks") && l.contains("0.1.0") && l.contains("ss")),
                listing.stdout());
    }

    @Test
    void withoutThePluginJarAConfigUsingSsFailsNamingTheType() throws Exception {
        Path plugins = Files.createDirectories(dir.resolve("plugins-without-ss"));
        int copied = 0;
        try (DirectoryStream<Path> jars = Files.newDirectoryStream(dist.resolve("plugins"), "*.jar")) {
            for (Path jar : jars) {
                if (!jar.getFileName().toString().startsWith("turnout-plugin-shadowsocks")) {
                    Files.copy(jar, plugins.resolve(jar.getFileName()));
                    copied++;
                }
            }
        }
        assertTrue(copied > 0, "the packaged plugins were copied");
        Netns.Result withJar = PluginsIT.runLauncher("check", "-c", config.toString());
        assertEquals(0, withJar.exitCode(), withJar.stdout() + withJar.stderr());
        Netns.Result without = PluginsIT.runLauncher("check", "-c", config.toString(), "--plugins", plugins.toString());
        assertEquals(2, without.exitCode(), without.stdout() + without.stderr());
        // The first ss entry is on line 11 of the generated config, its type at column 39.
        assertTrue(without.stderr().contains(config + ":11:") && without.stderr().contains("unknown outbound type 'ss' for 'ss-aes-128-gcm'"),
                without.stderr());
    }
}
