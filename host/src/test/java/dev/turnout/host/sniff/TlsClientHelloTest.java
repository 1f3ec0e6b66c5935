package dev.turnout.host.sniff;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import javax.net.ssl.SNIHostName;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLParameters;
import org.junit.jupiter.api.Test;

/** The server name of ClientHellos the JDK's own TLS client writes, whole, in pieces and re-framed. */
class TlsClientHelloTest {

    /** The first flight of a JDK TLS client (TLS 1.3 and 1.2 offered), naming {@code host} when not null. */
    static byte[] clientHello(String host) throws Exception {
        SSLContext context = SSLContext.getInstance("TLS");
        context.init(null, null, null);
        SSLEngine engine = host == null ? context.createSSLEngine() : context.createSSLEngine(host, 443);
        engine.setUseClientMode(true);
        if (host != null) {
            SSLParameters p = engine.getSSLParameters();
            p.setServerNames(List.of(new SNIHostName(host)));
            engine.setSSLParameters(p);
        }
        ByteBuffer out = ByteBuffer.allocate(engine.getSession().getPacketBufferSize());
        engine.wrap(ByteBuffer.allocate(0), out);
        out.flip();
        byte[] bytes = new byte[out.remaining()];
        out.get(bytes);
        return bytes;
    }

    private static SniffResult read(byte[] bytes, int length) {
        ByteBuf buf = Unpooled.wrappedBuffer(bytes, 0, length);
        SniffResult r = TlsClientHello.serverName(buf);
        assertEquals(0, buf.readerIndex(), "nothing consumed");
        return r;
    }

    @Test
    void theNameIsReadFromARealClientHello() throws Exception {
        byte[] hello = clientHello("www.Example.test");
        assertEquals(SniffResult.found("www.example.test"), read(hello, hello.length));
    }

    @Test
    void everyPrefixOfTheClientHelloAsksForMoreAndTheWholeOneAnswers() throws Exception {
        byte[] hello = clientHello("sniff.example.test");
        for (int n = 1; n < hello.length; n++) {
            assertEquals(SniffResult.MORE, read(hello, n), "after " + n + " of " + hello.length + " bytes");
        }
        assertEquals(SniffResult.found("sniff.example.test"), read(hello, hello.length));
    }

    @Test
    void aClientHelloSplitOverSeveralRecordsIsReadWhole() throws Exception {
        byte[] hello = clientHello("split.example.test");
        byte[] message = Arrays.copyOfRange(hello, 5, hello.length);
        ByteBuf framed = Unpooled.buffer();
        for (int at = 0; at < message.length; at += 100) {
            int n = Math.min(100, message.length - at);
            framed.writeByte(22).writeShort(0x0303).writeShort(n).writeBytes(message, at, n);
        }
        byte[] records = new byte[framed.readableBytes()];
        framed.readBytes(records);
        assertEquals(SniffResult.found("split.example.test"), read(records, records.length));
        assertEquals(SniffResult.MORE, read(records, records.length - 1));
    }

    @Test
    void aClientHelloWithoutANameAndOtherProtocolsGiveNone() throws Exception {
        byte[] anonymous = clientHello(null);
        assertEquals(SniffResult.NONE, read(anonymous, anonymous.length));
        byte[] http = "GET / HTTP/1.1\r\nHost: a.test\r\n\r\n".getBytes(StandardCharsets.US_ASCII);
        assertEquals(SniffResult.NONE, read(http, http.length));
        byte[] ssh = "SSH-2.0-OpenSSH_9.2\r\n".getBytes(StandardCharsets.US_ASCII);
        assertEquals(SniffResult.NONE, read(ssh, ssh.length));
    }

    @Test
    void anAddressInTheNameFieldIsNoName() throws Exception {
        byte[] hello = clientHello("example.test");
        byte[] literal = replace(hello, "example.test", "192.0.2.123!");
        assertEquals(SniffResult.NONE, read(literal, literal.length), "not a name: '!'");
        byte[] digits = replace(hello, "example.test", "192.0.2.1234");
        assertEquals(SniffResult.NONE, read(digits, digits.length), "all digits and dots");
    }

    @Test
    void corruptedClientHellosNeverThrowAndNeverWaitPastTheirOwnLength() throws Exception {
        byte[] hello = clientHello("fuzz.example.test");
        Random random = new Random(16);
        for (int i = 0; i < 5000; i++) {
            byte[] bad = hello.clone();
            for (int k = 0; k < 1 + random.nextInt(4); k++) {
                bad[5 + random.nextInt(bad.length - 5)] = (byte) random.nextInt(256);
            }
            SniffResult r = read(bad, bad.length);
            if (r.state() == SniffResult.State.FOUND) {
                assertEquals(r, SniffResult.ofName(r.host()), "a found name is a valid name");
            }
        }
    }

    private static byte[] replace(byte[] hello, String from, String to) {
        String text = new String(hello, StandardCharsets.ISO_8859_1);
        return text.replace(from, to).getBytes(StandardCharsets.ISO_8859_1);
    }
}
