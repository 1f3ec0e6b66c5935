package dev.turnout.host.outbound;

import dev.turnout.api.Outbound;
import io.netty.util.concurrent.FastThreadLocal;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Names an outbound whose dial is keeping its thread (an event loop) while it still does: a plugin that blocked in
 * {@code openStream} froze every flow on its loop without a word until it returned, which may be never. Each thread
 * that dials has a slot saying which outbound's call it is in and since when (two volatile writes a dial, nothing
 * allocated); one timer thread looks at the slots every {@link #LOOK_MILLIS}. The call cannot be taken back: this
 * only says whose it is.
 */
final class LoopWatch {

    private static final Logger LOG = LoggerFactory.getLogger(LoopWatch.class);

    /** A call this long is named (the bundled outbounds return within microseconds), then every 30 s while it lasts. */
    static volatile long sayAfterMillis = 2_000;
    private static final long SAY_AGAIN_MILLIS = 30_000;
    static final long LOOK_MILLIS = 500;

    /** One thread's dial in progress: its innermost outbound, and when that call began (0: none). */
    static final class Slot {
        private final Thread thread = Thread.currentThread();
        private volatile Outbound in;
        private volatile long since;
        /** The {@link #since} of the call last named, and when: read and written by the timer thread only. */
        private long namedCall;
        private long namedAt;
    }

    private static final Set<Slot> SLOTS = ConcurrentHashMap.newKeySet();
    private static final FastThreadLocal<Slot> SLOT = new FastThreadLocal<>() {
        @Override
        protected Slot initialValue() {
            Slot s = new Slot();
            SLOTS.add(s);
            return s;
        }
    };
    private static final ScheduledExecutorService TIMER = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "turnout-loop-watch");
        t.setDaemon(true);
        return t;
    });

    static {
        TIMER.scheduleWithFixedDelay(LoopWatch::look, LOOK_MILLIS, LOOK_MILLIS, TimeUnit.MILLISECONDS);
    }

    private LoopWatch() {
    }

    /** This thread's slot. */
    static Slot slot() {
        return SLOT.get();
    }

    /** Marks the start of {@code out}'s call on this thread, at {@code startNanos} ({@link System#nanoTime}). */
    static void enter(Slot s, Outbound out, long startNanos) {
        s.in = out;
        s.since = startNanos;
    }

    /**
     * Marks the call's end: the slot is set back to what it was before {@link #enter}, the call of an outbound that
     * dials through this one ({@code dialer-proxy}, a relay), which goes on.
     */
    static void leave(Slot s, Outbound outer, long outerSince) {
        s.since = outerSince;
        s.in = outer;
    }

    static Outbound in(Slot s) {
        return s.in;
    }

    static long since(Slot s) {
        return s.since;
    }

    private static void look() {
        try {
            long now = System.nanoTime();
            long after = TimeUnit.MILLISECONDS.toNanos(sayAfterMillis);
            for (var it = SLOTS.iterator(); it.hasNext(); ) {
                Slot s = it.next();
                if (!s.thread.isAlive()) {
                    it.remove();
                    continue;
                }
                long since = s.since;
                Outbound in = s.in;
                if (since == 0 || in == null || now - since < after) {
                    continue;
                }
                if (s.namedCall == since && now - s.namedAt < TimeUnit.MILLISECONDS.toNanos(SAY_AGAIN_MILLIS)) {
                    continue;
                }
                s.namedCall = since;
                s.namedAt = now;
                LOG.warn("outbound '{}' (type {}) has kept thread {} for {} s in its dial and has not returned: every"
                                + " flow on that event loop waits meanwhile (a plugin must not block: see"
                                + " Outbound.openStream)", in.name(), in.type(), s.thread.getName(),
                        TimeUnit.NANOSECONDS.toSeconds(now - since));
            }
        } catch (RuntimeException e) {
            LOG.debug("looking at the dials in progress", e); // a task that throws is never run again
        }
    }
}
