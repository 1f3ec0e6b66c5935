package dev.turnout.plugins.v2ray.testing;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.turnout.api.DatagramSession;
import dev.turnout.api.Destination;
import dev.turnout.api.Metadata;
import dev.turnout.api.Network;
import dev.turnout.api.Outbound;
import dev.turnout.api.testing.ChannelProbe;
import dev.turnout.api.testing.DaemonProcess;
import dev.turnout.api.testing.GunServer;
import dev.turnout.api.testing.LocalTcpServer;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.EventLoop;
import io.netty.channel.socket.DuplexChannel;
import io.netty.util.concurrent.Future;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.SocketAddress;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * What VMess and VLESS must both carry through a real v2ray, checked end to end on local servers: an echo with
 * the destination's name, a bulk download arriving whole, UDP datagrams, and an answer after the client's
 * half-close. {@code ends} is how the protocol may end a stream: {@code end} (an input shutdown) or also
 * {@code closed} for a protocol without an end marker of its own.
 */
public final class V2rayChecks {

    private V2rayChecks() {
    }

    private static Channel open(Outbound outbound, Destination destination, EventLoop loop) throws InterruptedException {
        Future<Channel> opened = outbound.openStream(Metadata.internal(Network.TCP, destination), loop).await();
        assertTrue(opened.isSuccess(), () -> "open failed: " + opened.cause());
        return opened.getNow();
    }

    /** {@code text} comes back from an echo server reached by the name {@code localhost}, and v2ray logs that name. */
    public static void echoesAndSendsTheName(Outbound outbound, EventLoop loop, DaemonProcess v2ray, String text)
            throws Exception {
        try (LocalTcpServer echo = LocalTcpServer.echo()) {
            Channel channel = open(outbound, Destination.ofHost("localhost", echo.port()), loop);
            assertEquals(text, ChannelProbe.exchange(channel, text));
            channel.close().sync();
            assertTrue(v2ray.logShows("tcp:localhost:" + echo.port(), 3000),
                    () -> "v2ray's access log shows the name:\n" + v2ray.logForMessage());
        }
    }

    /** {@code mebibytes} of seeded bytes sent by a local server arrive whole (count and SHA-256), then the end. */
    public static void downloadArrivesWhole(Outbound outbound, EventLoop loop, int mebibytes, Set<String> ends)
            throws Exception {
        int size = mebibytes << 20;
        byte[] block = new byte[1 << 16];
        new Random(7).nextBytes(block);
        MessageDigest sent = MessageDigest.getInstance("SHA-256");
        for (int i = 0; i < size / block.length; i++) {
            sent.update(block);
        }
        try (LocalTcpServer source = LocalTcpServer.serving(socket -> {
            // Reads the client's two bytes first: a socket closed with unread input sends a reset, not a FIN.
            socket.getInputStream().readNBytes(2);
            OutputStream out = socket.getOutputStream();
            for (int i = 0; i < size / block.length; i++) {
                out.write(block);
            }
            out.flush();
            socket.shutdownOutput();
        })) {
            Channel channel = open(outbound, Destination.of(source.address()), loop);
            StreamEnd.Outcome outcome = StreamEnd.attach(channel, "go".getBytes(StandardCharsets.US_ASCII)).await(120);
            assertTrue(ends.contains(outcome.how()), () -> "ended by " + outcome);
            assertEquals(size, outcome.bytes());
            assertArrayEquals(sent.digest(), outcome.sha256());
            channel.close().sync();
        }
    }

    /** Two datagrams, sent while the session's connection still opens, come back from a UDP echo server in order. */
    public static void datagramsComeBack(Outbound outbound, EventLoop loop) throws Exception {
        try (UdpEcho echo = new UdpEcho()) {
            BlockingQueue<String> replies = new ArrayBlockingQueue<>(16);
            Destination target = Destination.ofAddress(InetAddress.getLoopbackAddress(), echo.port());
            Future<DatagramSession> opened = outbound.openDatagram(Metadata.internal(Network.UDP, target), loop,
                    (sender, payload) -> {
                        replies.add(sender.getPort() + " " + payload.toString(StandardCharsets.US_ASCII));
                        payload.release();
                    }).await();
            assertTrue(opened.isSuccess(), () -> "open failed: " + opened.cause());
            DatagramSession session = opened.getNow();
            try {
                session.send(target, Unpooled.copiedBuffer("one", StandardCharsets.US_ASCII));
                session.send(target, Unpooled.copiedBuffer("two", StandardCharsets.US_ASCII));
                assertEquals(echo.port() + " one", replies.poll(10, TimeUnit.SECONDS));
                assertEquals(echo.port() + " two", replies.poll(10, TimeUnit.SECONDS));
            } finally {
                session.close();
            }
        }
    }

    /**
     * A destination that answers only after the client ended its side (as the relay ends it when the application
     * sends its FIN: an empty write, then a half-close) still gets its answer through.
     */
    public static void answerAfterTheHalfCloseArrives(Outbound outbound, EventLoop loop, Set<String> ends)
            throws Exception {
        try (LocalTcpServer server = LocalTcpServer.serving(socket -> {
            byte[] request = socket.getInputStream().readNBytes(5);
            try {
                // Answers after the client has ended its side (v2ray passes no half-close on to the destination).
                Thread.sleep(500);
            } catch (InterruptedException e) {
                throw new IOException(e);
            }
            socket.getOutputStream().write(("got " + new String(request, StandardCharsets.US_ASCII)).getBytes(
                    StandardCharsets.US_ASCII));
            socket.shutdownOutput();
            socket.getInputStream().readAllBytes();
        })) {
            Channel channel = open(outbound, Destination.of(server.address()), loop);
            StreamEnd end = StreamEnd.attach(channel, "hello".getBytes(StandardCharsets.US_ASCII));
            channel.eventLoop().submit(() -> channel.writeAndFlush(Unpooled.EMPTY_BUFFER).addListener(
                    w -> ((DuplexChannel) channel).shutdownOutput())).sync();
            StreamEnd.Outcome outcome = end.await(20);
            assertTrue(ends.contains(outcome.how()), () -> "ended by " + outcome);
            assertEquals(9, outcome.bytes());
            channel.close().sync();
        }
    }

    /**
     * Flows through a gRPC node, side by side and then one after another, come to the server on one connection, a
     * call each, with a UDP session among them; once the outbound is closed it opens nothing more.
     */
    public static void callsShareOneConnection(Outbound outbound, EventLoop loop, GunServer server) throws Exception {
        int before = server.callers.size();
        try (LocalTcpServer echo = LocalTcpServer.echo()) {
            Destination target = Destination.ofHost("localhost", echo.port());
            List<Channel> sideBySide = new ArrayList<>();
            for (int i = 0; i < 3; i++) {
                sideBySide.add(open(outbound, target, loop));
            }
            for (int i = 0; i < sideBySide.size(); i++) {
                assertEquals("side by side " + i, ChannelProbe.exchange(sideBySide.get(i), "side by side " + i));
            }
            for (Channel c : sideBySide) {
                c.close().sync();
            }
            datagramsComeBack(outbound, loop);
            Channel after = open(outbound, target, loop);
            assertEquals("after", ChannelProbe.exchange(after, "after"));
            after.close().sync();
        }
        List<SocketAddress> callers = server.callers.subList(before, server.callers.size());
        assertEquals(5, callers.size(), () -> "calls: " + callers);
        assertEquals(1, new HashSet<>(callers).size(), () -> "one connection, calls came from " + callers);
        outbound.close();
        Future<Channel> refused = outbound.openStream(Metadata.internal(Network.TCP,
                Destination.ofHost("localhost", 9)), loop).await();
        assertTrue(refused.cause().getMessage().endsWith("the outbound was closed"), refused.cause().toString());
    }
}
