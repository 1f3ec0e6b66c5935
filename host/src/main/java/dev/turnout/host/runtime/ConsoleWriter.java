package dev.turnout.host.runtime;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.classic.spi.LoggingEvent;
import ch.qos.logback.core.Layout;
import ch.qos.logback.core.UnsynchronizedAppenderBase;
import io.netty.util.concurrent.FastThreadLocalThread;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.Charset;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Supplier;

/**
 * Writes log lines to standard error from a thread of its own, so that no event loop waits for it. At info (the
 * default, as Clash's) Turnout logs a line for every flow, and standard error is whatever started Turnout: a
 * terminal paused with Ctrl-S, a pipe into a pager nobody scrolls, a busy journald. Written from the flow's own
 * loop, the line stopped the loop once a 64 KiB pipe nobody read was full: about the 620th request through the
 * mixed port hung, and every request after it; with a TUN, the whole machine's network. The loop's share of the
 * line (TUN -> DIRECT setup at info, async-profiler, 3,000 connections): 13 us a connection before, 6-8 now, plus
 * 5-10 on this thread; setup rate and CPU per connection the same within the benchmark's spread.
 *
 * <p>A line from an event loop is queued, never waited for; while the queue is full (standard error has not taken
 * {@value #CAPACITY} lines) such lines are dropped and counted, and the count is written as a line of its own as
 * soon as standard error takes lines again. A line from any other thread (the start, a reload, the stop, a command)
 * waits until it has been written, as before, so it keeps its place among what Turnout prints directly; but for
 * at most {@link #PATIENCE}, and not at all while an earlier wait has found standard error stuck, so that a stop
 * still gives back the routes. Every line keeps its order: one queue, one writer.
 */
final class ConsoleWriter extends UnsynchronizedAppenderBase<ILoggingEvent> {

    static final String NAME = "STDERR";
    static final int CAPACITY = 1024;
    static final Duration PATIENCE = Duration.ofSeconds(1);

    /**
     * How long the writer lets lines gather once it has some: they leave in one write, and the loops that queue
     * them never have to wake it (a wake-up per line, a futex call and a context switch, cost more CPU than the
     * write it saved). Lines a thread waits for, and the first line after a quiet spell, wake it at once.
     */
    static final Duration GATHER = Duration.ofMillis(5);

    /** Queued where lines went missing: the writer says there how many. */
    private static final Object DROPPED = new Object();

    private final Layout<ILoggingEvent> layout;
    private final Supplier<OutputStream> out;
    private final Duration patience;
    private final BlockingQueue<Object> queue = new ArrayBlockingQueue<>(CAPACITY);
    private final AtomicLong dropped = new AtomicLong();
    private final AtomicBoolean droppedQueued = new AtomicBoolean();
    /** Batches the writer has finished, and that count when a line last waited in vain: equal means stuck. */
    private final AtomicLong finished = new AtomicLong();
    private volatile long stuckAt = -1;
    /** The writer is parked with nothing queued, until someone queues a line and wakes it. */
    private volatile boolean idle;
    private volatile boolean stopping;
    private Thread writer;

    /** A line whose thread waits for it, or (with no event) a mark that everything before it has been written. */
    private record Awaited(ILoggingEvent event, CountDownLatch written) {
    }

    /** Lines as {@code layout} makes them, written to what {@code out} gives at the time (System.err may be replaced). */
    ConsoleWriter(Layout<ILoggingEvent> layout, Supplier<OutputStream> out, Duration patience) {
        this.layout = layout;
        this.out = out;
        this.patience = patience;
    }

    @Override
    public void start() {
        Thread t = new Thread(this::writeAll, "turnout-log-writer");
        t.setDaemon(true);
        writer = t;
        super.start();
        t.start();
    }

    @Override
    public void stop() {
        if (!isStarted()) {
            return;
        }
        super.stop();
        awaitWritten();
        stopping = true;
        LockSupport.unpark(writer);
    }

    @Override
    protected void append(ILoggingEvent event) {
        // What the line says is fixed now, on the thread that logged it (its arguments may change later).
        event.prepareForDeferredProcessing();
        if (Thread.currentThread() instanceof FastThreadLocalThread) {
            markWhereLinesWentMissing();
            if (!queue.offer(event)) {
                dropped.incrementAndGet();
            } else if (idle) {
                LockSupport.unpark(writer);
            }
            return;
        }
        awaitWritten(new Awaited(event, new CountDownLatch(1)), false);
    }

    /**
     * Waits, for at most the patience even where standard error was found stuck, until every line queued before
     * this call has been written: for the exits of the process (an exec, the end of a stop), which the writer's
     * daemon thread does not outlive.
     */
    void awaitWritten() {
        awaitWritten(new Awaited(null, new CountDownLatch(1)), true);
    }

    private void awaitWritten(Awaited line, boolean evenIfStuck) {
        if (!evenIfStuck && stuckAt == finished.get()) {
            // Standard error has taken nothing since a line last waited for it in vain: queue this one, go on.
            markWhereLinesWentMissing();
            if (line.event() != null && !queue.offer(line.event())) {
                dropped.incrementAndGet();
            }
            return;
        }
        try {
            markWhereLinesWentMissing();
            if (!queue.offer(line, patience.toNanos(), TimeUnit.NANOSECONDS)) {
                stuckAt = finished.get();
                if (line.event() != null) {
                    dropped.incrementAndGet();
                }
                return;
            }
            LockSupport.unpark(writer);
            if (!line.written().await(patience.toNanos(), TimeUnit.NANOSECONDS)) {
                stuckAt = finished.get();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private void markWhereLinesWentMissing() {
        if (dropped.get() > 0 && droppedQueued.compareAndSet(false, true) && !queue.offer(DROPPED)) {
            droppedQueued.set(false);
        }
    }

    private void writeAll() {
        List<Object> batch = new ArrayList<>(CAPACITY);
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(16 * 1024);
        List<CountDownLatch> waiting = new ArrayList<>();
        while (!stopping) {
            if (queue.drainTo(batch) == 0) {
                idle = true;
                if (queue.isEmpty() && !stopping) {
                    LockSupport.park(this);
                }
                idle = false;
                continue;
            }
            for (Object next : batch) {
                if (next == DROPPED) {
                    droppedQueued.set(false);
                    sayHowManyWentMissing(bytes);
                } else if (next instanceof Awaited line) {
                    if (line.event() != null) {
                        layOut(line.event(), bytes);
                    }
                    waiting.add(line.written());
                } else {
                    layOut((ILoggingEvent) next, bytes);
                }
            }
            if (queue.isEmpty()) {
                // Lines dropped with none after them: said once standard error has taken what was queued.
                sayHowManyWentMissing(bytes);
            }
            OutputStream stderr = out.get();
            try {
                bytes.writeTo(stderr);
                stderr.flush();
            } catch (IOException e) {
                // Standard error closed: nowhere to say so. The lines are gone, as they would have been.
            }
            finished.incrementAndGet();
            waiting.forEach(CountDownLatch::countDown);
            waiting.clear();
            batch.clear();
            bytes.reset();
            LockSupport.parkNanos(this, GATHER.toNanos());
        }
    }

    private void layOut(ILoggingEvent event, ByteArrayOutputStream bytes) {
        bytes.writeBytes(layout.doLayout(event).getBytes(Charset.defaultCharset()));
    }

    private void sayHowManyWentMissing(ByteArrayOutputStream bytes) {
        long lost = dropped.getAndSet(0);
        if (lost == 0) {
            return;
        }
        LoggerContext context = (LoggerContext) getContext();
        LoggingEvent line = new LoggingEvent(ConsoleWriter.class.getName(), context.getLogger(Logging.class),
                Level.WARN, "{} log lines dropped: standard error did not take them", null, new Object[] {lost});
        layOut(line, bytes);
    }
}
