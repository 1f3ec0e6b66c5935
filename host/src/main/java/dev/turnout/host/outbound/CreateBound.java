package dev.turnout.host.outbound;

import dev.turnout.host.config.ConfigException;
import dev.turnout.rules.Origin;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Holds a config's build to a bound on each plugin {@code create}: the build runs on a thread of its own, and the
 * thread that asked for it (a reload's, holding the Reloader's lock; the start's; {@code turnout check}'s) gives it
 * up once one create has not returned within {@link #limitMillis}. A create that never returned wedged that reload,
 * every later one and the controller's {@code PUT /configs}. The given-up thread cannot be stopped, only left: when
 * its create returns at last, what it built is closed and the build ends there, so nothing of it is ever installed.
 */
final class CreateBound {

    /**
     * How long one plugin's create may take: as a dial's deadline ({@link GuardedOutbound#DEADLINE_MILLIS}); the
     * bundled plugins build in microseconds, and a plugin that reads a file or waits for a licence server a few
     * seconds still builds.
     */
    static volatile long limitMillis = GuardedOutbound.DEADLINE_MILLIS;

    /** The build the current thread runs, when it runs one under a bound. */
    private static final ThreadLocal<CreateBound> CURRENT = new ThreadLocal<>();

    /** What the build is waiting for now. */
    private record Creating(String name, String type, String plugin, Origin origin, long since) {
    }

    /** Failed with {@link GivenUp} by the waiting thread once the bound passed; completed by the build otherwise. */
    private final CompletableFuture<Outbounds> result = new CompletableFuture<>();
    private volatile Creating creating;

    private CreateBound() {
    }

    /** What a build does, on the thread that runs it. */
    @FunctionalInterface
    interface Build {
        Outbounds run() throws ConfigException;
    }

    /**
     * {@code build} run on a thread of its own, waited for while no plugin create has kept it more than the bound.
     *
     * @throws ConfigException what the build threw, or that a create did not return in time, naming the entry, its
     *                         type and its plugin
     */
    static Outbounds run(Build build) throws ConfigException {
        CreateBound bound = new CreateBound();
        Thread builder = new Thread(() -> {
            CURRENT.set(bound);
            try {
                Outbounds built = build.run();
                if (!bound.result.complete(built)) {
                    built.close(); // given up meanwhile: the caller has already said so
                }
            } catch (ConfigException | RuntimeException | Error e) {
                bound.result.completeExceptionally(e);
            }
        }, "turnout-build-" + Thread.currentThread().getName());
        builder.setDaemon(true); // a create that never returns must not keep Turnout (or turnout check) from exiting
        builder.start();
        return bound.await();
    }

    private Outbounds await() throws ConfigException {
        long limit = limitMillis;
        while (true) {
            try {
                return result.get(Math.max(1, Math.min(limit, 1_000)), TimeUnit.MILLISECONDS);
            } catch (TimeoutException e) {
                Creating now = creating;
                if (now != null && System.nanoTime() - now.since() >= TimeUnit.MILLISECONDS.toNanos(limit)
                        && creating == now && result.completeExceptionally(new GivenUp())) {
                    throw new ConfigException(now.origin(), "'" + now.name() + "' (type " + now.type() + ", plugin "
                            + now.plugin() + ") was not built: its plugin's create had not returned after "
                            + limit / 1000 + " s (a plugin must not block in create); the build was given up");
                }
            } catch (InterruptedException e) {
                result.completeExceptionally(new GivenUp());
                Thread.currentThread().interrupt();
                Creating now = creating;
                throw new ConfigException(now != null ? now.origin() : new Origin("", 0, 0),
                        "interrupted while building the outbounds" + (now == null ? "" : " (waiting for '"
                                + now.name() + "' of plugin " + now.plugin() + ")"));
            } catch (ExecutionException e) {
                Throwable cause = e.getCause();
                if (cause instanceof ConfigException c) {
                    throw c;
                } else if (cause instanceof RuntimeException r) {
                    throw r;
                } else if (cause instanceof Error err) {
                    throw err;
                }
                throw new IllegalStateException(cause);
            } catch (CancellationException e) {
                throw new IllegalStateException(e);
            }
        }
    }

    /**
     * Marks the start of a plugin's create on this thread; null when this thread runs no bounded build (a relay's hop
     * built as a flow dials).
     *
     * @throws GivenUp when the build this thread runs was given up
     */
    static CreateBound starting(String name, String type, String plugin, Origin origin) {
        CreateBound bound = CURRENT.get();
        if (bound != null) {
            bound.checkNotGivenUp();
            bound.creating = new Creating(name, type, plugin, origin, System.nanoTime());
        }
        return bound;
    }

    /**
     * Marks the end of the create begun at {@link #starting}.
     *
     * @throws GivenUp when the build was given up while it ran: its caller closes what it built
     */
    void done() {
        creating = null;
        checkNotGivenUp();
    }

    private void checkNotGivenUp() {
        if (result.isCompletedExceptionally()) {
            throw new GivenUp();
        }
    }

    /** The waiting thread gave the build up: it ends here, closing what it built, and nothing of it is used. */
    static final class GivenUp extends RuntimeException {
        GivenUp() {
            super("the build was given up: a plugin's create kept it past the bound", null, false, false);
        }
    }
}
