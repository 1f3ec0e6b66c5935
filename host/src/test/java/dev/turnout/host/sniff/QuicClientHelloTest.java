package dev.turnout.host.sniff;

import static org.junit.jupiter.api.Assertions.assertEquals;

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

    private static List<ByteBuf> datagrams(String resource) {
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
