package dev.turnout.host.tunnel;

import dev.turnout.api.DatagramSession;
import dev.turnout.api.Metadata;
import dev.turnout.api.Outbound;
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

/**
 * An outbound's dial as the tunnel can rely on it, whatever the plugin behind it does. A plugin that throws (an
 * exception, or an error such as a class its jar lacks), returns no future, never completes it, or hands back a
 * connection on another event loop would otherwise leave its flow in the table and its application waiting for
 * good, with the exception in a listener's log: each of these was seen from outside with such a plugin. Here each
 * ends the dial, naming the outbound; what the plugin delivers after the dial ended is closed.
 */
final class GuardedDial {

    /**
     * How long an outbound may take to deliver a stream or session: longer than any dial of the bundled outbounds
     * (10 s to connect, 10 s for a TLS or WebSocket handshake) needs; mihomo gives a dial 5 s.
     */
    static final long DEADLINE_MILLIS = 30_000;

    private GuardedDial() {
    }

    static Future<Channel> stream(Outbound out, Metadata flow, EventLoop loop) {
        return guard(out, loop, DEADLINE_MILLIS, () -> out.openStream(flow, loop),
                c -> c.isRegistered() && c.eventLoop() == loop ? null
                        : "gave a connection that is not on the event loop it was asked to use",
                Channel::close);
    }

    static Future<DatagramSession> datagram(Outbound out, Metadata flow, EventLoop loop,
                                            DatagramSession.Receiver receiver) {
        return guard(out, loop, DEADLINE_MILLIS, () -> out.openDatagram(flow, loop, receiver), s -> null,
                DatagramSession::close);
    }

    /**
     * @param wrong   what is wrong with what the outbound delivered, or null when nothing is
     * @param discard closes what was delivered and will not be used
     */
    static <T> Future<T> guard(Outbound out, EventLoop loop, long deadlineMillis, Supplier<Future<T>> open,
                               Function<T, String> wrong, Consumer<T> discard) {
        Future<T> inner;
        try {
            inner = open.get();
        } catch (RuntimeException e) {
            return loop.newFailedFuture(e);
        } catch (LinkageError | StackOverflowError e) {
            return loop.newFailedFuture(new OutboundFault(out, "threw " + e, e));
        }
        if (inner == null) {
            return loop.newFailedFuture(new OutboundFault(out, "returned no future", null));
        }
        if (inner.isDone() && !inner.isSuccess()) {
            return inner; // refused or failed at once (REJECT, a dead group): nothing to watch
        }
        Promise<T> dialled = loop.newPromise();
        ScheduledFuture<?> late = loop.schedule(() -> {
            if (dialled.tryFailure(new ConnectTimeoutException("outbound '" + out.name() + "' did not connect within "
                    + deadlineMillis / 1000 + " s"))) {
                inner.cancel(false);
            }
        }, deadlineMillis, TimeUnit.MILLISECONDS);
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
                dialled.tryFailure(new OutboundFault(out, problem, null));
            }
            if (value != null && (problem != null || !dialled.trySuccess(value))) {
                discard.accept(value);
            }
        });
        return dialled;
    }

    /** An outbound broke its contract: a plugin's bug, named so the user knows whose. */
    static final class OutboundFault extends IllegalStateException {
        OutboundFault(Outbound out, String what, Throwable cause) {
            super("outbound '" + out.name() + "' (type " + out.type() + ") " + what, cause);
        }
    }
}
