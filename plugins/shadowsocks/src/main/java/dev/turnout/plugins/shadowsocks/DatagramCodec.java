package dev.turnout.plugins.shadowsocks;

import dev.turnout.api.Destination;
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
}
