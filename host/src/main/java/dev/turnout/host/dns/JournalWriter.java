package dev.turnout.host.dns;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Writes the fake-IP journal from a thread of its own, in the order the mappings were made. A mapping is made
 * under its pool's lock on whatever thread answers the query, a TUN lane for the hijacked DNS, and every new TUN
 * flow takes the same lock to pin its address: a journal write done there that waited for the disk (a file
 * system frozen for a backup snapshot, writeback throttling) stopped every lane, and with them all of the
 * machine's traffic, names already mapped and plain addresses included. Queuing a record takes no lock that
 * anyone holds across a write.
 *
 * <p>The answer to a query that made a mapping still goes out once its record is written, as before, so that a
 * crash right after the answer loses nothing (see {@link #afterWritten}); but a reader decides how long it waits,
 * and none waits while the disk is known to be stuck. Records beyond {@value #CAPACITY} waiting are dropped and
 * counted: their mappings stay in memory and reach the snapshot at the next compaction or a clean stop.
 */
final class JournalWriter {

    private static final Logger LOG = LoggerFactory.getLogger(JournalWriter.class);

    /** Records waiting to be written, at most: about 3 MB of queued names on a disk that takes nothing. */
    static final int CAPACITY = 65_536;

    /** What the writer thread does with what was queued; called on that thread only. */
    interface Sink {
        /** Appends {@code records} to the current journal, in order. */
        void write(List<byte[]> records);

        /** Closes the current journal and starts journal {@code generation}. */
        void rotate(long generation);
    }

    private record Rotation(long generation) {
    }

    private record Waiter(long upTo, Runnable then, AtomicBoolean ran) {
        void runOnce() {
            if (ran.compareAndSet(false, true)) {
                then.run();
            }
        }
    }

    private final Sink sink;
    private final Thread thread;
    private final ConcurrentLinkedQueue<Object> queue = new ConcurrentLinkedQueue<>();
    private final ConcurrentLinkedQueue<Waiter> waiters = new ConcurrentLinkedQueue<>();
    private final AtomicInteger waitingRecords = new AtomicInteger();
    private final AtomicLong dropped = new AtomicLong();
    /** Items queued so far: counted and queued together under this object's monitor (no I/O under it), read freely. */
    private volatile long queued;
    /** Items the writer has handed to the sink so far. */
    private volatile long done;
    /** Batches finished, and that count when a reader last waited in vain: equal means stuck. */
    private final AtomicLong batches = new AtomicLong();
    private volatile long stuckAt = -1;
    private volatile boolean idle;
    private volatile boolean stopping;

    JournalWriter(Sink sink, String threadName) {
        this.sink = sink;
        this.thread = new Thread(this::run, threadName);
        thread.setDaemon(true);
        thread.start();
    }

    /** Queues one record; never waits. */
    void record(byte[] line) {
        if (waitingRecords.incrementAndGet() > CAPACITY) {
            waitingRecords.decrementAndGet();
            dropped.incrementAndGet();
            return;
        }
        synchronized (this) {
            queued++;
            queue.add(line);
        }
        wake();
    }

    /** Queues the switch to journal {@code generation}: records queued before it go to the journal before it. */
    void rotate(long generation) {
        synchronized (this) {
            queued++;
            queue.add(new Rotation(generation));
        }
        wake();
    }

    /**
     * Runs {@code then} (on the writer's thread) once everything queued before this call has been written.
     *
     * @return false, with {@code then} not run and never to be run, when there is nothing to wait for or when
     *     the disk has taken nothing since a reader last waited for it in vain ({@link #waitedInVain})
     */
    boolean afterWritten(Runnable then) {
        long upTo = queued;
        if (done >= upTo || stuckAt == batches.get()) {
            return false;
        }
        Waiter w = new Waiter(upTo, then, new AtomicBoolean());
        waiters.add(w);
        if (done >= upTo) {
            // The writer got there between the check and the add, and may have looked at the waiters already.
            w.runOnce();
            waiters.remove(w);
        }
        return true;
    }

    /** A reader gave up waiting: until the writer finishes another batch, nobody waits. */
    void waitedInVain() {
        stuckAt = batches.get();
    }

    /** True once everything queued before this call has been written, within {@code patience}. */
    boolean awaitWritten(Duration patience) {
        long upTo = queued;
        long deadline = System.nanoTime() + patience.toNanos();
        while (done < upTo) {
            if (System.nanoTime() - deadline >= 0 || !thread.isAlive()) {
                return false;
            }
            LockSupport.parkNanos(200_000);
        }
        return true;
    }

    /** Writes what is queued, for at most {@code patience}, then ends the thread. */
    boolean stop(Duration patience) {
        boolean written = awaitWritten(patience);
        stopping = true;
        LockSupport.unpark(thread);
        return written;
    }

    private void wake() {
        if (idle) {
            LockSupport.unpark(thread);
        }
    }

    private void run() {
        List<byte[]> records = new ArrayList<>();
        while (!stopping) {
            Object next = queue.poll();
            if (next == null) {
                idle = true;
                if (queue.isEmpty() && !stopping) {
                    LockSupport.park(this);
                }
                idle = false;
                continue;
            }
            long taken = 0;
            for (; next != null; next = queue.poll()) {
                taken++;
                if (next instanceof Rotation r) {
                    writeOut(records);
                    sink.rotate(r.generation());
                } else {
                    records.add((byte[]) next);
                    waitingRecords.decrementAndGet();
                }
            }
            writeOut(records);
            sayHowManyWereDropped();
            done += taken;
            batches.incrementAndGet();
            for (Iterator<Waiter> it = waiters.iterator(); it.hasNext(); ) {
                Waiter w = it.next();
                if (w.upTo() <= done) {
                    it.remove();
                    w.runOnce();
                }
            }
        }
    }

    private void writeOut(List<byte[]> records) {
        if (!records.isEmpty()) {
            sink.write(records);
            records.clear();
        }
    }

    private void sayHowManyWereDropped() {
        long lost = dropped.getAndSet(0);
        if (lost > 0) {
            LOG.warn("fake-ip journal: the disk took no record for so long that {} were dropped; their mappings "
                    + "stay, and reach the cache file at the next compaction or stop", lost);
        }
    }
}
