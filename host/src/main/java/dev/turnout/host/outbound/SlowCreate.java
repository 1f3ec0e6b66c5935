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

    private volatile ScheduledFuture<?> saying;

    private SlowCreate() {
    }

    /**
     * @param bounded whether the build waiting for it gives it up at {@link CreateBound#limitMillis}: then nothing
     *                more is said of it after that (the build's error has said it), though its thread stays in it
     */
    static SlowCreate watch(String type, String entry, String plugin, boolean bounded) {
        long start = System.nanoTime();
        Thread waiting = Thread.currentThread();
        long every = everyMillis;
        long limit = CreateBound.limitMillis;
        SlowCreate watch = new SlowCreate();
        watch.saying = TIMER.scheduleAtFixedRate(() -> {
            long millis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
            LOG.warn("the {} plugin ({}) has been building '{}' for {} s and has not returned: thread {} waits for it"
                    + " (a plugin must not block in create){}", type, plugin, entry, millis / 1000, waiting.getName(),
                    bounded ? "; it is given up at " + limit / 1000 + " s" : "");
            if (bounded && millis >= limit) {
                watch.close();
            }
        }, every, every, TimeUnit.MILLISECONDS);
        return watch;
    }

    @Override
    public void close() {
        saying.cancel(false);
    }
}
