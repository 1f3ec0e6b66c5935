package dev.turnout.dist;

import static org.junit.jupiter.api.Assertions.assertEquals;
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
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * What a desktop's traffic leaves behind in a Turnout that runs for days: the packaged Turnout in TUN mode with
 * fake-IP DNS takes over a client namespace whose applications make flows of every kind at once (names fetched
 * directly and through a SOCKS5 proxy, rejected names, refused ports, servers that never answer, applications that
 * leave or reset, an address nobody answers, a fake address with no name, UDP exchanges; some of them over IPv6),
 * and once they have ended and the timeouts passed, Turnout holds what it held before: as many descriptors and
 * threads, no flow in {@code /connections}. Each kind was checked alone elsewhere; a leak where they meet would grow
 * here by hundreds.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class TunChurnIT {

    static final String SERVER = "192.0.2.2";
    static final String REMOTE = "198.51.100.2";
    static final String NOBODY = "203.0.113.99";
    static final String SERVER6 = "2001:db8::2";
    /** The server as the client reaches it over IPv6 through its default route, so through the TUN. */
    static final String REMOTE6 = "2001:db8:100::2";
    static final int HTTP = 8080;
    static final int REFUSING = 8099;
    static final int SILENT = 8093;
    static final int ECHO = 5300;
    static final int CONTROLLER = 9090;
    static final int ROUNDS = 60;

    Path dir;
    Netns client;
    Netns server;
    int turnoutPid;

    @BeforeAll
    void start() throws Exception {
        Netns.assumeUsable("danted", "dnsmasq", "curl");
        Required.that(Files.exists(Path.of("/dev/net/tun")), () -> "no /dev/net/tun (TUN support)");
        Path dist = Path.of(System.getProperty("turnout.dist"));
        dir = ScratchDir.create("tchurn");
        client = Netns.create("tchurnc");
        server = Netns.create("tchurns");
        client.link("veth0", List.of("192.0.2.1/24", "2001:db8::1/64"), server, "veth0",
                List.of(SERVER + "/24", SERVER6 + "/64"));
        server.address("veth0", REMOTE + "/32");
        server.address("veth0", REMOTE6 + "/128");
        client.defaultRoute(SERVER);
        client.defaultRoute(SERVER6);
        // The applications look names up as any does, through the system resolver; Turnout's TUN takes the query.
        client.resolver("198.51.100.53");
        // dante resolves the names it is asked for itself, from the server namespace's resolver.
        server.resolver(SERVER);
        Daemons.dnsmasq(server, dir.resolve("dnsmasq.log"), SERVER, 53, "--address=/churn.test/" + REMOTE);
        server.spawn(dir.resolve("http.log"), Daemons.peer("http", Integer.toString(HTTP)));
        server.spawn(dir.resolve("silent.log"), Daemons.peer("silent", Integer.toString(SILENT)));
        server.spawn(dir.resolve("echo.log"), Daemons.peer("udp-echo", Integer.toString(ECHO), REMOTE));
        server.spawn(dir.resolve("echo6.log"), Daemons.peer("udp-echo", Integer.toString(ECHO), REMOTE6));
        Daemons.dante(server, dir, SERVER, 1080, dir.resolve("danted.log"));
        server.awaitTcpPort(HTTP, Duration.ofSeconds(20));
        server.awaitTcpPort(SILENT, Duration.ofSeconds(20));
        server.awaitTcpPort(1080, Duration.ofSeconds(20));
        server.awaitUdpPort(53, Duration.ofSeconds(20));
        Path config = dir.resolve("config.yaml");
        Files.writeString(config, String.join("\n",
                "mixed-port: 7890",
                "external-controller: 127.0.0.1:" + CONTROLLER,
                "tcp-half-close-timeout: 2s",
                "tun:",
                "  enable: true",
                "  stack: system",
                "  device: tchurn0",
                "  inet6-address: 2001:db8:ff::1/126",
                "  auto-route: true",
                "  auto-detect-interface: true",
                "  dns-hijack: [any:53]",
                "  udp-timeout: 3",
                "  state-file: " + dir.resolve("routes.state"),
                "dns:",
                "  enable: true",
                "  enhanced-mode: fake-ip",
                "  fake-ip-range: 198.18.0.1/16",
                "  nameserver: [" + SERVER + "]",
                "proxies:",
                "  - {name: dante, type: socks5, server: " + SERVER + ", port: 1080}",
                "rules:",
                "  - DOMAIN-SUFFIX,via.churn.test,dante",
                "  - DOMAIN-SUFFIX,no.churn.test,REJECT",
                "  - MATCH,DIRECT",
                ""));
        Path pidFile = dir.resolve("turnout.pid");
        client.spawn(dir.resolve("turnout.log"), dist.resolve("bin/turnout").toString(), "run", "-c",
                config.toString(), "--pid-file", pidFile.toString());
        client.awaitTcpPort(CONTROLLER, Duration.ofSeconds(30));
        client.awaitSplitRoutes("tchurn0", this::log);
        for (int i = 0; i < 100 && (!Files.exists(pidFile) || Files.readString(pidFile).isBlank()); i++) {
            Thread.sleep(100);
        }
        turnoutPid = Integer.parseInt(Files.readString(pidFile).trim());
    }

    @AfterAll
    void stop() throws IOException {
        Netns.closeAll(client, server);
        ScratchDir.delete(dir);
    }

    @Test
    void aChurnOfEveryKindOfFlowLeavesTurnoutHoldingWhatItHeldBefore() throws Exception {
        // One round first, so what Turnout opens once (upstream DNS sockets, the dialer's, the JIT's threads) is in
        // the baseline, not counted as a leak.
        churn(1);
        awaitSettled(Duration.ofSeconds(30));
        int descriptorsBefore = descriptors();
        int threadsBefore = threads();

        String seen = churn(ROUNDS);
        System.out.println(seen);
        for (String kind : List.of("name", "proxied-name", "rejected-name", "refused", "unanswered",
                "reset-by-application", "nobody-there", "fake-address-without-name", "udp", "address6", "refused6",
                "udp6")) {
            assertEquals(ROUNDS, ok(seen, kind), () -> kind + ": each round should see what that kind sees\n" + seen);
        }
        int during = descriptors();
        assertTrue(during > descriptorsBefore + 20, "the flows held descriptors while they lived: " + during
                + " against " + descriptorsBefore + " (else this test sees nothing)");

        // Within: the 10 s connect timeout of the address nobody answers, then the 2 s half-close and 3 s UDP ones.
        awaitSettled(Duration.ofSeconds(40));
        assertEquals("[]", connections(), "no flow left in /connections");
        int descriptorsAfter = descriptors();
        assertTrue(descriptorsAfter <= descriptorsBefore + 4, () -> "Turnout holds " + descriptorsAfter
                + " descriptors, " + descriptorsBefore + " before the churn:\n" + openFiles());
        int threadsAfter = threads();
        assertTrue(threadsAfter <= threadsBefore + 2, "Turnout runs " + threadsAfter + " threads, " + threadsBefore
                + " before the churn");
    }

    private String churn(int rounds) throws IOException, InterruptedException {
        Netns.Result r = client.run(Duration.ofMinutes(6), Daemons.peer("churn", Integer.toString(rounds), "8",
                ".churn.test", ".via.churn.test", ".no.churn.test", REMOTE, Integer.toString(HTTP),
                Integer.toString(REFUSING), Integer.toString(SILENT), Integer.toString(ECHO), NOBODY, REMOTE6));
        assertEquals(0, r.exitCode(), () -> r.stdout() + r.stderr() + log());
        return r.stdout();
    }

    private static int ok(String seen, String kind) {
        Matcher m = Pattern.compile("(?m)^" + Pattern.quote(kind) + " ok (\\d+) of (\\d+)$").matcher(seen);
        return m.find() ? Integer.parseInt(m.group(1)) : -1;
    }

    /** Waits (bounded) until /connections is empty and the descriptor count has stopped falling. */
    private void awaitSettled(Duration limit) throws IOException, InterruptedException {
        long deadline = System.nanoTime() + limit.toNanos();
        int last = -1;
        while (System.nanoTime() < deadline) {
            int now = descriptors();
            if (now == last && connections().equals("[]")) {
                return;
            }
            last = now;
            Thread.sleep(1000);
        }
    }

    /** The ids of the flows the controller lists, as a JSON array (the dashboards' view of the flow table). */
    private String connections() throws IOException, InterruptedException {
        Netns.Result r = client.run(Duration.ofSeconds(10), "curl", "-sS", "--noproxy", "*", "--max-time", "5",
                "http://127.0.0.1:" + CONTROLLER + "/connections");
        Matcher m = Pattern.compile("\"connections\":(\\[\\]|null)").matcher(r.stdout());
        return m.find() ? "[]" : r.stdout();
    }

    private int descriptors() throws IOException {
        try (var fds = Files.list(Path.of("/proc/" + turnoutPid + "/fd"))) {
            return (int) fds.count();
        }
    }

    private int threads() throws IOException {
        try (var tasks = Files.list(Path.of("/proc/" + turnoutPid + "/task"))) {
            return (int) tasks.count();
        }
    }

    /** What each descriptor is (socket:[…], anon_inode:…), counted by kind: what a failure needs to say. */
    private String openFiles() {
        StringBuilder sb = new StringBuilder();
        try (var fds = Files.list(Path.of("/proc/" + turnoutPid + "/fd"))) {
            fds.map(p -> {
                try {
                    return Files.readSymbolicLink(p).toString().replaceAll("\\d+", "N");
                } catch (IOException e) {
                    return "?";
                }
            }).collect(java.util.stream.Collectors.groupingBy(s -> s, java.util.TreeMap::new,
                    java.util.stream.Collectors.counting())).forEach((k, v) -> sb.append(v).append(' ').append(k)
                    .append('\n'));
        } catch (IOException e) {
            sb.append(e);
        }
        return sb.toString();
    }

    private String log() {
        return MixedPortIT.read(dir.resolve("turnout.log"));
    }
}
