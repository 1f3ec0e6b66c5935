package dev.turnout.host.outbound;

import dev.turnout.api.RejectedException;
import io.netty.util.concurrent.Future;
import java.util.Locale;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * mihomo's {@code max-failed-times}: when an automatic group's connections fail this many times, each within
 * the check timeout of the first, its members are checked at once instead of at the next interval. A connection
 * refused checks them at its first, as mihomo's groupbase.go onDialFailed does: a node whose server process died
 * answers every dial so, and its flows kept failing until the next interval (or five failures within the timeout).
 * A refusal by design (REJECT) is not a failure.
 */
final class FailedDials {

    private static final Logger log = LoggerFactory.getLogger(FailedDials.class);

    private final String group;
    private final int max;
    private int count;
    private long firstNanos;
    private volatile Runnable check;

    FailedDials(String group, int max) {
        this.group = group;
        this.max = max;
    }

    void onThreshold(Runnable onThreshold) {
        this.check = onThreshold;
    }

    /** Counts {@code opening} if it fails; a success resets the count, as mihomo's onDialSuccess does. */
    void watch(Future<?> opening, int windowMillis) {
        opening.addListener(f -> {
            if (f.isSuccess()) {
                reset();
            } else if (!f.isCancelled() && !(f.cause() instanceof RejectedException)) {
                if (refused(f.cause())) {
                    Runnable run = check; // the check coalesces: one round at a time
                    if (run != null) {
                        log.debug("group '{}': a connection was refused; checking its members now", group);
                        run.run();
                    }
                } else {
                    failed(windowMillis);
                }
            }
        });
    }

    /** Whether {@code cause} says "connection refused" (mihomo matches the error's text the same way). */
    static boolean refused(Throwable cause) {
        Throwable c = cause;
        for (int depth = 0; c != null && depth < 8; depth++, c = c.getCause()) {
            String m = c.getMessage();
            if (m != null && m.toLowerCase(Locale.ROOT).contains("connection refused")) {
                return true;
            }
        }
        return false;
    }

    private synchronized void reset() {
        count = 0;
    }

    void failed(int windowMillis) {
        Runnable run = null;
        synchronized (this) {
            long now = System.nanoTime();
            if (count == 0 || now - firstNanos > windowMillis * 1_000_000L) {
                count = 1;
                firstNanos = now;
            } else {
                count++;
            }
            if (count >= max) {
                count = 0;
                run = check;
            }
        }
        if (run != null) {
            // mihomo: "because NAME failed multiple times, active health check"
            log.warn("group '{}': {} connections failed within {} ms of each other; checking its members now", group,
                    max, windowMillis);
        }
        if (run != null) {
            run.run();
        }
    }
}
