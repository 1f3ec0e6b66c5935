package dev.turnout.host.outbound;

import dev.turnout.api.DatagramSession;
import dev.turnout.api.Metadata;
import dev.turnout.api.Outbound;
import io.netty.channel.Channel;
import io.netty.channel.EventLoop;
import io.netty.util.concurrent.Future;
import java.io.IOException;
import java.util.List;

/**
 * The outbound a flow ends at, seen through the groups it passed ({@link ProxyGroup#exit}): named as that
 * outbound, refusing UDP when a group on the way has {@code disable-udp}, and counting failed connections for
 * the automatic groups on the way. One per flow, only when some group asks for one of these.
 */
final class GroupExit implements Outbound {

    private final Outbound exit;
    private final String udpOffBy;
    private final List<ProxyGroup> automatic;

    GroupExit(Outbound exit, String udpOffBy, List<ProxyGroup> automatic) {
        this.exit = exit;
        this.udpOffBy = udpOffBy;
        this.automatic = automatic == null ? List.of() : automatic;
    }

    static IOException udpDisabled(String group) {
        return new IOException("UDP is disabled for group '" + group + "' (disable-udp)");
    }

    /** What the flow really leaves through. */
    Outbound outbound() {
        return exit;
    }

    @Override
    public String name() {
        return exit.name();
    }

    @Override
    public String type() {
        return exit.type();
    }

    @Override
    public boolean supportsUdp() {
        return udpOffBy == null && exit.supportsUdp();
    }

    @Override
    public Future<Channel> openStream(Metadata flow, EventLoop loop) {
        Future<Channel> f = exit.openStream(flow, loop);
        automatic.forEach(g -> g.watch(f));
        return f;
    }

    @Override
    public Future<DatagramSession> openDatagram(Metadata flow, EventLoop loop, DatagramSession.Receiver receiver) {
        if (udpOffBy != null) {
            return loop.newFailedFuture(udpDisabled(udpOffBy));
        }
        Future<DatagramSession> f = exit.openDatagram(flow, loop, receiver);
        automatic.forEach(g -> g.watch(f));
        return f;
    }

    @Override
    public String toString() {
        return exit.toString();
    }
}
