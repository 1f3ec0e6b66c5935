package dev.turnout.host.tunnel;

import dev.turnout.api.DatagramSession;
import dev.turnout.api.Destination;
import dev.turnout.host.sniff.Sniffer;
import io.netty.buffer.ByteBuf;
import io.netty.channel.EventLoop;
import io.netty.util.concurrent.Future;
import io.netty.util.concurrent.ScheduledFuture;
import java.util.ArrayDeque;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;

/**
 * A UDP flow's session while the sniffer reads its first datagrams (a QUIC ClientHello, which a browser spreads over
 * two or more): they are held, and once the flow is named, or nothing named it within the sniffer's wait, it is
 * routed and they follow, in order. At most {@link #MAX_HELD} wait; the application resends what UDP loses. A flow
 * whose routing failed (a REJECT, an outbound that cannot be reached) drops what it is sent until it is closed, as a
 * failed flow of the TUN does, so that each datagram does not route it again.
 */
final class SniffingDatagramSession implements DatagramSession {

    static final int MAX_HELD = 8;

    private record Held(Destination to, ByteBuf payload) {
    }

    private final EventLoop loop;
    /** Until the flow is routed: a reader holds some 18 KB, which a flow must not keep for its life. */
    private Sniffer.DatagramSniff sniff;
    private final long waitMillis;
    private final Function<Sniffer.Sniffed, Future<DatagramSession>> open;
    private final Runnable unpin;
    private final ArrayDeque<Held> held = new ArrayDeque<>();
    private ScheduledFuture<?> deadline;
    private boolean routing;
    private boolean failed;
    private DatagramSession session;
    private volatile boolean closed;

    /**
     * @param open  routes the flow as the sniffer left it and opens its session
     * @param unpin what the flow holds (a fake address's name), let go when it is closed before it is routed
     */
    SniffingDatagramSession(EventLoop loop, Sniffer.DatagramSniff sniff, long waitMillis,
            Function<Sniffer.Sniffed, Future<DatagramSession>> open, Runnable unpin) {
        this.loop = loop;
        this.sniff = sniff;
        this.waitMillis = waitMillis;
        this.open = open;
        this.unpin = unpin;
    }

    @Override
    public void send(Destination destination, ByteBuf payload) {
        if (!loop.inEventLoop()) {
            try {
                loop.execute(() -> send(destination, payload));
            } catch (RejectedExecutionException e) {
                payload.release();
            }
            return;
        }
        if (session != null) {
            session.send(destination, payload);
            return;
        }
        if (closed || failed || held.size() >= MAX_HELD) {
            payload.release();
            return;
        }
        held.add(new Held(destination, payload));
        if (!routing) {
            if (sniff.offer(payload) || held.size() >= MAX_HELD) {
                route();
            } else if (deadline == null) {
                deadline = loop.schedule(this::route, waitMillis, TimeUnit.MILLISECONDS);
            }
        }
    }

    private void route() {
        if (routing || closed) {
            return;
        }
        routing = true;
        if (deadline != null) {
            deadline.cancel(false);
        }
        Sniffer.Sniffed sniffed = sniff.sniffed();
        sniff = null;
        open.apply(sniffed).addListener(f -> {
            if (!f.isSuccess()) {
                failed = true;
                releaseHeld();
                return;
            }
            DatagramSession opened = (DatagramSession) f.getNow();
            if (closed) {
                opened.close();
                return;
            }
            session = opened;
            for (Held h = held.poll(); h != null; h = held.poll()) {
                opened.send(h.to(), h.payload());
            }
        });
    }

    private void releaseHeld() {
        for (Held h = held.poll(); h != null; h = held.poll()) {
            h.payload().release();
        }
    }

    @Override
    public boolean isOpen() {
        DatagramSession s = session;
        return !closed && (s == null || s.isOpen());
    }

    @Override
    public void close() {
        if (!loop.inEventLoop()) {
            try {
                loop.execute(this::close);
            } catch (RejectedExecutionException e) {
                closed = true; // Turnout is stopping; its loops take the rest with them
            }
            return;
        }
        if (closed) {
            return;
        }
        closed = true;
        if (deadline != null) {
            deadline.cancel(false);
        }
        releaseHeld();
        if (session != null) {
            session.close();
        } else if (!routing) {
            unpin.run();
        }
    }
}
