package dev.turnout.plugins.socks5;

import dev.turnout.api.DatagramSession;
import dev.turnout.api.Destination;
import dev.turnout.api.Dialer;
import dev.turnout.api.Metadata;
import dev.turnout.api.Network;
import dev.turnout.api.Steps;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.CompositeByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.EventLoop;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.Future;
import java.net.InetSocketAddress;

/**
 * A UDP ASSOCIATE in use: datagrams go to the server's relay with a SOCKS5 header in front, replies come
 * back with one and lose it on the way to the receiver. The association lives exactly as long as its TCP
 * control connection (RFC 1928 section 7): when either ends, both do.
 */
final class Socks5DatagramSession implements DatagramSession {

    private final Channel control;
    private final Destination relay;
    private final DatagramSession socket;
    /** Set at once by {@link #close()}, from any thread; the channels close asynchronously. */
    private volatile boolean closed;

    private Socks5DatagramSession(Channel control, Destination relay, DatagramSession socket) {
        this.control = control;
        this.relay = relay;
        this.socket = socket;
    }

    /**
     * Opens the UDP socket through {@code dialer} and ties it to {@code control}, whose handshake has
     * completed.
     */
    static Future<DatagramSession> open(Channel control, Destination relay, Dialer dialer, EventLoop loop,
                                         DatagramSession.Receiver receiver) {
        DatagramSession.Receiver unwrapping = (sender, datagram) -> {
            if (!fromRelay(sender, relay)) {
                // Anyone can send to our UDP port; only the relay may speak for the destinations.
                datagram.release();
                return;
            }
            InetSocketAddress from = Socks5DatagramCodec.readHeader(datagram);
            if (from == null) {
                datagram.release();
                return;
            }
            receiver.receive(from, datagram);
        };
        Future<DatagramSession> socket = dialer.openDatagram(Metadata.internal(Network.UDP, relay), loop, unwrapping);
        return Steps.then(loop, socket, opened -> {
            Socks5DatagramSession session = new Socks5DatagramSession(control, relay, opened);
            session.watchControl();
            if (!control.isActive()) {
                session.close();
            }
            return loop.newSucceededFuture(session);
        }, DatagramSession::close, DatagramSession::close);
    }

    /** Whether a datagram came from the relay (by port only when the relay is known by name). */
    private static boolean fromRelay(InetSocketAddress sender, Destination relay) {
        if (sender == null || sender.getPort() != relay.port()) {
            return false;
        }
        return !relay.hasAddress() || relay.address().equals(sender.getAddress());
    }

    /** The server says nothing more on the control connection; we only need to notice when it closes. */
    private void watchControl() {
        control.pipeline().addLast("socks5-udp-control", new ChannelInboundHandlerAdapter() {
            @Override
            public void channelRead(ChannelHandlerContext ctx, Object msg) {
                ReferenceCountUtil.release(msg);
            }

            @Override
            public void channelInactive(ChannelHandlerContext ctx) {
                socket.close();
                ctx.fireChannelInactive();
            }

            @Override
            public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
                ctx.close();
            }
        });
        control.closeFuture().addListener(f -> socket.close());
        control.config().setAutoRead(true);
        control.read();
    }

    @Override
    public void send(Destination destination, ByteBuf payload) {
        if (!isOpen()) {
            payload.release();
            return;
        }
        ByteBuf header = Socks5DatagramCodec.header(destination, control.alloc());
        if (header == null) {
            payload.release();
            return;
        }
        CompositeByteBuf datagram = control.alloc().compositeBuffer(2);
        datagram.addComponents(true, header, payload);
        socket.send(relay, datagram);
    }

    @Override
    public boolean isOpen() {
        return !closed && control.isActive() && socket.isOpen();
    }

    @Override
    public void close() {
        closed = true;
        socket.close();
        control.close();
    }
}
