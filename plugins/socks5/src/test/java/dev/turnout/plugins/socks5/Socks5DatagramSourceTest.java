package dev.turnout.plugins.socks5;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.turnout.api.DatagramSession;
import dev.turnout.api.Destination;
import dev.turnout.api.Metadata;
import dev.turnout.api.Network;
import dev.turnout.api.Outbound;
import dev.turnout.api.testing.LocalTcpServer;
import dev.turnout.api.testing.OneEventLoop;
import dev.turnout.api.testing.PlainDialer;
import dev.turnout.api.testing.TestContext;
import dev.turnout.api.testing.TestOptions;
import io.netty.buffer.Unpooled;
import io.netty.util.concurrent.Future;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Anyone can send to a UDP ASSOCIATE session's port; only the relay the server named may speak for the
 * destinations. A server on 127.0.0.1 answers the handshake and names a relay socket the test holds.
 */
class Socks5DatagramSourceTest {

    @RegisterExtension
    static final OneEventLoop loop = new OneEventLoop();

    /** A SOCKS5 UDP datagram from 127.0.0.1:9 carrying {@code text}. */
    private static byte[] datagram(String text) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.writeBytes(new byte[] {0, 0, 0, 1, 127, 0, 0, 1, 0, 9});
        out.writeBytes(text.getBytes(StandardCharsets.US_ASCII));
        return out.toByteArray();
    }

    @Test
    void datagramsFromAnyoneButTheRelayAreDropped() throws Exception {
        try (DatagramSocket relay = new DatagramSocket(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
             DatagramSocket stranger = new DatagramSocket(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
             LocalTcpServer server = LocalTcpServer.serving(s -> {
                 InputStream in = s.getInputStream();
                 in.readNBytes(3);
                 s.getOutputStream().write(new byte[] {5, 0});
                 in.readNBytes(10);
                 int port = relay.getLocalPort();
                 s.getOutputStream().write(new byte[] {5, 0, 0, 1, 127, 0, 0, 1, (byte) (port >> 8), (byte) port});
                 in.read();
             })) {
            relay.setSoTimeout(10_000);
            Outbound out = new Socks5Type().create(TestOptions.loopbackServer("test", "socks5", server.port(),
                    Map.of("udp", true)), new TestContext(new PlainDialer()));
            BlockingQueue<String> delivered = new ArrayBlockingQueue<>(8);
            Destination target = Destination.ofAddress(InetAddress.getLoopbackAddress(), 9);
            Future<DatagramSession> opened = out.openDatagram(Metadata.internal(Network.UDP, target), loop.get(),
                    (sender, payload) -> {
                        delivered.add(payload.toString(StandardCharsets.US_ASCII));
                        payload.release();
                    }).await();
            assertTrue(opened.isSuccess(), () -> "open failed: " + opened.cause());
            DatagramSession session = opened.getNow();
            try {
                // The session's first datagram tells the relay (and the test) which port the session has.
                session.send(target, Unpooled.copiedBuffer("hello", StandardCharsets.US_ASCII));
                DatagramPacket first = new DatagramPacket(new byte[2048], 2048);
                relay.receive(first);
                SocketAddress sessionPort = first.getSocketAddress();
                // Strangers speak first (another port; the relay's port on another address), then the relay:
                // the relay's datagram must be the first one delivered.
                byte[] forged = datagram("from another port");
                stranger.send(new DatagramPacket(forged, forged.length, sessionPort));
                byte[] forgedToo = datagram("from another address");
                try (DatagramSocket impostor = new DatagramSocket(new InetSocketAddress(
                        InetAddress.getByAddress(new byte[] {127, 0, 0, 2}), relay.getLocalPort()))) {
                    impostor.send(new DatagramPacket(forgedToo, forgedToo.length, sessionPort));
                }
                byte[] genuine = datagram("from the relay");
                relay.send(new DatagramPacket(genuine, genuine.length, sessionPort));
                assertEquals("from the relay", delivered.poll(10, TimeUnit.SECONDS));
            } finally {
                session.close();
            }
        }
    }
}
