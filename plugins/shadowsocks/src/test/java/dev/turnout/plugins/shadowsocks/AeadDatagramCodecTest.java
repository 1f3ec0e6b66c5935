package dev.turnout.plugins.shadowsocks;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;

import dev.turnout.api.Destination;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

/**
 * SIP004 packets sealed and opened by one codec (the server's packets have the client's format): a fresh salt for
 * every packet, and the largest packet that fits a UDP datagram over IPv4 (65,507 bytes) both ways, one more not.
 */
class AeadDatagramCodecTest {

    private static final AeadMethod METHOD = AeadMethod.AES_128_GCM;
    private final AeadDatagramCodec codec = new AeadDatagramCodec(METHOD,
            ShadowsocksKeys.masterKey("datagram test", METHOD.keySize()));
    private final ByteBufAllocator alloc = ByteBufAllocator.DEFAULT;
    private final Destination to = Destination.ofAddress(InetAddress.getLoopbackAddress(), 53);

    /** A payload whose packet (salt, IPv4 address of 7 bytes, payload, tag) is {@code packetLength} bytes. */
    private static ByteBuf payloadFor(int packetLength) {
        byte[] bytes = new byte[packetLength - METHOD.saltSize() - 7 - AeadMethod.TAG_SIZE];
        Arrays.fill(bytes, (byte) 'x');
        return Unpooled.wrappedBuffer(bytes);
    }

    @Test
    void everyPacketHasAFreshSalt() {
        ByteBuf payload = Unpooled.copiedBuffer(new byte[] {1, 2, 3});
        ByteBuf first = codec.seal(to, payload, alloc);
        ByteBuf second = codec.seal(to, payload, alloc);
        try {
            // The same salt twice would reuse the subkey with the zero nonce: the salts must differ.
            assertFalse(ByteBufUtil.equals(first, 0, second, 0, METHOD.saltSize()), "the salt was reused");
        } finally {
            first.release();
            second.release();
            payload.release();
        }
    }

    @Test
    void theLargestDatagramIsSealedAndOpenedAndOneByteMoreIsNot() {
        ByteBuf largest = payloadFor(65_507);
        ByteBuf tooLarge = payloadFor(65_508);
        ByteBuf packet = codec.seal(to, largest, alloc);
        try {
            assertNotNull(packet, "a packet of 65,507 bytes fits");
            assertEquals(65_507, packet.readableBytes());
            assertNull(codec.seal(to, tooLarge, alloc), "a packet of 65,508 bytes does not");
            InetSocketAddress[] from = new InetSocketAddress[1];
            ByteBuf opened = codec.open(packet, alloc, from);
            assertNotNull(opened, "the largest packet opens");
            try {
                assertEquals(53, from[0].getPort());
                assertEquals(largest.readableBytes(), opened.readableBytes());
            } finally {
                opened.release();
            }
        } finally {
            if (packet != null) {
                packet.release();
            }
            largest.release();
            tooLarge.release();
        }
    }
}
