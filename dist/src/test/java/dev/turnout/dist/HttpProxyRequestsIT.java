package dev.turnout.dist;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.turnout.dist.testing.Daemons;
import dev.turnout.dist.testing.Netns;
import dev.turnout.dist.testing.ScratchDir;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * Plain HTTP proxy requests through the mixed port, several on one client connection (curl's keep-alive,
 * a pipelining client), with a REJECT rule between them: every request is routed, logged and answered on its
 * own, reaches only its own server, and leaves its hop-by-hop headers behind. The packaged Turnout runs in a
 * namespace of the test's own, with two JDK HTTP/1.1 servers (keep-alive) beside it.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class HttpProxyRequestsIT {

    static final int MIXED = 7890;
    static final int ONE = 8081;
    static final int TWO = 8082;
    static final int UPGRADE = 8083;
    static final int UNTIL_CLOSE = 8084;
    static final int CLOSES_KEPT = 8085;

    Path dir;
    Netns ns;
    Path oneLog;
    Path twoLog;
    Path turnoutLog;

    @BeforeAll
    void start() throws Exception {
        Netns.assumeUsable("curl");
        Path dist = Path.of(System.getProperty("turnout.dist"));
        dir = ScratchDir.create("thttp");
        ns = Netns.create("thttp");
        ns.hosts(Map.ofEntries(Map.entry("one.test", "127.0.0.1"), Map.entry("two.test", "127.0.0.1"),
                Map.entry("ka.rejected.test", "127.0.0.1"), Map.entry("pl.rejected.test", "127.0.0.1"),
                Map.entry("one-pl.test", "127.0.0.1"), Map.entry("two-pl.test", "127.0.0.1"),
                Map.entry("one-body.test", "127.0.0.1"), Map.entry("two-body.test", "127.0.0.1"),
                Map.entry("one-close.test", "127.0.0.1"), Map.entry("closes-kept.test", "127.0.0.1"),
                Map.entry("one-host.test", "127.0.0.1")));
        oneLog = dir.resolve("one.log");
        twoLog = dir.resolve("two.log");
        ns.spawn(oneLog, Daemons.peer("http-keepalive", "one", Integer.toString(ONE)));
        ns.spawn(twoLog, Daemons.peer("http-keepalive", "two", Integer.toString(TWO)));
        ns.spawn(dir.resolve("upgrade.log"), Daemons.peer("upgrade-echo", Integer.toString(UPGRADE)));
        ns.spawn(dir.resolve("until-close.log"), Daemons.peer("until-close", Integer.toString(UNTIL_CLOSE)));
        ns.spawn(dir.resolve("closes-kept.log"), Daemons.peer("closes-kept", Integer.toString(CLOSES_KEPT)));
        Path config = dir.resolve("config.yaml");
        Files.writeString(config, String.join("\n",
                "mixed-port: " + MIXED,
                "log-level: info",
                "rules:",
                "  - DOMAIN-SUFFIX,rejected.test,REJECT",
                "  - MATCH,DIRECT",
                ""));
        turnoutLog = dir.resolve("turnout.log");
        ns.spawn(turnoutLog, dist.resolve("bin/turnout").toString(), "run", "-c", config.toString(),
                "--pid-file", dir.resolve("turnout.pid").toString());
        ns.awaitTcpPort(ONE, Duration.ofSeconds(20));
        ns.awaitTcpPort(TWO, Duration.ofSeconds(20));
        ns.awaitTcpPort(UPGRADE, Duration.ofSeconds(20));
        ns.awaitTcpPort(UNTIL_CLOSE, Duration.ofSeconds(20));
        ns.awaitTcpPort(CLOSES_KEPT, Duration.ofSeconds(20));
        ns.awaitTcpPort(MIXED, Duration.ofSeconds(30));
    }

    @AfterAll
    void stop() throws IOException {
        if (ns != null) {
            ns.close();
        }
        ScratchDir.delete(dir);
    }

    @Test
    void keepAliveRequestsAreEachRoutedToTheirOwnServer() throws Exception {
        String one = "http://one.test:" + ONE + "/ka-1";
        String rejected = "http://ka.rejected.test:" + ONE + "/ka-2";
        String two = "http://two.test:" + TWO + "/ka-3";
        Netns.Result r = ns.run(Duration.ofSeconds(30), "curl", "-sS", "--max-time", "20",
                "--proxy", "http://127.0.0.1:" + MIXED,
                "-H", "X-Hop: secret", "-H", "Connection: X-Hop", "-H", "Keep-Alive: timeout=5", "-H", "TE: trailers",
                "-H", "Proxy-Authorization: Basic c2VjcmV0",
                "-w", "[%{http_code} connects=%{num_connects}]\n", one, rejected, two);
        assertEquals(0, r.exitCode(), r.stderr());
        List<String> lines = r.stdout().lines().toList();
        assertEquals(List.of(
                "one answers /ka-1 for host one.test:" + ONE, "[200 connects=1]",
                lines.get(2), "[403 connects=0]",
                "two answers /ka-3 for host two.test:" + TWO, "[200 connects=0]"), lines, r.stdout());
        assertTrue(lines.get(2).contains("REJECT") || lines.get(2).contains("reject"), lines.get(2));
        assertRoutedOnceEach("one.test:" + ONE, "ka.rejected.test:" + ONE, "two.test:" + TWO);
        assertServerSaw(oneLog, "/ka-1", "/ka-2");
        assertServerSaw(twoLog, "/ka-3", "/ka-2");
    }

    @Test
    void aHostHeaderThatDisagreesWithTheUriIsReplacedByTheUris() throws Exception {
        // Routed by the URI's host (DIRECT); the server, which answers by Host, must not be told the rejected name.
        Netns.Result r = ns.run(Duration.ofSeconds(30), "curl", "-sS", "--max-time", "20",
                "--proxy", "http://127.0.0.1:" + MIXED, "-H", "Host: ka.rejected.test:" + ONE,
                "http://one-host.test:" + ONE + "/host-1");
        assertEquals(0, r.exitCode(), r.stderr());
        assertEquals("one answers /host-1 for host one-host.test:" + ONE, r.stdout().strip());
    }

    @Test
    void aRequestOnAKeptConnectionTheServerClosedMeanwhileGoesAgainOnANewOne() throws Exception {
        String first = "http://closes-kept.test:" + CLOSES_KEPT + "/first";
        String second = "http://closes-kept.test:" + CLOSES_KEPT + "/second";
        Netns.Result r = ns.run(Duration.ofSeconds(30), "curl", "-sS", "--max-time", "20",
                "--proxy", "http://127.0.0.1:" + MIXED, "-w", "[%{http_code}]\n", first, second);
        assertEquals(0, r.exitCode(), r.stderr());
        assertEquals(List.of("fresh answers /first", "[200]", "fresh answers /second", "[200]"),
                r.stdout().lines().toList(), r.stdout());
        // The server really dropped the second request once: the proxy had reused the connection for it.
        String seen = Files.readString(dir.resolve("closes-kept.log"));
        assertTrue(seen.contains("dropped /second") && seen.contains("answered /second"), seen);
    }

    @Test
    void pipelinedRequestsAreEachRoutedToTheirOwnServer() throws Exception {
        String one = "http://one-pl.test:" + ONE + "/pl-1";
        String rejected = "http://pl.rejected.test:" + ONE + "/pl-2";
        String two = "http://two-pl.test:" + TWO + "/pl-3";
        Netns.Result r = ns.run(Duration.ofSeconds(30), Daemons.peer("pipeline", Integer.toString(MIXED), one, rejected, two));
        assertEquals(0, r.exitCode(), r.stderr());
        String out = r.stdout();
        Matcher status = Pattern.compile("HTTP/1\\.1 (\\d{3}) ").matcher(out);
        StringBuilder statuses = new StringBuilder();
        while (status.find()) {
            statuses.append(status.group(1)).append(' ');
        }
        assertEquals("200 403 200 ", statuses.toString(), out);
        assertTrue(out.contains("one answers /pl-1 for host one-pl.test:" + ONE), out);
        assertTrue(out.contains("two answers /pl-3 for host two-pl.test:" + TWO), out);
        assertRoutedOnceEach("one-pl.test:" + ONE, "pl.rejected.test:" + ONE, "two-pl.test:" + TWO);
        assertServerSaw(oneLog, "/pl-1", "/pl-2");
        assertServerSaw(twoLog, "/pl-3", "/pl-2");
    }

    @Test
    void requestBodiesWithALengthOrInChunksReachTheirOwnServer() throws Exception {
        String proxy = "http://127.0.0.1:" + MIXED;
        String one = "http://one-body.test:" + ONE + "/body-1";
        String two = "http://two-body.test:" + TWO + "/body-2";
        String three = "http://one-body.test:" + ONE + "/body-3";
        Netns.Result r = ns.run(Duration.ofSeconds(30), "curl", "-sS", "--max-time", "20",
                "--proxy", proxy, "--data-binary", "with-a-length", "-w", "[%{http_code} connects=%{num_connects}]\n", one,
                "--next", "--proxy", proxy, "-H", "Transfer-Encoding: chunked", "--data-binary", "in-chunks",
                "-w", "[%{http_code} connects=%{num_connects}]\n", two,
                "--next", "--proxy", proxy, "-w", "[%{http_code} connects=%{num_connects}]\n", three);
        assertEquals(0, r.exitCode(), r.stderr());
        assertEquals(List.of(
                "one answers /body-1 for host one-body.test:" + ONE + " with body with-a-length", "[200 connects=1]",
                "two answers /body-2 for host two-body.test:" + TWO + " with body in-chunks", "[200 connects=0]",
                "one answers /body-3 for host one-body.test:" + ONE, "[200 connects=0]"), r.stdout().lines().toList(), r.stdout());
        assertRouted("one-body.test:" + ONE, 2);
        assertRouted("two-body.test:" + TWO, 1);
    }

    @Test
    void aResponseEndingAtTheServersCloseEndsTheClientsConnectionToo() throws Exception {
        String proxy = "http://127.0.0.1:" + MIXED;
        Netns.Result r = ns.run(Duration.ofSeconds(30), "curl", "-sS", "--max-time", "20", "--proxy", proxy,
                "-w", "[%{http_code} connects=%{num_connects}]\n", "http://one-close.test:" + UNTIL_CLOSE + "/close-1",
                "http://one-close.test:" + ONE + "/close-2");
        assertEquals(0, r.exitCode(), r.stderr());
        // The first body is whole, and since only the close could tell the client so, the second request
        // needed a connection of its own.
        assertEquals(List.of("until close /close-1", "[200 connects=1]",
                "one answers /close-2 for host one-close.test:" + ONE, "[200 connects=1]"), r.stdout().lines().toList(), r.stdout());
        assertRoutedOnceEach("one-close.test:" + UNTIL_CLOSE, "one-close.test:" + ONE);
    }

    @Test
    void anUpgradedConnectionCarriesTheNewProtocolBothWays() throws Exception {
        Netns.Result r = ns.run(Duration.ofSeconds(30),
                Daemons.peer("upgrade", Integer.toString(MIXED), "http://one.test:" + UPGRADE + "/socket"));
        assertEquals(0, r.exitCode(), r.stderr());
        assertTrue(r.stdout().startsWith("HTTP/1.1 101 Switching Protocols\r\n"), r.stdout());
        assertTrue(r.stdout().toLowerCase(Locale.ROOT).contains("upgrade: echo"), r.stdout());
        assertTrue(r.stdout().endsWith("echo: ping\n"), r.stdout());
        assertRouted("one.test:" + UPGRADE, 1);
        String server = Files.readString(dir.resolve("upgrade.log"));
        assertTrue(server.contains("GET /socket HTTP/1.1"), server);
        assertTrue(server.toLowerCase(Locale.ROOT).contains("upgrade: echo"), server);
    }

    /** One routing log line for each destination, in the routing log's format. */
    private void assertRoutedOnceEach(String... destinations) throws IOException {
        for (String d : destinations) {
            assertRouted(d, 1);
        }
    }

    private void assertRouted(String destination, int times) throws IOException {
        String log = MixedPortIT.read(turnoutLog);
        Matcher m = Pattern.compile("\\[TCP\\] 127\\.0\\.0\\.1:\\d+ --> " + Pattern.quote(destination) + " match ").matcher(log);
        int n = 0;
        while (m.find()) {
            n++;
        }
        assertEquals(times, n, "routing log lines for " + destination + " in:\n" + log);
    }

    /**
     * The server got {@code path} once, never {@code neverPath}, and none of the headers that stop at the
     * proxy (Proxy-*, Connection and what it names, Keep-Alive, TE).
     */
    private static void assertServerSaw(Path serverLog, String path, String neverPath) throws IOException {
        String log = Files.readString(serverLog);
        List<String> requests = log.lines().filter(l -> l.startsWith("request ")).toList();
        List<String> mine = requests.stream().filter(l -> l.contains(" " + path + " ")).toList();
        assertEquals(1, mine.size(), log);
        assertFalse(log.contains(neverPath), "the server got " + neverPath + ":\n" + log);
        String line = mine.get(0).toLowerCase(Locale.ROOT);
        for (String header : new String[] {"[proxy-", "[connection:", "[x-hop:", "[keep-alive:", "[te:"}) {
            assertFalse(line.contains(header), "the server got " + header + "...]: " + mine.get(0));
        }
    }
}
