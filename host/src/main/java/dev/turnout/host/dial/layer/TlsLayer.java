package dev.turnout.host.dial.layer;

import dev.turnout.api.TlsOptions;
import io.netty.channel.Channel;
import io.netty.handler.ssl.ApplicationProtocolConfig;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslHandler;
import io.netty.handler.ssl.SslProvider;
import io.netty.handler.ssl.util.InsecureTrustManagerFactory;
import io.netty.util.concurrent.Future;
import io.netty.util.concurrent.Promise;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.security.GeneralSecurityException;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import javax.net.ssl.SSLException;
import javax.net.ssl.X509TrustManager;

/**
 * TLS to an upstream server on Netty's {@link SslHandler} with the JDK's provider. One {@link SslContext} per
 * distinct trust-and-ALPN setting, shared by every connection that uses it (building one reads the trust store).
 */
public final class TlsLayer {

    static final String HANDLER = "turnout-tls";
    private static final long HANDSHAKE_TIMEOUT_MILLIS = 10_000;

    private final String extraTrustFile;
    private final Map<String, SslContext> contexts = new ConcurrentHashMap<>();

    /** @param extraTrustFile a PEM bundle trusted beside the JDK's store ({@code SSL_CERT_FILE}), or {@code null} */
    public TlsLayer(String extraTrustFile) {
        this.extraTrustFile = extraTrustFile;
    }

    /** The layer as the environment asks for it: {@code SSL_CERT_FILE} when set. */
    public static TlsLayer fromEnvironment() {
        return new TlsLayer(System.getenv("SSL_CERT_FILE"));
    }

    /** See {@link dev.turnout.api.OutboundContext#tls}. */
    public Future<Channel> start(Channel channel, TlsOptions options) {
        Promise<Channel> promise = channel.eventLoop().newPromise();
        SslHandler handler;
        try {
            handler = newHandler(channel, options);
        } catch (GeneralSecurityException | IOException e) {
            channel.close();
            return promise.setFailure(new SSLException("TLS to " + options.serverName() + " cannot start: "
                    + e.getMessage(), e));
        }
        handler.setHandshakeTimeoutMillis(HANDSHAKE_TIMEOUT_MILLIS);
        channel.pipeline().addLast(HANDLER, handler);
        handler.handshakeFuture().addListener(f -> {
            if (f.isSuccess()) {
                promise.trySuccess(channel);
            } else {
                channel.close();
                promise.tryFailure(new SSLException("TLS handshake with " + options.serverName() + " failed: "
                        + f.cause().getMessage(), f.cause()));
            }
        });
        return promise;
    }

    private SslHandler newHandler(Channel channel, TlsOptions options) throws GeneralSecurityException, IOException {
        SslContext context = context(options);
        int port = channel.remoteAddress() instanceof InetSocketAddress a ? a.getPort() : -1;
        SslHandler handler = context.newHandler(channel.alloc(), options.serverName(), port);
        return handler;
    }

    private SslContext context(TlsOptions options) throws GeneralSecurityException, IOException {
        String key = options.skipCertVerify() + "|" + options.alpn() + "|"
                + (options.fingerprint() == null ? "" : HexFormat.of().formatHex(options.fingerprint()));
        SslContext cached = contexts.get(key);
        if (cached != null) {
            return cached;
        }
        // The name is checked only when the chain is: a pinned or skipped certificate is taken whatever name it
        // carries, as Clash does (Netty 4.2 checks the name by default, even with a trust-all manager).
        boolean verify = !options.skipCertVerify() && options.fingerprint() == null;
        SslContextBuilder builder = SslContextBuilder.forClient().sslProvider(SslProvider.JDK)
                .endpointIdentificationAlgorithm(verify ? "HTTPS" : null);
        if (options.fingerprint() != null) {
            builder.trustManager(new PinnedCertificate(options.fingerprint()));
        } else if (options.skipCertVerify()) {
            builder.trustManager(InsecureTrustManagerFactory.INSTANCE);
        } else {
            X509TrustManager trust = TrustAnchors.system(extraTrustFile);
            builder.trustManager(trust);
        }
        List<String> alpn = options.alpn();
        if (!alpn.isEmpty()) {
            builder.applicationProtocolConfig(new ApplicationProtocolConfig(ApplicationProtocolConfig.Protocol.ALPN,
                    ApplicationProtocolConfig.SelectorFailureBehavior.NO_ADVERTISE,
                    ApplicationProtocolConfig.SelectedListenerFailureBehavior.ACCEPT, alpn));
        }
        SslContext built = builder.build();
        SslContext raced = contexts.putIfAbsent(key, built);
        return raced != null ? raced : built;
    }
}
