package dev.turnout.plugins.vmess;

import dev.turnout.api.DatagramSession;
import dev.turnout.api.Destination;
import dev.turnout.api.Metadata;
import dev.turnout.api.Outbound;
import dev.turnout.api.OutboundContext;
import dev.turnout.plugins.v2ray.StreamPerDestination;
import dev.turnout.plugins.v2ray.TransportDialer;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.EventLoop;
import io.netty.util.concurrent.Future;
import io.netty.util.concurrent.Promise;
import java.io.IOException;

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
    public Future<Channel> openStream(Metadata flow, EventLoop loop) {
        return open(VmessSession.COMMAND_TCP, flow.destination(), loop);
    }

    /** A connection carrying {@code command} to {@code destination}, its codec in place, auto-read off. */
    Future<Channel> open(byte command, Destination destination, EventLoop loop) {
        VmessSession session = VmessSession.random(options.security(), options.globalPadding());
        byte[] request;
        try {
            request = session.sealedRequest(options.cmdKey(), command, destination, System.currentTimeMillis() / 1000);
        } catch (IllegalArgumentException e) {
            return loop.newFailedFuture(new IOException(e.getMessage(), e));
        }
        Promise<Channel> promise = loop.newPromise();
        Future<Channel> connecting = transport.open(loop);
        promise.addListener(f -> {
            if (f.isCancelled()) {
                connecting.cancel(false);
            }
        });
        connecting.addListener(f -> {
            if (!f.isSuccess()) {
                promise.tryFailure(f.cause());
                return;
            }
            Channel channel = connecting.getNow();
            // Flushed at once: the application may wait for the server to speak first.
            channel.writeAndFlush(Unpooled.wrappedBuffer(request));
            channel.pipeline().addLast("vmess", new VmessCodec(session, command == VmessSession.COMMAND_UDP,
                    options.server().toString()));
            if (!promise.trySuccess(channel)) {
                channel.close();
            }
        });
        return promise;
    }

    @Override
    public Future<DatagramSession> openDatagram(Metadata flow, EventLoop loop, DatagramSession.Receiver receiver) {
        if (!options.udp()) {
            return loop.newFailedFuture(new IOException("UDP is not enabled for vmess outbound '" + name
                    + "' (set udp: true)"));
        }
        return loop.newSucceededFuture(new StreamPerDestination(
                (destination, l) -> open(VmessSession.COMMAND_UDP, destination, l), loop, receiver));
    }

    @Override
    public String toString() {
        return "vmess '" + name + "' via " + options.server() + " (" + options.transport().describe() + ")";
    }
}
