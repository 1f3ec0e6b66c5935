package dev.turnout.plugins.ssh;

import dev.turnout.api.DatagramSession;
import dev.turnout.api.Metadata;
import dev.turnout.api.Outbound;
import dev.turnout.api.OutboundContext;
import dev.turnout.api.SocksAddress;
import io.netty.channel.Channel;
import io.netty.channel.EventLoop;
import io.netty.util.concurrent.Future;
import java.io.IOException;

/** An SSH server as an outbound: each TCP flow is a channel of the session its event loop keeps with the server. */
final class SshOutbound implements Outbound {

    private final String name;
    private final SshSessions sessions;
    private final String label;

    SshOutbound(String name, SshOptions options, OutboundContext context) {
        this.name = name;
        this.label = "ssh '" + name + "' (" + options.username() + "@" + options.server() + ")";
        this.sessions = new SshSessions(options, context.dialer(), label);
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public String type() {
        return "ssh";
    }

    @Override
    public boolean supportsUdp() {
        return false;
    }

    @Override
    public Future<Channel> openStream(Metadata flow, EventLoop loop) {
        if (SocksAddress.encodedLength(flow.destination()) < 0) {
            return loop.newFailedFuture(new IOException("cannot ask " + label + " for " + flow.destination()
                    + ": the name is empty or longer than 255 bytes"));
        }
        return sessions.open(loop, flow.destination());
    }

    @Override
    public Future<DatagramSession> openDatagram(Metadata flow, EventLoop loop, DatagramSession.Receiver receiver) {
        return loop.newFailedFuture(new IOException(label + " carries no UDP: SSH forwards TCP only"));
    }

    @Override
    public void close() {
        sessions.close();
    }

    @Override
    public String toString() {
        return label;
    }
}
