package dev.turnout.plugins.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.turnout.api.Destination;
import dev.turnout.api.Metadata;
import dev.turnout.api.Network;
import dev.turnout.api.Outbound;
import dev.turnout.api.testing.ChannelProbe;
import dev.turnout.api.testing.LocalTcpServer;
import dev.turnout.api.testing.OneEventLoop;
import dev.turnout.api.testing.PlainDialer;
import dev.turnout.api.testing.TestContext;
import dev.turnout.api.testing.TestOptions;
import io.netty.channel.Channel;
import io.netty.util.concurrent.Future;
import java.io.InputStream;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The proxy's answer read in pieces and at its edges: where the header block ends (CRLF or bare LF), which
 * status codes open the tunnel, what a malformed or hostile status line turns into, and which destinations
 * can be written as a CONNECT target at all.
 */
class HttpConnectFramingTest {

    @RegisterExtension
    static final OneEventLoop loop = new OneEventLoop();

    private static final Metadata TO_EXAMPLE = Metadata.internal(Network.TCP, Destination.ofHost("example.test", 443));

    private static Outbound http(int port) throws Exception {
        return new HttpConnectType().create(TestOptions.loopbackServer("test", "http", port, Map.of()),
                new TestContext(new PlainDialer()));
    }

    /** Reads the CONNECT head (up to its blank line), then answers {@code answer} one byte per write. */
    private static LocalTcpServer answeringInPieces(String answer) throws Exception {
        return LocalTcpServer.serving(s -> {
            InputStream in = s.getInputStream();
            int matched = 0;
            for (int b; matched < 4 && (b = in.read()) >= 0; ) {
                matched = b == "\r\n\r\n".charAt(matched) ? matched + 1 : (b == '\r' ? 1 : 0);
            }
            LocalTcpServer.writeInPieces(s, answer.getBytes(StandardCharsets.ISO_8859_1));
            in.read();
        });
    }

    /** The bytes after the answer's headers, as the relay reads them, or the failure's message. */
    private static String open(String answer, int expectedLength) throws Exception {
        try (LocalTcpServer server = answeringInPieces(answer)) {
            Future<Channel> opened = http(server.port()).openStream(TO_EXAMPLE, loop.get());
            assertTrue(opened.await(10, TimeUnit.SECONDS));
            if (!opened.isSuccess()) {
                return "failed: " + opened.cause().getMessage();
            }
            Channel ch = opened.getNow();
            try {
                return ChannelProbe.attach(ch).await(expectedLength, 5000);
            } finally {
                ch.close().sync();
            }
        }
    }

    @Test
    void headersEndAtAnEmptyLineWithCrlfOrBareLfAndWhatFollowsIsTheTunnel() throws Exception {
        assertEquals("after", open("HTTP/1.1 200 Connection established\r\nVia: x\r\n\r\nafter", 5));
        assertEquals("after", open("HTTP/1.0 200 OK\nVia: x\n\nafter", 5));
        assertEquals("after", open("HTTP/1.0 200 OK\r\n\nafter", 5));
        // "\r\n" alone inside a header line is not the end; a body that starts with a line feed is kept.
        assertEquals("\nafter", open("HTTP/1.1 200 OK\r\nA: b\r\n\r\n\nafter", 6));
    }

    @Test
    void everyTwoHundredStatusOpensTheTunnelAndNothingElseDoes() throws Exception {
        assertEquals("ok", open("HTTP/1.1 299 Fine\r\n\r\nok", 2));
        assertEquals("failed: HTTP proxy 127.0.0.1:PORT answered CONNECT example.test:443 with \"HTTP/1.1 199 Early\"",
                open("HTTP/1.1 199 Early\r\n\r\n", 0).replaceAll(":\\d+ answered", ":PORT answered"));
        assertTrue(open("HTTP/1.1 300 Moved\r\n\r\n", 0).contains("with \"HTTP/1.1 300 Moved\""));
    }

    @Test
    void aMalformedStatusLineIsNamedAndMadePrintable() throws Exception {
        assertTrue(open("HTTP/1.1 099 Low\r\n\r\n", 0).contains("malformed status line \"HTTP/1.1 099 Low\""));
        assertTrue(open("HTTP/1.1 2x0 Odd\r\n\r\n", 0).contains("malformed status line"));
        // Shorter than "HTTP/1.x NNN", or no space after the version: not an HTTP proxy at all.
        assertTrue(open("HTTP/1.1 20\r\n\r\n", 0).contains("not an HTTP proxy"));
        assertTrue(open("HTTP/1.1 200 \r\n\r\nx", 1).equals("x"), "exactly 12 characters and a space is a status line");
        assertTrue(open("HTTP/1.1-200 OK\r\n\r\n", 0).contains("not an HTTP proxy"));
        String hostile = "SSH-2.0\u0001\u00ff" + "z".repeat(100) + "\r\n\r\n";
        String message = open(hostile, 0);
        assertTrue(message.contains("answer starts with \"SSH-2.0??" + "z".repeat(51) + "\""), message);
    }

    @Test
    void onlyASafeDestinationBecomesARequestTarget() throws Exception {
        assertEquals("example.test:443", HttpConnectHandshake.authority(Destination.ofHost("example.test", 443)));
        assertEquals("[2001:db8::1]:443",
                HttpConnectHandshake.authority(Destination.ofAddress(InetAddress.getByName("2001:db8::1"), 443)));
        assertEquals("192.0.2.1:80",
                HttpConnectHandshake.authority(Destination.ofAddress(InetAddress.getByName("192.0.2.1"), 80)));
        assertEquals("a~b.example:1", HttpConnectHandshake.authority(Destination.ofHost("a~b.example", 1)));
        for (String bad : new String[] {"a b.example", "a/b.example", "user@example.test", "bücher.example"}) {
            assertNull(HttpConnectHandshake.authority(Destination.ofHost(bad, 443)), bad);
        }
        // A name with a control character is no destination at all: the host refuses it before a plugin sees it.
        for (String control : new String[] {"a\u007fb", "a\u0000b", "!\u001f"}) {
            assertThrows(IllegalArgumentException.class, () -> Destination.ofHost(control, 443), control);
        }
        assertEquals("!:1", HttpConnectHandshake.authority(Destination.ofHost("!", 1)));
    }
}
