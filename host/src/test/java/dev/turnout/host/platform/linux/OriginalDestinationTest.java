package dev.turnout.host.platform.linux;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import org.junit.jupiter.api.Test;

class OriginalDestinationTest {

    @Test
    void readsSockaddrInAndIn6AsTheKernelFillsThem() throws Exception {
        ByteBuffer v4 = ByteBuffer.allocate(16);
        v4.order(ByteOrder.nativeOrder()).putShort(0, (short) 2);
        v4.order(ByteOrder.BIG_ENDIAN).putShort(2, (short) 8080);
        v4.put(4, new byte[] {(byte) 198, 51, 100, 2});
        v4.position(16); // as a getsockopt may leave it
        assertEquals(new InetSocketAddress("198.51.100.2", 8080), OriginalDestination.decode(v4));

        ByteBuffer v6 = ByteBuffer.allocate(28);
        v6.order(ByteOrder.nativeOrder()).putShort(0, (short) 10);
        v6.order(ByteOrder.BIG_ENDIAN).putShort(2, (short) 443);
        v6.put(8, new byte[] {0x20, 0x01, 0x0d, (byte) 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1});
        assertEquals(new InetSocketAddress("2001:db8::1", 443), OriginalDestination.decode(v6));

        ByteBuffer other = ByteBuffer.allocate(16);
        other.order(ByteOrder.nativeOrder()).putShort(0, (short) 1);
        assertThrows(IOException.class, () -> OriginalDestination.decode(other));
    }
}
