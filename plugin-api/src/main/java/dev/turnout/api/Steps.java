package dev.turnout.api;

import io.netty.channel.Channel;
import io.netty.util.concurrent.EventExecutor;
import io.netty.util.concurrent.Future;
import io.netty.util.concurrent.Promise;
import io.netty.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;
import java.util.function.Supplier;

/**
 * Chains the asynchronous steps of opening an outbound (dial, TLS, WebSocket, the protocol's handshake) so that
 * a connection is never left open when the flow gives up, fails or runs out of time.
 *
 * <p>An outbound's {@code openStream} usually reads:
 * <pre>{@code
 * Future<Channel> dial = context.dialer().openStream(Metadata.internal(Network.TCP, server), loop);
 * Future<Channel> secured = Steps.then(loop, dial, channel -> context.tls(channel, tls));
 * Future<Channel> ready = Steps.then(loop, secured, channel -> handshake(channel));
 * return Steps.within(loop, ready, timeoutMillis, () -> new SocketTimeoutException("..."));
 * }</pre>
 * Whoever holds the last future owns the whole chain: cancelling it (as the host does when a flow is dropped)
 * cancels the step under way and closes the connection, whichever step it had reached; a step that fails or
 * throws fails the chain with its cause and closes the connection too. Only a chain that succeeds hands the
 * connection over.
 *
 * <p>The value a step receives is released (for a channel: closed) exactly once when it is not handed on. All
 * steps run in listeners, so a step must not block; a synchronous step returns {@code loop.newSucceededFuture}.
 */
public final class Steps {

    private Steps() {
    }

    /** One step: what to do with the previous step's value. It may throw; the chain then fails with that. */
    @FunctionalInterface
    public interface Step<T, R> {
        Future<R> apply(T value) throws Exception;
    }

    /** {@link #then(EventExecutor, Future, Step, Consumer, Consumer)} on a connection: released by closing it. */
    public static Future<Channel> then(EventExecutor loop, Future<Channel> first, Step<? super Channel, Channel> step) {
        return then(loop, first, step, Channel::close, Channel::close);
    }

    /**
     * {@code step} applied to {@code first}'s value once it succeeds; the result fails with {@code first}'s cause
     * when it does not.
     * <ul>
     *   <li>Cancelling the result cancels {@code first}, or the step's future once the step has run, and
     *       releases {@code first}'s value.</li>
     *   <li>A step that throws or whose future fails releases {@code first}'s value.</li>
     *   <li>A value that arrives after the result was cancelled is released: {@code first}'s with
     *       {@code release}, the step's with {@code releaseResult}.</li>
     * </ul>
     *
     * @param release       undoes {@code first}'s value (e.g. {@code Channel::close}); called at most once
     * @param releaseResult undoes the step's value when nobody can take it any more
     */
    public static <T, R> Future<R> then(EventExecutor loop, Future<T> first, Step<? super T, R> step,
                                        Consumer<? super T> release, Consumer<? super R> releaseResult) {
        Link<T, R> link = new Link<>(loop.newPromise(), first, release);
        link.result.addListener(r -> {
            if (r.isCancelled()) {
                link.cancelled();
            }
        });
        first.addListener(f -> {
            if (!f.isSuccess()) {
                link.result.tryFailure(f.cause());
                return;
            }
            link.value = first.getNow();
            link.arrived = true;
            if (link.result.isDone()) {
                link.release();
                return;
            }
            Future<R> next;
            try {
                next = step.apply(link.value);
            } catch (Exception | LinkageError e) {
                link.release();
                link.result.tryFailure(e);
                return;
            }
            link.next = next;
            if (link.result.isCancelled()) {
                next.cancel(false);
            }
            next.addListener(n -> {
                if (!n.isSuccess()) {
                    link.release();
                    link.result.tryFailure(n.cause());
                } else if (!link.result.trySuccess(next.getNow())) {
                    releaseResult.accept(next.getNow());
                }
            });
        });
        return link.result;
    }

    /** {@link #within(EventExecutor, Future, long, Supplier, Consumer)} for a connection: closed when too late. */
    public static Future<Channel> within(EventExecutor loop, Future<Channel> work, long timeoutMillis,
                                         Supplier<? extends Throwable> timeout) {
        return within(loop, work, timeoutMillis, timeout, Channel::close);
    }

    /**
     * {@code work}, bounded in time: after {@code timeoutMillis} the result fails with {@code timeout}'s
     * exception (asked for only then, so it can say which step was under way) and {@code work} is cancelled,
     * which for a chain of {@link #then} steps closes the connection. Cancelling the result cancels {@code work}.
     *
     * @param release undoes {@code work}'s value when it arrives after the result was given up
     */
    public static <T> Future<T> within(EventExecutor loop, Future<T> work, long timeoutMillis,
                                       Supplier<? extends Throwable> timeout, Consumer<? super T> release) {
        Promise<T> result = loop.newPromise();
        ScheduledFuture<?> deadline = loop.schedule(() -> {
            if (result.tryFailure(timeout.get())) {
                work.cancel(false);
            }
        }, timeoutMillis, TimeUnit.MILLISECONDS);
        result.addListener(r -> {
            deadline.cancel(false);
            if (r.isCancelled()) {
                work.cancel(false);
            }
        });
        work.addListener(w -> {
            if (!w.isSuccess()) {
                result.tryFailure(w.cause());
            } else if (!result.trySuccess(work.getNow())) {
                release.accept(work.getNow());
            }
        });
        return result;
    }

    /** The state one {@link #then} shares between its listeners, which may run on different threads. */
    private static final class Link<T, R> {
        final Promise<R> result;
        final Future<T> first;
        final Consumer<? super T> undo;
        final AtomicBoolean released = new AtomicBoolean();
        volatile T value;
        /** Set after {@link #value}: the value may be null (a {@code Future<Void>}). */
        volatile boolean arrived;
        volatile Future<R> next;

        Link(Promise<R> result, Future<T> first, Consumer<? super T> undo) {
            this.result = result;
            this.first = first;
            this.undo = undo;
        }

        void cancelled() {
            first.cancel(false);
            Future<R> step = next;
            if (step != null) {
                step.cancel(false);
            }
            // A step under way (a TLS handshake, say) may not stop on cancel: its connection goes.
            release();
        }

        /** Releases the value once it is known, at most once; a value still to come is released on arrival. */
        void release() {
            if (arrived && released.compareAndSet(false, true)) {
                undo.accept(value);
            }
        }
    }
}
