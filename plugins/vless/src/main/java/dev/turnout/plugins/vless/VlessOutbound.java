package dev.turnout.plugins.vless;

import dev.turnout.api.DatagramSession;
import dev.turnout.api.Destination;
import dev.turnout.api.Metadata;
import dev.turnout.api.Outbound;
import dev.turnout.api.OutboundContext;
import dev.turnout.plugins.v2ray.TransportDialer;
import dev.turnout.plugins.v2ray.V2rayAddress;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.EventLoop;
import io.netty.util.concurrent.Future;

/**
 * A VLESS server as an outbound. A stream is one connection: the request header (version 0, uuid, no addons,
 * command, destination) goes out as soon as the transport is up, and the server's response header comes back
 * in front of the destination's first bytes. UDP is VLESS UDP: one connection per destination, as Clash does it.
 */
final class VlessOutbound implements Outbound {

    private final String name;
    private final VlessOptions options;
    private final TransportDialer transport;

    VlessOutbound(String name, VlessOptions options, OutboundContext context) {
        this.name = name;
        this.options = options;
        this.transport = new TransportDialer(options.server(), options.transport(), context, options.timeoutMillis(),
                "VLESS server " + options.server());
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public String type() {
        return "vless";
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
        return transport.openDatagram(options.udp(), "vless outbound '" + name + "'", loop, receiver, this::request);
    }

    /** The request header: version 0, uuid, no addons, command, destination. */
    private TransportDialer.Request request(byte command, Destination destination) {
        byte[] address = V2rayAddress.encode(destination);
        return channel -> {
            ByteBuf request = channel.alloc().buffer(1 + 16 + 1 + 1 + address.length);
            request.writeByte(0).writeBytes(options.uuid()).writeByte(0).writeByte(command).writeBytes(address);
            // Flushed at once: the application may wait for the server to speak first.
            channel.writeAndFlush(request);
            channel.pipeline().addLast("vless", new VlessCodec(command == TransportDialer.COMMAND_UDP,
                    options.server().toString()));
        };
    }

    @Override
    public String toString() {
        return "vless '" + name + "' via " + options.server() + " (" + options.transport().describe() + ")";
    }
}
