package dev.turnout.plugins.trojan;

import dev.turnout.api.Destination;
import io.netty.buffer.ByteBuf;
import io.netty.util.NetUtil;
import java.net.IDN;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;

/**
 * The address fields Trojan borrows from SOCKS5 (RFC 1928: ATYP, address, port), in requests and in UDP
 * packets. A destination with a name goes as the name (ATYP 3), so the server resolves it; a name that is
 * really an IP literal goes as that address.
 */
final class TrojanAddress {

    static final byte IPV4 = 0x01;
    static final byte DOMAIN = 0x03;
    static final byte IPV6 = 0x04;

    private TrojanAddress() {
    }

    /** Bytes {@link #write} produces for {@code d}, or -1 when its name cannot be sent (empty or over 255 bytes). */
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
     * Length of the address fields at {@code index}, -1 when too few bytes have come to tell.
     *
     * @throws TrojanProtocolException for an unknown address type or an empty name
     */
    static int lengthAt(ByteBuf in, int index) throws TrojanProtocolException {
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
                    throw new TrojanProtocolException("empty domain name in a Trojan address");
                }
                return 1 + 1 + n + 2;
            default:
                throw new TrojanProtocolException("unknown Trojan address type 0x" + Integer.toHexString(type & 0xff));
        }
    }

    /** Reads address fields whose length {@link #lengthAt} has confirmed are all there. */
    static InetSocketAddress read(ByteBuf in) {
        byte type = in.readByte();
        if (type == DOMAIN) {
            String name = in.readCharSequence(in.readUnsignedByte(), StandardCharsets.US_ASCII).toString();
            return InetSocketAddress.createUnresolved(name, in.readUnsignedShort());
        }
        byte[] address = new byte[type == IPV4 ? 4 : 16];
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
