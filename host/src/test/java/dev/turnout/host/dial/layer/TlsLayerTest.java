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
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslProvider;
import io.netty.util.concurrent.Future;
import java.net.InetAddress;
import java.nio.file.Path;
import java.util.HexFormat;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
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

    @Test
    void trustsTheCaNamedBySslCertFileAndCarriesBytes() throws Exception {
        Future<Channel> ready = handshake(new TlsLayer(certs.caCertificate().toString()),
                options("proxy.test", false, null));
        assertTrue(ready.isSuccess(), () -> "handshake failed: " + ready.cause());
        assertEquals("hello through TLS", ChannelProbe.exchange(ready.getNow(), "hello through TLS"));
        ready.getNow().close();
    }

    @Test
    void refusesAServerItsTrustStoreDoesNotVouchFor() throws Exception {
        Future<Channel> ready = handshake(new TlsLayer(null), options("proxy.test", false, null));
        assertFalse(ready.isSuccess(), "a certificate from an unknown CA was accepted");
        assertTrue(ready.cause().getMessage().contains("proxy.test"), ready.cause().getMessage());
        assertFalse(ready.cause().getCause() == null);
    }

    @Test
    void refusesACertificateIssuedForAnotherName() throws Exception {
        Future<Channel> ready = handshake(new TlsLayer(certs.caCertificate().toString()),
                options("other.test", false, null));
        assertFalse(ready.isSuccess(), "a certificate for proxy.test was accepted as other.test");
    }

    @Test
    void skipCertVerifyAcceptsAnUnknownIssuer() throws Exception {
        Future<Channel> ready = handshake(new TlsLayer(null), options("other.test", true, null));
        assertTrue(ready.isSuccess(), () -> "handshake failed: " + ready.cause());
        assertEquals("skip", ChannelProbe.exchange(ready.getNow(), "skip"));
        ready.getNow().close();
    }

    @Test
    void aPinnedFingerprintAcceptsThatCertificateOnly() throws Exception {
        // Pinned: neither the issuer nor the name matters, as with Clash's fingerprint.
        Future<Channel> right = handshake(new TlsLayer(null), options("elsewhere.test", false, certs.sha256()));
        assertTrue(right.isSuccess(), () -> "the pinned certificate was refused: " + right.cause());
        right.getNow().close();

        byte[] wrong = HexFormat.of().parseHex("00".repeat(32));
        Future<Channel> refused = handshake(new TlsLayer(null), options("proxy.test", true, wrong));
        assertFalse(refused.isSuccess(), "a certificate other than the pinned one was accepted (skip-cert-verify"
                + " must not lift a pin)");
        assertTrue(String.valueOf(refused.cause().getCause()).contains("pinned")
                || String.valueOf(refused.cause().getMessage()).contains("pinned"), refused.cause().toString());
    }
}
