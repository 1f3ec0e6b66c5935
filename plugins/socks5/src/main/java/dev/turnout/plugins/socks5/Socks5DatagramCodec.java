package dev.turnout.plugins.socks5;

import dev.turnout.api.SocksAddress;
import dev.turnout.api.Destination;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import java.net.InetSocketAddress;

/**
 * The header RFC 1928 section 7 puts before every relayed datagram: RSV (2 bytes, zero), FRAG (1 byte),
 * then the address fields. Fragmented datagrams (FRAG not zero) are not supported and are dropped, as the
 * RFC allows.
 */
final class Socks5DatagramCodec {

    private Socks5DatagramCodec() {
    }

    /**
     * A header for a datagram to {@code destination}, or {@code null} when the destination cannot be
     * expressed in SOCKS5 (a name longer than 255 bytes).
     */
    static ByteBuf header(Destination destination, ByteBufAllocator alloc) {
        int addressLength = SocksAddress.encodedLength(destination);
        if (addressLength < 0) {
            return null;
        }
        ByteBuf header = alloc.buffer(3 + addressLength);
        header.writeShort(0).writeByte(0);
        SocksAddress.write(destination, header);
        return header;
    }

    /**
     * Reads the header of a datagram from the relay, leaving the reader index at the payload, and returns
     * who sent the payload; {@code null} for a datagram to drop (truncated, fragmented or malformed).
     */
    static InetSocketAddress readHeader(ByteBuf datagram) {
        if (datagram.readableBytes() < 4 || datagram.getByte(datagram.readerIndex() + 2) != 0) {
            return null;
        }
        int start = datagram.readerIndex();
        datagram.skipBytes(3);
        InetSocketAddress sender = SocksAddress.readSender(datagram);
        if (sender == null) {
            datagram.readerIndex(start);
        }
        return sender;
    }
}
