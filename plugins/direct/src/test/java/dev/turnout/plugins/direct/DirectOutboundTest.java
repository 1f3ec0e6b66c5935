package dev.turnout.plugins.direct;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.turnout.api.DatagramSession;
import dev.turnout.api.Destination;
import dev.turnout.api.Dialer;
import dev.turnout.api.Metadata;
import dev.turnout.api.Network;
import dev.turnout.api.Outbound;
import dev.turnout.api.OutboundOptions;
import dev.turnout.api.testing.ChannelProbe;
import dev.turnout.api.testing.LocalTcpServer;
import dev.turnout.api.testing.OneEventLoop;
import dev.turnout.api.testing.PlainDialer;
import dev.turnout.api.testing.TestContext;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.EventLoop;
import io.netty.util.concurrent.Future;
import java.net.ConnectException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

class DirectOutboundTest {

    @RegisterExtension
    static final OneEventLoop loop = new OneEventLoop();

    /** A real dialer that counts its calls, to show DIRECT goes through the dialer it was given. */
    private static final class CountingDialer implements Dialer {
        final PlainDialer plain = new PlainDialer();
        final AtomicInteger streams = new AtomicInteger();
        final AtomicInteger datagrams = new AtomicInteger();

        @Override
        public Future<Channel> openStream(Metadata flow, EventLoop loop) {
            streams.incrementAndGet();
            return plain.openStream(flow, loop);
        }

        @Override
        public Future<DatagramSession> openDatagram(Metadata flow, EventLoop loop, DatagramSession.Receiver receiver) {
            datagrams.incrementAndGet();
            return plain.openDatagram(flow, loop, receiver);
        }
    }

    private static Outbound direct(Dialer dialer) throws Exception {
        return new DirectType().create(new OutboundOptions("DIRECT", "direct", Map.of()), new TestContext(dialer));
    }

    @Test
    void describesItselfAsDirectWithUdp() throws Exception {
        Outbound out = direct(new PlainDialer());
        assertEquals("DIRECT", out.name());
        assertEquals("direct", out.type());
        assertEquals("direct", new DirectType().type());
        assertTrue(out.supportsUdp());
    }

    @Test
    void opensStreamThroughTheHostDialer() throws Exception {
        CountingDialer dialer = new CountingDialer();
        try (LocalTcpServer echo = LocalTcpServer.echo()) {
            Outbound out = direct(dialer);
            Metadata flow = Metadata.internal(Network.TCP, Destination.of(echo.address()));
            Future<Channel> opened = out.openStream(flow, loop.get()).await();
            assertTrue(opened.isSuccess(), () -> "open failed: " + opened.cause());
            Channel ch = opened.getNow();
            assertEquals(loop.get(), ch.eventLoop());
            ChannelProbe probe = ChannelProbe.attach(ch);
            ch.writeAndFlush(Unpooled.copiedBuffer("ping", StandardCharsets.US_ASCII)).sync();
            assertEquals("ping", probe.await(4, 5000));
            ch.close().sync();
            assertEquals(1, dialer.streams.get());
        }
    }

    @Test
    void resolvesNamesThroughTheDialer() throws Exception {
        try (LocalTcpServer echo = LocalTcpServer.echo()) {
            Outbound out = direct(new PlainDialer());
            Metadata flow = Metadata.internal(Network.TCP, Destination.ofHost("localhost", echo.port()));
            Future<Channel> opened = out.openStream(flow, loop.get()).await();
            assertTrue(opened.isSuccess(), () -> "open failed: " + opened.cause());
            opened.getNow().close().sync();
        }
    }

    @Test
    void passesTheDialersFailureOn() throws Exception {
        Outbound out = direct(new PlainDialer());
        Metadata flow = Metadata.internal(Network.TCP,
                Destination.ofAddress(InetAddress.getLoopbackAddress(), LocalTcpServer.closedPort()));
        Future<Channel> opened = out.openStream(flow, loop.get());
        assertTrue(opened.await(5, TimeUnit.SECONDS), "a refused connect must fail promptly");
        assertFalse(opened.isSuccess());
        assertInstanceOf(ConnectException.class, opened.cause());
    }

    @Test
    void carriesDatagramsThroughTheHostDialer() throws Exception {
        CountingDialer dialer = new CountingDialer();
        try (DatagramSocket echo = new DatagramSocket(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0))) {
            echo.setSoTimeout(5000);
            Outbound out = direct(dialer);
            BlockingQueue<String> replies = new ArrayBlockingQueue<>(4);
            DatagramSession.Receiver receiver = (sender, payload) -> {
                replies.add(sender.getPort() + ":" + payload.toString(StandardCharsets.US_ASCII));
                payload.release();
            };
            Destination target = Destination.ofAddress(InetAddress.getLoopbackAddress(), echo.getLocalPort());
            Future<DatagramSession> opened = out.openDatagram(Metadata.internal(Network.UDP, target), loop.get(), receiver).await();
            assertTrue(opened.isSuccess(), () -> "open failed: " + opened.cause());
            DatagramSession session = opened.getNow();
            ByteBuf payload = Unpooled.copiedBuffer("hello", StandardCharsets.US_ASCII);
            session.send(target, payload);
            DatagramPacket packet = new DatagramPacket(new byte[64], 64);
            echo.receive(packet);
            echo.send(new DatagramPacket(packet.getData(), packet.getLength(), packet.getSocketAddress()));
            assertEquals(echo.getLocalPort() + ":hello", replies.poll(5, TimeUnit.SECONDS));
            session.close();
            assertEquals(1, dialer.datagrams.get());
        }
    }
}
