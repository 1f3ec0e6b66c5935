package dev.turnout.host.dial.layer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
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
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslProvider;
import io.netty.util.concurrent.Future;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/** The gRPC transport against grpc-java, a gRPC server that is not Turnout's code. */
class GrpcLayerTest {

    @RegisterExtension
    static final OneEventLoop loop = new OneEventLoop();

    @TempDir
    static Path dir;

    private static TestCertificates certs;
    private static GunServer overTls;
    private static GunServer inClear;

    @BeforeAll
    static void start() throws Exception {
        certs = TestCertificates.issue(dir.resolve("pki"), "grpc.test");
        overTls = GunServer.echo("svc.Tunnel", certs);
        inClear = GunServer.echo(GrpcOptions.DEFAULT_SERVICE_NAME, null);
    }

    @AfterAll
    static void stop() {
        if (overTls != null) {
            overTls.close();
        }
        if (inClear != null) {
            inClear.close();
        }
    }

    private static Channel connect(GunServer server) throws InterruptedException {
        Metadata flow = Metadata.internal(Network.TCP,
                Destination.ofAddress(InetAddress.getLoopbackAddress(), server.port()));
        return new PlainDialer().openStream(flow, loop.get()).sync().getNow();
    }

    private static Future<Channel> call(GunServer server, List<String> alpn, String serviceName)
            throws InterruptedException {
        Channel connection = connect(server);
        GrpcOptions options = new GrpcOptions(serviceName);
        // On the loop, straight from the handshake's completion, as TransportDialer chains them (a call started
        // later is aCallStartedWellAfterTheHandshakeStillHearsTheServersSettings's case).
        Future<Channel> ready = loop.get().submit(() -> server == overTls
                ? Steps.then(loop.get(), new TlsLayer(certs.caCertificate().toString())
                        .start(connection, new TlsOptions("grpc.test", false, alpn, null)),
                        c -> new GrpcLayer().start(c, options, "grpc.test:443"))
                : new GrpcLayer().start(connection, options, "grpc.test:443")).sync().getNow();
        assertTrue(ready.await(15_000), "the call neither opened nor failed in 15 s");
        return ready;
    }

    @Test
    void carriesBytesThroughOneCallOverTlsWithWhatGrpcServersExpect() throws Exception {
        Future<Channel> ready = call(overTls, List.of("h2"), "svc.Tunnel");
        assertTrue(ready.isSuccess(), () -> "the call failed: " + ready.cause());
        assertEquals("through a gRPC call", ChannelProbe.exchange(ready.getNow(), "through a gRPC call"));
        GunServer.Call seen = overTls.calls.get(overTls.calls.size() - 1);
        assertEquals(new GunServer.Call("grpc.test:443", "/svc.Tunnel/Tun", "grpc-go/1.36.0"), seen);
        ready.getNow().close();
    }

    @Test
    void carriesEightMegabytesEachWayWholeAndInOrder() throws Exception {
        // More than HTTP/2's default windows and than one message or frame: flow control and reassembly.
        Future<Channel> ready = call(overTls, List.of("h2"), "svc.Tunnel");
        assertTrue(ready.isSuccess(), () -> "the call failed: " + ready.cause());
        byte[] data = new byte[8 << 20];
        new Random(11).nextBytes(data);
        for (int i = 0; i < data.length; i++) {
            data[i] = (byte) ('a' + (data[i] & 15));
        }
        Channel ch = ready.getNow();
        ChannelProbe probe = ChannelProbe.attach(ch);
        // Writes of several sizes, one above the transport's 1 MiB cut, as a relay and a protocol would make them.
        int[] sizes = {1, 700, 16_384, 65_536, (1 << 20) + 3};
        int off = 0;
        for (int i = 0; off < data.length; i++) {
            int n = Math.min(sizes[i % sizes.length], data.length - off);
            ch.write(Unpooled.wrappedBuffer(data, off, n));
            off += n;
            if (i % 8 == 0) {
                ch.flush();
            }
        }
        ch.flush();
        String back = probe.await(data.length, 20_000);
        assertEquals(data.length, back.length(), () -> "stream open " + ch.isActive() + ", connection open "
                + ch.parent().isActive() + ", writable " + ch.isWritable());
        assertArrayEquals(data, back.getBytes(StandardCharsets.ISO_8859_1));
        ch.close();
    }

    @Test
    void aCallStartedWellAfterTheHandshakeStillHearsTheServersSettings() throws Exception {
        // As a step chained late would start it (from another thread, a plugin's own way): by then TLS has read and
        // decrypted the server's SETTINGS on its own, and the TLS layer must keep them for the HTTP/2 codec.
        Channel connection = connect(overTls);
        Future<Channel> secured = loop.get().submit(() -> new TlsLayer(certs.caCertificate().toString())
                .start(connection, new TlsOptions("grpc.test", false, List.of("h2"), null))).sync().getNow();
        assertTrue(secured.await(15_000), "the handshake neither finished nor failed in 15 s");
        assertTrue(secured.isSuccess(), () -> "the handshake failed: " + secured.cause());
        Thread.sleep(300);
        Future<Channel> ready = loop.get().submit(() -> new GrpcLayer()
                .start(connection, new GrpcOptions("svc.Tunnel"), "grpc.test:443")).sync().getNow();
        assertTrue(ready.await(15_000), "the call neither opened nor failed in 15 s");
        assertTrue(ready.isSuccess(), () -> "the call failed: " + ready.cause());
        assertEquals("said late", ChannelProbe.exchange(ready.getNow(), "said late"));
        ready.getNow().close();
    }

    @Test
    void worksInClearWithoutTlsAsMihomoDoes() throws Exception {
        Future<Channel> ready = call(inClear, List.of(), GrpcOptions.DEFAULT_SERVICE_NAME);
        assertTrue(ready.isSuccess(), () -> "the call failed: " + ready.cause());
        assertEquals("h2c", ChannelProbe.exchange(ready.getNow(), "h2c"));
        assertEquals("/GunService/Tun", inClear.calls.get(inClear.calls.size() - 1).path());
        ready.getNow().close();
    }

    @Test
    void aServiceTheServerDoesNotHaveClosesTheStreamAndTheConnection() throws Exception {
        Future<Channel> ready = call(overTls, List.of("h2"), "GunService");
        assertTrue(ready.isSuccess(), "the request goes out without waiting for an answer");
        Channel stream = ready.getNow();
        ChannelProbe probe = ChannelProbe.attach(stream);
        stream.writeAndFlush(Unpooled.copiedBuffer("anyone?", StandardCharsets.US_ASCII));
        assertTrue(stream.closeFuture().await(10_000), "a call the server refused (UNIMPLEMENTED) stayed open");
        assertTrue(stream.parent().closeFuture().await(10_000), "its connection stayed open");
        assertEquals("", probe.await(1, 100));
    }

    @Test
    void closingTheStreamClosesItsConnection() throws Exception {
        Future<Channel> ready = call(overTls, List.of("h2"), "svc.Tunnel");
        assertTrue(ready.isSuccess(), () -> "the call failed: " + ready.cause());
        Channel stream = ready.getNow();
        stream.close().sync();
        assertTrue(stream.parent().closeFuture().await(10_000), "the connection outlived its one call");
    }

    @Test
    void aServerThatDidNotAgreeToHttp2IsRefusedByName() throws Exception {
        // A TLS server without ALPN: the handshake succeeds, and HTTP/2 must not be spoken to it.
        SslContext context = SslContextBuilder.forServer(certs.certificate().toFile(), certs.privateKey().toFile())
                .sslProvider(SslProvider.JDK).build();
        EchoServer plainTls = EchoServer.tls(context);
        try {
            Channel connection = new PlainDialer().openStream(Metadata.internal(Network.TCP,
                    Destination.ofAddress(InetAddress.getLoopbackAddress(), plainTls.port())), loop.get())
                    .sync().getNow();
            Future<Channel> ready = Steps.then(loop.get(), new TlsLayer(certs.caCertificate().toString())
                    .start(connection, new TlsOptions("grpc.test", false, List.of("h2"), null)),
                    c -> new GrpcLayer().start(c, new GrpcOptions("svc.Tunnel"), "grpc.test"));
            assertTrue(ready.await(5_000));
            assertFalse(ready.isSuccess(), "HTTP/2 was spoken where TLS agreed on none");
            assertTrue(ready.cause().getMessage().contains("ALPN: none"), ready.cause().getMessage());
            assertTrue(connection.closeFuture().await(5_000));
        } finally {
            plainTls.close();
        }
    }
}
