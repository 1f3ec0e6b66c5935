package dev.turnout.plugins.shadowsocks;

import dev.turnout.api.Destination;
import io.netty.buffer.ByteBuf;
import io.netty.util.NetUtil;
import java.net.IDN;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;

/**
 * The target address Shadowsocks puts before a stream's data and inside every datagram: SOCKS5's address fields
 * (RFC 1928: ATYP, address, port). A destination with a name goes as the name (ATYP 3), so the server resolves it;
 * a name that is really an IP literal goes as that address.
 */
final class ShadowsocksAddress {

    private static final byte IPV4 = 0x01;
    private static final byte DOMAIN = 0x03;
    private static final byte IPV6 = 0x04;

    private ShadowsocksAddress() {
    }

    /** Bytes {@link #write} will produce for {@code d}, or -1 when its name is too long for the format. */
    static int encodedLength(Destination d) {
        if (d.hasHost()) {
            byte[] literal = NetUtil.createByteArrayFromIpAddressString(d.host());
            if (literal != null) {
                return 1 + literal.length + 2;
            }
            int n = asciiName(d.host()).length();
            return n == 0 || n > 255 ? -1 : 1 + 1 + n + 2;
        }
        return 1 + d.address().getAddress().length + 2;
    }

    /** Writes ATYP, address and port; the caller has checked {@link #encodedLength}. */
    static void write(Destination d, ByteBuf out) {
        byte[] address;
        if (d.hasHost()) {
            address = NetUtil.createByteArrayFromIpAddressString(d.host());
            if (address == null) {
                byte[] name = asciiName(d.host()).getBytes(StandardCharsets.US_ASCII);
                out.writeByte(DOMAIN).writeByte(name.length).writeBytes(name);
                out.writeShort(d.port());
                return;
            }
        } else {
            address = d.address().getAddress();
        }
        out.writeByte(address.length == 4 ? IPV4 : IPV6).writeBytes(address);
        out.writeShort(d.port());
    }

    /**
     * Reads the address at the reader index of a decrypted datagram, leaving the index at the payload; {@code null}
     * (index unmoved) when the fields are malformed or cut short.
     */
    static InetSocketAddress read(ByteBuf in) {
        int start = in.readerIndex();
        if (!in.isReadable()) {
            return null;
        }
        byte type = in.readByte();
        int length = switch (type) {
            case IPV4 -> 4;
            case IPV6 -> 16;
            case DOMAIN -> in.isReadable() ? in.readUnsignedByte() : -1;
            default -> -1;
        };
        if (length <= 0 || in.readableBytes() < length + 2) {
            in.readerIndex(start);
            return null;
        }
        if (type == DOMAIN) {
            String name = in.readCharSequence(length, StandardCharsets.US_ASCII).toString();
            return InetSocketAddress.createUnresolved(name, in.readUnsignedShort());
        }
        byte[] address = new byte[length];
        in.readBytes(address);
        try {
            return new InetSocketAddress(InetAddress.getByAddress(address), in.readUnsignedShort());
        } catch (UnknownHostException e) {
            throw new IllegalStateException("fixed-length address", e);
        }
    }

    private static String asciiName(String host) {
        for (int i = 0; i < host.length(); i++) {
            if (host.charAt(i) > 0x7f) {
                try {
                    return IDN.toASCII(host, IDN.ALLOW_UNASSIGNED);
                } catch (IllegalArgumentException e) {
                    return "";
                }
            }
        }
        return host;
    }
}
