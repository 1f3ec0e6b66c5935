package dev.turnout.api;

import io.netty.buffer.ByteBuf;
import java.net.IDN;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ProtocolException;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;

/**
 * The address fields of SOCKS5 (RFC 1928: ATYP, address, port), which Shadowsocks and Trojan borrow for their
 * requests and datagrams too: one codec for every plugin that speaks them.
 *
 * <p>A destination with a name is written as the name (ATYP 3), so the server resolves it, never the client; a
 * name that is really an IP literal goes as that address.
 */
public final class SocksAddress {

    public static final byte IPV4 = 0x01;
    public static final byte DOMAIN = 0x03;
    public static final byte IPV6 = 0x04;

    private SocksAddress() {
    }

    /** Bytes {@link #write} produces for {@code d}, or -1 when its name cannot be sent (empty or over 255 bytes). */
    public static int encodedLength(Destination d) {
        if (d.hasHost()) {
            // Never an address literal: Destination takes one as the address.
            int n = asciiName(d.host()).length();
            return n == 0 || n > 255 ? -1 : 1 + 1 + n + 2;
        }
        return 1 + d.address().getAddress().length + 2;
    }

    /** Writes ATYP, address and port; the caller has checked {@link #encodedLength}. */
    public static void write(Destination d, ByteBuf out) {
        if (d.hasHost()) {
            byte[] name = asciiName(d.host()).getBytes(StandardCharsets.US_ASCII);
            out.writeByte(DOMAIN).writeByte(name.length).writeBytes(name);
            out.writeShort(d.port());
            return;
        }
        byte[] address = d.address().getAddress();
        out.writeByte(address.length == 4 ? IPV4 : IPV6).writeBytes(address);
        out.writeShort(d.port());
    }

    /**
     * Reads ATYP, address and port at the reader index, or returns {@code null} without moving it when not all
     * of them have arrived yet.
     *
     * @throws ProtocolException for an unknown address type or an empty name
     */
    public static Destination read(ByteBuf in) throws ProtocolException {
        int length = lengthAt(in, in.readerIndex());
        if (length < 0 || in.readableBytes() < length) {
            return null;
        }
        byte type = in.readByte();
        if (type == DOMAIN) {
            int n = in.readUnsignedByte();
            String name = in.readCharSequence(n, StandardCharsets.US_ASCII).toString();
            try {
                return Destination.ofHost(name, in.readUnsignedShort());
            } catch (IllegalArgumentException e) {
                throw new ProtocolException(e.getMessage());
            }
        }
        byte[] address = new byte[type == IPV4 ? 4 : 16];
        in.readBytes(address);
        try {
            return Destination.ofAddress(InetAddress.getByAddress(address), in.readUnsignedShort());
        } catch (UnknownHostException e) {
            throw new IllegalStateException("fixed-length address", e);
        }
    }

    /**
     * Reads the address a datagram came from, as a receiver is given it (unresolved when it is a name); {@code null},
     * with the reader index unmoved, when the fields are malformed or cut short: a datagram to drop.
     */
    public static InetSocketAddress readSender(ByteBuf in) {
        int start = in.readerIndex();
        try {
            Destination d = read(in);
            if (d != null) {
                return d.hasAddress() ? new InetSocketAddress(d.address(), d.port())
                        : InetSocketAddress.createUnresolved(d.host(), d.port());
            }
        } catch (ProtocolException | IllegalArgumentException e) {
            // dropped below
        }
        in.readerIndex(start);
        return null;
    }

    /**
     * Length of the address fields starting at {@code index}, or -1 when too few bytes have come to tell.
     *
     * @throws ProtocolException for an unknown address type or an empty name
     */
    public static int lengthAt(ByteBuf in, int index) throws ProtocolException {
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
                    throw new ProtocolException("empty domain name in a SOCKS5-style address");
                }
                return 1 + 1 + n + 2;
            default:
                throw new ProtocolException("unknown SOCKS5-style address type 0x" + Integer.toHexString(type & 0xff));
        }
    }

    /**
     * A name as address fields carry it, SOCKS5's and the V2Ray family's alike: an internationalized name in its
     * ASCII (punycode) form, and an empty string for one that has none (which no field can carry).
     */
    public static String asciiName(String host) {
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
