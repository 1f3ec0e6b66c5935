package dev.turnout.plugins.shadowsocks;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.DecoderException;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** The server side of simple-obfs TLS mode as obfs-server writes it, fed a byte at a time and whole. */
class ObfsTlsDecoderTest {

    private static ByteBuf record(int type, byte[] body) {
        return Unpooled.buffer().writeByte(type).writeShort(0x0303).writeShort(body.length).writeBytes(body);
    }

    private static byte[] ascii(String s) {
        return s.getBytes(StandardCharsets.US_ASCII);
    }

    private static String read(EmbeddedChannel ch) {
        StringBuilder out = new StringBuilder();
        for (ByteBuf b = ch.readInbound(); b != null; b = ch.readInbound()) {
            out.append(b.toString(StandardCharsets.US_ASCII));
            b.release();
        }
        return out.toString();
    }

    @Test
    void theStreamIsWhatFollowsTheChangeCipherSpecWhateverTheRecordType() {
        ByteBuf all = Unpooled.buffer();
        all.writeBytes(record(0x16, new byte[91]));       // ServerHello
        all.writeBytes(record(0x14, new byte[] {1}));      // ChangeCipherSpec
        all.writeBytes(record(0x16, ascii("first ")));     // obfs-server's first data, as the "Finished"
        all.writeBytes(record(0x17, ascii("then data")));
        EmbeddedChannel whole = new EmbeddedChannel(new ObfsTlsDecoder("test"));
        whole.writeInbound(all.copy());
        assertEquals("first then data", read(whole));
        EmbeddedChannel bytewise = new EmbeddedChannel(new ObfsTlsDecoder("test"));
        while (all.isReadable()) {
            bytewise.writeInbound(all.readRetainedSlice(1));
        }
        all.release();
        assertEquals("first then data", read(bytewise));
    }

    @Test
    void anAlertIsNamedAsNotAnObfsServer() {
        EmbeddedChannel ch = new EmbeddedChannel(new ObfsTlsDecoder("ss 'x'"));
        DecoderException e = assertThrows(DecoderException.class,
                () -> ch.writeInbound(record(0x15, new byte[] {2, 40})));
        assertTrue(e.getMessage().contains("an alert: is it a real TLS server rather than an obfs-server in tls mode?"),
                e.getMessage());
        assertNull(ch.readInbound());
    }
}
