package dev.turnout.host.cli;

import dev.turnout.host.runtime.Logging;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import sun.misc.Signal;
import sun.misc.SignalHandler;

/**
 * The one shutdown hook of {@code turnout run}, registered before the instance lock is taken, so that a SIGTERM
 * or Ctrl-C at any moment gives back what this run took. Registered only once Turnout was up, a stop during the
 * start (plugins, rule providers, the TUN: about a second) let the JVM exit around it: the lock files stayed in
 * /run/turnout, and so would a DNS policy rule that only a stop removes. A stop that comes while Turnout opens its
 * inbounds (ports, the TUN and its routes) waits for that to end, then takes down whatever it set up. A stop that
 * comes before (while rule providers or geo databases download, which can take minutes on a slow link) ends the
 * run at once: nothing on the machine has changed yet but the lock, which it gives back.
 */
final class StopAnyTime {

    private static final Logger log = LoggerFactory.getLogger(StopAnyTime.class);

    /** How long a stop waits for a start in progress (rule providers may still be downloading) before it goes on. */
    static final Duration START_WAIT = Duration.ofSeconds(30);

    /**
     * LOCKING: taking the instance lock (a stop waits for the start, as once inbounds open); PREPARING: between
     * {@link #preparing} and {@link #opening} (a stop ends the run at once); OPENING: inbounds opening; SETTLED: the
     * start is over, up or failed; STOPPED_EARLY: a stop ended the run while it prepared.
     */
    private enum Phase { LOCKING, PREPARING, OPENING, SETTLED, STOPPED_EARLY }

    private final CountDownLatch settled = new CountDownLatch(1);
    private final CountDownLatch stopped = new CountDownLatch(1);
    private final AtomicReference<Phase> phase = new AtomicReference<>(Phase.LOCKING);
    private volatile Runnable stop;

    /** Not installed: {@link #onShutdown} is what a stop runs (package-private for tests). */
    StopAnyTime(Runnable early) {
        this.stop = early;
    }

    /** Registers the hook; until {@link #running} it runs {@code early} (giving back the lock). */
    static StopAnyTime install(Runnable early) {
        StopAnyTime s = new StopAnyTime(early);
        Runtime.getRuntime().addShutdownHook(new Thread(s::onShutdown, "turnout-shutdown"));
        exitZeroOn("TERM");
        exitZeroOn("INT");
        return s;
    }

    /**
     * A stop asked for by {@code signal} ends with status 0, as mihomo's does. The JVM's own handler exits with
     * 128 + the signal's number, which systemd reports as a failed stop ({@code Result: exit-code}). The hook
     * runs either way; a signal ignored when Turnout started stays ignored.
     */
    private static void exitZeroOn(String signal) {
        try {
            SignalHandler previous = Signal.handle(new Signal(signal), sig -> System.exit(0));
            if (previous == SignalHandler.SIG_IGN) {
                Signal.handle(new Signal(signal), SignalHandler.SIG_IGN);
            }
        } catch (IllegalArgumentException e) {
            // not a signal this JVM lets programs take: its own handling stays
        }
    }

    /** The instance lock is held and {@code early} gives it back: until {@link #opening}, a stop ends the run at once. */
    void preparing() {
        phase.compareAndSet(Phase.LOCKING, Phase.PREPARING);
    }

    /**
     * The start is about to open inbounds: from now on a stop waits for it. False when a stop came first: the run
     * is over, and must open nothing.
     */
    boolean opening() {
        return phase.compareAndSet(Phase.PREPARING, Phase.OPENING);
    }

    /** Turnout is up: a stop from now on runs {@code stop}, which must be safe to run twice. */
    void running(Runnable stop) {
        this.stop = stop;
        settled();
    }

    /** The start is over, whether it succeeded or not: a stop waiting for it goes on. */
    void settled() {
        phase.updateAndGet(p -> p == Phase.STOPPED_EARLY ? p : Phase.SETTLED);
        settled.countDown();
    }

    /** Blocks until a stop has run. */
    void awaitStop() throws InterruptedException {
        stopped.await();
    }

    void onShutdown() {
        if (phase.compareAndSet(Phase.PREPARING, Phase.STOPPED_EARLY)) {
            log.info("stopping before anything was opened (the start was still preparing)");
        } else {
            try {
                settled.await(START_WAIT.toMillis(), TimeUnit.MILLISECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        try {
            stop.run();
        } finally {
            Logging.awaitWritten();
            stopped.countDown();
        }
    }
}
