package dev.turnout.plugins.trojan;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.turnout.api.DatagramSession;
import dev.turnout.api.Destination;
import dev.turnout.api.testing.OneEventLoop;
import dev.turnout.api.testing.Required;
import dev.turnout.api.testing.TestCertificates;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.util.concurrent.Future;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/** Servers that are no Trojan servers: what they send ends the flow (or the session), never more. */
class TrojanHostileServerTest {

    @RegisterExtension
    static final OneEventLoop loop = new OneEventLoop();

    private static TestCertificates cert;

    @BeforeAll
    static void certificates(@TempDir Path dir) throws Exception {
        cert = TestCertificates.issue(dir.resolve("certs"), "trojan.test", "127.0.0.1");
    }

    @Test
    void garbageInsteadOfTlsFailsTheConnection() throws Exception {
        try (HostileServer plain = new HostileServer(null, "HTTP/1.1 400 Bad Request\r\n\r\n".getBytes(StandardCharsets.US_ASCII))) {
            Future<Channel> opened = Trojans.outbound(plain.port(), cert.caCertificate(), Map.of())
                    .openStream(Trojans.tcp(Destination.ofHost("example.org", 80)), loop.get()).await();
            assertFalse(opened.isSuccess());
            assertTrue(opened.cause().getMessage().startsWith("TLS handshake with 127.0.0.1 failed"), opened.cause().getMessage());
        }
    }

    @Test
    void garbageInsteadOfDatagramsEndsTheSessionOnly() throws Exception {
        // An address type that does not exist, then bytes: the stream cannot be framed, so the session ends.
        byte[] garbage = new byte[] {0x7f, 1, 2, 3, 4, 5, 6, 7, 8, 9, '\r', '\n', 'x'};
        try (HostileServer hostile = new HostileServer(cert, garbage)) {
            AtomicInteger delivered = new AtomicInteger();
            Destination to = Destination.ofAddress(InetAddress.getLoopbackAddress(), 9);
            Future<DatagramSession> opened = Trojans.outbound(hostile.port(), cert.caCertificate(), Map.of("udp", true))
                    .openDatagram(Trojans.udp(to), loop.get(), (sender, payload) -> {
                        delivered.incrementAndGet();
                        payload.release();
                    }).await();
            assertTrue(opened.isSuccess(), () -> "open failed: " + opened.cause());
            DatagramSession session = opened.getNow();
            session.send(to, Unpooled.copiedBuffer("ping", StandardCharsets.US_ASCII));
            for (int i = 0; i < 100 && session.isOpen(); i++) {
                Thread.sleep(50);
            }
            assertFalse(session.isOpen(), "the session ended");
            assertEquals(0, delivered.get(), "nothing was handed on as a datagram");
        }
    }
}
