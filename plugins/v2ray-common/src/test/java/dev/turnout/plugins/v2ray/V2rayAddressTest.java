package dev.turnout.plugins.v2ray;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.turnout.api.Destination;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** The destination as v2ray's PortThenAddress reads it: port big-endian, then type 1 IPv4, 2 name, 3 IPv6. */
class V2rayAddressTest {

    private static byte[] bytes(int... values) {
        byte[] out = new byte[values.length];
        for (int i = 0; i < values.length; i++) {
            out[i] = (byte) values[i];
        }
        return out;
    }

    @Test
    void aNameGoesAsTheNameForTheServerToResolveAfterTheBigEndianPort() {
        byte[] expected = new byte[4 + 11];
        System.arraycopy(bytes(0x1f, 0x90, 2, 11), 0, expected, 0, 4);
        System.arraycopy("example.com".getBytes(StandardCharsets.US_ASCII), 0, expected, 4, 11);
        assertArrayEquals(expected, V2rayAddress.encode(Destination.ofHost("example.com", 8080)));
    }

    @Test
    void anIpv4LiteralNameGoesAsAnIpv4Address() {
        assertArrayEquals(bytes(0x01, 0xbb, 1, 192, 0, 2, 7), V2rayAddress.encode(Destination.ofHost("192.0.2.7", 443)));
    }

    @Test
    void anIpv6LiteralNameGoesAsAnIpv6Address() {
        assertArrayEquals(bytes(0, 53, 3, 0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1),
                V2rayAddress.encode(Destination.ofHost("2001:db8::1", 53)));
    }

    @Test
    void resolvedAddressesGoAsTheirType() throws Exception {
        assertArrayEquals(bytes(0xff, 0xff, 1, 198, 51, 100, 9),
                V2rayAddress.encode(Destination.ofAddress(InetAddress.getByName("198.51.100.9"), 65535)));
        assertArrayEquals(bytes(0x01, 0x00, 3, 0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2),
                V2rayAddress.encode(Destination.ofAddress(InetAddress.getByName("2001:db8::2"), 256)));
    }

    @Test
    void aUnicodeNameGoesAsItsAsciiForm() {
        byte[] encoded = V2rayAddress.encode(Destination.ofHost("bücher.example", 80));
        String name = new String(encoded, 4, encoded[3], StandardCharsets.US_ASCII);
        assertArrayEquals("xn--bcher-kva.example".getBytes(StandardCharsets.US_ASCII), name.getBytes());
    }

    @Test
    void aNameOf255BytesFitsAndOneOf256DoesNot() {
        String label = "a".repeat(63);
        String name255 = label + "." + label + "." + label + "." + "a".repeat(63);
        byte[] encoded = V2rayAddress.encode(Destination.ofHost(name255, 80));
        assertArrayEquals(bytes(0, 80, 2, 255), java.util.Arrays.copyOf(encoded, 4));
        assertThrows(IllegalArgumentException.class,
                () -> V2rayAddress.encode(Destination.ofHost(name255 + "a", 80)));
    }

    @Test
    void writePutsTheSameBytesIntoTheBuffer() {
        ByteBuf out = Unpooled.buffer();
        try {
            out.writeByte(9);
            V2rayAddress.write(Destination.ofHost("example.com", 8080), out);
            byte[] written = ByteBufUtil.getBytes(out, 1, out.readableBytes() - 1);
            assertArrayEquals(V2rayAddress.encode(Destination.ofHost("example.com", 8080)), written);
        } finally {
            out.release();
        }
    }
}
