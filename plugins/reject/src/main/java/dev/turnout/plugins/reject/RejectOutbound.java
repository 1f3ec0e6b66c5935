package dev.turnout.plugins.reject;

import dev.turnout.api.DatagramSession;
import dev.turnout.api.Metadata;
import dev.turnout.api.Outbound;
import dev.turnout.api.RejectedException;
import io.netty.channel.Channel;
import io.netty.channel.EventLoop;
import io.netty.util.concurrent.Future;
import io.netty.util.concurrent.Promise;
import io.netty.util.concurrent.ScheduledFuture;
import java.util.Objects;
import java.util.concurrent.TimeUnit;

/**
 * Refuses every stream and datagram session with a {@link RejectedException}, before any socket is opened: REJECT at
 * once, so the inbound can answer the application (reset, SOCKS5 "not allowed", HTTP 403); mihomo's REJECT-DROP
 * only after holding the stream unanswered for a while, as a firewall that drops would (an application whose
 * requests are refused at once may retry in a loop; one that hears nothing waits). Datagrams go nowhere either way:
 * neither answers UDP.
 */
final class RejectOutbound implements Outbound {

    private final String name;
    private final String type;
    private final long holdMillis;

    /** @param holdMillis how long a stream waits for its refusal, 0 for none */
    RejectOutbound(String name, String type, long holdMillis) {
        this.name = Objects.requireNonNull(name, "name");
        this.type = Objects.requireNonNull(type, "type");
        this.holdMillis = holdMillis;
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public String type() {
        return type;
    }

    /** True: UDP flows routed here must reach this outbound to be refused by it, not fall elsewhere. */
    @Override
    public boolean supportsUdp() {
        return true;
    }

    @Override
    public Future<Channel> openStream(Metadata flow, EventLoop loop) {
        if (holdMillis <= 0) {
            return loop.newFailedFuture(refusal(flow));
        }
        Promise<Channel> held = loop.newPromise();
        ScheduledFuture<?> refusing = loop.schedule(() -> held.tryFailure(refusal(flow)), holdMillis,
                TimeUnit.MILLISECONDS);
        // The application may leave first: its dial is cancelled, and the timer goes with it.
        held.addListener(f -> refusing.cancel(false));
        return held;
    }

    @Override
    public Future<DatagramSession> openDatagram(Metadata flow, EventLoop loop, DatagramSession.Receiver receiver) {
        return loop.newFailedFuture(refusal(flow));
    }

    private RejectedException refusal(Metadata flow) {
        return new RejectedException("rejected by '" + name + "': " + flow.network().clashName() + " to "
                + flow.destination());
    }

    @Override
    public String toString() {
        return type + " '" + name + "'";
    }
}
