package dev.turnout.plugins.trojan;

import dev.turnout.api.SocksAddress;
import dev.turnout.api.DatagramSession;
import dev.turnout.api.Destination;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.util.ReferenceCountUtil;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * UDP over one Trojan connection (a UDP ASSOCIATE request): every datagram, either way, is framed as the
 * address fields, a 2-byte length, CRLF and the payload. The session lives as long as the connection.
 */
final class TrojanDatagramSession implements DatagramSession {

    private static final Logger LOG = LoggerFactory.getLogger(TrojanDatagramSession.class);

    private final Channel channel;
    /** Set at once by {@link #close()}, from any thread; the channel closes asynchronously. */
    private volatile boolean closed;

    private TrojanDatagramSession(Channel channel) {
        this.channel = channel;
    }

    /** Starts reading datagrams from {@code channel}, whose request is queued, and hands them to {@code receiver}. */
    static TrojanDatagramSession start(Channel channel, DatagramSession.Receiver receiver) {
        TrojanDatagramSession session = new TrojanDatagramSession(channel);
        channel.pipeline().addLast("trojan-udp", new TrojanDatagramDecoder(receiver));
        channel.pipeline().addLast("trojan-udp-end", new ChannelInboundHandlerAdapter() {
            @Override
            public void channelRead(ChannelHandlerContext ctx, Object msg) {
                ReferenceCountUtil.release(msg);
            }

            @Override
            public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
                LOG.debug("UDP over {} ends: {}", channel.remoteAddress(), cause.toString());
                ctx.close();
            }
        });
        channel.config().setAutoRead(true);
        channel.read();
        return session;
    }

    @Override
    public void send(Destination destination, ByteBuf payload) {
        int addressLength = SocksAddress.encodedLength(destination);
        if (!isOpen() || addressLength < 0 || payload.readableBytes() > TrojanDatagramDecoder.MAX_PAYLOAD
                || !channel.isWritable()) {
            // UDP may drop: a full connection sheds datagrams rather than queueing without bound.
            payload.release();
            return;
        }
        if (channel.eventLoop().inEventLoop()) {
            write(destination, addressLength, payload);
        } else {
            // Header and payload must follow each other on the stream: from another thread they go as one task.
            channel.eventLoop().execute(() -> write(destination, addressLength, payload));
        }
    }

    private void write(Destination destination, int addressLength, ByteBuf payload) {
        ByteBuf header = channel.alloc().buffer(addressLength + 4);
        SocksAddress.write(destination, header);
        header.writeShort(payload.readableBytes()).writeByte('\r').writeByte('\n');
        channel.write(header, channel.voidPromise());
        channel.writeAndFlush(payload, channel.voidPromise());
    }

    @Override
    public boolean isOpen() {
        return !closed && channel.isActive();
    }

    @Override
    public void close() {
        closed = true;
        channel.close();
    }
}
