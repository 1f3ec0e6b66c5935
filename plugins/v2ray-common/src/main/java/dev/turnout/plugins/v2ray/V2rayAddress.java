package dev.turnout.plugins.v2ray;

import dev.turnout.api.Destination;
import dev.turnout.api.SocksAddress;
import io.netty.buffer.ByteBuf;
import java.nio.charset.StandardCharsets;

/**
 * The destination fields of VMess and VLESS requests: port (2 bytes) first, then the address type (1 IPv4,
 * 2 domain, 3 IPv6) and the address, as v2ray's {@code PortThenAddress} parser reads them.
 *
 * <p>A destination with a name is sent as that name, so the server resolves it; a name that is an IP
 * literal goes as the address.
 */
public final class V2rayAddress {

    static final byte IPV4 = 1;
    static final byte DOMAIN = 2;
    static final byte IPV6 = 3;

    private V2rayAddress() {
    }

    /**
     * The bytes of {@code d} in this form.
     *
     * @throws IllegalArgumentException for a name that does not fit (empty or over 255 bytes)
     */
    public static byte[] encode(Destination d) {
        // A host is never an address literal (Destination takes one as the address): it goes as a name.
        byte[] address = d.hasHost() ? null : d.address().getAddress();
        byte[] out;
        if (address != null) {
            out = new byte[3 + address.length];
            out[2] = address.length == 4 ? IPV4 : IPV6;
            System.arraycopy(address, 0, out, 3, address.length);
        } else {
            byte[] name = SocksAddress.asciiName(d.host()).getBytes(StandardCharsets.US_ASCII);
            if (name.length == 0 || name.length > 255) {
                throw new IllegalArgumentException("destination name does not fit a V2Ray request: " + d.host());
            }
            out = new byte[4 + name.length];
            out[2] = DOMAIN;
            out[3] = (byte) name.length;
            System.arraycopy(name, 0, out, 4, name.length);
        }
        out[0] = (byte) (d.port() >>> 8);
        out[1] = (byte) d.port();
        return out;
    }

    /** Writes {@link #encode}'s bytes. */
    public static void write(Destination d, ByteBuf out) {
        out.writeBytes(encode(d));
    }
}
