package dev.turnout.host.runtime;

import dev.turnout.host.config.Config;
import dev.turnout.host.config.ConfigException;
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
    private final AtomicBoolean pending = new AtomicBoolean();
    private final ExecutorService executor = new ThreadPoolExecutor(1, 1, 0, TimeUnit.SECONDS,
            new LinkedBlockingQueue<>(1), r -> {
                Thread t = new Thread(r, "turnout-reload");
                t.setDaemon(true);
                return t;
            }, new ThreadPoolExecutor.DiscardPolicy());

    public Reloader(Turnout turnout, ConfigSource source) {
        this.turnout = turnout;
        this.source = source;
    }

    /** Asks for a reload soon; never blocks, safe from a signal handler. */
    public void request() {
        if (pending.compareAndSet(false, true)) {
            executor.execute(this::reloadPending);
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

    /** Reloads on the caller's thread; throws when the new config is not usable (and changes nothing). */
    public synchronized void reloadNow() throws ConfigException {
        Config next = source.read();
        next.warnings().forEach(w -> log.warn("{}", w));
        turnout.reload(next);
    }

    @Override
    public void close() {
        executor.shutdownNow();
    }
}
