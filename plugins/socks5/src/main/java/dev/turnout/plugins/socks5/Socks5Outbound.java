package dev.turnout.plugins.socks5;

import dev.turnout.api.DatagramSession;
import dev.turnout.api.Destination;
import dev.turnout.api.Dialer;
import dev.turnout.api.Metadata;
import dev.turnout.api.Network;
import dev.turnout.api.Outbound;
import dev.turnout.api.OutboundContext;
import dev.turnout.api.Steps;
import io.netty.channel.Channel;
import io.netty.channel.EventLoop;
import io.netty.util.concurrent.Future;
import java.io.IOException;

/**
 * A SOCKS5 proxy as an outbound. Streams are CONNECTs that send the destination's name when it has one, so
 * the proxy resolves it; datagram sessions are UDP ASSOCIATEs, each with its own control connection.
 */
final class Socks5Outbound implements Outbound {

    private final String name;
    private final Socks5Options options;
    private final Dialer dialer;
    private final Socks5Connector connector;

    Socks5Outbound(String name, Socks5Options options, OutboundContext context) {
        this.name = name;
        this.options = options;
        this.dialer = context.dialer();
        this.connector = new Socks5Connector(options, context);
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public String type() {
        return "socks5";
    }

    @Override
    public boolean supportsUdp() {
        return options.udp();
    }

    @Override
    public Future<Channel> openStream(Metadata flow, EventLoop loop) {
        Future<Socks5Connector.Established> connecting =
                connector.establish(Socks5Handshake.CONNECT, flow.destination(), loop);
        return Steps.then(loop, connecting, established -> loop.newSucceededFuture(established.channel()),
                established -> established.channel().close(), Channel::close);
    }

    @Override
    public Future<DatagramSession> openDatagram(Metadata flow, EventLoop loop, DatagramSession.Receiver receiver) {
        if (!options.udp()) {
            return loop.newFailedFuture(new IOException("UDP is not enabled for socks5 outbound '" + name
                    + "' (set udp: true)"));
        }
        Future<Socks5Connector.Established> associating =
                connector.establish(Socks5Handshake.UDP_ASSOCIATE, unspecified(), loop);
        return Steps.then(loop, associating, established -> Socks5DatagramSession.open(established.channel(),
                        relayAddress(established.bound()), dialer, loop, receiver),
                established -> established.channel().close(), DatagramSession::close);
    }

    /** Where to send datagrams: the reply's address, or the server's when the reply leaves it unspecified. */
    private Destination relayAddress(Destination bound) {
        if (bound.hasAddress() && bound.address().isAnyLocalAddress()) {
            Destination server = options.server();
            return new Destination(server.host(), server.address(), bound.port());
        }
        return bound;
    }

    /** The unspecified IPv4 address and port 0, what a client sends when it cannot know its UDP source. */
    private static Destination unspecified() {
        try {
            return Destination.ofAddress(java.net.Inet4Address.getByAddress(new byte[4]), 0);
        } catch (java.net.UnknownHostException e) {
            throw new IllegalStateException(e);
        }
    }

    @Override
    public String toString() {
        return "socks5 '" + name + "' via " + connector.serverName();
    }
}
