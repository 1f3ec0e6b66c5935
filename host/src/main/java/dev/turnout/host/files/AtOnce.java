package dev.turnout.host.files;

import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Runs a task for each of several items at once, at most so many together, and waits for all: so that providers
 * whose servers do not answer cost one timeout at start, not one each (as mihomo starts its providers).
 */
public final class AtOnce {

    /** One item's work; what it throws is that item's failure. */
    @FunctionalInterface
    public interface Task<T> {
        void run(T item) throws Exception;
    }

    private AtOnce() {
    }

    /**
     * @param threads the name of the daemon threads, numbered after it
     * @return by item, what its task threw; every item has {@link InterruptedException} if the caller was interrupted
     */
    public static <T> Map<T, Exception> each(Collection<T> items, int atMost, String threads, Task<T> task) {
        if (items.isEmpty()) {
            return Map.of();
        }
        Map<T, Exception> failed = new ConcurrentHashMap<>();
        AtomicInteger count = new AtomicInteger();
        ExecutorService pool = Executors.newFixedThreadPool(Math.min(items.size(), atMost), r -> {
            Thread t = new Thread(r, threads + "-" + count.incrementAndGet());
            t.setDaemon(true);
            return t;
        });
        try {
            List<Future<?>> running = items.stream().<Future<?>>map(item -> pool.submit(() -> {
                try {
                    task.run(item);
                } catch (Exception e) {
                    failed.put(item, e);
                }
            })).toList();
            for (Future<?> f : running) {
                f.get();
            }
        } catch (InterruptedException e) {
            // Said in the result, not by the thread's flag: the caller still reads files (an interrupted channel
            // read would fail) before it gives up.
            items.forEach(item -> failed.putIfAbsent(item, e));
        } catch (ExecutionException e) {
            throw new IllegalStateException(e.getCause()); // the task catches everything
        } finally {
            pool.shutdownNow();
        }
        return failed;
    }
}
