package dev.turnout.plugins.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
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
import java.io.IOException;
import java.net.ConnectException;
import java.net.InetAddress;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The HTTP CONNECT outbound with proxies that are down, silent, not HTTP, or answer exactly what a test
 * needs: small scripted servers on 127.0.0.1 over real sockets.
 */
class HttpConnectFailureTest {

    @RegisterExtension
    static final OneEventLoop loop = new OneEventLoop();

    private static Outbound http(int port, Map<String, Object> extra) throws Exception {
        return new HttpConnectType().create(TestOptions.loopbackServer("test", "http", port, extra),
                new TestContext(new PlainDialer()));
    }

    private static final Metadata TO_EXAMPLE = Metadata.internal(Network.TCP, Destination.ofHost("example.test", 443));

    /** Reads a request head up to its blank line. */
    /** A proxy that reads the CONNECT head, records it, and answers {@code answer} in one write. */
    private static LocalTcpServer proxyAnswering(String answer, List<String> heads) throws IOException {
        return LocalTcpServer.serving(s -> {
            heads.add(LocalTcpServer.readHttpHead(s.getInputStream()));
            s.getOutputStream().write(answer.getBytes(StandardCharsets.ISO_8859_1));
            s.getOutputStream().flush();
            s.getInputStream().read();
        });
    }

    @Test
    void failsPromptlyWhenTheProxyIsDown() throws Exception {
        long start = System.nanoTime();
        Future<Channel> opened = http(LocalTcpServer.closedPort(), Map.of()).openStream(TO_EXAMPLE, loop.get());
        assertTrue(opened.await(5, TimeUnit.SECONDS));
        assertInstanceOf(ConnectException.class, opened.cause());
        assertTrue(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start) < 2000);
    }

    @Test
    void failsWithinTheTimeoutWhenTheProxyNeverAnswers() throws Exception {
        try (LocalTcpServer silent = LocalTcpServer.silent()) {
            long start = System.nanoTime();
            Future<Channel> opened = http(silent.port(), Map.of("timeout", 300)).openStream(TO_EXAMPLE, loop.get());
            assertTrue(opened.await(5, TimeUnit.SECONDS));
            long took = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
            SocketTimeoutException e = assertInstanceOf(SocketTimeoutException.class, opened.cause());
            assertTrue(e.getMessage().contains("answer CONNECT"), e.getMessage());
            assertTrue(took >= 250 && took < 2000, "took " + took + " ms for a 300 ms timeout");
        }
    }

    @Test
    void sendsConnectWithHostAndBasicAuthorization() throws Exception {
        List<String> heads = new CopyOnWriteArrayList<>();
        try (LocalTcpServer proxy = proxyAnswering("HTTP/1.1 200 OK\r\n\r\n", heads)) {
            Outbound out = http(proxy.port(), Map.of("username", "alice", "password", "s3cret"));
            Future<Channel> opened = out.openStream(TO_EXAMPLE, loop.get()).await();
            assertTrue(opened.isSuccess(), () -> "open failed: " + opened.cause());
            opened.getNow().close().sync();
            assertEquals("CONNECT example.test:443 HTTP/1.1\r\n"
                    + "Host: example.test:443\r\n"
                    + "Proxy-Authorization: Basic YWxpY2U6czNjcmV0\r\n\r\n", heads.get(0));
        }
    }

    @Test
    void bracketsIpv6Destinations() throws Exception {
        List<String> heads = new CopyOnWriteArrayList<>();
        try (LocalTcpServer proxy = proxyAnswering("HTTP/1.1 200 OK\r\n\r\n", heads)) {
            Metadata v6 = Metadata.internal(Network.TCP, Destination.ofAddress(InetAddress.getByName("2001:db8::1"), 8443));
            Future<Channel> opened = http(proxy.port(), Map.of()).openStream(v6, loop.get()).await();
            assertTrue(opened.isSuccess(), () -> "open failed: " + opened.cause());
            opened.getNow().close().sync();
            assertTrue(heads.get(0).startsWith("CONNECT [2001:db8::1]:8443 HTTP/1.1\r\n"), heads.get(0));
        }
    }

    @Test
    void keepsBytesThatFollowTheAnswerInTheSameSegment() throws Exception {
        try (LocalTcpServer proxy = proxyAnswering("HTTP/1.1 200 Connection established\r\nVia: test\r\n\r\nhello", new CopyOnWriteArrayList<>())) {
            Future<Channel> opened = http(proxy.port(), Map.of()).openStream(TO_EXAMPLE, loop.get()).await();
            assertTrue(opened.isSuccess(), () -> "open failed: " + opened.cause());
            Channel ch = opened.getNow();
            ChannelProbe probe = ChannelProbe.attach(ch);
            assertEquals("hello", probe.await(5, 5000));
            assertTrue(ch.pipeline().names().stream().noneMatch(n -> n.startsWith("Pending") || n.equals("http-connect")),
                    ch.pipeline().names().toString());
            ch.close().sync();
        }
    }

    @Test
    void aForbiddenAnswerIsARefusal() throws Exception {
        try (LocalTcpServer proxy = proxyAnswering("HTTP/1.1 403 Forbidden\r\nContent-Length: 0\r\n\r\n", new CopyOnWriteArrayList<>())) {
            Future<Channel> opened = http(proxy.port(), Map.of()).openStream(TO_EXAMPLE, loop.get());
            assertTrue(opened.await(5, TimeUnit.SECONDS));
            assertInstanceOf(dev.turnout.api.RejectedException.class, opened.cause());
        }
    }

    @Test
    void otherAnswersQuoteTheStatusLine() throws Exception {
        try (LocalTcpServer proxy = proxyAnswering("HTTP/1.1 502 Bad Gateway\r\n\r\n", new CopyOnWriteArrayList<>())) {
            Future<Channel> opened = http(proxy.port(), Map.of()).openStream(TO_EXAMPLE, loop.get());
            assertTrue(opened.await(5, TimeUnit.SECONDS));
            IOException e = assertInstanceOf(IOException.class, opened.cause());
            assertTrue(e.getMessage().contains("\"HTTP/1.1 502 Bad Gateway\""), e.getMessage());
        }
    }

    @Test
    void rejectsAnAnswerThatIsNotHttp() throws Exception {
        try (LocalTcpServer proxy = proxyAnswering("\u0005\u0000garbage\n\n", new CopyOnWriteArrayList<>())) {
            Future<Channel> opened = http(proxy.port(), Map.of()).openStream(TO_EXAMPLE, loop.get());
            assertTrue(opened.await(5, TimeUnit.SECONDS));
            assertTrue(opened.cause().getMessage().contains("not an HTTP proxy"), opened.cause().getMessage());
        }
    }

    @Test
    void givesUpOnHeadersThatNeverEnd() throws Exception {
        String endless = "HTTP/1.1 200 OK\r\n" + "X-Pad: " + "a".repeat(HttpConnectHandshake.MAX_HEADER_BYTES) + "\r\n";
        try (LocalTcpServer proxy = proxyAnswering(endless, new CopyOnWriteArrayList<>())) {
            Future<Channel> opened = http(proxy.port(), Map.of()).openStream(TO_EXAMPLE, loop.get());
            assertTrue(opened.await(5, TimeUnit.SECONDS));
            assertTrue(opened.cause().getMessage().contains("without ending"), opened.cause().getMessage());
        }
    }

    @Test
    void failsWhenTheProxyClosesBeforeAnswering() throws Exception {
        try (LocalTcpServer proxy = LocalTcpServer.serving(s -> LocalTcpServer.readHttpHead(s.getInputStream()))) {
            Future<Channel> opened = http(proxy.port(), Map.of()).openStream(TO_EXAMPLE, loop.get());
            assertTrue(opened.await(5, TimeUnit.SECONDS));
            assertTrue(opened.cause().getMessage().contains("closed the connection"), opened.cause().getMessage());
        }
    }

    @Test
    void aStatusLineWithoutAReasonPhraseIsEnough() throws Exception {
        try (LocalTcpServer proxy = proxyAnswering("HTTP/1.1 200\r\n\r\n", new CopyOnWriteArrayList<>())) {
            Future<Channel> opened = http(proxy.port(), Map.of()).openStream(TO_EXAMPLE, loop.get()).await();
            assertTrue(opened.isSuccess(), () -> "open failed: " + opened.cause());
            opened.getNow().close().sync();
        }
    }

    @Test
    void anAnswerThatIsOnlyABlankLineIsNotHttp() throws Exception {
        // The head ends at once, with either line ending; its status line is empty.
        for (String answer : List.of("\n\n", "\n\r\n")) {
            try (LocalTcpServer proxy = proxyAnswering(answer, new CopyOnWriteArrayList<>())) {
                Future<Channel> opened = http(proxy.port(), Map.of()).openStream(TO_EXAMPLE, loop.get());
                assertTrue(opened.await(5, TimeUnit.SECONDS));
                assertTrue(opened.cause().getMessage().contains("not an HTTP proxy"),
                        () -> answer.replace("\r", "CR").replace("\n", "LF") + ": " + opened.cause());
            }
        }
    }
}
