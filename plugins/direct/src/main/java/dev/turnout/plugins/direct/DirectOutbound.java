package dev.turnout.plugins.direct;

import dev.turnout.api.DatagramSession;
import dev.turnout.api.Dialer;
import dev.turnout.api.Metadata;
import dev.turnout.api.Outbound;
import io.netty.channel.Channel;
import io.netty.channel.EventLoop;
import io.netty.util.concurrent.Future;
import java.util.Objects;

/**
 * Straight out through the dialer the host handed over: the host's socket bound to the physical interface,
 * or, with {@code dialer-proxy}, another outbound. Everything is delegated, so whatever the dialer
 * guarantees (interface binding, name resolution, timeouts) holds here too.
 */
final class DirectOutbound implements Outbound {

    private final String name;
    private final Dialer dialer;

    DirectOutbound(String name, Dialer dialer) {
        this.name = Objects.requireNonNull(name, "name");
        this.dialer = Objects.requireNonNull(dialer, "dialer");
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public String type() {
        return "direct";
    }

    @Override
    public boolean supportsUdp() {
        return true;
    }

    @Override
    public Future<Channel> openStream(Metadata flow, EventLoop loop) {
        return dialer.openStream(flow, loop);
    }

    @Override
    public Future<DatagramSession> openDatagram(Metadata flow, EventLoop loop, DatagramSession.Receiver receiver) {
        return dialer.openDatagram(flow, loop, receiver);
    }

    @Override
    public String toString() {
        return "direct '" + name + "'";
    }
}
