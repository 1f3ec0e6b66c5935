package dev.turnout.plugins.vmess;

import dev.turnout.api.DatagramSession;
import dev.turnout.api.Destination;
import dev.turnout.api.Metadata;
import dev.turnout.api.Outbound;
import dev.turnout.api.OutboundContext;
import dev.turnout.plugins.v2ray.TransportDialer;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.EventLoop;
import io.netty.util.concurrent.Future;

/**
 * A VMess server as an outbound. A stream is one connection: the sealed request header goes out as soon as
 * the transport is up (VMess has no handshake round trip; the server answers with its first bytes), then the
 * codec carries the body. UDP is VMess UDP: one connection per destination, as Clash does it.
 */
final class VmessOutbound implements Outbound {

    private final String name;
    private final VmessOptions options;
    private final TransportDialer transport;

    VmessOutbound(String name, VmessOptions options, OutboundContext context) {
        this.name = name;
        this.options = options;
        this.transport = new TransportDialer(options.server(), options.transport(), context, options.timeoutMillis(),
                "VMess server " + options.server());
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public String type() {
        return "vmess";
    }

    @Override
    public boolean supportsUdp() {
        return options.udp();
    }

    @Override
    public void close() {
        transport.close();
    }

    @Override
    public Future<Channel> openStream(Metadata flow, EventLoop loop) {
        return transport.openStream(flow.destination(), loop, this::request);
    }

    @Override
    public Future<DatagramSession> openDatagram(Metadata flow, EventLoop loop, DatagramSession.Receiver receiver) {
        return transport.openDatagram(options.udp(), "vmess outbound '" + name + "'", loop, receiver, this::request);
    }

    /** The sealed request header, made before dialing; it goes out as soon as the transport is up. */
    private TransportDialer.Request request(byte command, Destination destination) {
        VmessSession session = VmessSession.random(options.security(), options.globalPadding());
        byte[] request = session.sealedRequest(options.cmdKey(), command, destination, System.currentTimeMillis() / 1000);
        return channel -> {
            // Flushed at once: the application may wait for the server to speak first.
            channel.writeAndFlush(Unpooled.wrappedBuffer(request));
            channel.pipeline().addLast("vmess", new VmessCodec(session, command == TransportDialer.COMMAND_UDP,
                    options.server().toString()));
        };
    }

    @Override
    public String toString() {
        return "vmess '" + name + "' via " + options.server() + " (" + options.transport().describe() + ")";
    }
}
