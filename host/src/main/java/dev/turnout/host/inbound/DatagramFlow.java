package dev.turnout.host.inbound;

import dev.turnout.api.DatagramSession;
import dev.turnout.api.Destination;
import io.netty.buffer.ByteBuf;
import io.netty.util.concurrent.Future;

/**
 * One UDP client's flow through a port that speaks no proxy protocol (a tunnel's, the tproxy port's): its session,
 * opening, open, or ended by the flow table, and when the client last sent. Used on the port's loop.
 */
public final class DatagramFlow {

    private final Future<DatagramSession> session;
    private long lastUsed = System.nanoTime();

    public DatagramFlow(Future<DatagramSession> session) {
        this.session = session;
    }

    /** Sends {@code payload} to {@code to} once the session is open; dropped if it never opens or has ended. */
    public void send(Destination to, ByteBuf payload) {
        lastUsed = System.nanoTime();
        if (session.isDone()) {
            sendNow(to, payload);
        } else {
            session.addListener(f -> sendNow(to, payload));
        }
    }

    private void sendNow(Destination to, ByteBuf payload) {
        if (!session.isSuccess() || !session.getNow().isOpen()) {
            payload.release();
            return;
        }
        session.getNow().send(to, payload);
    }

    /** Whether it failed to open or its session has ended: the client's next datagram opens another. */
    public boolean ended() {
        return session.isDone() && (!session.isSuccess() || !session.getNow().isOpen());
    }

    /** Whether the client has sent nothing since {@code nanoTime}. */
    public boolean quietSince(long nanoTime) {
        return lastUsed - nanoTime < 0;
    }

    public void close() {
        session.addListener(f -> {
            if (f.isSuccess()) {
                ((DatagramSession) f.getNow()).close();
            }
        });
    }
}
