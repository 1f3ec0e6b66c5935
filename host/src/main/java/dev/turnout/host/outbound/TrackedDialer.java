package dev.turnout.host.outbound;

import dev.turnout.api.DatagramSession;
import dev.turnout.api.Dialer;
import dev.turnout.api.Metadata;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.EventLoop;
import io.netty.util.concurrent.Future;
import io.netty.util.concurrent.GenericFutureListener;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The dialer the host hands one outbound's plugin, which remembers the connections it opened until they close, so
 * that those still open when the outbound is closed (retired by a reload once its flows ended, or at stop) are
 * closed with it. A plugin that dialled a side connection per flow and never closed it, or whose connection arrived
 * after the host had given its dial up, left them open past every reload until Turnout stopped. Datagram sessions are
 * not tracked: a session tells nobody when it closes, so a set of them would only grow.
 */
final class TrackedDialer implements Dialer {

    /**
     * What a dialer that has dialled keeps; made at its first dial, since most of a large subscription's nodes never
     * dial (60,000 nodes held 8.9 MB more old generation when every dialer made these at once).
     */
    private static final class Tracking {
        final Set<Channel> open = ConcurrentHashMap.newKeySet();
        /** One of each for every dial: nothing is allocated per connection but the set's entry. */
        final ChannelFutureListener forget = f -> open.remove(f.channel());
        final GenericFutureListener<Future<Channel>> track;

        Tracking(TrackedDialer dialer) {
            track = f -> dialer.opened(this, f);
        }
    }

    private final Dialer inner;
    private volatile Tracking tracking;
    private volatile boolean closed;

    TrackedDialer(Dialer inner) {
        this.inner = inner;
    }

    @Override
    public Future<Channel> openStream(Metadata flow, EventLoop loop) {
        Future<Channel> f = inner.openStream(flow, loop);
        if (f != null) {
            f.addListener(tracking().track);
        }
        return f;
    }

    @Override
    public Future<DatagramSession> openDatagram(Metadata flow, EventLoop loop, DatagramSession.Receiver receiver) {
        return inner.openDatagram(flow, loop, receiver);
    }

    private Tracking tracking() {
        Tracking t = tracking;
        if (t == null) {
            synchronized (this) {
                t = tracking;
                if (t == null) {
                    tracking = t = new Tracking(this);
                }
            }
        }
        return t;
    }

    private void opened(Tracking t, Future<Channel> f) {
        Channel c = f.isSuccess() ? f.getNow() : null;
        if (c == null) {
            return;
        }
        if (t.open.add(c)) {
            c.closeFuture().addListener(t.forget);
        }
        if (closed) {
            c.close(); // opened after its outbound was closed: nobody would use it
        }
    }

    /** The dialer behind {@code d}, or {@code d} when it is not tracked: for tests. */
    static Dialer unwrapped(Dialer d) {
        return d instanceof TrackedDialer t ? t.inner : d;
    }

    /** How many of its connections are open. */
    int open() {
        Tracking t = tracking;
        return t == null ? 0 : t.open.size();
    }

    /** Closes every connection it opened that is still open; those it opens from now on are closed as they open. */
    void close() {
        closed = true;
        Tracking t = tracking;
        if (t != null) {
            for (Channel c : t.open) {
                c.close();
            }
        }
    }

    @Override
    public String toString() {
        return inner.toString();
    }
}
