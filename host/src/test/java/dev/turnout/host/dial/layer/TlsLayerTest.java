package dev.turnout.host.dial.layer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.turnout.api.Destination;
import dev.turnout.api.Metadata;
import dev.turnout.api.Network;
import dev.turnout.api.TlsOptions;
import dev.turnout.api.testing.ChannelProbe;
import dev.turnout.api.testing.OneEventLoop;
import dev.turnout.api.testing.PlainDialer;
import dev.turnout.api.testing.TestCertificates;
import io.netty.channel.Channel;
import io.netty.handler.ssl.OpenSsl;
import io.netty.handler.ssl.ReferenceCountedOpenSslEngine;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslHandler;
import io.netty.handler.ssl.SslProvider;
import io.netty.util.concurrent.Future;
import java.net.InetAddress;
import java.nio.file.Path;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLEngine;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

class TlsLayerTest {

    @RegisterExtension
    static final OneEventLoop loop = new OneEventLoop();

    @TempDir
    static Path dir;

    private static TestCertificates certs;
    private static EchoServer server;

    @BeforeAll
    static void start() throws Exception {
        certs = TestCertificates.issue(dir.resolve("pki"), "proxy.test");
        SslContext context = SslContextBuilder.forServer(certs.certificate().toFile(), certs.privateKey().toFile())
                .sslProvider(SslProvider.JDK).build();
        server = EchoServer.tls(context);
    }

    @AfterAll
    static void stop() {
        if (server != null) {
            server.close();
        }
    }

    private static Future<Channel> handshake(TlsLayer layer, TlsOptions options) throws InterruptedException {
        Metadata flow = Metadata.internal(Network.TCP,
                Destination.ofAddress(InetAddress.getLoopbackAddress(), server.port()));
        Channel ch = new PlainDialer().openStream(flow, loop.get()).sync().getNow();
        Future<Channel> ready = layer.start(ch, options);
        ready.await(15_000);
        assertTrue(ready.isDone(), "the handshake neither finished nor failed in 15 s");
        return ready;
    }

    private static TlsOptions options(String sni, boolean skip, byte[] pin) {
        return new TlsOptions(sni, skip, List.of(), pin);
    }

    @ParameterizedTest
    @EnumSource(value = SslProvider.class, names = {"JDK", "OPENSSL"})
    void trustsTheCaNamedBySslCertFileAndCarriesBytes(SslProvider provider) throws Exception {
        Future<Channel> ready = handshake(new TlsLayer(certs.caCertificate().toString(), provider),
                options("proxy.test", false, null));
        assertTrue(ready.isSuccess(), () -> "handshake failed: " + ready.cause());
        assertEquals("hello through TLS", ChannelProbe.exchange(ready.getNow(), "hello through TLS"));
        assertEquals("proxy.test", server.serverNames.get(server.serverNames.size() - 1), "the SNI the server saw");
        ready.getNow().close();
    }

    @Test
    void tlsInsideTlsOnOneChannelAsAChainOfTwoTlsHopsHasIt() throws Exception {
        // A trojan node with dialer-proxy a vless+TLS node: the second hop's TLS goes into the first's pipeline. With
        // one fixed handler name the second was refused: "Duplicate handler name: turnout-tls".
        SslContext context = SslContextBuilder.forServer(certs.certificate().toFile(), certs.privateKey().toFile())
                .sslProvider(SslProvider.JDK).build();
        try (EchoServer nested = EchoServer.tlsInTls(context)) {
            TlsLayer layer = new TlsLayer(certs.caCertificate().toString());
            Metadata flow = Metadata.internal(Network.TCP,
                    Destination.ofAddress(InetAddress.getLoopbackAddress(), nested.port()));
            Channel ch = new PlainDialer().openStream(flow, loop.get()).sync().getNow();
            Future<Channel> outer = layer.start(ch, options("proxy.test", false, null));
            assertTrue(outer.await(15_000) && outer.isSuccess(), () -> "outer handshake: " + outer.cause());
            Future<Channel> inner = layer.start(outer.getNow(), options("proxy.test", false, null));
            assertTrue(inner.await(15_000), "the inner handshake neither finished nor failed in 15 s");
            assertTrue(inner.isSuccess(), () -> "inner handshake: " + inner.cause());
            assertEquals("hello through two TLS hops", ChannelProbe.exchange(inner.getNow(), "hello through two TLS hops"));
            inner.getNow().close();
        }
    }

    @Test
    void startedFromAnotherThreadItsHandlersGoInTogetherOnTheLoop() throws Exception {
        // Added from this thread one at a time, SslHandler could handshake and pass on what the server says first
        // before the handler that keeps it was in place. The loop is held busy, so nothing it runs can have happened.
        Metadata flow = Metadata.internal(Network.TCP,
                Destination.ofAddress(InetAddress.getLoopbackAddress(), server.port()));
        Channel ch = new PlainDialer().openStream(flow, loop.get()).sync().getNow();
        CountDownLatch release = new CountDownLatch(1);
        loop.get().execute(() -> {
            try {
                release.await(10, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        Future<Channel> ready;
        try {
            ready = new TlsLayer(certs.caCertificate().toString()).start(ch, options("proxy.test", false, null));
            assertEquals(null, ch.pipeline().get(SslHandler.class), "TLS went into the pipeline from the test's thread");
        } finally {
            release.countDown();
        }
        assertTrue(ready.await(15_000), "the handshake neither finished nor failed in 15 s");
        assertTrue(ready.isSuccess(), () -> "handshake failed: " + ready.cause());
        assertEquals("after a move", ChannelProbe.exchange(ready.getNow(), "after a move"));
        ready.getNow().close();
    }

    @Test
    void boringSslIsTheDefaultWhereItLoads() throws Exception {
        assertTrue(OpenSsl.isAvailable(), () -> "netty-tcnative's BoringSSL did not load: " + OpenSsl.unavailabilityCause());
        Future<Channel> ready = handshake(new TlsLayer(certs.caCertificate().toString()),
                options("proxy.test", false, null));
        assertTrue(ready.isSuccess(), () -> "handshake failed: " + ready.cause());
        SSLEngine engine = ready.getNow().pipeline().get(SslHandler.class).engine();
        assertTrue(engine instanceof ReferenceCountedOpenSslEngine, "the TLS engine is " + engine.getClass().getName());
        ready.getNow().close();
    }

    @ParameterizedTest
    @EnumSource(value = SslProvider.class, names = {"JDK", "OPENSSL"})
    void refusesAServerItsTrustStoreDoesNotVouchFor(SslProvider provider) throws Exception {
        Future<Channel> ready = handshake(new TlsLayer(null, provider), options("proxy.test", false, null));
        assertFalse(ready.isSuccess(), "a certificate from an unknown CA was accepted");
        assertTrue(ready.cause().getMessage().contains("proxy.test"), ready.cause().getMessage());
        // Why, in the message a log line carries (BoringSSL's own exception says only "General OpenSslEngine problem").
        assertTrue(ready.cause().getMessage().contains("certification path"), ready.cause().getMessage());
        assertFalse(ready.cause().getCause() == null);
    }

    @ParameterizedTest
    @EnumSource(value = SslProvider.class, names = {"JDK", "OPENSSL"})
    void refusesACertificateIssuedForAnotherName(SslProvider provider) throws Exception {
        Future<Channel> ready = handshake(new TlsLayer(certs.caCertificate().toString(), provider),
                options("other.test", false, null));
        assertFalse(ready.isSuccess(), "a certificate for proxy.test was accepted as other.test");
        assertTrue(ready.cause().getMessage().contains("matching other.test"), ready.cause().getMessage());
    }

    @ParameterizedTest
    @EnumSource(value = SslProvider.class, names = {"JDK", "OPENSSL"})
    void skipCertVerifyAcceptsAnUnknownIssuer(SslProvider provider) throws Exception {
        Future<Channel> ready = handshake(new TlsLayer(null, provider), options("other.test", true, null));
        assertTrue(ready.isSuccess(), () -> "handshake failed: " + ready.cause());
        assertEquals("skip", ChannelProbe.exchange(ready.getNow(), "skip"));
        ready.getNow().close();
    }

    @ParameterizedTest
    @EnumSource(value = SslProvider.class, names = {"JDK", "OPENSSL"})
    void aPinnedFingerprintAcceptsThatCertificateOnly(SslProvider provider) throws Exception {
        // Pinned: neither the issuer nor the name matters, as with Clash's fingerprint.
        Future<Channel> right = handshake(new TlsLayer(null, provider), options("elsewhere.test", false, certs.sha256()));
        assertTrue(right.isSuccess(), () -> "the pinned certificate was refused: " + right.cause());
        right.getNow().close();

        byte[] wrong = HexFormat.of().parseHex("00".repeat(32));
        Future<Channel> refused = handshake(new TlsLayer(null, provider), options("proxy.test", true, wrong));
        assertFalse(refused.isSuccess(), "a certificate other than the pinned one was accepted (skip-cert-verify"
                + " must not lift a pin)");
        assertTrue(refused.cause().getMessage().contains("not the pinned fingerprint"), refused.cause().getMessage());
    }
}
