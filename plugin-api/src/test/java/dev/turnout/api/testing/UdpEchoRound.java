package dev.turnout.api.testing;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.turnout.api.DatagramSession;
import dev.turnout.api.Destination;
import dev.turnout.api.Metadata;
import dev.turnout.api.Network;
import dev.turnout.api.Outbound;
import io.netty.buffer.Unpooled;
import io.netty.channel.EventLoop;
import io.netty.util.concurrent.Future;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;

/**
 * UDP through an outbound's server, checked end to end: a datagram session to a local {@link UdpEchoServer}
 * gets an echo back, named by the echo server's address, and the session closes when told.
 */
public final class UdpEchoRound {

    private UdpEchoRound() {
    }

    /**
     * Asserts that an echo comes back through {@code outbound}; {@code server} names the proxy and shows its log
     * in the failure message.
     */
    public static void assertEchoes(Outbound outbound, EventLoop loop, Callable<String> server) throws Exception {
        try (UdpEchoServer echo = new UdpEchoServer()) {
            assertTrue(outbound.supportsUdp());
            BlockingQueue<String> replies = new ArrayBlockingQueue<>(8);
            DatagramSession.Receiver receiver = (sender, payload) -> {
                replies.add(sender.getAddress().getHostAddress() + "." + sender.getPort() + " "
                        + payload.toString(StandardCharsets.US_ASCII));
                payload.release();
            };
            Destination target = Destination.ofAddress(InetAddress.getLoopbackAddress(), echo.port());
            Future<DatagramSession> opened = outbound.openDatagram(Metadata.internal(Network.UDP, target), loop, receiver)
                    .await();
            assertTrue(opened.isSuccess(), () -> "open failed: " + opened.cause());
            DatagramSession session = opened.getNow();
            try {
                // UDP may drop: a few tries, bounded. Each waits longer than the last (15 s in all), since on a
                // loaded machine a proxy's first relay can take seconds to set up (5 tries of 1 s failed there).
                String reply = null;
                for (int i = 0; i < 5 && reply == null; i++) {
                    session.send(target, Unpooled.copiedBuffer("ping" + i, StandardCharsets.US_ASCII));
                    reply = replies.poll(i + 1, TimeUnit.SECONDS);
                }
                String got = reply;
                assertTrue(got != null && got.startsWith("127.0.0.1." + echo.port() + " echo:ping"),
                        () -> "echo, got " + got + "; " + describe(server));
                assertTrue(session.isOpen());
            } finally {
                session.close();
            }
            assertFalse(session.isOpen());
        }
    }

    private static String describe(Callable<String> server) {
        try {
            return server.call();
        } catch (Exception e) {
            return "(no server log: " + e + ")";
        }
    }
}
