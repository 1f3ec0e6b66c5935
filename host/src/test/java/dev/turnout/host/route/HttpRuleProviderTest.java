package dev.turnout.host.route;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.net.httpserver.HttpServer;
import dev.turnout.host.config.Config;
import dev.turnout.host.config.ConfigException;
import dev.turnout.host.config.ConfigLoader;
import dev.turnout.host.files.Downloads;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * An http rule provider, against a real HTTP server on loopback: downloaded when its copy is missing or older than
 * its interval (and only when fetching is allowed), the cached copy used when the server fails, and a download
 * that is too large, or is not a rule set at all, refused with the previous copy kept.
 */
class HttpRuleProviderTest {

    @TempDir
    Path dir;
    private HttpServer server;
    private final AtomicInteger requests = new AtomicInteger();
    private volatile int status = 200;
    private volatile boolean endless;
    private volatile byte[] body = "served.example\n".getBytes(StandardCharsets.US_ASCII);

    @BeforeEach
    void serve() throws Exception {
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 4);
        server.createContext("/set.txt", exchange -> {
            requests.incrementAndGet();
            if (endless) {
                // No length and, unbounded, no end: 64 MiB at most, or until the client hangs up.
                exchange.sendResponseHeaders(200, 0);
                byte[] line = "endless.example\n".getBytes(StandardCharsets.US_ASCII);
                byte[] chunk = new byte[line.length * 4096];
                for (int i = 0; i < chunk.length; i += line.length) {
                    System.arraycopy(line, 0, chunk, i, line.length);
                }
                try (var out = exchange.getResponseBody()) {
                    for (int sent = 0; sent < 64 << 20; sent += chunk.length) {
                        out.write(chunk);
                    }
                } catch (java.io.IOException hungUp) {
                    // what a client that stopped at its limit does
                }
                return;
            }
            byte[] b = status == 200 ? body : new byte[0];
            exchange.sendResponseHeaders(status, b.length == 0 ? -1 : b.length);
            try (var out = exchange.getResponseBody()) {
                out.write(b);
            }
        });
        server.start();
    }

    @AfterEach
    void stop() {
        server.stop(0);
    }

    private Config config(int interval) throws Exception {
        // A token in the query, as a subscription service's rule sets have: never written out (tester's F8).
        String url = "http://127.0.0.1:" + server.getAddress().getPort() + "/set.txt?token=RPTOKEN";
        return ConfigLoader.parse("rule-providers:\n  a: {type: http, behavior: domain, format: text, url: '" + url
                + "', path: ./sets/a.txt, interval: " + interval + "}\nrules: ['RULE-SET,a,DIRECT']\n",
                "c.yaml", dir.resolve("c.yaml"), dir);
    }

    private Path copy() {
        return dir.resolve("sets/a.txt");
    }

    /** A copy of "cached.example" as an earlier download left it {@code secondsOld} ago. */
    private void cachedCopy(long secondsOld) throws java.io.IOException {
        Files.createDirectories(copy().getParent());
        Files.writeString(copy(), "cached.example\n");
        Files.setLastModifiedTime(copy(), FileTime.from(Instant.now().minusSeconds(secondsOld)));
    }

    private static String content(ProviderLoader.Loaded loaded) {
        return loaded.sources().get("a").content();
    }

    @Test
    void aMissingCopyIsDownloadedAndRead() throws Exception {
        ProviderLoader.Loaded loaded = ProviderLoader.load(config(0), true);
        assertEquals("served.example\n", content(loaded));
        assertEquals("served.example\n", Files.readString(copy()), "kept for the next start");
        assertEquals(List.of(), loaded.notes());
        assertEquals(1, requests.get());
    }

    @Test
    void aDownloadSaysWhetherTheCopyChanged() throws Exception {
        dev.turnout.host.config.ProviderEntry a = config(60).providers().get("a");
        assertTrue(ProviderLoader.download(a), "no copy before");
        assertFalse(ProviderLoader.download(a), "the same set again: the scheduled refresh reloads nothing");
        body = "served.example\nnew.example\n".getBytes(StandardCharsets.US_ASCII);
        assertTrue(ProviderLoader.download(a), "a set with one more entry");
        assertEquals("served.example\nnew.example\n", Files.readString(copy()));
        assertEquals(3, requests.get());
    }

    @Test
    void withoutFetchingAMissingCopyLeavesTheProviderEmptyAndSaysSo() throws Exception {
        ProviderLoader.Loaded loaded = ProviderLoader.load(config(0), false);
        assertEquals("", content(loaded));
        assertEquals(0, requests.get(), "turnout check never downloads");
        assertEquals(1, loaded.notes().size(), loaded.notes().toString());
        assertTrue(loaded.notes().get(0).startsWith("c.yaml:2:6: provider 'a' not fetched ("), loaded.notes().get(0));
        assertTrue(loaded.notes().get(0).startsWith("c.yaml:2:6: provider 'a' not fetched (http://127.0.0.1:"
                + server.getAddress().getPort() + "/…); no cached copy at "), loaded.notes().get(0));
    }

    @Test
    void aCopyYoungerThanTheIntervalIsUsedAndAnOlderOneIsDownloadedAgain() throws Exception {
        Files.createDirectories(copy().getParent());
        Files.writeString(copy(), "cached.example\n");
        assertEquals("cached.example\n", content(ProviderLoader.load(config(3600), true)));
        assertEquals(0, requests.get(), "a fresh copy is not downloaded");
        Files.setLastModifiedTime(copy(), FileTime.from(Instant.now().minusSeconds(3700)));
        assertEquals("served.example\n", content(ProviderLoader.load(config(3600), true)));
        assertEquals(1, requests.get(), "an hour and more is past the interval");
    }

    @Test
    void aStartDownloadsOnlyWhatIsMissingAndUsesAStaleCopyAsItIs() throws Exception {
        cachedCopy(7200);
        List<ConfigException> errors = new java.util.ArrayList<>();
        ProviderLoader.Loaded loaded = ProviderLoader.load(config(60), Downloads.MISSING, errors);
        assertEquals("cached.example\n", content(loaded));
        assertEquals(0, requests.get(), "the reload right after the start refreshes it");
        assertEquals(List.of(), loaded.notes());
        assertTrue(ProviderLoader.secondsUntilStale(config(60).providers().get("a")) <= 0);
        Files.delete(copy());
        assertEquals("served.example\n", content(ProviderLoader.load(config(60), Downloads.MISSING, errors)));
        assertEquals(1, requests.get());
        assertTrue(ProviderLoader.secondsUntilStale(config(60).providers().get("a")) > 50);
        assertEquals(List.of(), errors);
    }

    @Test
    void copiesToDownloadAreDownloadedAtOnceNotOneAfterAnother() throws Exception {
        // Each answer waits (5 s at most) until three requests are in; one after another, only one would be.
        java.util.concurrent.CountDownLatch allIn = new java.util.concurrent.CountDownLatch(3);
        java.util.concurrent.atomic.AtomicInteger inFlight = new java.util.concurrent.atomic.AtomicInteger();
        java.util.concurrent.atomic.AtomicInteger most = new java.util.concurrent.atomic.AtomicInteger();
        HttpServer slow = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 8);
        slow.setExecutor(java.util.concurrent.Executors.newFixedThreadPool(4));
        slow.createContext("/", exchange -> {
            most.accumulateAndGet(inFlight.incrementAndGet(), Math::max);
            allIn.countDown();
            try {
                allIn.await(5, java.util.concurrent.TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            byte[] b = (exchange.getRequestURI().getPath().substring(1) + ".example\n").getBytes(StandardCharsets.US_ASCII);
            exchange.sendResponseHeaders(200, b.length);
            try (var out = exchange.getResponseBody()) {
                out.write(b);
            }
            inFlight.decrementAndGet();
        });
        slow.start();
        try {
            String base = "http://127.0.0.1:" + slow.getAddress().getPort() + "/";
            StringBuilder yaml = new StringBuilder("rule-providers:\n");
            for (String n : List.of("x", "y", "z")) {
                yaml.append("  ").append(n).append(": {type: http, behavior: domain, format: text, url: '").append(base)
                        .append(n).append("', path: ./sets/").append(n).append(".txt}\n");
            }
            yaml.append("rules: ['RULE-SET,x,DIRECT', 'RULE-SET,y,DIRECT', 'RULE-SET,z,DIRECT']\n");
            Config c = ConfigLoader.parse(yaml.toString(), "c.yaml", dir.resolve("c.yaml"), dir);
            ProviderLoader.Loaded loaded = ProviderLoader.load(c, true);
            assertEquals(3, most.get(), "requests in flight together");
            assertEquals("z.example\n", loaded.sources().get("z").content());
        } finally {
            slow.stop(0);
            ((java.util.concurrent.ExecutorService) slow.getExecutor()).shutdownNow();
        }
    }

    @Test
    void anIntervalOfZeroNeverDownloadsAgainOnceThereIsACopy() throws Exception {
        cachedCopy(365L * 86400);
        assertEquals("cached.example\n", content(ProviderLoader.load(config(0), true)));
        assertEquals(0, requests.get());
    }

    @Test
    void aServerErrorKeepsTheCachedCopyAndSaysSo() throws Exception {
        status = 404;
        cachedCopy(7200);
        ProviderLoader.Loaded loaded = ProviderLoader.load(config(60), true);
        assertEquals("cached.example\n", content(loaded));
        assertEquals(1, requests.get());
        assertEquals(1, loaded.notes().size(), loaded.notes().toString());
        assertTrue(loaded.notes().get(0).startsWith("c.yaml:2:6: provider 'a' could not be fetched from http://127.0.0.1:"
                + server.getAddress().getPort() + "/… (HTTP 404 from http://127.0.0.1:" + server.getAddress().getPort() + "/…)"),
                loaded.notes().toString());
        assertTrue(loaded.notes().get(0).matches("c\\.yaml:2:6: provider 'a' could not be fetched from http://.*"
                + " \\(HTTP 404 from .*\\); using the cached copy"), loaded.notes().get(0));
    }

    @Test
    void aDownloadLargerThanTheLimitIsRefusedAndThePreviousCopyKept() throws Exception {
        body = new byte[(int) ProviderLoader.MAX_BYTES + 1];
        java.util.Arrays.fill(body, (byte) 'a');
        cachedCopy(7200);
        ProviderLoader.Loaded loaded = ProviderLoader.load(config(60), true);
        assertEquals("cached.example\n", content(loaded));
        assertTrue(loaded.notes().get(0).contains("/… is 8,388,609 bytes, more than the 8,388,608 bytes allowed); "
                + "using the cached copy"), loaded.notes().get(0));
        try (var files = Files.list(copy().getParent())) {
            assertEquals(List.of(copy()), files.toList(), "no partial download left beside the copy");
        }
    }

    @Test
    void anAnswerThatDoesNotEndIsCutAtTheLimitAndTheCopyKept() throws Exception {
        endless = true;
        cachedCopy(7200);
        ProviderLoader.Loaded loaded = ProviderLoader.load(config(60), true);
        assertEquals("cached.example\n", content(loaded));
        assertTrue(loaded.notes().get(0).contains("/… sent more than the 8,388,608 bytes allowed); "
                + "using the cached copy"), loaded.notes().get(0));
        try (var files = Files.list(copy().getParent())) {
            assertEquals(List.of(copy()), files.toList(), "no partial download left beside the copy");
        }
    }

    @Test
    void aCaptivePortalsPageIsRefusedAndTheLastGoodCopyKept() throws Exception {
        body = ("<!DOCTYPE html>\n<html><head><title>Hotel Wi-Fi</title></head>\n"
                + "<body>Please log in</body></html>\n").getBytes(StandardCharsets.US_ASCII);
        cachedCopy(7200);
        ProviderLoader.Loaded loaded = ProviderLoader.load(config(60), true);
        assertEquals(1, requests.get());
        assertEquals("cached.example\n", content(loaded));
        assertEquals("cached.example\n", Files.readString(copy()), "the next start reads the last good copy");
        assertTrue(loaded.notes().get(0).matches("c\\.yaml:2:6: provider 'a' could not be fetched from http://\\S+ "
                + "\\(refused: not a rule set of format text: http://\\S+:1:1: bad domain entry '<!DOCTYPE html>' "
                + "\\(3 of 3 entries unusable\\)\\); "
                + "using the cached copy"), loaded.notes().get(0));
        try (var files = Files.list(copy().getParent())) {
            assertEquals(List.of(copy()), files.toList(), "no partial download left beside the copy");
        }
    }

    @Test
    void aDownloadWithOneLineMihomoSkipsIsKeptWithThatLineSkipped() throws Exception {
        // s67 rules tester F16: 'has/slash.t13.test' among good entries made the whole download refused, and with
        // no copy the provider empty, where mihomo skips the line and keeps the rest.
        body = "+.plus.t13.test\nhas/slash.t13.test\nexact.t13.test\n".getBytes(StandardCharsets.US_ASCII);
        ProviderLoader.Loaded loaded = ProviderLoader.load(config(60), true);
        assertEquals(1, requests.get());
        assertEquals("+.plus.t13.test\nhas/slash.t13.test\nexact.t13.test\n", content(loaded));
        assertEquals(List.of(), loaded.notes());
    }

    @Test
    void anEmptyAnswerIsRefusedAndTheLastGoodCopyKept() throws Exception {
        body = new byte[0];
        cachedCopy(7200);
        ProviderLoader.Loaded loaded = ProviderLoader.load(config(60), true);
        assertEquals("cached.example\n", content(loaded));
        assertTrue(loaded.notes().get(0).endsWith("(refused: an empty answer); using the cached copy"),
                loaded.notes().get(0));
    }

    @Test
    void anAnswerWithNoRuleInItIsRefusedEvenWithNoCopyToKeep() throws Exception {
        body = "# nothing here yet\n".getBytes(StandardCharsets.US_ASCII);
        ProviderLoader.Loaded loaded = ProviderLoader.load(config(0), true);
        assertEquals("", content(loaded));
        assertTrue(Files.notExists(copy()), "not saved: the next start asks again");
        assertTrue(loaded.notes().get(0).endsWith("(refused: no rule of behavior domain in 19 bytes)"),
                loaded.notes().get(0));
    }

    @Test
    void aDownloadOfExactlyTheLimitIsKept() throws Exception {
        body = new byte[(int) ProviderLoader.MAX_BYTES];
        java.util.Arrays.fill(body, (byte) '#');
        byte[] rule = "kept.example\n".getBytes(StandardCharsets.US_ASCII);
        System.arraycopy(rule, 0, body, 0, rule.length); // a rule, then one long comment up to the limit
        ProviderLoader.load(config(0), true);
        assertEquals(ProviderLoader.MAX_BYTES, Files.size(copy()));
    }

    private static RoutingCompiler.Compiled compile(Config c, Downloads downloads) throws ConfigException {
        return new RoutingCompiler(new dev.turnout.host.outbound.OutboundFactory(
                dev.turnout.host.outbound.HostDirect.types(), null, (dev.turnout.api.Resolver) null)).compile(c, downloads);
    }

    /** A copy broken on disk (by hand, or by another program), too young for its interval to download it again. */
    private void brokenCopy() throws java.io.IOException {
        Files.createDirectories(copy().getParent());
        // A line mihomo skips no longer breaks a copy (it is skipped with a warning); a binary file does.
        Files.writeString(copy(), "cached.example\n<!DOCTYPE html>\0\n");
    }

    @Test
    void aCopyBrokenOnDiskIsDownloadedAgainAtStartInsteadOfStoppingIt() throws Exception {
        brokenCopy();
        RoutingCompiler.Compiled compiled = compile(config(86400), Downloads.MISSING);
        assertEquals(1, requests.get());
        assertEquals("served.example\n", Files.readString(copy()));
        assertEquals(1, compiled.routing().rules().entries(0), "the rule set as served: one domain");
        assertEquals(List.of(), compiled.notes().stream().filter(n -> n.contains("'a'")).toList());
        compiled.routing().outbounds().close();
    }

    @Test
    void aCopyBrokenOnDiskWithItsServerDownLeavesTheProviderEmptyAndTheStartGoesOn() throws Exception {
        status = 503;
        brokenCopy();
        RoutingCompiler.Compiled compiled = compile(config(86400), Downloads.MISSING);
        assertEquals(1, requests.get());
        String note = compiled.notes().stream().filter(n -> n.contains("'a'")).findFirst().orElseThrow();
        assertTrue(note.matches("c\\.yaml:2:6: provider 'a': its cached copy cannot be read \\(\\S+a\\.txt:2:16: a NUL "
                + "byte at offset 30: this is a binary file, not a YAML config\\), and downloading it again failed \\(HTTP 503 from \\S+\\): it is empty "
                + "until a download succeeds"), note);
        assertEquals("cached.example\n<!DOCTYPE html>\0\n", Files.readString(copy()), "nothing better to put in its place");
        assertEquals(List.of(note), compiled.notes().stream().filter(n -> n.contains("'a'")).toList(),
                "said once: not also 'provider 'a' is empty'");
        compiled.routing().outbounds().close();
    }

    @Test
    void checkSaysABrokenCopyWillBeDownloadedAgainAndDownloadsNothing() throws Exception {
        brokenCopy();
        RoutingCompiler.Compiled compiled = compile(config(86400), Downloads.NONE);
        assertEquals(0, requests.get());
        assertTrue(compiled.notes().stream().anyMatch(n -> n.endsWith("a NUL byte at offset 30: this is a binary file, not a YAML config); run downloads it again")),
                compiled.notes().toString());
        assertEquals(1, compiled.notes().stream().filter(n -> n.contains("'a'")).count(), compiled.notes().toString());
        compiled.routing().outbounds().close();
    }

    @Test
    void aProviderWithNoCopyIsSaidEmptyOnceWhyNotTwice() throws Exception {
        status = 404;
        RoutingCompiler.Compiled started = compile(config(0), Downloads.MISSING);
        List<String> aboutA = started.notes().stream().filter(n -> n.contains("'a'")).toList();
        assertEquals(1, aboutA.size(), started.notes().toString());
        assertTrue(aboutA.get(0).contains("could not be fetched"), aboutA.get(0));
        started.routing().outbounds().close();
        RoutingCompiler.Compiled checked = compile(config(0), Downloads.NONE);
        assertEquals(1, checked.notes().stream().filter(n -> n.contains("'a'")).count(), checked.notes().toString());
        checked.routing().outbounds().close();
    }

    @Test
    void aGoodCopyWithAProblemOfAnotherKindIsNotDownloadedAgain() throws Exception {
        Files.createDirectories(copy().getParent());
        Files.writeString(copy(), "cached.example\n");
        String url = "http://127.0.0.1:" + server.getAddress().getPort() + "/set.txt";
        // A classical set with a GEOIP line and no country database to read it: the copy is fine, the setup is not.
        Config c = ConfigLoader.parse("geodata-mode: false\ngeo-auto-update: false\nrule-providers:\n  a: {type: http, "
                + "behavior: classical, format: text, url: '" + url + "', path: ./sets/a.txt, interval: 86400}\n"
                + "rules: ['RULE-SET,a,DIRECT']\n", "c.yaml", dir.resolve("c.yaml"), dir);
        Files.writeString(copy(), "DOMAIN,cached.example\nGEOIP,CN\n");
        ConfigException e = org.junit.jupiter.api.Assertions.assertThrows(ConfigException.class,
                () -> compile(c, Downloads.MISSING));
        assertEquals(0, requests.get(), e.getMessage());
        assertTrue(e.getMessage().contains("a.txt:2:"), e.getMessage());
    }
}
