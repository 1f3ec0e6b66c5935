package dev.turnout.host.sniff;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

class QuicClientHelloTest {

    /** RFC 9001, appendix A.2: the client's Initial, whose ClientHello names example.com. */
    @Test
    void theRfcsClientInitialNamesItsServer() throws Exception {
        QuicClientHello hello = new QuicClientHello();
        assertEquals(SniffResult.found("example.com"), hello.offer(datagrams("rfc9001-a2-client-initial.hex").get(0)));
    }

    /**
     * Chromium 156's first two Initials to quic.example.test (captured here): its ClientHello, with a post-quantum
     * key share, spans both, in CRYPTO frames out of order; either one alone is not enough.
     */
    @Test
    void aBrowsersClientHelloSpreadOverTwoPacketsIsPutTogether() throws Exception {
        List<ByteBuf> two = datagrams("chromium-156-quic-initials.hex");
        QuicClientHello inOrder = new QuicClientHello();
        assertEquals(SniffResult.MORE, inOrder.offer(two.get(0)));
        assertEquals(SniffResult.found("quic.example.test"), inOrder.offer(two.get(1)));
        QuicClientHello reversed = new QuicClientHello();
        assertEquals(SniffResult.MORE, reversed.offer(two.get(1)));
        assertEquals(SniffResult.found("quic.example.test"), reversed.offer(two.get(0)));
        assertEquals(0, two.get(0).readerIndex(), "read without consuming");
    }

    @Test
    void whatIsNotAQuicInitialIsSaidAtOnce() {
        assertEquals(SniffResult.NONE, new QuicClientHello().offer(Unpooled.wrappedBuffer(
                "GET / HTTP/1.1\r\n\r\n".getBytes(StandardCharsets.US_ASCII))));
        assertEquals(SniffResult.NONE, new QuicClientHello().offer(Unpooled.wrappedBuffer(new byte[] {(byte) 0xc0})));
        byte[] tampered = bytes("rfc9001-a2-client-initial.hex");
        tampered[tampered.length - 1] ^= 1; // the AEAD tag no longer matches
        assertEquals(SniffResult.NONE, new QuicClientHello().offer(Unpooled.wrappedBuffer(tampered)));
    }

    /**
     * A flow to UDP 443 that is not QUIC (or not yet) must not cost the 18 KB a ClientHello's stream takes: a spray of
     * tiny datagrams to many addresses held 20 KB of heap a flow before (7,000 flows: 144 MB, from outside).
     */
    @Test
    void onlyAPacketThatDecryptsAsAnInitialMakesTheStream() {
        QuicClientHello hello = new QuicClientHello();
        hello.offer(Unpooled.wrappedBuffer(new byte[20]));
        byte[] tampered = bytes("rfc9001-a2-client-initial.hex");
        tampered[tampered.length - 1] ^= 1;
        hello.offer(Unpooled.wrappedBuffer(tampered));
        assertFalse(hello.holdsStream());
        hello.offer(datagrams("rfc9001-a2-client-initial.hex").get(0));
        assertTrue(hello.holdsStream());
    }

    /** Every byte of the header (and a few past it) set to odd values, one or two at a time: an answer, never a throw. */
    @Test
    void corruptedInitialHeadersNeverThrow() {
        byte[] good = bytes("rfc9001-a2-client-initial.hex");
        java.util.Random random = new java.util.Random(59);
        int[] odd = {0x00, 0x01, 0x3f, 0x40, 0x7f, 0x80, 0xbf, 0xc0, 0xfe, 0xff};
        int tried = 0;
        for (int at = 0; at < 64; at++) {
            for (int value : odd) {
                for (int more = 0; more < 4; more++) {
                    byte[] bad = good.clone();
                    bad[at] = (byte) value;
                    if (more > 0) {
                        bad[random.nextInt(64)] = (byte) random.nextInt(256);
                    }
                    int cut = more == 3 ? 1 + random.nextInt(bad.length - 1) : bad.length;
                    QuicClientHello hello = new QuicClientHello();
                    SniffResult r = hello.offer(Unpooled.wrappedBuffer(bad, 0, cut));
                    assertTrue(r != null, "an answer");
                    tried++;
                }
            }
        }
        assertEquals(64 * 10 * 4, tried);
    }

    static List<ByteBuf> datagrams(String resource) {
        return text(resource).lines().filter(l -> !l.isBlank()).map(l -> Unpooled.wrappedBuffer(unhex(l.strip())))
                .toList();
    }

    private static byte[] bytes(String resource) {
        return unhex(text(resource).lines().findFirst().orElseThrow().strip());
    }

    private static String text(String resource) {
        try (InputStream in = QuicClientHelloTest.class.getResourceAsStream(resource)) {
            return new String(in.readAllBytes(), StandardCharsets.US_ASCII);
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    private static byte[] unhex(String s) {
        byte[] out = new byte[s.length() / 2];
        for (int i = 0; i < out.length; i++) {
            out[i] = (byte) Integer.parseInt(s.substring(2 * i, 2 * i + 2), 16);
        }
        return out;
    }
}
