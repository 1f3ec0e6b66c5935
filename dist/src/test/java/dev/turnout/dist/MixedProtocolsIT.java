package dev.turnout.dist;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.turnout.api.testing.Required;
import dev.turnout.api.testing.TestCertificates;
import dev.turnout.dist.controller.Api;
import dev.turnout.dist.controller.Launched;
import dev.turnout.dist.testing.Daemons;
import dev.turnout.dist.testing.Netns;
import dev.turnout.dist.testing.ScratchDir;
import dev.turnout.plugins.v2ray.testing.V2rayServer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.yaml.snakeyaml.DumperOptions;
import org.yaml.snakeyaml.Yaml;

/**
 * A subscription's worth of protocols in one config: the {@code ss}, {@code trojan}, {@code vmess} and {@code vless}
 * entries of mihomo's documented config, taken as written with only their servers, ports and secrets pointed at
 * real servers in a server namespace (ss-server, trojan-gfw, v2ray), beside a socks5 node (dante), all in one
 * {@code select} group. Switching the group through the controller moves the next flow to each node in turn, and
 * the node's own server sees it.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class MixedProtocolsIT {

    static final Path SHARED = Path.of(System.getProperty("turnout.repo")).resolve("../shared").normalize();
    static final String CLIENT = "192.0.2.1";
    static final String SERVER = "192.0.2.2";
    static final String WEB = "203.0.113.80";
    static final int HTTP = 8080;
    static final int CONTROLLER = 9090;
    static final String SS_PASSWORD = "mixed-it ss secret";
    static final String TROJAN_PASSWORD = "mixed-it trojan secret";
    static final String UUID_TEXT = UUID.randomUUID().toString();
    /** The documented entries used, by name; each is a type the packaged plugins provide. */
    static final List<String> DOCUMENTED = List.of("ss1", "trojan", "vmess", "vless-tcp", "vless-ws");

    Path dir;
    Netns client;
    Netns server;
    Launched turnout;
    Api api;
    final Map<String, Path> serverLogs = new LinkedHashMap<>();

    @BeforeAll
    void start() throws Exception {
        Path docs = SHARED.resolve("configs/mihomo-docs-config.yaml");
        assumeTrue(Files.exists(docs), () -> "skipped: ../shared has no " + docs);
        Netns.assumeUsable("ss-server", "trojan", "danted", "curl");
        Required.that(V2rayServer.installed(), () -> "v2ray is not installed (apt-get install v2ray)");
        Path dist = Path.of(System.getProperty("turnout.dist"));
        dir = ScratchDir.create("tmixed");
        // One CA for every TLS server: the names the documented entries send (example.com) and the bare address
        // (trojan's entry names no sni, so the server's address is checked).
        TestCertificates certs = TestCertificates.issue(dir.resolve("pki"), "example.com", SERVER);
        client = Netns.create("tmixc");
        server = Netns.create("tmixs");
        client.link("veth0", List.of(CLIENT + "/24"), server, "veth0", List.of(SERVER + "/24"));
        server.address("veth0", WEB + "/32");
        client.defaultRoute(SERVER);
        // Every proxy server resolves the name the client asked for from the server namespace's hosts file.
        server.hosts(Map.of("web.test", WEB));
        server.spawn(dir.resolve("http.log"), Daemons.peer("http", Integer.toString(HTTP)));

        serverLogs.put("ss1", dir.resolve("ss-server.log"));
        server.spawn(serverLogs.get("ss1"), "ss-server", "-s", SERVER, "-p", "8388", "-k", SS_PASSWORD,
                "-m", "chacha20-ietf-poly1305", "-v");
        serverLogs.put("trojan", dir.resolve("trojan.log"));
        Path trojanConfig = dir.resolve("trojan.json");
        Files.writeString(trojanConfig, """
                {"run_type": "server", "local_addr": "%s", "local_port": 443,
                 "remote_addr": "127.0.0.1", "remote_port": 81, "password": ["%s"], "log_level": 1,
                 "ssl": {"cert": "%s", "key": "%s", "alpn": ["http/1.1"]}}
                """.formatted(SERVER, TROJAN_PASSWORD, certs.certificate(), certs.privateKey()));
        server.spawn(dir.resolve("trojan.out"), "trojan", "-l", serverLogs.get("trojan").toString(), "-c",
                trojanConfig.toString());
        Path v2rayAccess = dir.resolve("v2ray-access.log");
        Path v2rayConfig = dir.resolve("v2ray.json");
        Files.writeString(v2rayConfig, V2rayServer.config(SERVER, List.of(
                new V2rayServer.Inbound("vmess", UUID_TEXT, "tcp", null, null, 10086),
                new V2rayServer.Inbound("vless", UUID_TEXT, "tcp", null, null, 10087),
                new V2rayServer.Inbound("vless", UUID_TEXT, "ws", "/", certs, 10444)),
                v2rayAccess, dir.resolve("v2ray-error.log"), List.of(WEB + "/32"), List.of("web.test")));
        server.spawn(dir.resolve("v2ray.out"), V2rayServer.BINARY.toString(), "-config", v2rayConfig.toString());
        for (String name : List.of("vmess", "vless-tcp", "vless-ws")) {
            serverLogs.put(name, v2rayAccess);
        }
        serverLogs.put("dante", dir.resolve("danted.log"));
        Daemons.dante(server, dir, SERVER, 1080, serverLogs.get("dante"));
        for (int port : new int[] {HTTP, 8388, 443, 10086, 10087, 10444, 1080}) {
            server.awaitTcpPort(port, Duration.ofSeconds(20));
        }

        List<Map<String, Object>> proxies = new ArrayList<>();
        for (Map<String, Object> entry : documentedProxies(docs)) {
            proxies.add(pointedAtTheTestServers(entry));
        }
        proxies.add(new LinkedHashMap<>(Map.of("name", "dante", "type", "socks5", "server", SERVER, "port", 1080)));
        List<String> members = new ArrayList<>();
        proxies.forEach(p -> members.add((String) p.get("name")));
        Map<String, Object> config = new LinkedHashMap<>();
        config.put("mixed-port", 7890);
        config.put("log-level", "info");
        config.put("external-controller", "127.0.0.1:" + CONTROLLER);
        config.put("proxies", proxies);
        config.put("proxy-groups", List.of(Map.of("name", "Proxy", "type", "select", "proxies", members)));
        config.put("rules", List.of("MATCH,Proxy"));
        DumperOptions block = new DumperOptions();
        block.setDefaultFlowStyle(DumperOptions.FlowStyle.BLOCK);
        Path file = dir.resolve("config.yaml");
        Files.writeString(file, new Yaml(block).dump(config));
        turnout = Launched.start(client, file, dir.resolve("turnout.log"), CONTROLLER,
                "SSL_CERT_FILE=" + certs.caCertificate());
        client.awaitTcpPort(7890, Duration.ofSeconds(30));
        api = new Api(client, CONTROLLER, null);
    }

    /** The documented entries named in {@link #DOCUMENTED}, as the file has them. */
    @SuppressWarnings("unchecked")
    private static List<Map<String, Object>> documentedProxies(Path docs) throws Exception {
        // The documented file has "- *" (an alias without a name) in its CORS list, which YAML parsers refuse;
        // Turnout's own loader says so at that line. Quoted here to get at the proxies.
        String text = Files.readString(docs).replace("\n    - *\n", "\n    - \"*\"\n");
        Map<String, Object> all = new Yaml().load(text);
        List<Map<String, Object>> found = new ArrayList<>();
        for (String name : DOCUMENTED) {
            Map<String, Object> entry = ((List<Map<String, Object>>) all.get("proxies")).stream()
                    .filter(p -> name.equals(p.get("name"))).findFirst()
                    .orElseThrow(() -> new AssertionError("mihomo's documented config has no proxy '" + name + "'"));
            found.add(new LinkedHashMap<>(entry));
        }
        return found;
    }

    /** Only where the servers are and their secrets change; every other option stays as documented. */
    private Map<String, Object> pointedAtTheTestServers(Map<String, Object> entry) {
        entry.put("server", SERVER);
        switch ((String) entry.get("name")) {
            case "ss1" -> {
                entry.put("port", 8388);
                entry.put("password", SS_PASSWORD);
            }
            case "trojan" -> {
                entry.put("port", 443);
                entry.put("password", TROJAN_PASSWORD);
            }
            case "vmess" -> {
                entry.put("port", 10086);
                entry.put("uuid", UUID_TEXT);
                // The documented alterId 32 stays: Turnout sends the AEAD header, which this server (alterId 0, as
                // servers are set up today) requires.
            }
            case "vless-tcp" -> {
                entry.put("port", 10087);
                entry.put("uuid", UUID_TEXT);
            }
            case "vless-ws" -> {
                entry.put("port", 10444);
                entry.put("uuid", UUID_TEXT);
            }
            default -> throw new AssertionError(entry.get("name"));
        }
        return entry;
    }

    @AfterAll
    void stop() throws Exception {
        if (turnout != null) {
            turnout.close();
        }
        Netns.closeAll(client, server);
        if (dir != null) {
            ScratchDir.delete(dir);
        }
    }

    /** Routing lines (one per flow) that name {@code node} as the group's choice for web.test. */
    private long routedThrough(String node) {
        return turnout.log().lines().filter(l -> l.contains("--> web.test:" + HTTP + " match ")
                && l.endsWith(" using Proxy[" + node + "]")).count();
    }

    @Test
    void aSelectGroupOfEveryProtocolCarriesTheNextFlowThroughTheChosenNode() throws Exception {
        List<String> nodes = new ArrayList<>(DOCUMENTED);
        nodes.add("dante");
        // Twice round, so that each node is also left and come back to.
        for (int round = 0; round < 2; round++) {
            for (String node : nodes) {
                Api.Response put = api.call("PUT", "/proxies/Proxy", "{\"name\":\"" + node + "\"}");
                assertEquals(204, put.status(), put.toString());
                long before = Files.exists(serverLogs.get(node)) ? Files.size(serverLogs.get(node)) : 0;
                String path = "/" + node + "-" + round;
                Netns.Result r = client.run(Duration.ofSeconds(30), "curl", "-sS", "--max-time", "20",
                        "--proxy", "socks5h://127.0.0.1:7890", "http://web.test:" + HTTP + path);
                assertEquals(0, r.exitCode(), () -> node + ": " + r.stderr() + "\n" + turnout.log());
                assertTrue(r.stdout().startsWith("hello " + path + " from "), node + ": " + r.stdout());
                assertEquals(round + 1, routedThrough(node), () -> node + " did not carry the flow:\n" + turnout.log());
                long after = Files.size(serverLogs.get(node));
                assertTrue(after > before, node + "'s server logged nothing for the flow");
            }
        }
        String log = turnout.log();
        assertTrue(!log.contains(SS_PASSWORD) && !log.contains(TROJAN_PASSWORD) && !log.contains(UUID_TEXT),
                "a secret reached the log");
    }
}
