package dev.turnout.host.dial.layer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.turnout.api.Destination;
import dev.turnout.api.GrpcOptions;
import dev.turnout.api.Metadata;
import dev.turnout.api.Network;
import dev.turnout.api.Steps;
import dev.turnout.api.TlsOptions;
import dev.turnout.api.testing.ChannelProbe;
import dev.turnout.api.testing.GunServer;
import dev.turnout.api.testing.OneEventLoop;
import dev.turnout.api.testing.PlainDialer;
import dev.turnout.api.testing.TestCertificates;
import io.netty.channel.Channel;
import io.netty.channel.EventLoop;
import io.netty.util.concurrent.Future;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/** gRPC calls sharing connections, against grpc-java's server, which says which connection each call came on. */
class GrpcConnectionsTest {

    @RegisterExtension
    static final OneEventLoop loop = new OneEventLoop();

    @TempDir
    static Path dir;

    private static final GrpcOptions OPTIONS = new GrpcOptions("svc.Tunnel");
    private static final Duration LONG = Duration.ofMinutes(5);

    private static TestCertificates certs;
    private static GunServer server;

    @BeforeAll
    static void start() throws Exception {
        certs = TestCertificates.issue(dir.resolve("pki"), "grpc.test");
        server = GunServer.echo("svc.Tunnel", certs);
    }

    @AfterAll
    static void stop() {
        if (server != null) {
            server.close();
        }
    }

    /** Opens TLS connections to {@code port} and counts them. */
    private static final class Connector {
        final AtomicInteger dials = new AtomicInteger();
        final List<Channel> connections = new CopyOnWriteArrayList<>();
        final int port;

        Connector(int port) {
            this.port = port;
        }

        Future<Channel> connect(EventLoop on) {
            dials.incrementAndGet();
            Metadata flow = Metadata.internal(Network.TCP,
                    Destination.ofAddress(InetAddress.getLoopbackAddress(), port));
            return Steps.then(on, new PlainDialer().openStream(flow, on), c -> {
                connections.add(c);
                return new TlsLayer(certs.caCertificate().toString())
                        .start(c, new TlsOptions("grpc.test", false, List.of("h2"), null));
            });
        }
    }

    private static GrpcConnections calls(Connector connector, GrpcConnections.Timing timing) {
        return new GrpcLayer().calls(OPTIONS, "grpc.test:443", connector::connect, timing);
    }

    private static Channel open(GrpcConnections calls) throws InterruptedException {
        Future<Channel> opened = calls.open(loop.get());
        assertTrue(opened.await(15_000), "the call neither opened nor failed in 15 s");
        assertTrue(opened.isSuccess(), () -> "the call failed: " + opened.cause());
        return opened.getNow();
    }

    /** One call's whole life: opened, an echo through it, closed. */
    private static void echoOnANewCall(GrpcConnections calls, String text) throws Exception {
        Channel call = open(calls);
        assertEquals(text, ChannelProbe.exchange(call, text));
        call.close().sync();
    }

    private static int connectionsNow(GrpcConnections calls) throws Exception {
        return loop.get().submit(() -> calls.connections(loop.get())).get(5, TimeUnit.SECONDS);
    }

    private static List<?> callersSince(int before) {
        return server.callers.subList(before, server.callers.size());
    }

    @Test
    void callsOneAfterAnotherAndSideBySideShareOneConnection() throws Exception {
        Connector connector = new Connector(server.port());
        int before = server.callers.size();
        try (GrpcConnections calls = calls(connector, new GrpcConnections.Timing(LONG, LONG, LONG))) {
            for (int i = 0; i < 3; i++) {
                echoOnANewCall(calls, "one after another " + i);
            }
            List<Channel> open = new ArrayList<>();
            for (int i = 0; i < 4; i++) {
                open.add(open(calls));
            }
            for (int i = 0; i < open.size(); i++) {
                assertEquals("side by side " + i, ChannelProbe.exchange(open.get(i), "side by side " + i));
            }
            for (Channel c : open) {
                c.close().sync();
            }
            assertEquals(1, connector.dials.get(), "one connection dialled");
            assertEquals(7, callersSince(before).size());
            assertEquals(1, new HashSet<>(callersSince(before)).size(), () -> "calls came from " + callersSince(before));
            assertEquals(1, connectionsNow(calls), "kept open for the next call");
        }
    }

    @Test
    void callsArrivingWhileTheConnectionIsDialledWaitForItInsteadOfDiallingTheirOwn() throws Exception {
        Connector connector = new Connector(server.port());
        try (GrpcConnections calls = calls(connector, new GrpcConnections.Timing(LONG, LONG, LONG))) {
            List<Future<Channel>> opening = loop.get().submit(() -> {
                List<Future<Channel>> all = new ArrayList<>();
                for (int i = 0; i < 5; i++) {
                    all.add(calls.open(loop.get()));
                }
                return all;
            }).get(5, TimeUnit.SECONDS);
            for (Future<Channel> f : opening) {
                assertTrue(f.await(15_000) && f.isSuccess(), () -> "the call failed: " + f.cause());
                assertEquals("waited", ChannelProbe.exchange(f.getNow(), "waited"));
                f.getNow().close().sync();
            }
            assertEquals(1, connector.dials.get());
        }
    }

    @Test
    void aFailedDialFailsTheCallThatWaitedForItAndTheNextCallDialsAgain() throws Exception {
        AtomicInteger dials = new AtomicInteger();
        try (GrpcConnections calls = new GrpcLayer().calls(OPTIONS, "grpc.test:443", on -> {
            dials.incrementAndGet();
            return on.newFailedFuture(new IOException("grpc server 192.0.2.1:443 cannot be reached: no route"));
        }, new GrpcConnections.Timing(LONG, LONG, LONG))) {
            for (int i = 1; i <= 2; i++) {
                Future<Channel> opened = calls.open(loop.get());
                assertTrue(opened.await(5_000));
                assertEquals("grpc server 192.0.2.1:443 cannot be reached: no route", opened.cause().getMessage());
                assertEquals(i, dials.get());
            }
        }
    }

    @Test
    void aConnectionThatBrokeIsReplacedByTheNextCall() throws Exception {
        Connector connector = new Connector(server.port());
        try (GrpcConnections calls = calls(connector, new GrpcConnections.Timing(LONG, LONG, LONG))) {
            Channel first = open(calls);
            assertEquals("before", ChannelProbe.exchange(first, "before"));
            connector.connections.get(0).close().sync();
            assertTrue(first.closeFuture().await(5_000), "the call ends with its connection");
            echoOnANewCall(calls, "after");
            assertEquals(2, connector.dials.get());
        }
    }

    @Test
    void aConnectionWithoutCallsClosesOnceIdle() throws Exception {
        Connector connector = new Connector(server.port());
        try (GrpcConnections calls = calls(connector, new GrpcConnections.Timing(Duration.ofMillis(300), LONG, LONG))) {
            Channel call = open(calls);
            assertEquals("idle soon", ChannelProbe.exchange(call, "idle soon"));
            Thread.sleep(600);
            assertTrue(connector.connections.get(0).isActive(), "a call open keeps it, however long");
            call.close().sync();
            assertTrue(connector.connections.get(0).closeFuture().await(5_000), "closed once idle");
            assertEquals(0, connectionsNow(calls));
            echoOnANewCall(calls, "dialled again");
            assertEquals(2, connector.dials.get());
        }
    }

    @Test
    void closingClosesConnectionsWithoutCallsAndRefusesNewCallsButLetsOpenOnesFinish() throws Exception {
        Connector connector = new Connector(server.port());
        GrpcConnections calls = calls(connector, new GrpcConnections.Timing(LONG, LONG, LONG));
        Channel call = open(calls);
        calls.close();
        Future<Channel> refused = calls.open(loop.get());
        assertTrue(refused.await(5_000));
        assertEquals("gRPC at grpc.test:443/svc.Tunnel/Tun: the outbound was closed", refused.cause().getMessage());
        assertEquals(1, connector.dials.get(), "refused without dialling");
        assertEquals("still open", ChannelProbe.exchange(call, "still open"));
        call.close().sync();
        assertTrue(connector.connections.get(0).closeFuture().await(5_000), "closed with its last call");
    }

    @Test
    void aQuietConnectionThatAnswersAPingTakesTheCall() throws Exception {
        Connector connector = new Connector(server.port());
        try (GrpcConnections calls = calls(connector, new GrpcConnections.Timing(LONG, Duration.ZERO, LONG))) {
            for (int i = 0; i < 3; i++) {
                echoOnANewCall(calls, "pinged " + i);
            }
            assertEquals(1, connector.dials.get());
        }
    }

    @Test
    void aQuietConnectionThatDoesNotAnswerAPingIsLeftForANewOne() throws Exception {
        try (Freezer freezer = new Freezer(server.port())) {
            Connector connector = new Connector(freezer.port());
            try (GrpcConnections calls = calls(connector,
                    new GrpcConnections.Timing(LONG, Duration.ZERO, Duration.ofMillis(300)))) {
                echoOnANewCall(calls, "before");
                // What a connection looks like after the laptop slept: it takes bytes and answers nothing.
                freezer.freezeWhatIsOpen();
                long start = System.nanoTime();
                Channel second = open(calls);
                assertTrue(System.nanoTime() - start >= TimeUnit.MILLISECONDS.toNanos(300), "waited for the PING");
                assertEquals("after", ChannelProbe.exchange(second, "after"));
                assertEquals(2, connector.dials.get());
                assertFalse(connector.connections.get(0).isActive(), "the silent one, without calls, is closed");
                second.close().sync();
            }
        }
    }

    /** Forwards connections to a port until told to stop passing on bytes of the ones open. */
    private static final class Freezer implements AutoCloseable {
        private final ServerSocket listener = new ServerSocket(0, 8, InetAddress.getLoopbackAddress());
        private final ExecutorService threads = Executors.newCachedThreadPool();
        private final List<Socket> sockets = new CopyOnWriteArrayList<>();
        private final List<Socket> frozen = new CopyOnWriteArrayList<>();

        Freezer(int target) throws IOException {
            threads.execute(() -> {
                while (!listener.isClosed()) {
                    try {
                        Socket in = listener.accept();
                        Socket out = new Socket();
                        out.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), target), 5_000);
                        sockets.add(in);
                        sockets.add(out);
                        threads.execute(() -> pump(in, out));
                        threads.execute(() -> pump(out, in));
                    } catch (IOException e) {
                        return;
                    }
                }
            });
        }

        int port() {
            return listener.getLocalPort();
        }

        void freezeWhatIsOpen() {
            frozen.addAll(sockets);
        }

        private void pump(Socket from, Socket to) {
            byte[] buffer = new byte[16_384];
            try (InputStream in = from.getInputStream(); OutputStream out = to.getOutputStream()) {
                for (int n; (n = in.read(buffer)) >= 0; ) {
                    if (!frozen.contains(from)) {
                        out.write(buffer, 0, n);
                    }
                }
            } catch (IOException e) {
                // closed
            }
        }

        @Override
        public void close() throws IOException {
            listener.close();
            for (Socket s : sockets) {
                s.close();
            }
            threads.shutdownNow();
        }
    }
}
