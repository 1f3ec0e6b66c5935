package dev.turnout.host.dial;

import dev.turnout.api.DatagramSession;
import dev.turnout.api.Destination;
import dev.turnout.api.Resolver;
import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.socket.DatagramChannel;
import io.netty.channel.socket.DatagramPacket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** A UDP socket of the host's that sends to any destination, resolving names first, and hands replies on. */
final class HostDatagramSession implements DatagramSession {

    private static final Logger LOG = LoggerFactory.getLogger(HostDatagramSession.class);

    private final DatagramChannel channel;
    private final Resolver resolver;
    private final Receiver receiver;
    /** The last name looked up, with its address and port; one value, so a reader never sees two halves. */
    private volatile Resolved resolved;

    private record Resolved(String host, InetSocketAddress to) {
    }

    /** Whether the client is a program of this machine, which may send to its loopback ({@link LoopbackGuard}). */
    private final boolean mayReachLoopback;

    HostDatagramSession(DatagramChannel channel, Resolver resolver, Receiver receiver, boolean mayReachLoopback) {
        this.channel = channel;
        this.resolver = resolver;
        this.receiver = receiver;
        this.mayReachLoopback = mayReachLoopback;
    }

    /** Sends {@code payload} to {@code to}, unless {@code to} is this machine and the client may not reach it. */
    private void write(ByteBuf payload, InetSocketAddress to) {
        if (!mayReachLoopback && LoopbackGuard.isThisMachine(to.getAddress())) {
            payload.release();
            return;
        }
        channel.writeAndFlush(new DatagramPacket(payload, to), channel.voidPromise());
    }

    ChannelHandler inboundHandler() {
        return new SimpleChannelInboundHandler<DatagramPacket>(DatagramPacket.class, false) {
            @Override
            protected void channelRead0(ChannelHandlerContext ctx, DatagramPacket packet) {
                receiver.receive(packet.sender(), packet.content());
            }

            /**
             * A datagram the kernel refused (to port 0: EINVAL; a full buffer) is lost as UDP loses one: said at
             * debug. It reached Netty's tail, which warned in two lines for each, as often as an application sent.
             */
            @Override
            public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
                LOG.debug("UDP socket {}: {}", ctx.channel().localAddress(), Causes.of(cause));
            }
        };
    }

    @Override
    public void send(Destination destination, ByteBuf payload) {
        if (!channel.isActive()) {
            payload.release();
            return;
        }
        if (destination.hasAddress()) {
            write(payload, new InetSocketAddress(destination.address(), destination.port()));
            return;
        }
        Resolved known = resolved;
        if (known != null && destination.host().equals(known.host()) && known.to().getPort() == destination.port()) {
            // The name's address, looked up for the session's first datagram: not again for every one (a QUIC
            // download is thousands a second), as mihomo's UDP session resolves once.
            write(payload, known.to());
            return;
        }
        resolver.resolve(destination.host(), channel.eventLoop()).addListener(f -> {
            if (!f.isSuccess() || !channel.isActive()) {
                payload.release();
                return;
            }
            InetSocketAddress to = new InetSocketAddress((InetAddress) f.getNow(), destination.port());
            resolved = new Resolved(destination.host(), to);
            write(payload, to);
        });
    }

    @Override
    public boolean isOpen() {
        return channel.isActive();
    }

    @Override
    public void close() {
        channel.close();
    }
}
