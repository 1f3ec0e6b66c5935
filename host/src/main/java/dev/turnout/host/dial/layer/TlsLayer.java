package dev.turnout.host.dial.layer;

import dev.turnout.api.TlsOptions;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelDuplexHandler;
import io.netty.handler.ssl.ApplicationProtocolConfig;
import io.netty.handler.ssl.OpenSsl;
import io.netty.handler.ssl.SslCloseCompletionEvent;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslHandler;
import io.netty.handler.ssl.SslProvider;
import io.netty.handler.ssl.util.InsecureTrustManagerFactory;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.Future;
import io.netty.util.concurrent.Promise;
import io.netty.util.concurrent.PromiseNotifier;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.security.GeneralSecurityException;
import java.security.cert.CertificateException;
import java.util.ArrayDeque;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.RejectedExecutionException;
import javax.net.ssl.SSLException;
import javax.net.ssl.X509TrustManager;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * TLS to an upstream server on Netty's {@link SslHandler}: BoringSSL (netty-tcnative) where its native part
 * loads, else the JDK's provider. BoringSSL because the JDK 17 client sends key shares for both x25519 and
 * P-256 and servers take x25519, so every handshake computed a P-256 key pair for nothing (28% of a vmess-over-h2
 * connection's CPU in a profile), and its records cost fewer copies. The certificate checks are the same Java
 * trust managers either way. One {@link SslContext} per distinct trust-and-ALPN setting, shared by every
 * connection that uses it (building one reads the trust store).
 */
public final class TlsLayer {

    private static final long HANDSHAKE_TIMEOUT_MILLIS = 10_000;
    private static final Logger log = LoggerFactory.getLogger(TlsLayer.class);

    private final String extraTrustFile;
    private final SslProvider provider;
    private final Map<String, SslContext> contexts = new ConcurrentHashMap<>();

    /** @param extraTrustFile a PEM bundle trusted beside the JDK's store ({@code SSL_CERT_FILE}), or {@code null} */
    public TlsLayer(String extraTrustFile) {
        this(extraTrustFile, null);
    }

    /** @param provider the implementation to use; {@code null} for BoringSSL where it loads, else the JDK's */
    TlsLayer(String extraTrustFile, SslProvider provider) {
        this.extraTrustFile = extraTrustFile;
        this.provider = provider;
    }

    /** The layer as the environment asks for it: {@code SSL_CERT_FILE} when set; {@code TURNOUT_TLS=jdk} for the JDK's TLS. */
    public static TlsLayer fromEnvironment() {
        return new TlsLayer(System.getenv("SSL_CERT_FILE"),
                "jdk".equalsIgnoreCase(System.getenv("TURNOUT_TLS")) ? SslProvider.JDK : null);
    }

    /**
     * Decided once per process, on the first TLS context: loading the native library takes start-up time and
     * memory that a configuration without TLS never needs.
     */
    private static final class Preferred {
        static final SslProvider PROVIDER = choose();

        private static SslProvider choose() {
            if (OpenSsl.isAvailable()) {
                log.info("TLS to servers: {} (netty-tcnative)", OpenSsl.versionString());
                return SslProvider.OPENSSL;
            }
            log.info("TLS to servers: the JDK's (BoringSSL did not load: {})", OpenSsl.unavailabilityCause());
            return SslProvider.JDK;
        }
    }

    /**
     * The certificates a server's chain is checked against (the JDK's store and {@code extraTrustFile}), for the
     * host's other TLS clients that must trust what the outbounds trust (the delay test's).
     */
    public static X509TrustManager trust(String extraTrustFile) throws GeneralSecurityException, IOException {
        return TrustAnchors.system(extraTrustFile);
    }

    /** See {@link dev.turnout.api.OutboundContext#tls}. */
    public Future<Channel> start(Channel channel, TlsOptions options) {
        if (!channel.eventLoop().inEventLoop()) {
            // Its handlers go in together, on the loop: added from another thread, SslHandler could start the
            // handshake and pass on what the server says first before the handler that keeps it (TlsEnds) was there.
            Promise<Channel> moved = channel.eventLoop().newPromise();
            try {
                channel.eventLoop().execute(() -> PromiseNotifier.cascade(start(channel, options), moved));
            } catch (RejectedExecutionException e) {
                channel.close();
                moved.tryFailure(e);
            }
            return moved;
        }
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
        // Named by Netty, uniquely: a chain (dialer-proxy, relay) puts a hop's TLS in the same pipeline as the hop
        // it goes through, and a fixed name failed every chain of two TLS hops ("Duplicate handler name").
        channel.pipeline().addLast(handler);
        channel.pipeline().addLast(new TlsEnds(handler));
        handler.handshakeFuture().addListener(f -> {
            if (f.isSuccess()) {
                promise.trySuccess(channel);
            } else {
                channel.close();
                promise.tryFailure(new SSLException("TLS handshake with " + options.serverName() + " failed: "
                        + reason(f.cause()), f.cause()));
            }
        });
        return promise;
    }

    /**
     * The TLS of the innermost hop on {@code channel}, the one its next bytes go through (a chain's pipeline holds one
     * per TLS hop, the outermost first), or null.
     */
    public static SslHandler innermost(ChannelPipeline pipeline) {
        SslHandler last = null;
        for (Map.Entry<String, ChannelHandler> e : pipeline) {
            if (e.getValue() instanceof SslHandler tls) {
                last = tls;
            }
        }
        return last;
    }

    /**
     * Why a handshake failed, in words: a certificate the trust manager refused says why itself, where BoringSSL's
     * exception around it says only "General OpenSslEngine problem" (the JDK's repeats the reason).
     */
    static String reason(Throwable failure) {
        Throwable t = failure;
        for (int depth = 0; t != null && depth < 8; depth++, t = t.getCause()) {
            if (t instanceof CertificateException && t.getMessage() != null) {
                return t.getMessage();
            }
        }
        return failure.getMessage();
    }

    /**
     * How the TLS connection ends, and what it says before the layer above listens.
     *
     * <p>A server's close_notify closes it: nothing can follow, and servers that then wait for the client's
     * close_notify before closing the socket (trojan-gfw does) would otherwise hold the flow open until its idle
     * timeout, the application never told that the answer ended. A handshake error stops here: the handshake's
     * future reports it to the caller, and passed on it would reach the pipeline's tail, which logs a warning with a
     * stack trace for every refused certificate.
     *
     * <p>What TLS decrypts before the layer above first asks to read is kept for it: {@link SslHandler} reads on its
     * own until the handshake is done and it has passed something on, so a server that speaks first (HTTP/2's
     * SETTINGS, a banner) would otherwise be passed to whoever is after this at that moment, perhaps nobody, when the
     * layer above is put in place later than the handshake's own listener (from another thread, say). The first
     * read that comes from above hands it over; a close_notify that came meanwhile closes only after that.
     */
    private static final class TlsEnds extends ChannelDuplexHandler {
        private final SslHandler ssl;
        private boolean asked;
        private ArrayDeque<Object> early;
        private boolean closeWhenHandedOver;

        TlsEnds(SslHandler ssl) {
            this.ssl = ssl;
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            // A channel reading on its own (auto-read) asks nobody: what is after this takes what comes, as before.
            if (asked || ctx.channel().config().isAutoRead()) {
                ctx.fireChannelRead(msg);
                return;
            }
            if (early == null) {
                early = new ArrayDeque<>(2);
            }
            early.add(msg);
        }

        @Override
        public void channelReadComplete(ChannelHandlerContext ctx) {
            if (early == null) {
                ctx.fireChannelReadComplete();
            }
        }

        @Override
        public void read(ChannelHandlerContext ctx) {
            if (!asked) {
                asked = true;
                ArrayDeque<Object> held = early;
                early = null;
                if (held != null) {
                    for (Object m; (m = held.poll()) != null; ) {
                        ctx.fireChannelRead(m);
                    }
                    ctx.fireChannelReadComplete();
                }
                if (closeWhenHandedOver) {
                    ctx.close();
                    return;
                }
            }
            ctx.read();
        }

        @Override
        public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
            if (evt instanceof SslCloseCompletionEvent close && close.isSuccess()) {
                if (early != null) {
                    closeWhenHandedOver = true;
                } else {
                    ctx.close();
                }
            }
            ctx.fireUserEventTriggered(evt);
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            if (ssl.handshakeFuture().isSuccess()) {
                ctx.fireExceptionCaught(cause);
            } else {
                ctx.close();
            }
        }

        @Override
        public void handlerRemoved(ChannelHandlerContext ctx) {
            ArrayDeque<Object> held = early;
            early = null;
            if (held != null) {
                held.forEach(ReferenceCountUtil::release);
            }
        }
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
        SslContextBuilder builder = SslContextBuilder.forClient()
                .sslProvider(provider != null ? provider : Preferred.PROVIDER)
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
