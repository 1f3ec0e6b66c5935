package dev.turnout.host.inbound.socks5;

import dev.turnout.api.Destination;
import dev.turnout.api.SocksAddress;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;

/** The header RFC 1928 puts before each UDP datagram: RSV(2) FRAG(1) ATYP(1) DST.ADDR DST.PORT. */
final class Socks5Datagram {

    private static final int IPV4 = 1;
    private static final int DOMAIN = 3;
    private static final int IPV6 = 4;

    private Socks5Datagram() {
    }

    record Header(Destination destination) {
    }

    /** Reads the header, leaving {@code in} at the payload; {@code null} when malformed or fragmented. */
    static Header decode(ByteBuf in) {
        if (in.readableBytes() < 4) {
            return null;
        }
        int frag = in.getUnsignedByte(in.readerIndex() + 2);
        if (frag != 0) {
            return null; // fragments are optional in RFC 1928; like most servers, we do not reassemble
        }
        int atyp = in.getUnsignedByte(in.readerIndex() + 3);
        in.skipBytes(4);
        try {
            Destination d;
            switch (atyp) {
                case IPV4, IPV6 -> {
                    int len = atyp == IPV4 ? 4 : 16;
                    if (in.readableBytes() < len + 2) {
                        return null;
                    }
                    byte[] raw = new byte[len];
                    in.readBytes(raw);
                    d = Destination.ofAddress(InetAddress.getByAddress(raw), in.readUnsignedShort());
                }
                case DOMAIN -> {
                    if (in.readableBytes() < 1) {
                        return null;
                    }
                    int len = in.readUnsignedByte();
                    if (len == 0 || in.readableBytes() < len + 2) {
                        return null;
                    }
                    // UTF-8 and then punycode, as a CONNECT's name is read (Socks5ServerHandler.ADDRESSES).
                    String host = SocksAddress.asciiName(
                            Socks5Text.utf8(in.nioBuffer(in.readerIndex(), len), "a name"));
                    in.skipBytes(len);
                    if (host.isEmpty()) {
                        return null;
                    }
                    d = Destination.ofHost(host, in.readUnsignedShort());
                }
                default -> {
                    return null;
                }
            }
            return new Header(d);
        } catch (UnknownHostException | IllegalArgumentException | io.netty.handler.codec.DecoderException e) {
            return null;
        }
    }

    static ByteBuf encodeHeader(ByteBufAllocator alloc, InetSocketAddress from) {
        byte[] raw = from.getAddress().getAddress();
        ByteBuf out = alloc.buffer(4 + raw.length + 2);
        out.writeShort(0).writeByte(0).writeByte(from.getAddress() instanceof Inet4Address ? IPV4 : IPV6);
        out.writeBytes(raw).writeShort(from.getPort());
        return out;
    }
}
