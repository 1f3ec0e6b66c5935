package dev.turnout.api;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import java.net.InetAddress;
import org.junit.jupiter.api.Test;

/** RFC 1928's address fields byte by byte: what is written for each kind of destination, and reading them back. */
class SocksAddressTest {

    private static byte[] written(Destination d) {
        ByteBuf out = Unpooled.buffer();
        try {
            SocksAddress.write(d, out);
            byte[] bytes = ByteBufUtil.getBytes(out);
            assertEquals(bytes.length, SocksAddress.encodedLength(d), "encodedLength must equal what write writes");
            return bytes;
        } finally {
            out.release();
        }
    }

    @Test
    void anIpv4LiteralHostGoesAsAnAddressNotAName() {
        assertArrayEquals(new byte[] {1, (byte) 192, 0, 2, 7, 0x01, (byte) 0xbb},
                written(Destination.ofHost("192.0.2.7", 443)));
    }

    @Test
    void anIpv6AddressTakesSixteenBytes() throws Exception {
        byte[] bytes = written(Destination.ofAddress(InetAddress.getByName("2001:db8::1"), 8080));
        assertEquals(1 + 16 + 2, bytes.length);
        assertEquals(4, bytes[0]);
        assertEquals(0x20, bytes[1]);
        assertEquals(1, bytes[16]);
        assertEquals(0x1f, bytes[17]);
        assertEquals((byte) 0x90, bytes[18]);
    }

    @Test
    void aNameIsSentWithItsLengthAndAnInternationalNameInItsAsciiForm() {
        assertArrayEquals(new byte[] {3, 4, 'a', '.', 't', 'e', 0, 80}, written(Destination.ofHost("a.te", 80)));
        byte[] idn = written(Destination.ofHost("bücher.example", 80));
        assertEquals("xn--bcher-kva.example", new String(idn, 2, idn[1]));
        assertEquals(1 + 1 + "xn--bcher-kva.example".length() + 2, idn.length);
    }

    @Test
    void aNameOf255BytesFitsAndOneOf256DoesNot() {
        String longest = "a".repeat(63) + "." + "b".repeat(63) + "." + "c".repeat(63) + "." + "d".repeat(63);
        assertEquals(255, longest.length());
        assertEquals(1 + 1 + 255 + 2, SocksAddress.encodedLength(Destination.ofHost(longest, 1)));
        assertEquals(-1, SocksAddress.encodedLength(Destination.ofHost(longest + "e", 1)));
    }

    @Test
    void aNameIdnaCannotEncodeHasNoEncoding() {
        // A label of 64 characters after conversion is refused by IDNA, so there is nothing to send.
        assertEquals(-1, SocksAddress.encodedLength(Destination.ofHost("ü" + "a".repeat(70) + ".example", 1)));
    }

    @Test
    void readWaitsForTheWholeAddressAndLeavesThePartsAlone() throws Exception {
        byte[][] cases = {
            {1, (byte) 192, 0, 2, 7, 0x01, (byte) 0xbb},
            {3, 4, 'a', '.', 't', 'e', 0, 80},
            written(Destination.ofAddress(InetAddress.getByName("2001:db8::1"), 8080)),
        };
        Destination[] expected = {
            Destination.ofAddress(InetAddress.getByName("192.0.2.7"), 443),
            Destination.ofHost("a.te", 80),
            Destination.ofAddress(InetAddress.getByName("2001:db8::1"), 8080),
        };
        for (int c = 0; c < cases.length; c++) {
            byte[] whole = cases[c];
            for (int n = 0; n < whole.length; n++) {
                ByteBuf part = Unpooled.wrappedBuffer(whole, 0, n);
                assertNull(SocksAddress.read(part), "case " + c + ": " + n + " of " + whole.length + " bytes");
                assertEquals(0, part.readerIndex());
            }
            ByteBuf exact = Unpooled.wrappedBuffer(whole);
            assertEquals(expected[c].toString(), SocksAddress.read(exact).toString(), "case " + c + ", exact length");
            assertEquals(whole.length, exact.readerIndex());
            // A trailing byte belongs to whatever follows the address and must stay unread.
            byte[] withMore = java.util.Arrays.copyOf(whole, whole.length + 1);
            withMore[whole.length] = 'x';
            ByteBuf in = Unpooled.wrappedBuffer(withMore);
            Destination read = SocksAddress.read(in);
            assertEquals(expected[c].toString(), read.toString(), "case " + c);
            assertEquals(whole.length, in.readerIndex());
            assertEquals(whole.length, SocksAddress.lengthAt(Unpooled.wrappedBuffer(withMore), 0));
        }
    }

    @Test
    void lengthIsFoundAtAnOffsetNotOnlyAtTheStart() throws Exception {
        ByteBuf in = Unpooled.wrappedBuffer(new byte[] {9, 9, 9, 3, 2, 'a', 'b', 0, 1});
        assertEquals(1 + 1 + 2 + 2, SocksAddress.lengthAt(in, 3));
        assertEquals(-1, SocksAddress.lengthAt(Unpooled.wrappedBuffer(new byte[] {9, 9, 9, 3}), 3));
        assertEquals(-1, SocksAddress.lengthAt(Unpooled.wrappedBuffer(new byte[] {9, 9, 9}), 3));
    }

    @Test
    void anUnknownTypeAndAnEmptyNameAreProtocolErrors() {
        java.net.ProtocolException unknown = assertThrows(java.net.ProtocolException.class,
                () -> SocksAddress.read(Unpooled.wrappedBuffer(new byte[] {(byte) 0x85, 0, 0})));
        assertTrue(unknown.getMessage().contains("0x85"), unknown.getMessage());
        java.net.ProtocolException empty = assertThrows(java.net.ProtocolException.class,
                () -> SocksAddress.read(Unpooled.wrappedBuffer(new byte[] {3, 0, 0, 80})));
        assertTrue(empty.getMessage().contains("empty domain"), empty.getMessage());
    }

    @Test
    void aDatagramsSenderIsReadAsAReceiverTakesItOrDroppedWithTheIndexUnmoved() {
        io.netty.buffer.ByteBuf named = Unpooled.wrappedBuffer(new byte[] {3, 6, 'a', '.', 't', 'e', 's', 't', 0, 53, 'x'});
        java.net.InetSocketAddress sender = SocksAddress.readSender(named);
        assertTrue(sender.isUnresolved() && sender.getHostString().equals("a.test") && sender.getPort() == 53,
                String.valueOf(sender));
        assertEquals(1, named.readableBytes(), "the payload is left to read");
        for (byte[] bad : new byte[][] {{1, 127, 0, 0}, {(byte) 0x85, 0, 0}, {3, 0, 0, 80}, {}}) {
            io.netty.buffer.ByteBuf in = Unpooled.wrappedBuffer(bad);
            assertEquals(null, SocksAddress.readSender(in), java.util.Arrays.toString(bad));
            assertEquals(0, in.readerIndex(), java.util.Arrays.toString(bad));
        }
    }
}
