package dev.turnout.plugins.socks5;

import dev.turnout.api.SocksAddress;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import dev.turnout.api.Destination;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.Unpooled;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import org.junit.jupiter.api.Test;

class Socks5DatagramCodecTest {

    private static InetSocketAddress roundTrip(Destination d) {
        ByteBuf datagram = Socks5DatagramCodec.header(d, ByteBufAllocator.DEFAULT);
        datagram.writeBytes(new byte[] {'x'});
        try {
            InetSocketAddress sender = Socks5DatagramCodec.readHeader(datagram);
            assertEquals(1, datagram.readableBytes(), "reader left at the payload");
            assertEquals('x', datagram.readByte());
            return sender;
        } finally {
            datagram.release();
        }
    }

    @Test
    void roundTripsIpv4Ipv6AndNames() throws Exception {
        InetSocketAddress v4 = roundTrip(Destination.ofAddress(InetAddress.getByName("192.0.2.7"), 53));
        assertEquals(new InetSocketAddress(InetAddress.getByName("192.0.2.7"), 53), v4);
        InetSocketAddress v6 = roundTrip(Destination.ofAddress(InetAddress.getByName("2001:db8::7"), 443));
        assertEquals(new InetSocketAddress(InetAddress.getByName("2001:db8::7"), 443), v6);
        InetSocketAddress name = roundTrip(Destination.ofHost("dns.example", 53));
        assertEquals("dns.example", name.getHostString());
        assertEquals(53, name.getPort());
    }

    @Test
    void sendsAnIpLiteralNameAsAnAddress() {
        ByteBuf header = Socks5DatagramCodec.header(Destination.ofHost("192.0.2.9", 53), ByteBufAllocator.DEFAULT);
        try {
            assertEquals(SocksAddress.IPV4, header.getByte(3));
            assertEquals(3 + 1 + 4 + 2, header.readableBytes());
        } finally {
            header.release();
        }
    }

    @Test
    void refusesNamesLongerThan255Bytes() {
        assertNull(Socks5DatagramCodec.header(Destination.ofHost("a".repeat(256), 53), ByteBufAllocator.DEFAULT));
    }

    @Test
    void dropsFragmentsTruncatedAndUnknownTypes() {
        ByteBuf fragment = Unpooled.wrappedBuffer(new byte[] {0, 0, 1, 1, 127, 0, 0, 1, 0, 53, 'x'});
        assertNull(Socks5DatagramCodec.readHeader(fragment));
        ByteBuf truncated = Unpooled.wrappedBuffer(new byte[] {0, 0, 0, 1, 127, 0});
        assertNull(Socks5DatagramCodec.readHeader(truncated));
        assertEquals(0, truncated.readerIndex(), "a dropped datagram is left as it was");
        ByteBuf unknown = Unpooled.wrappedBuffer(new byte[] {0, 0, 0, 9, 1, 2, 3, 4});
        assertNull(Socks5DatagramCodec.readHeader(unknown));
    }
}
