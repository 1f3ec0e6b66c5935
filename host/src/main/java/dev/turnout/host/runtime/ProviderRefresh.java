package dev.turnout.host.runtime;

import dev.turnout.host.config.Config;
import dev.turnout.host.config.ProviderEntry;
import dev.turnout.host.config.ProxyProviderEntry;
import dev.turnout.host.provider.ProxyProviders;
import dev.turnout.host.route.ProviderLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;

/**
 * When a refresh should download the http providers' copies again, asked of the config running at the time, so that
 * providers a reload adds (a dashboard's switch of profile, a SIGHUP after an edit) are refreshed as those of the
 * start are. A copy is due when it is older than its interval, or missing; a copy whose download failed is tried again
 * after its interval or a minute, whichever is shorter, so that a laptop that started offline gets its rule sets and
 * nodes within a minute of coming online, not an interval (a day, for most rule sets) later.
 */
final class ProviderRefresh {

    /** How soon a copy that could not be downloaded is tried again, at most. */
    static final long RETRY_SECONDS = 60;

    private final LongSupplier nanoClock;
    /** When a refresh last tried each copy, by path: {@link System#nanoTime()}. */
    private final Map<Path, Long> tried = new HashMap<>();

    /** @param started the config of the start, which has just tried every missing copy (and used stale ones as they are) */
    ProviderRefresh(Config started, LongSupplier nanoClock) {
        this.nanoClock = nanoClock;
        long now = nanoClock.getAsLong();
        for (Copy c : copies(started).values()) {
            if (!Files.exists(c.path())) {
                tried.put(c.path(), now);
            }
        }
    }

    /** Whether a refresh is due for {@code running}; when it is, its due copies count as tried now. */
    synchronized boolean due(Config running) {
        long now = nanoClock.getAsLong();
        boolean due = false;
        for (Copy c : copies(running).values()) {
            Long last = tried.get(c.path());
            if (c.stale() && (last == null || now - last >= TimeUnit.SECONDS.toNanos(c.retrySeconds()))) {
                tried.put(c.path(), now);
                due = true;
            }
        }
        return due;
    }

    private record Copy(Path path, int intervalSeconds, boolean stale) {
        long retrySeconds() {
            return intervalSeconds > 0 ? Math.min(intervalSeconds, RETRY_SECONDS) : RETRY_SECONDS;
        }
    }

    private static Map<Path, Copy> copies(Config c) {
        Map<Path, Copy> out = new HashMap<>();
        for (ProviderEntry p : c.providers().values()) {
            if ("http".equals(p.type())) {
                out.put(p.path(), new Copy(p.path(), p.intervalSeconds(), ProviderLoader.isStale(p)));
            }
        }
        for (ProxyProviderEntry p : c.proxyProviders().values()) {
            if (p.http()) {
                out.put(p.path(), new Copy(p.path(), p.intervalSeconds(), ProxyProviders.due(p)));
            }
        }
        return out;
    }
}
