package dev.turnout.plugins.reject;

import dev.turnout.api.DatagramSession;
import dev.turnout.api.Metadata;
import dev.turnout.api.Outbound;
import dev.turnout.api.RejectedException;
import io.netty.channel.Channel;
import io.netty.channel.EventLoop;
import io.netty.util.concurrent.Future;
import java.util.Objects;

/**
 * Refuses every stream and datagram session with a {@link RejectedException}, before any socket is opened,
 * so the inbound can answer the application at once (reset, SOCKS5 "not allowed", HTTP 403).
 */
final class RejectOutbound implements Outbound {

    private final String name;

    RejectOutbound(String name) {
        this.name = Objects.requireNonNull(name, "name");
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public String type() {
        return "reject";
    }

    /** True: UDP flows routed here must reach this outbound to be refused by it, not fall elsewhere. */
    @Override
    public boolean supportsUdp() {
        return true;
    }

    @Override
    public Future<Channel> openStream(Metadata flow, EventLoop loop) {
        return loop.newFailedFuture(refusal(flow));
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
        return "reject '" + name + "'";
    }
}
