package dev.turnout.host.outbound;

import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Says when a plugin's {@code create} has kept the start or a reload waiting: the call cannot be taken back, but a
 * reload that hangs on it (and every later one, and the controller's {@code PUT /configs}) showed nothing at all.
 */
final class SlowCreate implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(SlowCreate.class);
    /** First said after this long (the bundled plugins build in microseconds), then at each multiple of it. */
    static volatile long everyMillis = 10_000;
    private static final ScheduledExecutorService TIMER = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "turnout-plugin-watch");
        t.setDaemon(true);
        return t;
    });

    private final ScheduledFuture<?> saying;

    private SlowCreate(ScheduledFuture<?> saying) {
        this.saying = saying;
    }

    static SlowCreate watch(String type, String entry) {
        long start = System.nanoTime();
        Thread waiting = Thread.currentThread();
        long every = everyMillis;
        return new SlowCreate(TIMER.scheduleAtFixedRate(() -> LOG.warn("the {} plugin has been building '{}' for {} s"
                        + " and has not returned: thread {} waits for it (a plugin must not block in create)", type,
                entry, TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - start), waiting.getName()),
                every, every, TimeUnit.MILLISECONDS));
    }

    @Override
    public void close() {
        saying.cancel(false);
    }
}
