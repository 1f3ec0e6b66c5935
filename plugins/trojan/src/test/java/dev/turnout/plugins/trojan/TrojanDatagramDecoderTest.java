package dev.turnout.plugins.trojan;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.DecoderException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The server's side of a Trojan UDP stream, split into datagrams however its bytes arrive. */
class TrojanDatagramDecoderTest {

    private final List<String> received = new ArrayList<>();
    private final EmbeddedChannel channel = new EmbeddedChannel(new TrojanDatagramDecoder((sender, payload) -> {
        received.add(sender.getHostString() + ":" + sender.getPort() + " " + payload.toString(StandardCharsets.US_ASCII)
                + (sender.isUnresolved() ? " (name)" : ""));
        payload.release();
    }));

    private static byte[] packetFromAddress() {
        return new byte[] {1, (byte) 192, 0, 2, 7, 0, 53, 0, 2, '\r', '\n', 'h', 'i'};
    }

    private static byte[] packetFromName() {
        return new byte[] {3, 1, 'a', 0, 80, 0, 3, '\r', '\n', 'y', 'o', 'u'};
    }

    @Test
    void splitsPacketsThatArriveTogether() {
        byte[] a = packetFromAddress();
        byte[] b = packetFromName();
        channel.writeInbound(Unpooled.wrappedBuffer(a, b));
        assertEquals(List.of("192.0.2.7:53 hi", "a:80 you (name)"), received);
    }

    @Test
    void waitsForPacketsThatArriveAByteAtATime() {
        for (byte b : packetFromAddress()) {
            channel.writeInbound(Unpooled.wrappedBuffer(new byte[] {b}));
        }
        assertEquals(List.of("192.0.2.7:53 hi"), received);
    }

    @Test
    void anEmptyPayloadIsADatagramToo() {
        channel.writeInbound(Unpooled.wrappedBuffer(new byte[] {1, 127, 0, 0, 1, 0, 9, 0, 0, '\r', '\n'}));
        assertEquals(List.of("127.0.0.1:9 "), received);
    }

    @Test
    void anUnknownAddressTypeEndsTheStream() {
        DecoderException e = assertThrows(DecoderException.class,
                () -> channel.writeInbound(Unpooled.wrappedBuffer(new byte[] {9, 0, 0, 0})));
        assertInstanceOf(TrojanProtocolException.class, e.getCause());
        assertTrue(received.isEmpty());
    }

    @Test
    void aMissingCrlfEndsTheStream() {
        byte[] bad = packetFromAddress();
        bad[9] = 'x';
        DecoderException e = assertThrows(DecoderException.class, () -> channel.writeInbound(Unpooled.wrappedBuffer(bad)));
        assertTrue(e.getCause().getMessage().contains("CRLF"), e.getCause().getMessage());
        assertFalse(received.iterator().hasNext());
    }
}
