package dev.turnout.host.outbound;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.turnout.api.DatagramSession;
import dev.turnout.api.Dialer;
import dev.turnout.api.Metadata;
import dev.turnout.host.dial.HostDialer;
import dev.turnout.host.dial.SocketBinder;
import dev.turnout.host.dial.SystemResolver;
import dev.turnout.host.dial.Transport;
import io.netty.channel.Channel;
import io.netty.channel.EventLoop;
import io.netty.channel.EventLoopGroup;
import io.netty.util.concurrent.Future;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The delay test against real loopback servers, dialled by the host's own dialer. */
class DelayProbeTest {

    private EventLoopGroup loops;
    private SystemResolver resolver;
    private HostDialer dialer;
    private final List<AutoCloseable> open = new ArrayList<>();

    @BeforeEach
    void setUp() {
        loops = Transport.newGroup(1, "probe-test");
        resolver = new SystemResolver(Map.of());
        dialer = new HostDialer(() -> SocketBinder.NONE, resolver, 2000);
    }

    @AfterEach
    void tearDown() throws Exception {
        for (AutoCloseable c : open) {
            c.close();
        }
        resolver.close();
        loops.shutdownGracefully(0, 1, TimeUnit.SECONDS).awaitUninterruptibly(10, TimeUnit.SECONDS);
    }

    /** Answers one request per connection, after reading its head, with {@code response}; or never, when null. */
    private int server(String response) throws IOException {
        ServerSocket server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        open.add(server);
        List<String> heads = new ArrayList<>();
        Thread t = new Thread(() -> {
            while (!server.isClosed()) {
                try {
                    Socket s = server.accept();
                    open.add(s);
                    if (response == null) {
                        continue;
                    }
                    byte[] buf = new byte[4096];
                    int n = s.getInputStream().read(buf);
                    heads.add(new String(buf, 0, Math.max(0, n), StandardCharsets.ISO_8859_1));
                    s.getOutputStream().write(response.getBytes(StandardCharsets.ISO_8859_1));
                    s.getOutputStream().flush();
                } catch (IOException e) {
                    return;
                }
            }
        }, "probe-test-server");
        t.setDaemon(true);
        t.start();
        return server.getLocalPort();
    }

    /**
     * Keeps each connection for further requests, answering the first on each {@code firstMillis} late and the rest at
     * once, unless {@code closeAfterFirst}; {@code requests} gets the number of requests each connection carried.
     */
    private int slowFirstServer(long firstMillis, boolean closeAfterFirst, List<Integer> requests) throws IOException {
        ServerSocket server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        open.add(server);
        Thread t = new Thread(() -> {
            while (!server.isClosed()) {
                try (Socket s = server.accept()) {
                    int n = 0;
                    java.io.BufferedReader in = new java.io.BufferedReader(
                            new java.io.InputStreamReader(s.getInputStream(), StandardCharsets.ISO_8859_1));
                    for (String line = in.readLine(); line != null && n < 5; line = in.readLine()) {
                        if (!line.isEmpty()) {
                            continue; // the request's head, up to its blank line
                        }
                        if (n++ == 0) {
                            Thread.sleep(firstMillis);
                        }
                        s.getOutputStream().write(("HTTP/1.1 204 No Content\r\nContent-Length: 0\r\n"
                                + (closeAfterFirst ? "Connection: close\r\n" : "") + "\r\n")
                                .getBytes(StandardCharsets.ISO_8859_1));
                        s.getOutputStream().flush();
                        if (closeAfterFirst) {
                            break;
                        }
                    }
                    requests.add(n);
                } catch (IOException | InterruptedException e) {
                    return;
                }
            }
        }, "probe-test-slow-first");
        t.setDaemon(true);
        t.start();
        return server.getLocalPort();
    }

    /** mihomo's unified-delay: a second request on the connection is what is timed, not the first's setup. */
    @Test
    void withUnifiedDelayTheSecondAnswerOnTheConnectionIsTimed() throws Exception {
        List<Integer> requests = new CopyOnWriteArrayList<>();
        String url = "http://127.0.0.1:" + slowFirstServer(1500, false, requests) + "/generate_204";
        var any = dev.turnout.host.config.StatusRanges.ANY;
        Future<Integer> plain = DelayProbe.measure(dialer, url, 10_000, any, false, loops.next());
        assertTrue(plain.await(15, TimeUnit.SECONDS));
        assertTrue(plain.isSuccess(), () -> String.valueOf(plain.cause()));
        assertTrue(plain.getNow() >= 1500, "the first answer, 1.5 s late: " + plain.getNow());
        Future<Integer> unified = DelayProbe.measure(dialer, url, 10_000, any, true, loops.next());
        assertTrue(unified.await(15, TimeUnit.SECONDS));
        assertTrue(unified.isSuccess(), () -> String.valueOf(unified.cause()));
        assertTrue(unified.getNow() < 1500, "the second answer, at once: " + unified.getNow());
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        while (requests.size() < 2 && System.nanoTime() < deadline) {
            Thread.sleep(20);
        }
        assertEquals(List.of(1, 2), requests, "one request, then two on one connection");

        List<Integer> closing = new CopyOnWriteArrayList<>();
        String closes = "http://127.0.0.1:" + slowFirstServer(300, true, closing) + "/generate_204";
        Future<Integer> fallback = DelayProbe.measure(dialer, closes, 10_000, any, true, loops.next());
        assertTrue(fallback.await(15, TimeUnit.SECONDS));
        assertTrue(fallback.isSuccess(), () -> String.valueOf(fallback.cause()));
        assertTrue(fallback.getNow() >= 300, "a server that closes after the first: that one, timed from the start");
    }

    @Test
    void measuresAnAnsweringServer() throws Exception {
        int port = server("HTTP/1.1 204 No Content\r\nContent-Length: 0\r\n\r\n");
        Future<Integer> f = DelayProbe.measure(dialer, "http://127.0.0.1:" + port + "/generate_204", 2000, loops.next());
        assertTrue(f.await(5, TimeUnit.SECONDS));
        assertTrue(f.isSuccess(), () -> String.valueOf(f.cause()));
        assertTrue(f.getNow() >= 1 && f.getNow() < 2000, "delay " + f.getNow());
    }

    @Test
    void aStatusExpectedStatusDoesNotAcceptIsAFailedCheck() throws Exception {
        int port = server("HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n");
        String url = "http://127.0.0.1:" + port + "/generate_204";
        Future<Integer> wanted204 = DelayProbe.measure(dialer, url, 5000,
                dev.turnout.host.config.StatusRanges.parse("204"), loops.next());
        assertTrue(wanted204.await(10, TimeUnit.SECONDS));
        assertFalse(wanted204.isSuccess());
        assertEquals("status 200 is not the expected 204", wanted204.cause().getMessage());
        Future<Integer> range = DelayProbe.measure(dialer, url, 5000,
                dev.turnout.host.config.StatusRanges.parse("204,200-299"), loops.next());
        assertTrue(range.await(10, TimeUnit.SECONDS));
        assertTrue(range.isSuccess(), () -> String.valueOf(range.cause()));
    }

    @Test
    void anAnswerThatIsNoHttpIsAFailedCheckWhateverStatusIsExpected() throws Exception {
        // What python's http.server behind trojan-gfw sends a wrong password's hash line: HTTP/0.9, no status line.
        int port = server("<!DOCTYPE HTML>\n<html lang=\"en\"><head><title>Error response</title></head>"
                + "<body><p>Error code: 400</p></body></html>\n");
        String url = "http://127.0.0.1:" + port + "/index.txt";
        for (dev.turnout.host.config.StatusRanges expected : List.of(dev.turnout.host.config.StatusRanges.ANY,
                dev.turnout.host.config.StatusRanges.parse("999"))) {
            for (boolean unified : List.of(false, true)) {
                Future<Integer> f = DelayProbe.measure(dialer, url, 5000, expected, unified, loops.next());
                assertTrue(f.await(10, TimeUnit.SECONDS));
                assertFalse(f.isSuccess(), "expected " + expected + ", unified " + unified + ": delay " + f.getNow());
                assertInstanceOf(IOException.class, f.cause());
                assertTrue(f.cause().getMessage().startsWith("malformed HTTP response"), f.cause().getMessage());
            }
        }
    }

    @Test
    void anHttpsUrlIsCheckedAgainstTheCertificatesOfSslCertFileAsTheOutboundsAre(@TempDir java.nio.file.Path dir)
            throws Exception {
        // A private CA that SSL_CERT_FILE names: the outbounds' TLS trusts it, and so must the delay test, or every
        // node fails its health check against a self-hosted https test URL.
        dev.turnout.api.testing.TestCertificates certs = dev.turnout.api.testing.TestCertificates.issue(dir, "localhost");
        io.netty.handler.ssl.SslContext server = io.netty.handler.ssl.SslContextBuilder.forServer(
                certs.certificate().toFile(), certs.privateKey().toFile()).build();
        io.netty.channel.Channel listening = dev.turnout.host.testing.TlsAnswers.listen(loops, server,
                "HTTP/1.1 204 No Content\r\nContent-Length: 0\r\n\r\n", false);
        open.add(() -> listening.close().sync());
        String url = "https://localhost:" + ((java.net.InetSocketAddress) listening.localAddress()).getPort() + "/";
        String before = DelayProbe.trustFile;
        try {
            DelayProbe.trustFile = null;
            Future<Integer> untrusted = DelayProbe.measure(dialer, url, 5000, loops.next());
            assertTrue(untrusted.await(10, TimeUnit.SECONDS));
            assertFalse(untrusted.isSuccess(), "a certificate of a CA nothing names was taken");
            DelayProbe.trustFile = certs.caCertificate().toString();
            Future<Integer> trusted = DelayProbe.measure(dialer, url, 5000, loops.next());
            assertTrue(trusted.await(10, TimeUnit.SECONDS));
            assertTrue(trusted.isSuccess(), () -> String.valueOf(trusted.cause()));
        } finally {
            DelayProbe.trustFile = before;
        }
    }

    @Test
    void timesOutAgainstASilentServer() throws Exception {
        int port = server(null);
        long start = System.nanoTime();
        Future<Integer> f = DelayProbe.measure(dialer, "http://127.0.0.1:" + port + "/", 300, loops.next());
        assertTrue(f.await(5, TimeUnit.SECONDS));
        long millis = (System.nanoTime() - start) / 1_000_000;
        assertInstanceOf(TimeoutException.class, f.cause());
        assertTrue(millis >= 290 && millis < 2000, "took " + millis + " ms");
    }

    @Test
    void failsPromptlyWhenRefused() throws Exception {
        int port;
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            port = s.getLocalPort();
        }
        Future<Integer> f = DelayProbe.measure(dialer, "http://127.0.0.1:" + port + "/", 2000, loops.next());
        assertTrue(f.await(3, TimeUnit.SECONDS));
        assertFalse(f.isSuccess());
        assertFalse(f.cause() instanceof TimeoutException);
    }

    /**
     * mihomo answers a delay test Timeout once its timeout has passed, whatever the proxy does; a plugin that blocked
     * its loop inside openStream for 40 s had its test answered a success after 40 s where 3 s were asked, the
     * probe's own timer being on the loop it held.
     */
    @Test
    void aDelayTestAnswersTimeoutOnceItsTimeoutPassedThoughTheOutboundHoldsItsLoop() throws Exception {
        EventLoopGroup controller = Transport.newGroup(1, "answer-test");
        java.util.concurrent.CountDownLatch release = new java.util.concurrent.CountDownLatch(1);
        dev.turnout.api.Outbound holding = new dev.turnout.api.Outbound() {
            public String name() {
                return "holding";
            }

            public String type() {
                return "evil";
            }

            public boolean supportsUdp() {
                return false;
            }

            public Future<Channel> openStream(Metadata flow, EventLoop on) {
                try {
                    release.await(20, TimeUnit.SECONDS); // as a plugin's Thread.sleep(40 s), bounded for the test
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
                return on.newFailedFuture(new IOException("released"));
            }

            public Future<DatagramSession> openDatagram(Metadata flow, EventLoop on, DatagramSession.Receiver r) {
                return on.newFailedFuture(new IOException("no UDP"));
            }
        };
        try {
            GroupSupervisor supervisor = new GroupSupervisor(loops, Selections.at(null));
            Future<Integer> answer = DelayProbe.answeredWithin(supervisor.delay(holding, "http://127.0.0.1:9/", 300,
                    loops.next()), 300, controller.next());
            assertTrue(answer.await(10, TimeUnit.SECONDS), "answered while the outbound still holds its loop");
            assertInstanceOf(TimeoutException.class, answer.cause());
        } finally {
            release.countDown();
            controller.shutdownGracefully(0, 1, TimeUnit.SECONDS).awaitUninterruptibly(10, TimeUnit.SECONDS);
        }
    }

    /** A probe that ends within its timeout is answered as it ended. */
    @Test
    void aDelayTestWithinItsTimeoutIsAnsweredWithItsResult() throws Exception {
        int port = server("HTTP/1.1 204 No Content\r\nContent-Length: 0\r\n\r\n");
        EventLoopGroup controller = Transport.newGroup(1, "answer-test");
        try {
            Future<Integer> answer = DelayProbe.answeredWithin(DelayProbe.measure(dialer, "http://127.0.0.1:" + port
                    + "/", 10_000, loops.next()), 10_000, controller.next());
            assertTrue(answer.await(15, TimeUnit.SECONDS));
            assertTrue(answer.isSuccess(), () -> "probe failed: " + answer.cause());
            assertTrue(answer.getNow() >= 1);
        } finally {
            controller.shutdownGracefully(0, 1, TimeUnit.SECONDS).awaitUninterruptibly(10, TimeUnit.SECONDS);
        }
    }

    @Test
    void recordsResultsUnderTheOutbound() throws Exception {
        int port = server("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok");
        GroupSupervisor supervisor = new GroupSupervisor(loops, Selections.at(null));
        // What is checked is where the result is recorded, not how fast: a generous timeout keeps a loaded machine
        // (full runs failed this at 2 s with the load average above 40) from turning it into a failed probe.
        Future<Integer> f = supervisor.delay(new DialingLeaf("up", dialer), "http://127.0.0.1:" + port + "/", 10_000, loops.next());
        assertTrue(f.await(15, TimeUnit.SECONDS));
        assertTrue(supervisor.book().alive("up"), () -> "probe failed: " + f.cause());
        assertEquals(f.getNow(), supervisor.book().lastDelay("up"));
    }

    @Test
    void asksItsOutboundFromItsOwnLoopWhicheverThreadAsksForTheProbe() throws Exception {
        // An outbound builds its chain of steps as it is asked: asked from the controller's thread (a dashboard's
        // delay test), the probe still has it built on the loop its channels live on.
        int port = server("HTTP/1.1 204 No Content\r\nContent-Length: 0\r\n\r\n");
        EventLoop loop = loops.next();
        List<Boolean> onLoop = new CopyOnWriteArrayList<>();
        Dialer watched = new Dialer() {
            @Override
            public Future<Channel> openStream(Metadata flow, EventLoop on) {
                onLoop.add(on == loop && loop.inEventLoop());
                return dialer.openStream(flow, on);
            }

            @Override
            public Future<DatagramSession> openDatagram(Metadata flow, EventLoop on, DatagramSession.Receiver r) {
                return dialer.openDatagram(flow, on, r);
            }
        };
        Future<Integer> f = DelayProbe.measure(watched, "http://127.0.0.1:" + port + "/generate_204", 5000, loop);
        assertTrue(f.await(10, TimeUnit.SECONDS));
        assertTrue(f.isSuccess(), () -> String.valueOf(f.cause()));
        assertEquals(List.of(true), onLoop);
    }

    @Test
    void refusesUrlsItCannotTest() {
        assertThrows(IllegalArgumentException.class, () -> DelayProbe.parseUrl("ftp://example.test/"));
        assertThrows(IllegalArgumentException.class, () -> DelayProbe.parseUrl("http:///nohost"));
    }

    /** An outbound that dials directly: the DIRECT plugin's job, done here by the host's dialer. */
    record DialingLeaf(String name, HostDialer dialer) implements dev.turnout.api.Outbound {
        public String type() {
            return "direct";
        }

        public boolean supportsUdp() {
            return false;
        }

        public Future<io.netty.channel.Channel> openStream(dev.turnout.api.Metadata flow, io.netty.channel.EventLoop loop) {
            return dialer.openStream(flow, loop);
        }

        public Future<dev.turnout.api.DatagramSession> openDatagram(dev.turnout.api.Metadata flow,
                io.netty.channel.EventLoop loop, dev.turnout.api.DatagramSession.Receiver r) {
            return dialer.openDatagram(flow, loop, r);
        }
    }
}
