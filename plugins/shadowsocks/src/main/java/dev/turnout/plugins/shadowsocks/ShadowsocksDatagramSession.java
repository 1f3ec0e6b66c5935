package dev.turnout.plugins.shadowsocks;

import dev.turnout.api.DatagramSession;
import dev.turnout.api.Destination;
import dev.turnout.api.Dialer;
import dev.turnout.api.Metadata;
import dev.turnout.api.Network;
import dev.turnout.api.Steps;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.channel.EventLoop;
import io.netty.util.concurrent.Future;
import java.net.InetSocketAddress;

/**
 * UDP through a Shadowsocks server: one UDP socket to the server's port (the same as its TCP port), every datagram
 * sealed on its own. Replies are accepted only from the server, and only when they decrypt.
 */
final class ShadowsocksDatagramSession implements DatagramSession {

    private final Destination server;
    private final EventLoop loop;
    private final DatagramCodec codec;
    private final ByteBufAllocator alloc = ByteBufAllocator.DEFAULT;
    private volatile DatagramSession socket;
    /** Set at once by {@link #close()}, from any thread. */
    private volatile boolean closed;

    private ShadowsocksDatagramSession(ShadowsocksOptions options, EventLoop loop) {
        this.server = options.server();
        this.loop = loop;
        this.codec = options.method().datagramCodec(options.masterKey());
    }

    static Future<DatagramSession> open(ShadowsocksOptions options, Dialer dialer, EventLoop loop,
                                         DatagramSession.Receiver receiver) {
        ShadowsocksDatagramSession session = new ShadowsocksDatagramSession(options, loop);
        Future<DatagramSession> socket = dialer.openDatagram(Metadata.internal(Network.UDP, options.server()), loop,
                session.unwrapping(receiver));
        return Steps.then(loop, socket, opened -> {
            session.socket = opened;
            return loop.newSucceededFuture(session);
        }, DatagramSession::close, DatagramSession::close);
    }

    private DatagramSession.Receiver unwrapping(DatagramSession.Receiver receiver) {
        InetSocketAddress[] from = new InetSocketAddress[1];
        return (sender, packet) -> {
            try {
                // Anyone can send to our UDP port; only the server may speak for the destinations.
                ByteBuf payload = fromServer(sender) ? codec.open(packet, alloc, from) : null;
                if (payload != null) {
                    receiver.receive(from[0], payload);
                }
            } finally {
                packet.release();
            }
        };
    }

    /** Whether a datagram came from the server (by port only when the server is known by name). */
    private boolean fromServer(InetSocketAddress sender) {
        if (sender == null || sender.getPort() != server.port()) {
            return false;
        }
        return !server.hasAddress() || server.address().equals(sender.getAddress());
    }

    @Override
    public void send(Destination destination, ByteBuf payload) {
        if (!loop.inEventLoop()) {
            // The codec's scratch space belongs to the session's loop.
            loop.execute(() -> send(destination, payload));
            return;
        }
        try {
            if (!isOpen()) {
                return;
            }
            ByteBuf packet = codec.seal(destination, payload, alloc);
            if (packet != null) {
                socket.send(server, packet);
            }
        } finally {
            payload.release();
        }
    }

    @Override
    public boolean isOpen() {
        return !closed && socket != null && socket.isOpen();
    }

    @Override
    public void close() {
        closed = true;
        if (socket != null) {
            socket.close();
        }
    }
}
