package dev.turnout.host.inbound.socks5;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.Unpooled;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class Socks5DatagramTest {

    @Test
    void decodesDomainHeaderAndLeavesThePayload() {
        ByteBuf in = Unpooled.buffer();
        in.writeBytes(new byte[] {0, 0, 0, 3, 6}).writeBytes("a.test".getBytes(StandardCharsets.US_ASCII)).writeShort(53)
                .writeBytes("hi".getBytes(StandardCharsets.US_ASCII));
        Socks5Datagram.Header h = Socks5Datagram.decode(in);
        assertEquals("a.test:53", h.destination().toString());
        assertEquals("hi", in.toString(StandardCharsets.US_ASCII));
    }

    @Test
    void aNameBeyondAsciiIsReadAsUtf8AndGoesOnInPunycodeAndOtherBytesAreDropped() {
        byte[] name = "例子.test".getBytes(StandardCharsets.UTF_8);
        ByteBuf in = Unpooled.buffer().writeBytes(new byte[] {0, 0, 0, 3, (byte) name.length}).writeBytes(name)
                .writeShort(53);
        assertEquals("xn--fsqu00a.test", Socks5Datagram.decode(in).destination().host(), "as a CONNECT's name");
        in.release();
        ByteBuf bad = Unpooled.buffer().writeBytes(new byte[] {0, 0, 0, 3, 2, (byte) 0xff, (byte) 0xfe}).writeShort(53);
        assertNull(Socks5Datagram.decode(bad), "bytes that are not UTF-8");
        bad.release();
    }

    @Test
    void encodedHeaderOfAnIpv6SenderDecodesBack() throws Exception {
        InetSocketAddress from = new InetSocketAddress(InetAddress.getByName("2001:db8::7"), 4242);
        ByteBuf header = Socks5Datagram.encodeHeader(ByteBufAllocator.DEFAULT, from);
        assertEquals(22, header.readableBytes());
        assertEquals("[2001:db8::7]:4242", Socks5Datagram.decode(header).destination().toString());
    }

    @Test
    void dropsFragmentsTruncationAndUnknownAddressTypes() {
        assertNull(Socks5Datagram.decode(Unpooled.wrappedBuffer(new byte[] {0, 0, 1, 1, 127, 0, 0, 1, 0, 53})));
        assertNull(Socks5Datagram.decode(Unpooled.wrappedBuffer(new byte[] {0, 0, 0, 1, 127, 0})));
        assertNull(Socks5Datagram.decode(Unpooled.wrappedBuffer(new byte[] {0, 0, 0, 9, 1, 2, 3})));
        assertNull(Socks5Datagram.decode(Unpooled.wrappedBuffer(new byte[] {0, 0, 0, 3, 0, 0, 53})));
        assertNull(Socks5Datagram.decode(Unpooled.wrappedBuffer(new byte[] {0, 0})));
    }
}
