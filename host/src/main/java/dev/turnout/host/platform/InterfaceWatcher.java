package dev.turnout.host.platform;

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
 * Follows the interface that carries the default route (auto-detect-interface), by polling the platform every
 * few seconds: cheap (one small file read on Linux) and the same on every OS, where change notifications
 * (rtnetlink, the macOS routing socket) differ. The dialer reads {@link #current()} at each new connection.
 */
public final class InterfaceWatcher implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(InterfaceWatcher.class);

    private final Platform platform;
    private final List<String> ignoring;
    private final Consumer<String> onChange;
    private final ScheduledExecutorService timer;
    private volatile String current;

    /**
     * Detects once now, then every {@code period}.
     *
     * @param ignoring interfaces that never count (Turnout's own TUN)
     * @param onChange told the new name (or null when the default route disappeared) after each change,
     *     on the watcher's thread
     */
    public InterfaceWatcher(Platform platform, List<String> ignoring, Duration period, Consumer<String> onChange) {
        this.platform = Objects.requireNonNull(platform);
        this.ignoring = List.copyOf(ignoring);
        this.onChange = onChange == null ? name -> { } : onChange;
        this.current = platform.defaultInterface(this.ignoring).orElse(null);
        this.timer = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "turnout-iface-watch");
            t.setDaemon(true);
            return t;
        });
        long ms = Math.max(100, period.toMillis());
        timer.scheduleWithFixedDelay(this::poll, ms, ms, TimeUnit.MILLISECONDS);
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
        timer.shutdownNow();
    }
}
