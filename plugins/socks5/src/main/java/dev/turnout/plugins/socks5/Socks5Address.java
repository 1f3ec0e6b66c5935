package dev.turnout.plugins.socks5;

import dev.turnout.api.Destination;
import io.netty.buffer.ByteBuf;
import io.netty.util.NetUtil;
import java.net.IDN;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;

/**
 * The address fields of RFC 1928 (ATYP, address, port), shared by requests, replies and UDP headers.
 *
 * <p>A destination with a name is sent as a name (ATYP 3) so the server resolves it, never us; a name that
 * is really an IP literal goes as that address.
 */
final class Socks5Address {

    static final byte IPV4 = 0x01;
    static final byte DOMAIN = 0x03;
    static final byte IPV6 = 0x04;

    private Socks5Address() {
    }

    /** Bytes {@link #write} will produce for {@code d}, or -1 when a name is too long for SOCKS5. */
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
     * Reads ATYP, address and port at the reader index, or returns {@code null} without moving it when not
     * all of them have arrived yet.
     *
     * @throws Socks5ProtocolException for an unknown address type
     */
    static Destination read(ByteBuf in) throws Socks5ProtocolException {
        int length = lengthAt(in, in.readerIndex());
        if (length < 0 || in.readableBytes() < length) {
            return null;
        }
        byte type = in.readByte();
        if (type == DOMAIN) {
            int n = in.readUnsignedByte();
            String name = in.readCharSequence(n, StandardCharsets.US_ASCII).toString();
            return Destination.ofHost(name, in.readUnsignedShort());
        }
        byte[] address = new byte[type == IPV4 ? 4 : 16];
        in.readBytes(address);
        try {
            return Destination.ofAddress(InetAddress.getByAddress(address), in.readUnsignedShort());
        } catch (UnknownHostException e) {
            throw new IllegalStateException("fixed-length address", e);
        }
    }

    /** Length of the address fields starting at {@code index}, or -1 when too few bytes to tell. */
    static int lengthAt(ByteBuf in, int index) throws Socks5ProtocolException {
        if (in.writerIndex() - index < 1) {
            return -1;
        }
        byte type = in.getByte(index);
        switch (type) {
            case IPV4:
                return 1 + 4 + 2;
            case IPV6:
                return 1 + 16 + 2;
            case DOMAIN:
                if (in.writerIndex() - index < 2) {
                    return -1;
                }
                int n = in.getUnsignedByte(index + 1);
                if (n == 0) {
                    throw new Socks5ProtocolException("empty domain name in a SOCKS5 address");
                }
                return 1 + 1 + n + 2;
            default:
                throw new Socks5ProtocolException("unknown SOCKS5 address type 0x" + Integer.toHexString(type & 0xff));
        }
    }

    /** The unspecified IPv4 address and port 0, what a client sends when it cannot know its UDP source. */
    static Destination unspecified() {
        try {
            return Destination.ofAddress(Inet4Address.getByAddress(new byte[4]), 0);
        } catch (UnknownHostException e) {
            throw new IllegalStateException(e);
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
