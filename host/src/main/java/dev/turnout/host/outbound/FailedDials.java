package dev.turnout.host.outbound;

import dev.turnout.api.RejectedException;
import io.netty.util.concurrent.Future;

/**
 * mihomo's {@code max-failed-times}: when an automatic group's connections fail this many times, each within
 * the check timeout of the first, its members are checked at once instead of at the next interval. A
 * refusal by design (REJECT) is not a failure.
 */
final class FailedDials {

    private final int max;
    private int count;
    private long firstNanos;
    private volatile Runnable check;

    FailedDials(int max) {
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
                failed(windowMillis);
            }
        });
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
            run.run();
        }
    }
}
