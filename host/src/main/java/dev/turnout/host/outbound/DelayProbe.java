package dev.turnout.host.outbound;

import dev.turnout.api.Destination;
import dev.turnout.api.Dialer;
import dev.turnout.api.Metadata;
import dev.turnout.api.Network;
import dev.turnout.host.config.StatusRanges;
import dev.turnout.host.dial.layer.TlsLayer;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.EventLoop;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.handler.codec.http.DefaultFullHttpRequest;
import io.netty.handler.codec.http.HttpClientCodec;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpObject;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.util.concurrent.Future;
import io.netty.util.concurrent.Promise;
import io.netty.util.concurrent.PromiseNotifier;
import io.netty.util.concurrent.ScheduledFuture;
import java.io.IOException;
import java.net.URI;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import javax.net.ssl.SSLException;

/**
 * Clash's delay test: opens a stream through an outbound to the URL's host and times an HTTP GET of the
 * URL up to the response's status line (with {@code unified-delay}, a second GET on the same connection). Always
 * bounded by a timeout; leaves nothing open.
 */
public final class DelayProbe {

    /**
     * The PEM file trusted beside the JDK's store for https test URLs: {@code SSL_CERT_FILE}, as for the outbounds' TLS
     * and as mihomo's test (Go's system roots) reads it. A test names its own CA here.
     */
    static volatile String trustFile = System.getenv("SSL_CERT_FILE");
    private static final java.util.Map<String, SslContext> TLS = new java.util.concurrent.ConcurrentHashMap<>();

    private DelayProbe() {
    }

    /** A URL a delay test can use: http or https, with a host. */
    public static URI parseUrl(String url) {
        URI uri = URI.create(url);
        String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(java.util.Locale.ROOT);
        if (!scheme.equals("http") && !scheme.equals("https")) {
            throw new IllegalArgumentException("delay test URL must be http or https: " + url);
        }
        if (uri.getHost() == null) {
            throw new IllegalArgumentException("delay test URL has no host: " + url);
        }
        return uri;
    }

    /**
     * {@code probe}'s result as {@code answerOn} (the controller's loop) has it, or a {@link TimeoutException} once
     * {@code timeoutMillis} have passed, as mihomo answers a delay test (504 Timeout) whatever the proxy does. The
     * probe's own timer runs on the loop it dials on, which a plugin blocking in its dial holds: its test answered a
     * success after 40 s where 3 s were asked.
     */
    public static <T> Future<T> answeredWithin(Future<T> probe, int timeoutMillis, EventLoop answerOn) {
        Promise<T> answer = answerOn.newPromise();
        ScheduledFuture<?> timer = answerOn.schedule(() -> {
            answer.tryFailure(new TimeoutException("no answer within " + timeoutMillis + " ms"));
        }, timeoutMillis, TimeUnit.MILLISECONDS);
        probe.addListener(p -> {
            timer.cancel(false);
            if (p.isSuccess()) {
                answer.trySuccess(probe.getNow());
            } else {
                answer.tryFailure(p.cause());
            }
        });
        return answer;
    }

    /**
     * Measures through {@code via}; the future succeeds with the delay in milliseconds (at least 1) and fails
     * with {@link TimeoutException} after {@code timeoutMillis}, or with the cause of any other failure.
     */
    public static Future<Integer> measure(Dialer via, String url, int timeoutMillis, EventLoop loop) {
        return measure(via, url, timeoutMillis, StatusRanges.ANY, loop);
    }

    /**
     * As above; a response whose status {@code expected} does not accept is a failure (expected-status). Asked from
     * another thread (the controller's, for a dashboard's delay test), the probe moves to {@code loop} first, so the
     * outbound builds its chain of steps (dial, TLS, HTTP/2, handshake) on the loop its channels live on, as a flow's
     * is built. A second guard: a step attached late, off the read that completed the one before, no longer loses an
     * HTTP/2 server's first frames, since the TLS layer keeps them for the layer above ({@code TlsLayer}).
     */
    public static Future<Integer> measure(Dialer via, String url, int timeoutMillis, StatusRanges expected,
                                          EventLoop loop) {
        return measure(via, url, timeoutMillis, expected, false, loop);
    }

    /**
     * As above; with mihomo's {@code unified-delay}, the URL is asked twice on one connection and only the second
     * answer is timed, so the delay leaves out the connection's setup (the proxy's handshake, TLS) and the server's
     * first-request work. A server that closes after the first answer gets that one timed from the start, as mihomo
     * does.
     */
    public static Future<Integer> measure(Dialer via, String url, int timeoutMillis, StatusRanges expected,
                                          boolean unified, EventLoop loop) {
        if (!loop.inEventLoop()) {
            Promise<Integer> moved = loop.newPromise();
            try {
                loop.execute(() -> PromiseNotifier.cascade(measure(via, url, timeoutMillis, expected, unified, loop),
                        moved));
            } catch (RejectedExecutionException e) {
                moved.tryFailure(e);
            }
            return moved;
        }
        Promise<Integer> result = loop.newPromise();
        URI uri;
        try {
            uri = parseUrl(url);
        } catch (IllegalArgumentException e) {
            return result.setFailure(e);
        }
        boolean https = uri.getScheme().equalsIgnoreCase("https");
        int port = uri.getPort() > 0 ? uri.getPort() : https ? 443 : 80;
        String host = uri.getHost();
        String bare = host.startsWith("[") ? host.substring(1, host.length() - 1) : host;
        Destination destination;
        try {
            destination = Destination.ofHost(host, port);
        } catch (IllegalArgumentException e) {
            return result.setFailure(e);
        }
        String path = uri.getRawPath() == null || uri.getRawPath().isEmpty() ? "/" : uri.getRawPath();
        if (uri.getRawQuery() != null) {
            path += "?" + uri.getRawQuery();
        }
        String target = path;
        long start = System.nanoTime();
        Future<Channel> opening;
        try {
            opening = via.openStream(Metadata.internal(Network.TCP, destination), loop);
        } catch (RuntimeException e) {
            return result.setFailure(e);
        }
        // From the start, not from the return: an outbound that blocked the loop inside openStream (a plugin's bug)
        // had the whole timeout again after it, and its test passed 13 times over the time asked.
        long left = timeoutMillis - TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
        ScheduledFuture<?> timer = loop.schedule(() -> {
            result.tryFailure(new TimeoutException("no answer within " + timeoutMillis + " ms"));
        }, Math.max(0, left), TimeUnit.MILLISECONDS);
        result.addListener(r -> {
            timer.cancel(false);
            if (!opening.isDone()) {
                opening.cancel(false);
            } else if (opening.isSuccess()) {
                opening.getNow().close();
            }
        });
        opening.addListener(f -> {
            if (!f.isSuccess()) {
                result.tryFailure(f.cause() != null ? f.cause() : new IOException("cancelled"));
                return;
            }
            Channel ch = opening.getNow();
            if (result.isDone()) {
                ch.close();
                return;
            }
            try {
                if (https) {
                    ch.pipeline().addLast(tls().newHandler(ch.alloc(), bare, port));
                }
            } catch (SSLException e) {
                result.tryFailure(e);
                return;
            }
            ch.pipeline().addLast(new HttpClientCodec());
            String hostHeader = uri.getPort() > 0 ? uri.getHost() + ":" + uri.getPort() : uri.getHost();
            ch.pipeline().addLast(new SimpleChannelInboundHandler<HttpObject>() {
                /** When the request being answered was sent, for the delay. */
                private long sent = start;
                /** Whether the answer being read is the first of two (unified-delay). */
                private boolean first = unified;
                /** The first answer's delay and status, kept for a server that closes before the second. */
                private int firstMillis;
                private int firstStatus;

                @Override
                protected void channelRead0(ChannelHandlerContext ctx, HttpObject msg) {
                    if (msg instanceof HttpResponse response && response.decoderResult().isFailure()) {
                        // No HTTP answer (a trojan server's fallback answering a wrong password, HTTP/0.9 text):
                        // the codec hands on a made-up status 999 that expected-status would take. Go's client,
                        // mihomo's, fails such a test ("malformed HTTP response"), so the node counts as down.
                        result.tryFailure(new IOException("malformed HTTP response: "
                                + response.decoderResult().cause().getMessage()));
                        ctx.close();
                        return;
                    }
                    if (msg instanceof HttpResponse response) {
                        int millis = (int) Math.max(1, (System.nanoTime() - sent) / 1_000_000);
                        if (!first) {
                            finish(ctx, millis, response.status().code());
                            return;
                        }
                        firstMillis = millis;
                        firstStatus = response.status().code();
                        // The second request goes once this answer has been read whole (perhaps in this message).
                    }
                    if (first && msg instanceof LastHttpContent) {
                        first = false;
                        sent = System.nanoTime();
                        ctx.writeAndFlush(request(target, hostHeader, false)).addListener(w -> {
                            if (!w.isSuccess()) {
                                finish(ctx, firstMillis, firstStatus);
                            }
                        });
                    }
                }

                private void finish(ChannelHandlerContext ctx, int millis, int status) {
                    if (expected.accepts(status)) {
                        result.trySuccess(millis);
                    } else {
                        result.tryFailure(new IOException("status " + status + " is not the expected " + expected));
                    }
                    ctx.close();
                }

                @Override
                public void channelInactive(ChannelHandlerContext ctx) {
                    if (firstStatus != 0) {
                        finish(ctx, firstMillis, firstStatus); // closed after the first answer: that one counts
                    }
                    result.tryFailure(new IOException("closed before the response"));
                }

                @Override
                public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
                    result.tryFailure(cause);
                    ctx.close();
                }
            });
            ch.writeAndFlush(request(target, hostHeader, unified)).addListener(w -> {
                if (!w.isSuccess()) {
                    result.tryFailure(w.cause());
                }
            });
            // Outbounds hand channels over with reading paused (the relay resumes it); the probe reads itself.
            ch.config().setAutoRead(true);
            ch.read();
            if (!ch.isActive()) {
                result.tryFailure(new IOException("closed before the request"));
            }
        });
        return result;
    }

    /** A GET of {@code target}, the connection kept for another when {@code keepAlive}. */
    private static DefaultFullHttpRequest request(String target, String host, boolean keepAlive) {
        DefaultFullHttpRequest request = new DefaultFullHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.GET, target);
        request.headers().set(HttpHeaderNames.HOST, host)
                .set(HttpHeaderNames.USER_AGENT, "Turnout")
                .set(HttpHeaderNames.CONNECTION, keepAlive ? "keep-alive" : "close")
                .set(HttpHeaderNames.CONTENT_LENGTH, 0);
        return request;
    }

    private static SslContext tls() throws SSLException {
        String file = trustFile == null ? "" : trustFile;
        SslContext c = TLS.get(file);
        if (c == null) {
            try {
                c = SslContextBuilder.forClient().trustManager(TlsLayer.trust(file)).build();
            } catch (java.security.GeneralSecurityException | IOException e) {
                throw new SSLException("the trusted certificates cannot be read (SSL_CERT_FILE " + file + "): "
                        + e.getMessage(), e);
            }
            TLS.putIfAbsent(file, c);
        }
        return c;
    }
}
