package dev.turnout.plugins.trojan;

import dev.turnout.api.testing.UdpEchoServer;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.turnout.api.DatagramSession;
import dev.turnout.api.Destination;
import dev.turnout.api.Outbound;
import dev.turnout.api.testing.DaemonProcess;
import dev.turnout.api.testing.LocalTcpServer;
import dev.turnout.api.testing.OneEventLoop;
import dev.turnout.api.testing.Required;
import dev.turnout.api.testing.TestCertificates;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.util.concurrent.Future;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/** The trojan outbound against a real trojan-gfw on 127.0.0.1 with a certificate from a test CA. */
class TrojanThroughTrojanGfwTest {

    @RegisterExtension
    static final OneEventLoop loop = new OneEventLoop();

    private static TestCertificates cert;
    private static DaemonProcess trojan;

    @BeforeAll
    static void start(@TempDir Path dir) throws Exception {
        Required.that(TrojanGfw.installed(), () -> "trojan is not installed (apt-get install trojan)");
        cert = TestCertificates.issue(dir.resolve("certs"), "trojan.test", "127.0.0.1");
        // Nothing listens at the fallback: a connection that does not authenticate is closed by the server.
        trojan = TrojanGfw.start(dir, cert, Trojans.PASSWORD, LocalTcpServer.closedPort());
    }

    @AfterAll
    static void stop() throws Exception {
        if (trojan != null) {
            trojan.close();
        }
    }

    private static Outbound trusting(Map<String, Object> extra) throws Exception {
        return Trojans.outbound(trojan.port(), cert.caCertificate(), extra);
    }

    @Test
    void carriesAStreamAndTheServerLogsTheDestination() throws Exception {
        try (LocalTcpServer echo = LocalTcpServer.echo()) {
            assertEquals("through trojan", Transfers.echo(trusting(Map.of("sni", "trojan.test")),
                    Destination.of(echo.address()), loop.get(), "through trojan"));
            assertTrue(trojan.logShows("requested connection to 127.0.0.1:" + echo.port(), 3000), trojan.logForMessage());
        }
    }

    @Test
    void sendsTheNameForTheServerToResolve() throws Exception {
        assertTrue(InetAddress.getByName("localhost").isLoopbackAddress(), "this check needs a name the client can resolve");
        try (LocalTcpServer echo = LocalTcpServer.echo()) {
            assertEquals("by name", Transfers.echo(trusting(Map.of()), Destination.ofHost("localhost", echo.port()),
                    loop.get(), "by name"));
            assertTrue(trojan.logShows("requested connection to localhost:" + echo.port(), 3000), trojan.logForMessage());
        }
    }

    @Test
    void keepsWhatTheDestinationSaysFirst() throws Exception {
        // The destination speaks first: the request must go out although the client writes nothing.
        try (LocalTcpServer greeter = LocalTcpServer.greeting("220 ready\r\n")) {
            Channel channel = Transfers.open(trusting(Map.of()), Destination.of(greeter.address()), loop.get());
            StreamProbe probe = StreamProbe.attach(channel);
            assertEquals("220 ready\r\n", probe.await(11, 5000).head());
            channel.close().sync();
        }
    }

    @Test
    void carriesDatagramsBothWays() throws Exception {
        try (UdpEchoServer echo = new UdpEchoServer()) {
            BlockingQueue<String> replies = new ArrayBlockingQueue<>(4);
            BlockingQueue<InetSocketAddress> senders = new ArrayBlockingQueue<>(4);
            Destination to = Destination.ofAddress(InetAddress.getLoopbackAddress(), echo.port());
            Future<DatagramSession> opened = trusting(Map.of("udp", true)).openDatagram(Trojans.udp(to), loop.get(),
                    (sender, payload) -> {
                        senders.add(sender);
                        replies.add(payload.toString(StandardCharsets.US_ASCII));
                        payload.release();
                    }).await();
            assertTrue(opened.isSuccess(), () -> "open failed: " + opened.cause());
            DatagramSession session = opened.getNow();
            try {
                session.send(to, Unpooled.copiedBuffer("one", StandardCharsets.US_ASCII));
                assertEquals("echo:one", replies.poll(5, TimeUnit.SECONDS));
                session.send(to, Unpooled.copiedBuffer("two", StandardCharsets.US_ASCII));
                assertEquals("echo:two", replies.poll(5, TimeUnit.SECONDS));
                assertEquals(echo.port(), senders.poll().getPort());
            } finally {
                session.close();
            }
        }
    }

    @Test
    void refusesDatagramsUnlessUdpIsOn() throws Exception {
        Outbound outbound = trusting(Map.of());
        assertFalse(outbound.supportsUdp(), "mihomo's default for trojan is udp: false");
        Future<DatagramSession> opened = outbound.openDatagram(Trojans.udp(Destination.ofHost("localhost", 53)),
                loop.get(), (s, p) -> p.release()).await();
        assertTrue(opened.cause().getMessage().contains("udp: true"), opened.cause().toString());
    }

    @Test
    void aWrongPasswordFailsTheFlowInsteadOfEndingItQuietly() throws Exception {
        // trojan-gfw passes the connection to its fallback, which is not there, and closes: no byte ever comes back.
        try (LocalTcpServer echo = LocalTcpServer.echo()) {
            Outbound wrong = Trojans.outbound(trojan.port(), cert.caCertificate(), Map.of("password", "wrong"));
            Channel channel = Transfers.open(wrong, Destination.of(echo.address()), loop.get());
            StreamProbe probe = StreamProbe.attach(channel);
            channel.writeAndFlush(Unpooled.copiedBuffer("hello", StandardCharsets.US_ASCII));
            probe.awaitClose(5000);
            assertTrue(probe.closed(), "the connection ends");
            assertEquals(0, probe.received());
            assertNotNull(probe.error(), "an error, so the relay resets the application rather than ending it cleanly");
            assertTrue(probe.error().getMessage().contains("wrong password"), probe.error().getMessage());
            assertTrue(trojan.logShows("possibly incorrect password", 3000), trojan.logForMessage());
        }
    }

    @Test
    void refusesACertificateNoTrustedAuthoritySigned() throws Exception {
        Outbound untrusting = Trojans.outbound(trojan.port(), null, Map.of("sni", "trojan.test"));
        Throwable cause = openFails(untrusting);
        assertInstanceOf(SSLException.class, cause);
        assertTrue(cause.getMessage().contains("TLS handshake with trojan.test failed"), cause.getMessage());
    }

    @Test
    void refusesACertificateForAnotherName() throws Exception {
        Throwable cause = openFails(trusting(Map.of("sni", "other.test")));
        assertInstanceOf(SSLException.class, cause);
        assertTrue(cause.getMessage().contains("other.test"), cause.getMessage());
    }

    @Test
    void acceptsThePinnedCertificateWithoutTrustingItsIssuer() throws Exception {
        try (LocalTcpServer echo = LocalTcpServer.echo()) {
            Outbound pinned = Trojans.outbound(trojan.port(), null, Map.of("fingerprint", cert.fingerprintHex()));
            assertEquals("pinned", Transfers.echo(pinned, Destination.of(echo.address()), loop.get(), "pinned"));
        }
    }

    @Test
    void refusesACertificateThatIsNotThePinnedOne() throws Exception {
        String other = "00".repeat(32);
        Throwable cause = openFails(trusting(Map.of("fingerprint", other)));
        assertInstanceOf(SSLException.class, cause);
        assertTrue(cause.getMessage().contains("not the pinned fingerprint " + other), cause.getMessage());
    }

    @Test
    void aDownloadOf64MiBArrivesWhole() throws Exception {
        try (LocalTcpServer bulk = BulkServer.start()) {
            Transfers.downloadArrivesWhole(trusting(Map.of()), bulk, loop.get());
        }
    }

    @Test
    void anUploadOf64MiBArrivesWhole() throws Exception {
        try (LocalTcpServer bulk = BulkServer.start()) {
            Transfers.uploadArrivesWhole(trusting(Map.of()), bulk, loop.get());
        }
    }

    private Throwable openFails(Outbound outbound) throws Exception {
        try (LocalTcpServer echo = LocalTcpServer.echo()) {
            Future<Channel> opened = outbound.openStream(Trojans.tcp(Destination.of(echo.address())), loop.get()).await();
            assertFalse(opened.isSuccess(), "the connection must be refused");
            return opened.cause();
        } catch (IOException e) {
            throw e;
        }
    }
}
