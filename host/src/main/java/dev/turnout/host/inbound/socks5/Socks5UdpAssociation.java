package dev.turnout.host.inbound.socks5;

import dev.turnout.api.DatagramSession;
import dev.turnout.api.Destination;
import dev.turnout.api.Metadata;
import dev.turnout.api.Network;
import dev.turnout.host.dial.Transport;
import dev.turnout.host.inbound.InboundSupport;
import dev.turnout.host.tunnel.Tunnel;
import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.socket.DatagramPacket;
import io.netty.handler.codec.socksx.v5.DefaultSocks5CommandResponse;
import io.netty.handler.codec.socksx.v5.Socks5AddressType;
import io.netty.handler.codec.socksx.v5.Socks5CommandStatus;
import io.netty.util.concurrent.Future;
import java.net.InetAddress;
import java.net.InetSocketAddress;

/**
 * One UDP ASSOCIATE: a UDP socket on the proxy's address that takes the client's SOCKS5-wrapped datagrams, sends
 * them through one session, routed by the first datagram (as mihomo routes an association) and taking each to its
 * own destination, and wraps the replies with whoever sent them. One session is one outbound port for every
 * destination, as through the TUN (a full-cone NAT). It lives as long as the client's TCP connection, as RFC 1928
 * says.
 */
final class Socks5UdpAssociation {

    /** Bounds what one client can make us hold while its session opens. */
    private static final int MAX_WAITING = 64;

    private final Channel control;
    private final Tunnel tunnel;
    private final InetAddress clientAddress;
    private Future<DatagramSession> session;
    /** The destination the session was routed for. */
    private Destination first;
    private int waiting;
    private Channel udp;
    private InetSocketAddress clientUdp;

    private Socks5UdpAssociation(Channel control, Tunnel tunnel) {
        this.control = control;
        this.tunnel = tunnel;
        this.clientAddress = ((InetSocketAddress) control.remoteAddress()).getAddress();
    }

    static void open(ChannelHandlerContext ctx, Tunnel tunnel, InetAddress bindAddress) {
        Socks5UdpAssociation association = new Socks5UdpAssociation(ctx.channel(), tunnel);
        association.bind(ctx, bindAddress);
    }

    /**
     * Where the relay listens: on a port bound to every address, the one the client reached the control
     * connection on. Bound to every address, the relay's answers left from whichever address the kernel chose
     * for the client (another of the machine's addresses, an IPv6 temporary one), and a client whose socket is
     * connected to the address it was given drops them.
     */
    static InetAddress relayAddress(InetAddress bindAddress, Channel control) {
        return bindAddress.isAnyLocalAddress() && control.localAddress() instanceof InetSocketAddress reached
                ? reached.getAddress() : bindAddress;
    }

    private void bind(ChannelHandlerContext ctx, InetAddress bindAddress) {
        Bootstrap b = new Bootstrap()
                .group(control.eventLoop())
                .channelFactory(Transport::newDatagramChannel)
                .handler(new SimpleChannelInboundHandler<DatagramPacket>(DatagramPacket.class) {
                    @Override
                    protected void channelRead0(ChannelHandlerContext c, DatagramPacket packet) {
                        fromClient(packet);
                    }
                });
        b.bind(new InetSocketAddress(relayAddress(bindAddress, control), 0)).addListener((ChannelFutureListener) f -> {
            if (!f.isSuccess()) {
                ctx.writeAndFlush(new DefaultSocks5CommandResponse(Socks5CommandStatus.FAILURE,
                        Socks5AddressType.IPv4, "0.0.0.0", 0)).addListener(ChannelFutureListener.CLOSE);
                return;
            }
            udp = f.channel();
            Socks5ServerHandler.answerAssociateAndHold(ctx, (InetSocketAddress) udp.localAddress());
            control.closeFuture().addListener(cf -> close());
            udp.closeFuture().addListener(cf -> control.close());
        });
    }

    private void fromClient(DatagramPacket packet) {
        InetSocketAddress sender = packet.sender();
        if (!sender.getAddress().equals(clientAddress)) {
            return; // only the client that asked may use the association
        }
        if (clientUdp == null) {
            clientUdp = sender;
        } else if (!clientUdp.equals(sender)) {
            return;
        }
        ByteBuf content = packet.content();
        Socks5Datagram.Header header = Socks5Datagram.decode(content);
        if (header == null) {
            return; // malformed or fragmented: RFC 1928 lets us drop it
        }
        Destination destination = header.destination();
        if (session != null && session.isDone() && !session.isSuccess() && !destination.equals(first)) {
            // Its first destination was refused: a datagram elsewhere routes the association again, as through
            // the TUN.
            session = null;
        }
        if (session == null) {
            first = destination;
            Metadata flow = InboundSupport.flow(Network.UDP, destination, sender, "socks5", control, "SOCKS5");
            session = tunnel.routeDatagram(flow, control.eventLoop(), this::toClient);
        }
        if (session.isDone()) {
            send(session, destination, content.retainedSlice());
        } else if (waiting < MAX_WAITING) {
            waiting++;
            ByteBuf payload = content.retainedSlice();
            Future<DatagramSession> pending = session;
            session.addListener(f -> {
                waiting--;
                send(pending, destination, payload);
            });
        }
    }

    private void send(Future<DatagramSession> session, Destination destination, ByteBuf payload) {
        if (!session.isSuccess() || udp == null || !udp.isActive()) {
            payload.release();
            return;
        }
        session.getNow().send(destination, payload);
    }

    private void toClient(InetSocketAddress from, ByteBuf payload) {
        if (clientUdp == null || udp == null || !udp.isActive()) {
            payload.release();
            return;
        }
        ByteBuf header = Socks5Datagram.encodeHeader(udp.alloc(), from);
        ByteBuf whole = udp.alloc().compositeBuffer(2).addComponents(true, header, payload);
        udp.writeAndFlush(new DatagramPacket(whole, clientUdp), udp.voidPromise());
    }

    private void close() {
        Future<DatagramSession> f = session;
        if (f != null && f.isSuccess()) {
            f.getNow().close();
        } else if (f != null) {
            f.addListener(done -> {
                if (done.isSuccess()) {
                    ((DatagramSession) done.getNow()).close();
                }
            });
        }
        if (udp != null) {
            udp.close();
        }
    }
}
