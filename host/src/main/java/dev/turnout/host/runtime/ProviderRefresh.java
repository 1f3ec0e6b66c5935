package dev.turnout.host.runtime;

import dev.turnout.host.config.Config;
import dev.turnout.host.config.ConfigException;
import dev.turnout.host.config.ConfigLoader;
import dev.turnout.host.config.ProviderEntry;
import dev.turnout.host.config.ProxyProviderEntry;
import dev.turnout.host.files.FileProblems;
import dev.turnout.host.provider.ProxyProvider;
import dev.turnout.host.provider.ProxyProviders;
import dev.turnout.host.provider.Subscription;
import dev.turnout.host.route.ProviderLoader;
import dev.turnout.host.route.Routing;
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
 *
 * <p>It also watches the {@code file} rule and proxy providers, as mihomo's fetcher watches its File vehicles: a file
 * whose time or size differs from what the running routing read is changed ({@link #changedFiles}), once it has stayed
 * the same for a look (a second), so that an editor's half-written file is not read as the new set. Each state of a
 * file is reported once: one that does not load is not tried again until it changes again.
 */
final class ProviderRefresh {

    /** How soon a copy that could not be downloaded is tried again, at most. */
    static final long RETRY_SECONDS = 60;

    private final LongSupplier nanoClock;
    /** When a refresh last tried each copy, by path: {@link System#nanoTime()}. */
    private final Map<Path, Long> tried = new HashMap<>();
    /** Each watched file as the last look saw it. */
    private final Map<Path, ProviderLoader.Stamp> seen = new HashMap<>();
    /** Each watched file's state last reported as changed. */
    private final Map<Path, ProviderLoader.Stamp> reported = new HashMap<>();

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

    /**
     * The {@code file} providers of {@code running} whose file changed since {@code routing} read it and has stayed so
     * since the last look, by name as the log says them ({@code rule provider 'r'}, {@code proxy provider 'p'}); each
     * state of a file is reported once. A file that is gone is not reported: the set in use stays, as mihomo's keeps
     * it when the file cannot be read.
     */
    synchronized java.util.List<Change> changedFiles(Config running, Routing routing) {
        java.util.List<Change> changed = new java.util.ArrayList<>();
        java.util.Set<Path> watched = new java.util.HashSet<>();
        for (ProviderEntry p : running.providers().values()) {
            if ("file".equals(p.type()) && p.payload() == null) {
                watched.add(p.path());
                ProviderLoader.Stamp read = routing.providerLoads().stamps().get(p.name());
                if (look(p.path(), now -> now.equals(read))) {
                    // one that does not read fails the reload, which says where
                    changed.add(new Change("rule provider '" + p.name() + "'", p.path(), null));
                }
            }
        }
        for (ProxyProviderEntry p : running.proxyProviders().values()) {
            ProxyProvider provider = routing.outbounds() == null ? null : routing.outbounds().providers().get(p.name());
            if ("file".equals(p.type()) && p.payload() == null && provider != null) {
                watched.add(p.path());
                java.time.Instant read = provider.content().updatedAt();
                if (look(p.path(), now -> now.modified().equals(read))) {
                    // a reload would take one that does not read as empty, as it takes it at the start: checked first
                    changed.add(new Change("proxy provider '" + p.name() + "'", p.path(), problemOf(p)));
                }
            }
        }
        seen.keySet().retainAll(watched);
        reported.keySet().retainAll(watched);
        return changed;
    }

    /**
     * A watched provider's file that changed.
     *
     * @param problem why it does not read as the provider's list, or {@code null} when it does (as far as checked
     *     here: a rule provider's is found by the reload)
     */
    record Change(String provider, Path file, String problem) {
    }

    /** Why {@code p}'s file does not read as a list of nodes, or {@code null} when it does. */
    static String problemOf(ProxyProviderEntry p) {
        try {
            long size = Files.size(p.path());
            if (size > ProxyProviders.MAX_BYTES) {
                return ConfigLoader.tooLarge(p.path().toString(), size, ProxyProviders.MAX_BYTES);
            }
            var parsed = Subscription.parse(ConfigLoader.decode(ConfigLoader.readFile(p.path()), p.path().toString()),
                    p.path().toString());
            return parsed.nodes().isEmpty() ? "no node in it" : null;
        } catch (ConfigException e) {
            return e.getMessage();
        } catch (java.io.IOException e) {
            return FileProblems.why(e);
        }
    }

    /** Whether {@code file} has changed from what was read ({@code asRead} false) and stayed so since the last look. */
    private boolean look(Path file, java.util.function.Predicate<ProviderLoader.Stamp> asRead) {
        ProviderLoader.Stamp now = ProviderLoader.Stamp.of(file);
        ProviderLoader.Stamp before = now == null ? seen.remove(file) : seen.put(file, now);
        if (now == null || asRead.test(now)) {
            reported.remove(file);
            return false;
        }
        if (!now.equals(before) || now.equals(reported.get(file))) {
            return false; // still being written, or this state was reported
        }
        reported.put(file, now);
        return true;
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
