package dev.turnout.plugins.trojan;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.turnout.api.DatagramSession;
import dev.turnout.api.Destination;
import dev.turnout.api.Outbound;
import dev.turnout.api.testing.LocalTcpServer;
import dev.turnout.api.testing.UdpEchoServer;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.EventLoop;
import io.netty.util.concurrent.Future;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.util.Random;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;

/** Exchanges through an outbound, checked end to end: an echo round, and 64 MiB each way through a {@link BulkServer}. */
final class Transfers {

    static final long BULK = 64L * 1024 * 1024;

    private Transfers() {
    }

    static Channel open(Outbound outbound, Destination to, EventLoop loop) throws InterruptedException {
        Future<Channel> opened = outbound.openStream(Trojans.tcp(to), loop).await();
        assertTrue(opened.isSuccess(), () -> "open failed: " + opened.cause());
        return opened.getNow();
    }

    /** Writes {@code text} and returns what came back within 5 s, up to its length. */
    static String echo(Outbound outbound, Destination echoServer, EventLoop loop, String text) throws Exception {
        Channel channel = open(outbound, echoServer, loop);
        try {
            StreamProbe probe = StreamProbe.attach(channel);
            channel.writeAndFlush(Unpooled.copiedBuffer(text, StandardCharsets.US_ASCII)).sync();
            return probe.await(text.length(), 5000).head();
        } finally {
            channel.close().sync();
        }
    }

    /** Sends {@code text} in one datagram to a UDP echo server and returns its reply within 5 s (null if none). */
    static String datagramEcho(Outbound outbound, EventLoop loop, String text) throws Exception {
        try (UdpEchoServer echo = new UdpEchoServer()) {
            BlockingQueue<String> replies = new ArrayBlockingQueue<>(4);
            Destination to = Destination.ofAddress(InetAddress.getLoopbackAddress(), echo.port());
            Future<DatagramSession> opened = outbound.openDatagram(Trojans.udp(to), loop, (sender, payload) -> {
                replies.add(payload.toString(StandardCharsets.US_ASCII));
                payload.release();
            }).await();
            assertTrue(opened.isSuccess(), () -> "open failed: " + opened.cause());
            try {
                opened.getNow().send(to, Unpooled.copiedBuffer(text, StandardCharsets.US_ASCII));
                return replies.poll(5, TimeUnit.SECONDS);
            } finally {
                opened.getNow().close();
            }
        }
    }

    static void downloadArrivesWhole(Outbound outbound, LocalTcpServer bulk, EventLoop loop) throws Exception {
        Channel channel = open(outbound, Destination.of(bulk.address()), loop);
        try {
            StreamProbe probe = StreamProbe.attach(channel);
            channel.writeAndFlush(Unpooled.copiedBuffer("DOWN " + BULK + "\n", StandardCharsets.US_ASCII)).sync();
            probe.await(BULK + 1, 120_000);
            assertEquals(BULK, probe.received(), "bytes downloaded");
            assertEquals(BulkServer.patternDigest(BULK), probe.sha256(), "SHA-256 of the download");
        } finally {
            channel.close().sync();
        }
    }

    static void uploadArrivesWhole(Outbound outbound, LocalTcpServer bulk, EventLoop loop) throws Exception {
        Channel channel = open(outbound, Destination.of(bulk.address()), loop);
        try {
            StreamProbe probe = StreamProbe.attach(channel);
            channel.writeAndFlush(Unpooled.copiedBuffer("UP " + BULK + "\n", StandardCharsets.US_ASCII)).sync();
            Random pattern = BulkServer.pattern(BULK);
            byte[] chunk = new byte[BulkServer.CHUNK];
            for (long sent = 0; sent < BULK; sent += chunk.length) {
                pattern.nextBytes(chunk);
                // One chunk in flight at a time: bounded memory, and the socket's back-pressure is respected.
                channel.writeAndFlush(Unpooled.wrappedBuffer(chunk.clone())).sync();
            }
            probe.await(65, 120_000);
            assertEquals(BulkServer.patternDigest(BULK) + "\n", probe.head(), "the server's SHA-256 of the upload");
        } finally {
            channel.close().sync();
        }
    }
}
