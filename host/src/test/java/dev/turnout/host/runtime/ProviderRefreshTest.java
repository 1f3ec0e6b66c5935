package dev.turnout.host.runtime;

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
}
