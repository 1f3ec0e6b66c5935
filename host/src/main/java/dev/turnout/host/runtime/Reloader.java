package dev.turnout.host.runtime;

import dev.turnout.host.config.Config;
import dev.turnout.host.config.ConfigException;
import dev.turnout.host.config.GeoOptions;
import dev.turnout.host.config.ProviderEntry;
import dev.turnout.host.config.ProxyProviderEntry;
import dev.turnout.host.files.AtOnce;
import dev.turnout.host.files.FileProblems;
import dev.turnout.host.geo.HomeGeoData;
import dev.turnout.host.provider.ProviderFetch;
import dev.turnout.host.provider.ProxyProviders;
import dev.turnout.host.provider.SubscriptionUrl;
import dev.turnout.host.route.ProviderLoader;
import dev.turnout.rules.Origin;
import java.nio.file.Files;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reloads on request (SIGHUP, the controller) on one thread, coalescing: requests that arrive while a reload
 * runs cause exactly one more. A failing reload changes nothing and says why.
 */
public final class Reloader implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(Reloader.class);

    /** Reads the config again; the source of truth is the file, not memory. */
    @FunctionalInterface
    public interface ConfigSource {
        Config read() throws ConfigException;
    }

    private final Turnout turnout;
    private final ConfigSource source;
    /** A geo database was replaced since the last refresh: the running config is compiled anew. */
    private final AtomicBoolean geoReplaced = new AtomicBoolean();
    /** A file provider's file changed since the last refresh: the running config is compiled anew. */
    private final AtomicBoolean filesChanged = new AtomicBoolean();
    /**
     * What the last failed download of each copy said, by path: an offline retry every minute says it once, then
     * at debug, as the reloads it replaced said their notes once.
     */
    private final java.util.Map<java.nio.file.Path, String> failures = new java.util.concurrent.ConcurrentHashMap<>();
    /** The file Turnout started with ({@code null}: the built-in default), which {@link #reloadNow} reads. */
    private final java.nio.file.Path startFile;
    private final AtomicBoolean pending = new AtomicBoolean();
    private final ExecutorService executor = single("turnout-reload");
    /**
     * The refreshes' downloads, apart from the reloads: a reload (SIGHUP, {@code PUT /configs}) waited minutes behind
     * a refresh whose servers stalled, as they shared a thread and a lock.
     */
    private final AtomicBoolean refreshPending = new AtomicBoolean();
    private final ExecutorService refresher = single("turnout-provider-download");
    /** Swaps in what the refreshes changed, once for all that changed meanwhile, as each download ends. */
    private final AtomicBoolean swapPending = new AtomicBoolean();
    private final ExecutorService swapper = single("turnout-provider-swap");

    private final java.util.concurrent.ScheduledExecutorService timer =
            java.util.concurrent.Executors.newSingleThreadScheduledExecutor(r -> {
                Thread t = new Thread(r, "turnout-provider-refresh");
                t.setDaemon(true);
                return t;
            });

    /** The config's warnings as the last load logged them (the start's, at first). */
    private volatile java.util.Set<String> warned;

    public Reloader(Turnout turnout, ConfigSource source) {
        this.turnout = turnout;
        this.source = source;
        this.startFile = turnout.config().file();
        this.warned = java.util.Set.copyOf(turnout.config().warnings());
        scheduleProviderRefresh(turnout.config());
        scheduleGeoRefresh(turnout.config());
    }

    /**
     * {@code geo-auto-update}: every {@code geo-update-interval} hours the geo databases in the home folder are
     * downloaded afresh, and when one was replaced the routing is reloaded: new flows use the new data, open ones
     * keep theirs.
     */
    private void scheduleGeoRefresh(Config config) {
        GeoOptions geo = config.geo();
        if (!geo.autoUpdate()) {
            return;
        }
        long first = HomeGeoData.secondsUntilRefresh(geo, config.baseDir());
        timer.scheduleWithFixedDelay(() -> {
            Config now = turnout.config();
            if (HomeGeoData.refresh(now.geo(), now.baseDir(), log::info, log::warn) > 0) {
                geoReplaced.set(true);
                refresh();
            }
        }, first, geo.updateIntervalHours() * 3600L, TimeUnit.SECONDS);
        log.info("geo databases refresh every {} h (next in {} s)", geo.updateIntervalHours(), first);
    }

    /**
     * http rule and proxy providers: once a second, the running config's copies are looked at (a few file dates), and
     * a refresh downloads those due ({@link ProviderRefresh}): older than their interval (at once for one the start
     * found stale, which it used as it was), or missing. Open flows keep the node they started on; a select choice
     * that still exists is kept. file rule and proxy providers: a file changed since the running routing read it, and
     * the same at two looks, is read again by a refresh, as mihomo's fetcher watches File vehicles.
     */
    private void scheduleProviderRefresh(Config config) {
        ProviderRefresh copies = new ProviderRefresh(config, System::nanoTime);
        timer.scheduleWithFixedDelay(() -> {
            try {
                Config running = turnout.config();
                boolean changed = false;
                for (ProviderRefresh.Change c : copies.changedFiles(running, turnout.router().current())) {
                    if (c.problem() == null) {
                        log.info("{}: {} changed, reading it again", c.provider(), c.file());
                        changed = true;
                    } else {
                        log.warn("{}: {} changed but does not read ({}); keeping the list in use", c.provider(),
                                c.file(), c.problem());
                    }
                }
                if (changed) {
                    filesChanged.set(true);
                }
                if (copies.due(running) || changed) {
                    refresh();
                }
            } catch (RuntimeException e) {
                log.debug("looking at the providers' copies", e); // a task that throws is never run again
            }
        }, 1, 1, TimeUnit.SECONDS);
        int[] intervals = config.providers().values().stream()
                .filter(p -> "http".equals(p.type()) && p.intervalSeconds() > 0)
                .mapToInt(ProviderEntry::intervalSeconds).toArray();
        if (intervals.length > 0) { // one line: a config may have 60 rule sets
            log.info("http rule providers refresh at their intervals ({} of them, the shortest {} s)", intervals.length,
                    java.util.Arrays.stream(intervals).min().getAsInt());
        }
        config.proxyProviders().values().stream().filter(p -> p.http() && p.intervalSeconds() > 0)
                .forEach(p -> log.info("proxy provider '{}' refreshes every {} s", p.name(), p.intervalSeconds()));
    }

    /** Asks for a reload soon; never blocks, safe from a signal handler. */
    public void request() {
        if (pending.compareAndSet(false, true)) {
            executor.execute(this::reloadPending);
        }
    }

    /**
     * Asks for a refresh soon: the due providers' copies downloaded, and the running config (as it runs: ports a
     * dashboard moved, a profile {@code PUT /configs} switched to) compiled anew only when one changed or a geo
     * database was replaced, as mihomo's fetcher swaps in only a changed download. The config file is not read: it
     * was, and an edit nobody applied went live at the next refresh, or a half-saved one held every update back.
     */
    private void refresh() {
        if (refreshPending.compareAndSet(false, true)) {
            refresher.execute(() -> {
                refreshPending.set(false);
                refreshRunning();
            });
        }
    }

    private void reloadPending() {
        pending.set(false);
        try {
            reloadNow();
        } catch (ConfigException e) {
            log.error("reload failed, keeping the running config: {}", e.getMessage());
        }
    }

    private static ExecutorService single(String name) {
        return new ThreadPoolExecutor(1, 1, 0, TimeUnit.SECONDS, new LinkedBlockingQueue<>(1), r -> {
            Thread t = new Thread(r, name);
            t.setDaemon(true);
            return t;
        }, new ThreadPoolExecutor.DiscardPolicy());
    }

    /** Whether {@code file} is the one Turnout started with, which a reload asked for reads. */
    public boolean isStartFile(java.nio.file.Path file) {
        try {
            return startFile != null && java.nio.file.Files.isSameFile(startFile, file);
        } catch (java.io.IOException e) {
            return false;
        }
    }

    /**
     * Reloads on the caller's thread; throws when the new config is not usable (and changes nothing). Whatever
     * goes wrong while reading and compiling it, even running out of memory, becomes that exception: the
     * running config and this thread must outlive any file.
     */
    public synchronized void reloadNow() throws ConfigException {
        reloadFrom(source);
    }

    /**
     * Reloads from {@code from} instead of the config file (the controller's {@code PUT /configs} with a path or
     * a payload), with the same guard as {@link #reloadNow}.
     */
    public synchronized void reloadFrom(ConfigSource from) throws ConfigException {
        load(from);
    }

    /**
     * Downloads the due copies of the running config's http providers, each on its own (a refused or failed one keeps
     * its last good copy and is said), and compiles the running config anew when one changed or a geo database was
     * replaced. An unchanged download only sets its copy's time, as mihomo's fetcher.loadBuf: the routing, the
     * groups' state and checks and the sticky-sessions stay as they are. The downloads hold no lock, and a changed
     * copy is swapped in as its download ends: a stalled server holds neither a reload nor another provider's update.
     */
    private void refreshRunning() {
        downloadDue(turnout.config());
        if (geoReplaced.getAndSet(false) | filesChanged.getAndSet(false)) {
            swapSoon();
        }
    }

    /** Compiles the running config anew soon, once for every change asked for until it starts. */
    private void swapSoon() {
        if (swapPending.compareAndSet(false, true)) {
            swapper.execute(() -> {
                swapPending.set(false);
                try {
                    swap();
                } catch (ConfigException e) {
                    log.error("reload failed, keeping the running config: {}", e.getMessage());
                }
            });
        }
    }

    private synchronized void swap() throws ConfigException {
        try {
            turnout.reloadRunning();
        } catch (OutOfMemoryError e) {
            throw new ConfigException(new Origin(turnout.config().displayName(), 0, 0), "out of memory while loading it"
                    + " (heap limit " + Runtime.getRuntime().maxMemory() / (1024 * 1024) + " MiB)", e);
        } catch (RuntimeException | Error e) {
            throw new ConfigException(new Origin(turnout.config().displayName(), 0, 0), "cannot load it: " + e, e);
        }
    }

    /** Downloads the due copies at once; each that changed is swapped in as its download ends. */
    private void downloadDue(Config config) {
        java.util.List<ProxyProviderEntry> proxies = config.proxyProviders().values().stream()
                .filter(ProxyProviders::due).toList();
        java.util.List<ProviderEntry> rules = config.providers().values().stream()
                .filter(p -> "http".equals(p.type()) && ProviderLoader.isStale(p)).toList();
        java.util.List<Object> due = new java.util.ArrayList<>(proxies);
        due.addAll(rules);
        if (due.isEmpty()) {
            return;
        }
        try (ProviderFetch fetch = ProviderFetch.over(turnout.router().current().outbounds())) {
            AtOnce.each(due, 32, "turnout-provider-download", d -> {
                boolean changed = d instanceof ProxyProviderEntry p ? ProxyProviders.refresh(p, fetch) != null
                        : ProviderLoader.download((ProviderEntry) d);
                if (changed) {
                    swapSoon();
                }
                failures.remove(d instanceof ProxyProviderEntry p ? p.path() : ((ProviderEntry) d).path());
            }).forEach((d, e) -> {
                if (d instanceof ProxyProviderEntry p) {
                    failed(p.path(), e, "proxy provider '" + p.name() + "' could not be updated from "
                            + SubscriptionUrl.redacted(p.url()) + ": " + FileProblems.why(e) + (Files.exists(p.path())
                            ? "; using the cached copy, " + ProxyProviders.describeAge(p.path())
                            : "; it has no nodes until a download succeeds"));
                } else {
                    ProviderEntry p = (ProviderEntry) d;
                    failed(p.path(), e, "provider '" + p.name() + "' could not be updated from "
                            + SubscriptionUrl.redacted(p.url()) + ": " + FileProblems.why(e) + (Files.exists(p.path())
                            ? "; using the last good copy" : "; it is empty until a download succeeds"));
                }
            });
        }
    }

    /** Said at warn when {@code why} is new for {@code copy}, else at debug (the copy's age changes each time). */
    private void failed(java.nio.file.Path copy, Exception why, String message) {
        String reason = FileProblems.why(why);
        if (reason.equals(failures.put(copy, reason))) {
            log.debug("{}", message);
        } else {
            log.warn("{}", message);
        }
    }

    private synchronized void load(ConfigSource from) throws ConfigException {
        try {
            Config next = from.read();
            // Offline, a provider's retry reloads every minute: what the last load said is not said again (as
            // Turnout.reload treats its notes), only what is new.
            java.util.Set<String> said = warned;
            next.warnings().forEach(w -> {
                if (said.contains(w)) {
                    log.debug("{}", w);
                } else {
                    log.warn("{}", w);
                }
            });
            turnout.reload(next);
            warned = java.util.Set.copyOf(next.warnings()); // those of the running config: a refused one's are said again
        } catch (ConfigException e) {
            if (e.getMessage() != null && e.getMessage().contains("unknown outbound type")) {
                // The usual cause on a reload: a jar dropped into plugins/ while Turnout ran, which check accepts.
                log.warn("plugins are loaded when Turnout starts: a plugin jar added or changed since takes a restart,"
                        + " not a reload");
            }
            throw e;
        } catch (OutOfMemoryError e) {
            throw new ConfigException(new Origin(turnout.config().displayName(), 0, 0), "out of memory while loading it"
                    + " (heap limit " + Runtime.getRuntime().maxMemory() / (1024 * 1024) + " MiB)", e);
        } catch (RuntimeException | Error e) {
            throw new ConfigException(new Origin(turnout.config().displayName(), 0, 0), "cannot load it: " + e, e);
        }
    }

    @Override
    public void close() {
        timer.shutdownNow();
        executor.shutdownNow();
        refresher.shutdownNow();
        swapper.shutdownNow();
    }
}
