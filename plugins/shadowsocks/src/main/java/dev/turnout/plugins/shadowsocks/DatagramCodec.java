package dev.turnout.plugins.shadowsocks;

import dev.turnout.api.Destination;
import dev.turnout.api.SocksAddress;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import java.net.InetSocketAddress;

/** How one UDP session's datagrams are sealed for the server and opened from it. Used on the session's loop. */
interface DatagramCodec {

    /** The largest UDP payload over IPv4. */
    int MAX_DATAGRAM = 65_507;

    /**
     * The packet to send to the server for {@code payload} to {@code destination}, or {@code null} when it cannot
     * be sent (a name too long, too big for one datagram). Leaves {@code payload} to the caller.
     */
    ByteBuf seal(Destination destination, ByteBuf payload, ByteBufAllocator alloc);

    /**
     * The payload of a packet from the server, with its reader index past the address, which goes to {@code from};
     * {@code null} for a packet to drop (too short, failing authentication, a malformed address). Leaves
     * {@code packet} to the caller.
     */
    ByteBuf open(ByteBuf packet, ByteBufAllocator alloc, InetSocketAddress[] from);

    /**
     * Writes {@code destination}'s address and then {@code payload} into {@code plain}, cleared first, and returns
     * their length; -1, writing nothing, when the name is too long or they and {@code overhead} more bytes would not
     * fit one datagram.
     */
    static int plaintext(Destination destination, ByteBuf payload, int overhead, ByteBuf plain) {
        int addressLength = SocksAddress.encodedLength(destination);
        int length = addressLength + payload.readableBytes();
        if (addressLength < 0 || length + overhead > MAX_DATAGRAM) {
            return -1;
        }
        plain.clear();
        SocksAddress.write(destination, plain);
        plain.writeBytes(payload, payload.readerIndex(), payload.readableBytes());
        return length;
    }

    /**
     * {@code plain} with its reader index past the sender's address, which goes to {@code from}; {@code null}, with
     * {@code plain} released, when that address is malformed.
     */
    static ByteBuf afterSender(ByteBuf plain, InetSocketAddress[] from) {
        from[0] = SocksAddress.readSender(plain);
        if (from[0] == null) {
            plain.release();
            return null;
        }
        return plain;
    }
}
