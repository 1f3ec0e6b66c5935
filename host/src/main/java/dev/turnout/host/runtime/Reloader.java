package dev.turnout.host.runtime;

import dev.turnout.host.config.Config;
import dev.turnout.host.config.ConfigException;
import dev.turnout.host.config.GeoOptions;
import dev.turnout.host.config.ProviderEntry;
import dev.turnout.host.geo.HomeGeoData;
import dev.turnout.rules.Origin;
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
    /**
     * Where the running config came from: a refresh (a provider's or the geo data's) reads it again, so that it
     * keeps the profile a dashboard switched to ({@code PUT /configs} with a path or a payload), as mihomo's
     * providers update within the running config. It read the start's file, which undid the switch. A reload asked
     * for (SIGHUP, {@code PUT /configs} without a body) reads the start's file, as mihomo's does.
     */
    private volatile ConfigSource running;
    /** The file Turnout started with ({@code null}: the built-in default), which {@link #reloadNow} reads. */
    private final java.nio.file.Path startFile;
    private final AtomicBoolean pending = new AtomicBoolean();
    /** Whether the reload pending is only a refresh: no {@link #request()} came since the last one started. */
    private final AtomicBoolean refreshOnly = new AtomicBoolean(true);
    private final ExecutorService executor = new ThreadPoolExecutor(1, 1, 0, TimeUnit.SECONDS,
            new LinkedBlockingQueue<>(1), r -> {
                Thread t = new Thread(r, "turnout-reload");
                t.setDaemon(true);
                return t;
            }, new ThreadPoolExecutor.DiscardPolicy());

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
        this.running = source;
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
                refresh();
            }
        }, first, geo.updateIntervalHours() * 3600L, TimeUnit.SECONDS);
        log.info("geo databases refresh every {} h (next in {} s)", geo.updateIntervalHours(), first);
    }

    /**
     * http rule and proxy providers: once a second, the running config's copies are looked at (a few file dates), and
     * a refresh downloads those due ({@link ProviderRefresh}): older than their interval (at once for one the start
     * found stale, which it used as it was), or missing. Open flows keep the node they started on; a select choice
     * that still exists is kept.
     */
    private void scheduleProviderRefresh(Config config) {
        ProviderRefresh copies = new ProviderRefresh(config, System::nanoTime);
        timer.scheduleWithFixedDelay(() -> {
            try {
                if (copies.due(turnout.config())) {
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
        refreshOnly.set(false);
        schedule();
    }

    /**
     * Asks for a reload soon that leaves the proxy ports as they run: a provider's or the geo data's refresh is not
     * the user's reload, so ports a dashboard moved ({@code PATCH /configs}) stay where it put them, as in mihomo.
     */
    private void refresh() {
        schedule();
    }

    private void schedule() {
        if (pending.compareAndSet(false, true)) {
            executor.execute(this::reloadPending);
        }
    }

    private void reloadPending() {
        pending.set(false);
        boolean refresh = refreshOnly.getAndSet(true);
        try {
            if (refresh) {
                load(running, true);
            } else {
                reloadNow();
            }
        } catch (ConfigException e) {
            log.error("reload failed, keeping the running config: {}", e.getMessage());
        }
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
        load(from, false);
        running = from;
    }

    /** @param keepingPorts a refresh: the proxy ports stay as they run ({@link Turnout#refresh}) */
    private synchronized void load(ConfigSource from, boolean keepingPorts) throws ConfigException {
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
            if (keepingPorts) {
                turnout.refresh(next);
            } else {
                turnout.reload(next);
            }
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
    }
}
