package dev.turnout.dist;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.turnout.dist.testing.Daemons;
import dev.turnout.dist.testing.Logs;
import dev.turnout.dist.testing.Netns;
import dev.turnout.dist.testing.ScratchDir;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * The mixed port end to end: the packaged launcher runs Turnout in a namespace of the test's own, with a real
 * dante-server and tinyproxy beside it, and curl and byte-level clients in front of it.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class MixedPortIT {

    static final int MIXED = 7890;
    static final int HTTP = 8080;
    static final int ECHO = 5300;
    static final int SILENT = 8099;
    static final int HANGING_PROXY = 8098;
    static final int DANTE = 1080;
    static final int BULK = 8090;
    static final int BULK_KIB = 64 * 1024;
    static final int TINYPROXY = 3128;

    Path dir;

    Netns ns;
    Path danteLog;
    Path tinyproxyLog;
    Path turnoutLog;

    @BeforeAll
    void start() throws Exception {
        Netns.assumeUsable("danted", "tinyproxy", "curl");
        Path dist = Path.of(System.getProperty("turnout.dist"));
        dir = ScratchDir.create("tmix");
        ns = Netns.create("tmix");
        ns.hosts(Map.of("direct.test", "127.0.0.1", "via-socks.test", "127.0.0.1", "via-http.test", "127.0.0.1",
                "rejected.test", "127.0.0.1", "echo.test", "127.0.0.1", "udp-socks.test", "127.0.0.1", "tcp-only.test", "127.0.0.1"));
        ns.spawn(dir.resolve("http.log"), Daemons.peer("http", Integer.toString(HTTP)));
        ns.spawn(dir.resolve("echo.log"), Daemons.peer("udp-echo", Integer.toString(ECHO)));
        ns.spawn(dir.resolve("silent.log"), Daemons.peer("silent", Integer.toString(SILENT)));
        ns.spawn(dir.resolve("bulk.log"), Daemons.peer("bulk", Integer.toString(BULK), Integer.toString(BULK_KIB)));
        ns.spawn(dir.resolve("silent2.log"), Daemons.peer("silent", Integer.toString(HANGING_PROXY)));
        danteLog = dir.resolve("danted.log");
        tinyproxyLog = dir.resolve("tinyproxy.log");
        Daemons.dante(ns, dir, DANTE, danteLog);
        Daemons.tinyproxy(ns, dir, TINYPROXY, tinyproxyLog, HTTP, SILENT);
        ns.awaitTcpPort(HTTP, Duration.ofSeconds(20));
        Path config = dir.resolve("config.yaml");
        Files.writeString(config, String.join("\n",
                "mixed-port: " + MIXED,
                "log-level: info",
                "proxies:",
                "  - {name: dante, type: socks5, server: 127.0.0.1, port: " + DANTE + ", udp: true}",
                "  - {name: tiny, type: http, server: 127.0.0.1, port: " + TINYPROXY + "}",
                "  - {name: dead-socks, type: socks5, server: 127.0.0.1, port: 1}",
                "  - {name: dead-socks-udp, type: socks5, server: 127.0.0.1, port: 1, udp: true}",
                "  - {name: hanging-socks, type: socks5, server: 127.0.0.1, port: " + HANGING_PROXY + "}",
                "rules:",
                "  - DOMAIN-SUFFIX,via-socks.test,dante",
                "  - DOMAIN-SUFFIX,via-http.test,tiny",
                "  - DOMAIN-SUFFIX,rejected.test,REJECT",
                "  - DOMAIN,down.test,dead-socks",
                "  - DOMAIN,hang.test,hanging-socks",
                "  - DOMAIN,udp-socks.test,dante",
                "  - DOMAIN,udp-down.test,dead-socks-udp",
                "  - DOMAIN,tcp-only.test,dead-socks",
                "  - DOMAIN-SUFFIX,dropped.test,REJECT-DROP",
                "  - DOMAIN,xn--fsqu00a.test,REJECT",
                "  - IP-CIDR,203.0.113.0/24,REJECT,no-resolve",
                "  - IP-CIDR6,2001:db8::/32,REJECT,no-resolve",
                "  - MATCH,DIRECT",
                ""));
        turnoutLog = dir.resolve("turnout.log");
        ns.spawn(turnoutLog, dist.resolve("bin/turnout").toString(), "run", "-c", config.toString(),
                "--pid-file", dir.resolve("turnout.pid").toString());
        ns.awaitTcpPort(MIXED, Duration.ofSeconds(30));
    }

    @AfterAll
    void stop() throws IOException {
        if (ns != null) {
            ns.close();
        }
        ScratchDir.delete(dir);
    }

    private Netns.Result curl(String... args) throws IOException, InterruptedException {
        String[] cmd = new String[args.length + 4];
        cmd[0] = "curl";
        cmd[1] = "-sS";
        cmd[2] = "--max-time";
        cmd[3] = "20";
        System.arraycopy(args, 0, cmd, 4, args.length);
        return ns.run(Duration.ofSeconds(30), cmd);
    }

    @Test
    void socks5ClientReachesServerDirect() throws Exception {
        Netns.Result r = curl("--socks5-hostname", "127.0.0.1:" + MIXED, "http://direct.test:" + HTTP + "/socks-direct");
        assertEquals(0, r.exitCode(), r.stderr());
        assertEquals("hello /socks-direct from 127.0.0.1\n", r.stdout());
    }

    @Test
    void socks4aAndSocks4ClientsAreServedAsClashServesThem() throws Exception {
        // 4a: the name goes to Turnout, which routes it by its rules; 4: curl resolves it and sends the address.
        Netns.Result named = curl("--socks4a", "127.0.0.1:" + MIXED, "http://direct.test:" + HTTP + "/socks4a");
        assertEquals(0, named.exitCode(), named.stderr());
        assertEquals("hello /socks4a from 127.0.0.1\n", named.stdout());
        Netns.Result addressed = curl("--socks4", "127.0.0.1:" + MIXED, "http://direct.test:" + HTTP + "/socks4");
        assertEquals(0, addressed.exitCode(), addressed.stderr());
        assertEquals("hello /socks4 from 127.0.0.1\n", addressed.stdout());
        // Refused by the rules: SOCKS4's one refusal (0x5B), which curl reports as "request rejected".
        // (Port 8091: a line no other case writes.)
        Netns.Result refused = curl("--socks4a", "127.0.0.1:" + MIXED, "http://rejected.test:8091/");
        assertEquals(97, refused.exitCode(), refused.stderr());
        assertTrue(awaitLog(turnoutLog, "--> rejected.test:8091 match DOMAIN-SUFFIX,rejected.test using REJECT"),
                () -> read(turnoutLog));
    }

    @Test
    void aBulkDownloadFlowsThroughWithBackPressure() throws Exception {
        ns.awaitTcpPort(BULK, Duration.ofSeconds(20));
        // 64 MiB: far beyond every buffer, so the relay must pause and resume reading many times.
        String[][] paths = {
            {"--socks5-hostname", "127.0.0.1:" + MIXED, "http://direct.test:" + BULK + "/"},
            {"--proxy", "http://127.0.0.1:" + MIXED, "http://direct.test:" + BULK + "/"},
            {"--socks5-hostname", "127.0.0.1:" + MIXED, "http://via-socks.test:" + BULK + "/"},
        };
        for (String[] path : paths) {
            Netns.Result r = curl("-o", "/dev/null", "-w", "%{size_download}", path[0], path[1], path[2]);
            assertEquals(0, r.exitCode(), String.join(" ", path) + ": " + r.stderr());
            assertEquals(Long.toString(BULK_KIB * 1024L), r.stdout(), String.join(" ", path));
        }
    }

    @Test
    void httpProxyClientReachesServerDirectWithAbsoluteUri() throws Exception {
        Netns.Result r = curl("--proxy", "http://127.0.0.1:" + MIXED, "http://direct.test:" + HTTP + "/plain?q=1");
        assertEquals(0, r.exitCode(), r.stderr());
        assertEquals("hello /plain?q=1 from 127.0.0.1\n", r.stdout());
    }

    @Test
    void httpConnectClientReachesServerDirect() throws Exception {
        Netns.Result r = curl("--proxytunnel", "--proxy", "http://127.0.0.1:" + MIXED, "http://direct.test:" + HTTP + "/tunnel");
        assertEquals(0, r.exitCode(), r.stderr());
        assertEquals("hello /tunnel from 127.0.0.1\n", r.stdout());
    }

    @Test
    void socks5PluginCarriesTheNameToDante() throws Exception {
        Netns.Result r = curl("--socks5-hostname", "127.0.0.1:" + MIXED, "http://via-socks.test:" + HTTP + "/dante");
        assertEquals(0, r.exitCode(), r.stderr());
        assertEquals("hello /dante from 127.0.0.1\n", r.stdout());
        assertTrue(awaitLog(danteLog, "ATYP: 3 address: via-socks.test." + HTTP),
                () -> "dante's log does not show the name sent as a domain:\n" + read(danteLog));
        assertTrue(read(turnoutLog).contains("match DOMAIN-SUFFIX,via-socks.test using dante"), () -> read(turnoutLog));
    }

    @Test
    void httpPluginTunnelsThroughTinyproxy() throws Exception {
        Netns.Result r = curl("--proxy", "http://127.0.0.1:" + MIXED, "http://via-http.test:" + HTTP + "/tiny");
        assertEquals(0, r.exitCode(), r.stderr());
        assertEquals("hello /tiny from 127.0.0.1\n", r.stdout());
        assertTrue(awaitLog(tinyproxyLog, "via-http.test"), () -> "tinyproxy's log does not show the host:\n" + read(tinyproxyLog));
    }

    @Test
    void rejectFailsFastForBothProtocols() throws Exception {
        long start = System.nanoTime();
        Netns.Result socks = curl("--socks5-hostname", "127.0.0.1:" + MIXED, "http://rejected.test:" + HTTP + "/");
        Netns.Result http = curl("--fail", "--proxy", "http://127.0.0.1:" + MIXED, "http://rejected.test:" + HTTP + "/");
        long millis = (System.nanoTime() - start) / 1_000_000;
        // 97 is curl's "proxy handshake error" (the SOCKS5 reply 2, not allowed), 22 its --fail on an HTTP error
        // status: a connection that failed some other way (refused, reset, timed out) gives another code.
        assertEquals(97, socks.exitCode(), socks.stderr());
        assertEquals(22, http.exitCode(), http.stderr());
        assertTrue(socks.stderr().contains("not allowed") || socks.stderr().contains("(2)"), socks.stderr());
        assertTrue(awaitLog(turnoutLog, "--> rejected.test:" + HTTP + " match DOMAIN-SUFFIX,rejected.test using REJECT"),
                () -> read(turnoutLog));
        Netns.Result status = curl("-o", "/dev/null", "-w", "%{http_code}", "--proxy", "http://127.0.0.1:" + MIXED,
                "http://rejected.test:" + HTTP + "/");
        assertEquals("403", status.stdout());
        assertTrue(millis < 3000, "REJECT took " + millis + " ms");
    }

    @Test
    void udpAssociateEchoesViaDirect() throws Exception {
        Netns.Result r = ns.run(Duration.ofSeconds(30), Daemons.peer("socks5-udp", Integer.toString(MIXED), "127.0.0.1",
                Integer.toString(ECHO), "ping-direct"));
        assertEquals(0, r.exitCode(), r.stdout() + r.stderr());
        assertEquals("echo: ping-direct", r.stdout().trim());
    }

    @Test
    void udpAssociateEchoesViaSocks5PluginAndDante() throws Exception {
        Netns.Result r = ns.run(Duration.ofSeconds(30), Daemons.peer("socks5-udp", Integer.toString(MIXED), "udp-socks.test",
                Integer.toString(ECHO), "ping-dante"));
        assertEquals(0, r.exitCode(), r.stdout() + r.stderr() + "\n" + read(turnoutLog));
        assertEquals("echo: ping-dante", r.stdout().trim());
        assertTrue(awaitLog(danteLog, "udp"), () -> "dante's log shows no UDP relay:\n" + read(danteLog));
    }

    /**
     * A UDP flow whose proxy is down is said once in the log, as a TCP flow's failure is: it was silent (the user saw
     * the route line and nothing after), though the client sends five datagrams.
     */
    @Test
    void aUdpFlowWhoseProxyIsDownIsSaidOnce() throws Exception {
        Netns.Result r = ns.run(Duration.ofSeconds(30), Daemons.peer("socks5-udp", Integer.toString(MIXED),
                "udp-down.test", Integer.toString(ECHO), "ping-down"));
        assertEquals("no echo", r.stdout().trim(), r.stderr());
        String routed = " --> udp-down.test:" + ECHO + " match DOMAIN,udp-down.test using dead-socks-udp";
        assertTrue(awaitLog(turnoutLog, routed), () -> read(turnoutLog));
        String text = read(turnoutLog);
        Matcher from = Pattern.compile("\\[UDP\\] (\\S+)" + Pattern.quote(routed)).matcher(text);
        assertTrue(from.find(), text);
        String failed = "flow from " + from.group(1) + " failed: ";
        assertTrue(awaitLog(turnoutLog, failed), () -> read(turnoutLog));
        assertEquals(1, read(turnoutLog).split(Pattern.quote(failed), -1).length - 1, () -> read(turnoutLog));
        assertFalse(from.find(), "routed once: " + text);
    }

    /**
     * UDP the rules send to an outbound without {@code udp: true} goes past that rule, as mihomo's tunnel.match: here
     * to MATCH,DIRECT, and the echo answers (it was dropped, with a warning: s69's keys tester, F18).
     */
    @Test
    void udpSentByARuleToAnOutboundWithoutUdpGoesOnToTheNextRuleAsInMihomo() throws Exception {
        Netns.Result r = ns.run(Duration.ofSeconds(30), Daemons.peer("socks5-udp", Integer.toString(MIXED),
                "tcp-only.test", Integer.toString(ECHO), "tcp-only-1"));
        assertEquals("echo: tcp-only-1", r.stdout().trim(), r.stderr());
        assertTrue(awaitLog(turnoutLog, " --> tcp-only.test:" + ECHO + " match MATCH using DIRECT"),
                () -> read(turnoutLog));
        assertFalse(read(turnoutLog).contains("does not carry UDP"), () -> read(turnoutLog));
    }

    @Test
    void upstreamProxyDownFailsPromptly() throws Exception {
        long start = System.nanoTime();
        Netns.Result r = curl("--socks5-hostname", "127.0.0.1:" + MIXED, "http://down.test:" + HTTP + "/");
        long millis = (System.nanoTime() - start) / 1_000_000;
        assertEquals(97, r.exitCode(), "a SOCKS5 failure reply, curl's proxy handshake error: " + r.stderr());
        assertTrue(millis < 3000, "took " + millis + " ms");
    }

    @Test
    void upstreamProxyThatHangsFailsWithinItsTimeout() throws Exception {
        long start = System.nanoTime();
        Netns.Result r = curl("--fail", "--proxy", "http://127.0.0.1:" + MIXED, "http://hang.test:" + HTTP + "/");
        long millis = (System.nanoTime() - start) / 1_000_000;
        assertEquals(22, r.exitCode(), "an HTTP error status from Turnout, not a dropped connection: " + r.stderr());
        assertTrue(millis < 15_000, "took " + millis + " ms");
    }

    private static final Pattern PROBE = Pattern.compile("reply=(\\S*) text=(.*) closed_ms=(-?\\d+)");

    private Matcher probe(String kind) throws Exception {
        Netns.Result r = ns.run(Duration.ofSeconds(40), Daemons.peer("probe", Integer.toString(MIXED), kind));
        Matcher m = PROBE.matcher(r.stdout().trim());
        assertTrue(m.matches(), () -> "probe " + kind + " printed: " + r.stdout() + r.stderr());
        return m;
    }

    @Test
    void malformedSocks5CommandGetsAnErrorReplyAndIsClosed() throws Exception {
        Matcher m = probe("socks-garbage-command");
        long closed = Long.parseLong(m.group(3));
        assertTrue(closed >= 0 && closed < 2000, "closed after " + closed + " ms");
        // Its ATYP is 9, which RFC 1928 does not define: reply 8, address type not supported.
        assertEquals("050005080001000000000000", m.group(1), "greeting accepted, then an address-type-not-supported reply");
    }

    @Test
    void rejectDropHoldsTheClientUnansweredWhereRejectAnswersAtOnce() throws Exception {
        // mihomo's REJECT-DROP: the config loads (it said "unknown target" before) and a client hears nothing, over
        // SOCKS5 and HTTP alike, until it gives up itself (curl's 28: its own time limit).
        for (String[] proxy : new String[][] {{"--socks5-hostname", "127.0.0.1:" + MIXED},
                {"--proxy", "http://127.0.0.1:" + MIXED}}) {
            Netns.Result r = ns.run(Duration.ofSeconds(20), "curl", "-sS", "--max-time", "3", proxy[0], proxy[1],
                    "http://dropped.test:" + HTTP + "/");
            assertEquals(28, r.exitCode(), () -> proxy[0] + ": " + r.stderr());
        }
        assertTrue(awaitLog(turnoutLog, "--> dropped.test:" + HTTP
                + " match DOMAIN-SUFFIX,dropped.test using REJECT-DROP"), () -> read(turnoutLog));
    }

    @Test
    void aSocks5NameBeyondAsciiIsRoutedInPunycodeAsRuleSetsWriteIt() throws Exception {
        // 例子.test sent as its UTF-8 bytes: Netty read them as ASCII, IDN refused the result, and the client got a
        // general failure; now the name is xn--fsqu00a.test, which the rule names.
        Matcher m = probe("socks-name=%E4%BE%8B%E5%AD%90.test:8106");
        assertEquals("05000502", m.group(1).substring(0, 8), "REJECT's 'not allowed'");
        assertTrue(awaitLog(turnoutLog, "--> xn--fsqu00a.test:8106 match DOMAIN,xn--fsqu00a.test using REJECT"),
                () -> read(turnoutLog));
    }

    @Test
    void anAddressASocks5ClientSendsAsANameMeetsTheIpRules() throws Exception {
        // Clash 1.18 routes these by IP-CIDR too; Turnout took them for names and sent them to MATCH (DIRECT).
        Matcher v4 = probe("socks-name=203.0.113.5:8101");
        assertEquals("05000502", v4.group(1).substring(0, 8), "REJECT's 'not allowed'");
        Matcher v6 = probe("socks-name=[2001:db8::5]:8102");
        assertEquals("05000502", v6.group(1).substring(0, 8), "REJECT's 'not allowed'");
        assertTrue(awaitLog(turnoutLog, "--> 203.0.113.5:8101 match IP-CIDR,203.0.113.0/24 using REJECT"),
                () -> read(turnoutLog));
        assertTrue(awaitLog(turnoutLog, "--> [2001:db8::5]:8102 match IP-CIDR6,2001:db8::/32 using REJECT"),
                () -> read(turnoutLog));
        // The JDK reads each of these as 203.0.113.5, and DIRECT dialled it with no IP rule seeing it. No resolver
        // Clash uses reads them so: refused as a name no flow may go to (address type not supported, 8).
        for (String ambiguous : new String[] {"3405803781:8103", "0203.0.113.5:8104", "203.0.29957:8105"}) {
            Matcher m = probe("socks-name=" + ambiguous);
            assertEquals("05000508", m.group(1).substring(0, 8), ambiguous);
        }
        assertFalse(read(turnoutLog).contains(":8103 match") || read(turnoutLog).contains(":8104 match")
                || read(turnoutLog).contains(":8105 match"), () -> read(turnoutLog));
    }

    @Test
    void socks5ClientOfferingNoMethodIsRefused() throws Exception {
        Matcher m = probe("socks-no-methods");
        long closed = Long.parseLong(m.group(3));
        assertEquals("05ff", m.group(1));
        assertTrue(closed >= 0 && closed < 2000, "closed after " + closed + " ms");
    }

    @Test
    void anHttp10RequestSentWithItsFinAtOnceIsStillAnswered() throws Exception {
        Matcher m = probe("http-1.0-then-fin");
        assertTrue(m.group(2).startsWith("HTTP/1.1 200"), m.group(0));
        assertTrue(Long.parseLong(m.group(3)) >= 0, "the answer ends with the connection");
    }

    @Test
    void malformedHttpRequestGets400() throws Exception {
        Matcher m = probe("http-garbage");
        assertTrue(m.group(2).startsWith("HTTP/1.1 400"), m.group(2));
        assertTrue(Long.parseLong(m.group(3)) >= 0);
    }

    @Test
    void originFormRequestToTheProxyGets400() throws Exception {
        Matcher m = probe("http-origin-form");
        assertTrue(m.group(2).startsWith("HTTP/1.1 400"), m.group(2));
    }

    @Test
    void oversizedHttpHeadGets431() throws Exception {
        Matcher m = probe("http-huge-head");
        assertTrue(m.group(2).startsWith("HTTP/1.1 431"), m.group(2));
    }

    @Test
    void silentOrTruncatedClientIsDroppedAfterTheHandshakeTimeout() throws Exception {
        // Both at once: each waits out the 10 s timeout, and they do not share anything that could hide a failure.
        CompletableFuture<Matcher> truncated = CompletableFuture.supplyAsync(() -> {
            try {
                return probe("socks-truncated");
            } catch (Exception e) {
                throw new CompletionException(e);
            }
        });
        long silent = Long.parseLong(probe("silent").group(3));
        assertTrue(silent >= 9_000 && silent < 15_000, "silent closed after " + silent + " ms");
        long cut = Long.parseLong(truncated.get(60, TimeUnit.SECONDS).group(3));
        assertTrue(cut >= 9_000 && cut < 15_000, "socks-truncated closed after " + cut + " ms");
    }

    @Test
    void abandonedConnectionsLeaveNothingOpen() throws Exception {
        Netns.Result r = ns.run(Duration.ofSeconds(60), Daemons.peer("abandon", Integer.toString(MIXED),
                Integer.toString(SILENT), "200"));
        assertEquals(0, r.exitCode(), r.stdout() + r.stderr());
        long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        int open = -1;
        int upstream = -1;
        while (System.nanoTime() < deadline) {
            open = ns.establishedOn(MIXED);
            upstream = ns.establishedOn(SILENT);
            if (open == 0 && upstream == 0) {
                break;
            }
            Thread.sleep(200);
        }
        assertEquals(0, open, "client connections still open on the mixed port");
        assertEquals(0, upstream, "connections to the hanging upstream still open");
        // And the port still works afterwards.
        socks5ClientReachesServerDirect();
    }

    /** Waits (bounded, 5 s) until {@code log} contains {@code needle}: log lines may land after the reply. */
    static boolean awaitLog(Path log, String needle) throws InterruptedException {
        for (int i = 0; i < 50; i++) {
            if (Logs.readNow(log).contains(needle)) {
                return true;
            }
            Thread.sleep(100);
        }
        return false;
    }

    /** {@code file} once Turnout has written what it logged so far ({@link Logs#read}). */
    static String read(Path file) {
        return Logs.read(file);
    }
}
