package dev.turnout.host.outbound;

import dev.turnout.api.DatagramSession;
import dev.turnout.api.Destination;
import dev.turnout.api.Metadata;
import dev.turnout.api.Outbound;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ConnectTimeoutException;
import io.netty.channel.EventLoop;
import io.netty.util.concurrent.Future;
import io.netty.util.concurrent.Promise;
import io.netty.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A plugin's outbound as the host can rely on it, whatever the plugin does. One that throws (an exception, or an
 * error such as a class its jar lacks), returns no future, never completes it, or hands back a connection on another
 * event loop than asked would otherwise leave the flow in the table and its application waiting for good, with the
 * exception in a listener's log: each of these was seen from outside with such a plugin in plugins/. Here each ends
 * the dial with a message naming the outbound, and what the plugin delivers after the dial ended is closed. Every
 * outbound a plugin builds is wrapped so, once, where it is built; groups, chains and delay tests see it wrapped.
 */
final class GuardedOutbound implements Outbound {

    private static final Logger LOG = LoggerFactory.getLogger(GuardedOutbound.class);

    /**
     * How long an outbound may take to deliver a stream or session: longer than any dial of the bundled outbounds
     * needs (10 s to connect, 10 s for a TLS or WebSocket handshake); mihomo gives a whole dial 5 s.
     */
    static final long DEADLINE_MILLIS = 30_000;
    /** A dial that keeps its event loop this long is named: the bundled outbounds return within microseconds. */
    static final long BLOCKED_WARN_MILLIS = 1_000;

    private final Outbound plugin;
    private final String name;
    private final String type;
    private final boolean udp;
    /** The dialer its plugin was given, when the host tracks what it opens; null: not tracked (a relay's hop). */
    private final TrackedDialer dialer;

    private GuardedOutbound(Outbound plugin, TrackedDialer dialer) {
        this.plugin = plugin;
        this.name = plugin.name();
        this.type = plugin.type();
        this.udp = plugin.supportsUdp();
        this.dialer = dialer;
    }

    /**
     * What a plugin's type built for the entry named {@code name}, as the host uses it.
     *
     * @throws Refused when it built nothing, or an outbound of another name (the rules, groups and logs would know it
     *                 by one name and the plugin by another)
     */
    static Outbound of(String name, Outbound built) {
        return of(name, built, null);
    }

    /**
     * As {@link #of(String, Outbound)}, closing what {@code dialer} (the one its plugin was given) opened and is still
     * open when the outbound is closed.
     */
    static Outbound of(String name, Outbound built, TrackedDialer dialer) {
        if (built instanceof GuardedOutbound) {
            return built;
        }
        if (built == null) {
            if (dialer != null) {
                dialer.close();
            }
            throw new Refused("it built nothing (null)");
        }
        Outbound guarded = new GuardedOutbound(built, dialer);
        if (!name.equals(guarded.name())) {
            guarded.close();
            throw new Refused("it built an outbound named '" + guarded.name() + "'");
        }
        return guarded;
    }

    /** The plugin's own outbound behind {@code o}, or {@code o} when it is not guarded: for tests. */
    static Outbound unwrapped(Outbound o) {
        return o instanceof GuardedOutbound g ? g.plugin : o;
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public String type() {
        return type;
    }

    @Override
    public boolean supportsUdp() {
        return udp;
    }

    @Override
    public Future<Channel> openStream(Metadata flow, EventLoop loop) {
        return guard(this, loop, DEADLINE_MILLIS, () -> plugin.openStream(flow, loop),
                c -> c.isRegistered() && c.eventLoop() == loop ? null
                        : "gave a connection that is not on the event loop it was asked to use",
                Function.identity(), Channel::close);
    }

    @Override
    public Future<DatagramSession> openDatagram(Metadata flow, EventLoop loop, DatagramSession.Receiver receiver) {
        return guard(this, loop, DEADLINE_MILLIS, () -> plugin.openDatagram(flow, loop, receiver), s -> null,
                GuardedSession::new, DatagramSession::close);
    }

    /**
     * A plugin's session whose {@code send} may throw: the session is closed and that is said once, where each
     * datagram drew a warning from the end of the inbound's pipeline and the session went on.
     */
    private final class GuardedSession implements DatagramSession {

        private final DatagramSession inner;

        GuardedSession(DatagramSession inner) {
            this.inner = inner;
        }

        @Override
        public void send(Destination destination, ByteBuf payload) {
            try {
                inner.send(destination, payload);
            } catch (RuntimeException | LinkageError | StackOverflowError e) {
                LOG.warn("outbound '{}' (type {}) threw {} sending a datagram; its session is closed", name, type,
                        e.toString());
                close();
            }
        }

        @Override
        public boolean isOpen() {
            return inner.isOpen();
        }

        @Override
        public void close() {
            try {
                inner.close();
            } catch (RuntimeException | LinkageError | StackOverflowError e) {
                LOG.warn("outbound '{}' (type {}) threw {} closing a UDP session", name, type, e.toString());
            }
        }
    }

    @Override
    public void close() {
        try {
            plugin.close();
        } catch (RuntimeException | LinkageError | StackOverflowError e) {
            LOG.warn("outbound '{}' (type {}) failed to close: {}", name, type, e.toString());
        } finally {
            if (dialer != null) {
                // After the plugin's own close: what it left open through the host's dialer is the host's to end.
                dialer.close();
            }
        }
    }

    @Override
    public String toString() {
        return plugin.toString();
    }

    /**
     * @param wrong   what is wrong with what the outbound delivered, or null when nothing is
     * @param deliver what the dial's caller is given for what the outbound delivered
     * @param discard closes what was delivered and will not be used
     */
    static <T, R> Future<R> guard(Outbound out, EventLoop loop, long deadlineMillis, Supplier<Future<T>> open,
                                  Function<T, String> wrong, Function<T, R> deliver, Consumer<T> discard) {
        Future<T> inner;
        long start = System.nanoTime();
        // Named while it blocks, not only once it returns, which may be never (LoopWatch).
        LoopWatch.Slot slot = LoopWatch.slot();
        Outbound outer = LoopWatch.in(slot);
        long outerSince = LoopWatch.since(slot);
        LoopWatch.enter(slot, out, start);
        try {
            inner = open.get();
        } catch (RuntimeException | Error e) {
            if (e instanceof VirtualMachineError) {
                // Out of memory or the like: the flow still ends (thrown on, it stayed in the table for good), and
                // this is said once more, louder than the flow's own line.
                LOG.error("outbound '{}' (type {}) threw {}", out.name(), out.type(), e.toString());
            }
            return loop.newFailedFuture(new Fault(out, "threw " + e, e));
        } finally {
            LoopWatch.leave(slot, outer, outerSince);
        }
        long blocked = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
        if (blocked >= BLOCKED_WARN_MILLIS) {
            // Every other flow on this event loop waited as long: a plugin's bug that would otherwise show only as
            // stalls elsewhere.
            LOG.warn("outbound '{}' (type {}) held the event loop for {} ms in its dial; the flows on that loop waited"
                    + " as long (a plugin must not block: see Outbound.openStream)", out.name(), out.type(), blocked);
        }
        if (inner == null) {
            return loop.newFailedFuture(new Fault(out, "returned no future", null));
        }
        if (inner.isDone() && !inner.isSuccess()) {
            return loop.newFailedFuture(inner.cause()); // refused or failed at once (REJECT, a dead group)
        }
        Promise<R> dialled = loop.newPromise();
        Runnable expire = () -> {
            if (dialled.tryFailure(new ConnectTimeoutException("outbound '" + out.name() + "' did not connect within "
                    + deadlineMillis / 1000 + " s"))) {
                inner.cancel(false);
            }
        };
        // From the call, not its return: a dial that blocked past the deadline has missed it, whatever it delivered.
        if (blocked >= deadlineMillis) {
            expire.run();
        }
        ScheduledFuture<?> late = loop.schedule(expire, Math.max(0, deadlineMillis - blocked), TimeUnit.MILLISECONDS);
        dialled.addListener(d -> {
            late.cancel(false);
            if (d.isCancelled()) {
                inner.cancel(false); // the application left, or its flow was closed
            }
        });
        inner.addListener(f -> {
            if (!f.isSuccess()) {
                dialled.tryFailure(f.cause());
                return;
            }
            @SuppressWarnings("unchecked")
            T value = (T) f.getNow();
            String problem = value == null ? "delivered nothing" : wrong.apply(value);
            if (problem != null) {
                dialled.tryFailure(new Fault(out, problem, null));
            }
            if (value != null && (problem != null || !dialled.trySuccess(deliver.apply(value)))) {
                discard.accept(value);
            }
        });
        return dialled;
    }

    /** What a plugin built cannot be used. */
    static final class Refused extends IllegalStateException {
        Refused(String why) {
            super(why);
        }
    }

    /** An outbound broke its contract: a plugin's bug, named so the user knows whose. */
    static final class Fault extends IllegalStateException {
        Fault(Outbound out, String what, Throwable cause) {
            super("outbound '" + out.name() + "' (type " + out.type() + ") " + what, cause);
        }
    }
}
