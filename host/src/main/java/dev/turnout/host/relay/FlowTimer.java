package dev.turnout.host.relay;

import io.netty.channel.Channel;
import io.netty.util.concurrent.Ticker;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * A relayed flow's timeouts ({@link FlowTimeouts}): one task on the flow's loop, rescheduled from when something
 * last moved. While both directions are open, a flow with nothing moving for the idle timeout is ended (a FIN
 * each way). Once one direction has ended, the flow is reset at both ends after the shorter half-closed timeout
 * with nothing moving: a reset, not a FIN, because whatever was still to come is lost and a FIN would tell the
 * application it had it all; it also frees both sockets at once, with no FIN-WAIT left. An application that has
 * not yet taken what the server sent (Turnout holds some of it) is reading slowly, not abandoned by the server,
 * and so is a server slow to take an upload: the flow then waits out the idle timeout, as one with both
 * directions open would. What only the kernel's buffers still hold is not seen: a server that has sent its last
 * bytes and keeps the connection open, to a client that pauses, still meets the half-closed timeout.
 *
 * <p>"Moving" is a read on either side ({@link #moved}), or a change in what Turnout holds unwritten for the two
 * sides, seen when the timer runs: a write completing shows there, so no write needs a promise and a listener.
 * Netty's IdleStateHandler, which this replaces, made one of each for every write to the application and cost a
 * handler and a pipeline context per flow (about 220 bytes, 2 MB at 10,000 idle flows).
 *
 * <p>Not thread-safe: everything runs on the flow's loop.
 */
final class FlowTimer implements Runnable {
    private final Channel application;
    private final Channel outbound;
    private final Ticker ticker;
    private final long idleNanos;
    private final long halfClosedNanos;
    /** {@link #idleNanos} when there is no idle timeout: nothing runs until a direction ends. */
    private static final long NONE = Long.MAX_VALUE;
    static final long SLOW_READER_NANOS = TimeUnit.SECONDS.toNanos(600);

    /** When a side last read, by {@link #ticker}. */
    private long lastMoved;
    /** What both channels held unwritten when the timer last ran. */
    private long pendingBefore;
    private boolean halfClosed;
    private ScheduledFuture<?> next;

    private FlowTimer(Channel application, Channel outbound, FlowTimeouts timeouts) {
        this.application = application;
        this.outbound = outbound;
        this.ticker = application.eventLoop().ticker();
        this.idleNanos = timeouts.idle() == null ? NONE : timeouts.idle().toNanos();
        this.halfClosedNanos = timeouts.halfClosed().toNanos();
        this.lastMoved = ticker.nanoTime();
    }

    /** Starts the idle timeout of the flow between {@code application} and {@code outbound}; it stops when {@code application} closes. */
    static FlowTimer start(Channel application, Channel outbound, FlowTimeouts timeouts) {
        FlowTimer timer = new FlowTimer(application, outbound, timeouts);
        if (timer.idleNanos != NONE) {
            timer.runIn(timer.idleNanos);
        }
        // Cancelled rather than left to run: a pending task would keep a closed flow's two channels for the idle timeout.
        application.closeFuture().addListener(f -> timer.stop());
        return timer;
    }

    /** A side read something. */
    void moved() {
        lastMoved = ticker.nanoTime();
    }

    /**
     * A direction has ended (a FIN was read): from now on the half-closed timeout applies. One at least as long as
     * the idle timeout changes nothing, and the idle one ends the flow as it ends any idle flow, with a FIN.
     */
    void oneDirectionEnded() {
        if (halfClosed || halfClosedNanos >= idleNanos || !application.isOpen()) {
            return;
        }
        halfClosed = true;
        lastMoved = ticker.nanoTime();
        if (next == null || next.getDelay(TimeUnit.NANOSECONDS) > halfClosedNanos) {
            stop();
            runIn(halfClosedNanos);
        }
    }

    @Override
    public void run() {
        next = null;
        if (!application.isOpen()) {
            return;
        }
        long now = ticker.nanoTime();
        long pending = Relay.unwritten(application) + Relay.unwritten(outbound);
        if (pending != pendingBefore) {
            // A side took some of what Turnout held for it (or a read added to it): that is moving too.
            pendingBefore = pending;
            lastMoved = now;
        }
        long still = now - lastMoved;
        if (!halfClosed) {
            if (still < idleNanos) {
                runIn(idleNanos - still);
                return;
            }
            application.close();
            outbound.close();
            return;
        }
        if (still < halfClosedNanos) {
            runIn(halfClosedNanos - still);
        } else if (pending > 0 && still < slowReaderNanos()) {
            // A side has yet to take what Turnout holds for it: a slow reader waits out the idle timeout.
            runIn(Math.min(halfClosedNanos, slowReaderNanos() - still));
        } else {
            Relay.resetAndClose(application);
            Relay.resetAndClose(outbound);
        }
    }

    /**
     * How long a half-closed flow waits for a side that has yet to take what Turnout holds: the idle timeout, or
     * without one {@link #SLOW_READER_NANOS}, so that a reader that never reads cannot hold the flow for ever.
     */
    private long slowReaderNanos() {
        return idleNanos == NONE ? SLOW_READER_NANOS : idleNanos;
    }

    private void runIn(long nanos) {
        next = application.eventLoop().schedule(this, nanos, TimeUnit.NANOSECONDS);
    }

    private void stop() {
        if (next != null) {
            next.cancel(false);
            next = null;
        }
    }
}
