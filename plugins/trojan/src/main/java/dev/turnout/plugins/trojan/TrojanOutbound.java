package dev.turnout.plugins.trojan;

import dev.turnout.api.SocksAddress;
import dev.turnout.api.DatagramSession;
import dev.turnout.api.Destination;
import dev.turnout.api.Metadata;
import dev.turnout.api.Outbound;
import dev.turnout.api.OutboundContext;
import dev.turnout.api.Steps;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.EventLoop;
import io.netty.util.concurrent.Future;
import java.io.IOException;

/**
 * A Trojan server as an outbound. A stream is one TLS (or WebSocket over TLS) connection with a CONNECT
 * request in front of the payload; a datagram session is one such connection with a UDP ASSOCIATE request,
 * carrying every datagram of the session framed with its address.
 */
final class TrojanOutbound implements Outbound {

    private final String name;
    private final TrojanOptions options;
    private final TrojanConnector connector;
    private final String label;

    TrojanOutbound(String name, TrojanOptions options, OutboundContext context) {
        this.name = name;
        this.options = options;
        this.connector = new TrojanConnector(options, context);
        this.label = "trojan '" + name + "' (" + options.server() + ")";
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public String type() {
        return "trojan";
    }

    @Override
    public boolean supportsUdp() {
        return options.udp();
    }

    @Override
    public void close() {
        connector.close();
    }

    @Override
    public Future<Channel> openStream(Metadata flow, EventLoop loop) {
        return open(TrojanRequest.CONNECT, flow.destination(), loop);
    }

    @Override
    public Future<DatagramSession> openDatagram(Metadata flow, EventLoop loop, DatagramSession.Receiver receiver) {
        if (!options.udp()) {
            return loop.newFailedFuture(new IOException("UDP is not enabled for trojan outbound '" + name
                    + "' (set udp: true)"));
        }
        return Steps.then(loop, open(TrojanRequest.UDP_ASSOCIATE, flow.destination(), loop),
                channel -> loop.newSucceededFuture(TrojanDatagramSession.start(channel, receiver)),
                Channel::close, DatagramSession::close);
    }

    /**
     * A connection to the server with the request for {@code command} to {@code target} queued in front of
     * whatever is written first.
     */
    private Future<Channel> open(byte command, Destination target, EventLoop loop) {
        if (SocksAddress.encodedLength(target) < 0) {
            return loop.newFailedFuture(new IOException("cannot ask " + label + " for " + target
                    + ": the name is empty or longer than 255 bytes"));
        }
        return Steps.then(loop, connector.connect(loop), channel -> {
            ByteBuf request = TrojanRequest.encode(options.key(), command, target, channel.alloc());
            channel.pipeline().addLast("trojan-first-reply", new FirstReplyWatch(label, target.toString()));
            channel.pipeline().addLast("trojan-request", new PendingRequest(request));
            return loop.newSucceededFuture(channel);
        });
    }

    @Override
    public String toString() {
        return label;
    }
}
