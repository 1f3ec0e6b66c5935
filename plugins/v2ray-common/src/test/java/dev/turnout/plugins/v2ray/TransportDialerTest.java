package dev.turnout.plugins.v2ray;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.turnout.api.DatagramSession;
import dev.turnout.api.Destination;
import dev.turnout.api.OutboundOptions;
import dev.turnout.api.testing.ChannelProbe;
import dev.turnout.api.testing.LocalTcpServer;
import dev.turnout.api.testing.OneEventLoop;
import dev.turnout.api.testing.PlainDialer;
import dev.turnout.api.testing.TestOptions;
import dev.turnout.host.outbound.PluginContext;
import dev.turnout.plugins.v2ray.testing.V2rayFixture;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.util.concurrent.Future;
import java.io.IOException;
import java.net.InetAddress;
import java.net.SocketTimeoutException;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The transports and the request form against a real v2ray 4.34 on 127.0.0.1 (VLESS inbounds over tcp, ws,
 * tcp+tls and ws+tls, TLS for the name v2ray.test): a VLESS request written here from {@link Uuids} and
 * {@link V2rayAddress} reaches a local echo server by name, so v2ray took the layers, the id and the address.
 */
class TransportDialerTest {

    @RegisterExtension
    static final OneEventLoop loop = new OneEventLoop();
    @RegisterExtension
    static final V2rayFixture v2ray = new V2rayFixture("vless", "tcp", "ws", "tcp+tls", "ws+tls");

    private static final PluginContext CONTEXT = PluginContext.of(new PlainDialer(),
            (host, l) -> l.newSucceededFuture(InetAddress.getLoopbackAddress()));

    private static TransportDialer dialer(Map<String, Object> options, long timeoutMillis) throws Exception {
        OutboundOptions o = TestOptions.loopbackServer("v", "vless", (Integer) options.get("port"), options);
        return new TransportDialer(Destination.ofHost("127.0.0.1", (Integer) options.get("port")),
                Transport.from(o, "127.0.0.1"), CONTEXT, timeoutMillis, "vless server 127.0.0.1");
    }

    /** {@code f} once done; a future that never completes fails the test instead of hanging it. */
    private static <T> Future<T> done(Future<T> f) throws InterruptedException {
        assertTrue(f.await(20, TimeUnit.SECONDS), "not done within 20 s");
        return f;
    }

    /** VLESS (version 0, no addons): the id, the command, then the destination in V2Ray's form. */
    private static TransportDialer.Requests vless(OutboundOptions options) throws Exception {
        byte[] id = Uuids.require(options);
        return (command, destination) -> {
            byte[] address = V2rayAddress.encode(destination);
            return channel -> {
                ByteBuf header = Unpooled.buffer().writeByte(0).writeBytes(id).writeByte(0).writeByte(command);
                V2rayAddress.write(destination, header);
                assertEquals(address.length, header.readableBytes() - 19);
                channel.pipeline().addLast("vless-response", new SkipResponseHeader());
                channel.writeAndFlush(header);
            };
        };
    }

    /** The response starts with the version and an empty addons block (2 bytes); then the data. */
    private static final class SkipResponseHeader extends ChannelInboundHandlerAdapter {
        private int skip = 2;

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            ByteBuf b = (ByteBuf) msg;
            int n = Math.min(skip, b.readableBytes());
            b.skipBytes(n);
            skip -= n;
            if (b.isReadable()) {
                ctx.fireChannelRead(b);
            } else {
                b.release();
            }
        }
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"tcp", "ws", "tcp+tls", "ws+tls"})
    void aRequestThroughEachTransportReachesTheDestinationByName(String transport) throws Exception {
        Map<String, Object> options = v2ray.options(transport, v2ray.uuid());
        TransportDialer dialer = dialer(options, 10_000);
        try (LocalTcpServer echo = LocalTcpServer.echo()) {
            Future<Channel> opened = done(dialer.openStream(Destination.ofHost("localhost", echo.port()), loop.get(),
                    vless(TestOptions.of("vless", "uuid", v2ray.uuid()))));
            assertTrue(opened.isSuccess(), () -> "open failed: " + opened.cause());
            Channel channel = opened.getNow();
            assertEquals("hello " + transport, ChannelProbe.exchange(channel, "hello " + transport));
            channel.close().sync();
            assertTrue(v2ray.daemon().logShows("tcp:localhost:" + echo.port(), 3000),
                    () -> "v2ray's access log shows the name:\n" + v2ray.daemon().logForMessage());
        }
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"the TLS handshake:tcp+tls", "the WebSocket upgrade:ws", "the TLS handshake:ws+tls"})
    void aSilentServerFailsTheFlowWithinTheDeadlineNamingTheStage(String stageAndTransport) throws Exception {
        String stage = stageAndTransport.substring(0, stageAndTransport.indexOf(':'));
        String transport = stageAndTransport.substring(stageAndTransport.indexOf(':') + 1);
        try (LocalTcpServer silent = LocalTcpServer.silent()) {
            Map<String, Object> options = v2ray.options(transport, v2ray.uuid());
            options.put("port", silent.port());
            Future<Channel> opened = done(dialer(options, 300).open(loop.get()));
            assertInstanceOf(SocketTimeoutException.class, opened.cause());
            assertEquals("vless server 127.0.0.1 did not complete " + stage + " within 300 ms",
                    opened.cause().getMessage());
        }
    }

    @Test
    void aDestinationTheProtocolCannotNameFailsAtOnceAndDialsNothing() throws Exception {
        List<Object> accepted = new CopyOnWriteArrayList<>();
        try (LocalTcpServer server = LocalTcpServer.serving(accepted::add)) {
            TransportDialer dialer = dialer(Map.of("port", server.port()), 10_000);
            Future<Channel> opened = loop.get().submit(() -> dialer.openStream(Destination.ofHost("x.example", 1),
                    loop.get(), (command, destination) -> {
                        throw new IllegalArgumentException("cannot name " + destination.host());
                    })).get(10, TimeUnit.SECONDS);
            assertTrue(opened.isDone());
            assertInstanceOf(IOException.class, opened.cause());
            assertEquals("cannot name x.example", opened.cause().getMessage());
            // a dial that did happen would have been accepted by now: a later one to the same server is
            Future<Channel> probe = done(dialer.open(loop.get()));
            assertTrue(probe.isSuccess());
            probe.getNow().close().sync();
            for (int i = 0; i < 100 && accepted.isEmpty(); i++) {
                Thread.sleep(20);
            }
            assertEquals(1, accepted.size(), "only the probe was dialed");
        }
    }

    @Test
    void streamsAskForCommandOneAndDatagramsForCommandTwoOneConnectionPerDestination() throws Exception {
        LinkedBlockingQueue<String> asked = new LinkedBlockingQueue<>();
        LinkedBlockingQueue<Integer> arrived = new LinkedBlockingQueue<>();
        try (LocalTcpServer server = LocalTcpServer.serving(s -> arrived.add(s.getInputStream().read()))) {
            TransportDialer dialer = dialer(Map.of("port", server.port()), 10_000);
            TransportDialer.Requests recording = (command, destination) -> {
                asked.add(command + " " + destination.host() + ":" + destination.port());
                return channel -> { };
            };
            Future<Channel> stream = done(dialer.openStream(Destination.ofHost("a.example", 80), loop.get(), recording));
            assertTrue(stream.isSuccess());
            stream.getNow().close();
            assertEquals("1 a.example:80", asked.poll(10, TimeUnit.SECONDS));

            Future<DatagramSession> off = done(dialer.openDatagram(false, "vless 'v'", loop.get(), (s, d) -> d.release(),
                    recording));
            assertEquals("UDP is not enabled for vless 'v' (set udp: true)", off.cause().getMessage());
            Future<DatagramSession> on = done(dialer.openDatagram(true, "vless 'v'", loop.get(), (s, d) -> d.release(),
                    recording));
            DatagramSession session = on.getNow();
            session.send(Destination.ofHost("dns.example", 53), Unpooled.wrappedBuffer(new byte[] {7}));
            assertEquals("2 dns.example:53", asked.poll(10, TimeUnit.SECONDS));
            assertEquals(-1, arrived.poll(10, TimeUnit.SECONDS), "the stream, closed without a byte");
            assertEquals(7, arrived.poll(10, TimeUnit.SECONDS), "the datagram, on its own connection to the server");
            session.close();
        }
    }
}
