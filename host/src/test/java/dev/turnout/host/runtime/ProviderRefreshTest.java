package dev.turnout.host.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.turnout.host.config.Config;
import dev.turnout.host.config.ConfigLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Instant;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ProviderRefreshTest {

    @TempDir
    Path dir;

    private final AtomicLong now = new AtomicLong(1_000_000_000L);

    private Config config(String yaml) throws Exception {
        return ConfigLoader.parse(yaml.replace("|", "\n"), "c.yaml", dir.resolve("c.yaml"), dir);
    }

    private void after(long seconds) {
        now.addAndGet(TimeUnit.SECONDS.toNanos(seconds));
    }

    private static final String RULE_SET = "rule-providers:|  r: {type: http, behavior: domain, url: 'http://192.0.2.1/r',"
            + " path: ./r.yaml, interval: 86400}|rules: ['RULE-SET,r,DIRECT', 'MATCH,DIRECT']";

    @Test
    void aRuleSetTheStartCouldNotFetchIsTriedAgainAfterAMinuteNotADay() throws Exception {
        Config c = config(RULE_SET);
        ProviderRefresh refresh = new ProviderRefresh(c, now::get);
        after(1);
        assertFalse(refresh.due(c), "the start has just tried it");
        after(58);
        assertFalse(refresh.due(c));
        after(1);
        assertTrue(refresh.due(c));
        assertFalse(refresh.due(c), "tried now: not again at once");
        after(60);
        assertTrue(refresh.due(c), "and again a minute later while it is missing");
        Files.writeString(dir.resolve("r.yaml"), "payload: [a.test]\n");
        after(60);
        assertFalse(refresh.due(c), "there now, and fresh");
    }

    @Test
    void aCopyTheStartFoundStaleIsRefreshedAtOnceThenAtItsInterval() throws Exception {
        Files.writeString(dir.resolve("r.yaml"), "payload: [a.test]\n");
        Files.setLastModifiedTime(dir.resolve("r.yaml"), FileTime.from(Instant.now().minusSeconds(90_000)));
        Config c = config(RULE_SET);
        ProviderRefresh refresh = new ProviderRefresh(c, now::get);
        after(1);
        assertTrue(refresh.due(c), "used as it was at start, downloaded right after");
        after(30);
        assertFalse(refresh.due(c), "the download failed: retried after a minute");
        after(30);
        assertTrue(refresh.due(c));
        Files.setLastModifiedTime(dir.resolve("r.yaml"), FileTime.from(Instant.now()));
        after(60);
        assertFalse(refresh.due(c), "downloaded: due again only after its interval");
    }

    @Test
    void aSubscriptionAReloadAddsIsRefreshedAsOneOfTheStartIs() throws Exception {
        Config started = config("rules: ['MATCH,DIRECT']");
        ProviderRefresh refresh = new ProviderRefresh(started, now::get);
        after(1);
        assertFalse(refresh.due(started));
        Files.writeString(dir.resolve("sub.yaml"), "proxies: []\n");
        Config reloaded = config("proxy-providers:|  sub: {type: http, url: 'http://192.0.2.1/sub', path: ./sub.yaml,"
                + " interval: 5}|proxy-groups: [{name: G, type: select, use: [sub]}]|rules: ['MATCH,G']");
        after(1);
        assertFalse(refresh.due(reloaded), "the reload has just downloaded it");
        Files.setLastModifiedTime(dir.resolve("sub.yaml"), FileTime.from(Instant.now().minusSeconds(6)));
        assertTrue(refresh.due(reloaded), "older than its interval");
        after(4);
        assertFalse(refresh.due(reloaded), "its download failed: retried after its interval, shorter than a minute");
        after(1);
        assertTrue(refresh.due(reloaded));
    }

    private static final String WATCHED = "rule-providers:|  r: {type: file, behavior: domain, path: ./r.yaml}|"
            + "proxy-providers:|  p: {type: file, path: ./p.yaml}|"
            + "proxy-groups:|  - {name: G, type: select, use: [p]}|rules: ['RULE-SET,r,G', 'MATCH,DIRECT']";

    private static dev.turnout.host.route.Routing compiled(Config c) throws Exception {
        return new dev.turnout.host.route.RoutingCompiler(new dev.turnout.host.outbound.OutboundFactory(
                dev.turnout.host.outbound.HostDirect.types(), null, (dev.turnout.api.Resolver) null))
                .compile(c, dev.turnout.host.files.Downloads.NONE).routing();
    }

    private void write(String file, String text, long secondsAgo) throws Exception {
        Files.writeString(dir.resolve(file), text);
        Files.setLastModifiedTime(dir.resolve(file), FileTime.from(Instant.now().minusSeconds(secondsAgo)));
    }

    /** mihomo's fetcher watches File vehicles and loads the provider on change; a half-written file is not read. */
    @Test
    void aFileProviderChangedOnDiskIsReportedOnceItIsTheSameAtTwoLooks() throws Exception {
        write("r.yaml", "payload:|  - a.test|".replace("|", "\n"), 100);
        write("p.yaml", "proxies:|  - {name: d1, type: direct}|".replace("|", "\n"), 100);
        Config c = config(WATCHED);
        dev.turnout.host.route.Routing routing = compiled(c);
        try {
            ProviderRefresh refresh = new ProviderRefresh(c, now::get);
            assertEquals(java.util.List.of(), refresh.changedFiles(c, routing), "as read");
            write("r.yaml", "payload:|  - a.test|  - b.te".replace("|", "\n"), 50);
            assertEquals(java.util.List.of(), refresh.changedFiles(c, routing), "changed, not yet the same twice");
            write("r.yaml", "payload:|  - a.test|  - b.test|".replace("|", "\n"), 40);
            assertEquals(java.util.List.of(), refresh.changedFiles(c, routing), "still being written");
            var changed = refresh.changedFiles(c, routing);
            assertEquals(1, changed.size(), changed::toString);
            assertEquals("rule provider 'r'", changed.get(0).provider());
            assertEquals(null, changed.get(0).problem());
            assertEquals(java.util.List.of(), refresh.changedFiles(c, routing), "said once (the reload may fail)");

            write("p.yaml", "proxies:|  - {name: d1, type: direct}|  - {name: d2, type: dir".replace("|", "\n"), 30);
            assertEquals(java.util.List.of(), refresh.changedFiles(c, routing));
            var broken = refresh.changedFiles(c, routing);
            assertEquals(1, broken.size(), broken::toString);
            assertEquals("proxy provider 'p'", broken.get(0).provider());
            assertTrue(broken.get(0).problem() != null, "a half-written list is not read as the nodes");
            assertEquals(java.util.List.of(), refresh.changedFiles(c, routing), "said once");
            write("p.yaml", "proxies:|  - {name: d1, type: direct}|  - {name: d2, type: direct}|".replace("|", "\n"), 20);
            refresh.changedFiles(c, routing);
            var fixed = refresh.changedFiles(c, routing);
            assertEquals(1, fixed.size(), fixed::toString);
            assertEquals(null, fixed.get(0).problem());

            Files.delete(dir.resolve("r.yaml"));
            refresh.changedFiles(c, routing);
            assertFalse(refresh.changedFiles(c, routing).stream().anyMatch(x -> x.provider().contains("'r'")),
                    "a file that is gone: the set in use stays");
        } finally {
            routing.outbounds().close();
        }
    }

    @Test
    void aFileAsTheRoutingReadItIsNotReported() throws Exception {
        write("r.yaml", "payload:|  - a.test|".replace("|", "\n"), 100);
        write("p.yaml", "proxies:|  - {name: d1, type: direct}|".replace("|", "\n"), 100);
        Config c = config(WATCHED);
        dev.turnout.host.route.Routing before = compiled(c);
        write("r.yaml", "payload:|  - a.test|  - b.test|".replace("|", "\n"), 10);
        dev.turnout.host.route.Routing after = compiled(c); // as a refresh after the edit read it
        try {
            ProviderRefresh refresh = new ProviderRefresh(c, now::get);
            refresh.changedFiles(c, before);
            assertEquals(1, refresh.changedFiles(c, before).size());
            assertEquals(java.util.List.of(), refresh.changedFiles(c, after));
            assertEquals(java.util.List.of(), refresh.changedFiles(c, after));
        } finally {
            before.outbounds().close();
            after.outbounds().close();
        }
    }
}
