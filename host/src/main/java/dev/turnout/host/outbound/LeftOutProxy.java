package dev.turnout.host.outbound;

import dev.turnout.api.DatagramSession;
import dev.turnout.api.Metadata;
import dev.turnout.api.Outbound;
import dev.turnout.api.RejectedException;
import io.netty.channel.Channel;
import io.netty.channel.EventLoop;
import io.netty.util.concurrent.Future;

/**
 * Stands in for a {@code proxies:} entry that was left out because it asks for what Turnout does not implement (a
 * type of mihomo's no plugin provides, an option its plugin does not implement), so that the config still starts:
 * an airport's subscription mixes nodes of every kind. Groups go on without it; a rule, a listener or a dashboard's
 * choice that names it gets a refusal that says why, and its flows never go anywhere else.
 *
 * @param type   the entry's type, as dashboards show it
 * @param reason why it was left out
 */
public record LeftOutProxy(String name, String type, String reason) implements Outbound {

    /** True: a UDP flow routed here must reach it to be refused with the reason, not fall elsewhere. */
    @Override
    public boolean supportsUdp() {
        return true;
    }

    @Override
    public Future<Channel> openStream(Metadata flow, EventLoop loop) {
        return loop.newFailedFuture(refusal());
    }

    @Override
    public Future<DatagramSession> openDatagram(Metadata flow, EventLoop loop, DatagramSession.Receiver receiver) {
        return loop.newFailedFuture(refusal());
    }

    private RejectedException refusal() {
        return new RejectedException("'" + name + "' was left out: " + reason);
    }
}
