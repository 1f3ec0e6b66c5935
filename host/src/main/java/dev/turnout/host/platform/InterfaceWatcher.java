package dev.turnout.host.platform;

import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Follows the interface that carries the default route (auto-detect-interface). Where the platform has a
 * {@link RouteMonitor} (macOS's routing socket), the route is re-read when the kernel reports a change that may
 * move it, because re-reading costs process starts there ({@code route -n get default}); otherwise, or when the
 * monitor cannot be opened or fails, by polling every few seconds: cheap on Linux (one small file read). The
 * dialer reads {@link #current()} at each new connection.
 */
public final class InterfaceWatcher implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(InterfaceWatcher.class);

    private final Platform platform;
    private final List<String> ignoring;
    private final Consumer<String> onChange;
    private final ScheduledExecutorService timer;
    private final long periodMillis;
    private volatile RouteMonitor monitor;
    private volatile String current;
    private volatile Runnable onEachChange = () -> { };

    /**
     * Detects once now, then on each change the platform's route monitor reports, or every {@code period} where
     * there is none.
     *
     * @param ignoring interfaces that never count (Turnout's own TUN)
     * @param onChange told the new name (or null when the default route disappeared) after each change,
     *     on the watcher's thread
     */
    public InterfaceWatcher(Platform platform, List<String> ignoring, Duration period, Consumer<String> onChange) {
        this.platform = Objects.requireNonNull(platform);
        this.ignoring = List.copyOf(ignoring);
        this.onChange = onChange == null ? name -> { } : onChange;
        this.timer = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "turnout-iface-watch");
            t.setDaemon(true);
            return t;
        });
        this.periodMillis = Math.max(100, period.toMillis());
        try {
            monitor = platform.openRouteMonitor().orElse(null);
        } catch (IOException | RuntimeException e) {
            log.warn("no route monitor ({}): the default interface is polled every {} ms", e.getMessage(), periodMillis);
        }
        // Read after the monitor opened: a change in between is then reported, not lost.
        this.current = platform.defaultInterface(this.ignoring).orElse(null);
        RouteMonitor m = monitor;
        if (m != null) {
            log.info("default interface {}: followed through the routing socket", current);
            timer.execute(() -> follow(m));
        } else {
            startPolling();
        }
    }

    private void startPolling() {
        timer.scheduleWithFixedDelay(this::poll, periodMillis, periodMillis, TimeUnit.MILLISECONDS);
    }

    /** Re-reads the default interface at each change the monitor reports; polls once it fails. */
    private void follow(RouteMonitor m) {
        try {
            while (m.awaitChange()) {
                poll();
                onEachChange.run();
            }
        } catch (IOException | RuntimeException e) {
            log.warn("route monitor failed ({}): the default interface is polled every {} ms from now", e.getMessage(),
                    periodMillis);
            m.close();
            poll(); // what changed while it failed
            startPolling();
        }
    }

    /**
     * Also runs {@code task} (on the watcher's thread; it must not block) after each change the route monitor
     * reports, whether or not the default interface moved; never while polling, where there is no such report.
     */
    public void alsoOnEachChange(Runnable task) {
        onEachChange = Objects.requireNonNull(task);
    }

    /** The physical interface now, or null when there is no default route. */
    public String current() {
        return current;
    }

    private void poll() {
        try {
            String now = platform.defaultInterface(ignoring).orElse(null);
            if (!Objects.equals(now, current)) {
                log.info("default interface changed: {} -> {}", current, now);
                current = now;
                onChange.accept(now);
            }
        } catch (RuntimeException e) {
            log.warn("default interface detection failed: {}", e.toString());
        }
    }

    @Override
    public void close() {
        RouteMonitor m = monitor;
        if (m != null) {
            m.close();
        }
        timer.shutdownNow();
    }
}
