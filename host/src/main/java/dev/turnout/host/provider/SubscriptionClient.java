package dev.turnout.host.provider;

import dev.turnout.api.Destination;
import dev.turnout.api.Metadata;
import dev.turnout.api.Network;
import dev.turnout.api.Outbound;
import dev.turnout.api.TlsOptions;
import dev.turnout.host.dial.layer.TlsLayer;
import io.netty.buffer.ByteBufUtil;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.EventLoop;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.handler.codec.TooLongFrameException;
import io.netty.handler.codec.http.DefaultFullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpClientCodec;
import io.netty.handler.codec.http.HttpContentDecompressor;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.util.concurrent.Future;
import io.netty.util.concurrent.Promise;
import java.io.IOException;
import java.net.URI;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Downloads a subscription over HTTP/1.1 through an outbound (a provider's {@code proxy:}, DIRECT by default),
 * so that the download leaves as the user asked. Bounded in size (the aggregator refuses more) and in time: one
 * deadline for the whole download, its redirects and body included, as mihomo's HTTPVehicle.Read has (a server
 * answering each request with a redirect after 25 s held a start 150 s when each hop had its own); follows a few
 * redirects. TLS trusts what Turnout's upstream TLS trusts (the JDK's store and
 * {@code SSL_CERT_FILE}).
 */
public final class SubscriptionClient {

    /** What subscriptions are fetched as (mihomo's "clash.meta" first: servers pick the format by it). */
    public static final String USER_AGENT = "clash.meta Turnout";

    /** What a download gave: the body and the {@code subscription-userinfo} header, if any. */
    public record Response(byte[] body, String userInfo) {
    }

    static final int MAX_REDIRECTS = 5;
    static final int MAX_INITIAL_LINE = 64 * 1024;
    static final int MAX_HEADER_BYTES = 1024 * 1024;
    /** The whole of one download, all its hops: mihomo gives its vehicles 20 s, this allows a slow link more. */
    static final long TIMEOUT_MILLIS = 30_000;

    private final TlsLayer tls;
    private final long timeoutMillis;

    public SubscriptionClient(TlsLayer tls) {
        this(tls, TIMEOUT_MILLIS);
    }

    SubscriptionClient(TlsLayer tls, long timeoutMillis) {
        this.tls = tls;
        this.timeoutMillis = timeoutMillis;
    }

    /** Fetches {@code url} through {@code via} on {@code loop}; blocks the caller (never an event loop). */
    public Response get(String url, Map<String, List<String>> headers, long maxBytes, Outbound via, EventLoop loop)
            throws IOException, InterruptedException {
        String next = url;
        String firstHost = uri(url).getHost();
        Map<String, List<String>> sent = headers;
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMillis);
        for (int hop = 0; hop <= MAX_REDIRECTS; hop++) {
            FullResult r = once(uri(next), sent, maxBytes, via, loop, deadline, url);
            if (r.status / 100 == 3 && r.location != null) {
                URI from = uri(next);
                URI to;
                try {
                    to = from.resolve(r.location);
                } catch (IllegalArgumentException e) {
                    throw new IOException("a redirect to what is not a URL: " + SubscriptionUrl.redacted(r.location));
                }
                if ("https".equalsIgnoreCase(from.getScheme()) && !"https".equalsIgnoreCase(to.getScheme())) {
                    // As Download.fetch refuses it for rule sets: the header's credentials would cross in clear.
                    throw new IOException(SubscriptionUrl.redacted(from.toString()) + " redirects to "
                            + SubscriptionUrl.redacted(to.toString()) + ", which is not https");
                }
                if (sent == headers && !sameSite(firstHost, to.getHost())) {
                    sent = withoutCredentials(headers);
                }
                next = to.toString();
                continue;
            }
            if (r.status / 100 != 2) {
                throw new IOException("HTTP " + r.status + " from " + SubscriptionUrl.redacted(url));
            }
            return new Response(r.body, r.userInfo);
        }
        throw new IOException("more than " + MAX_REDIRECTS + " redirects from " + SubscriptionUrl.redacted(url));
    }

    /** The headers Go's client drops on a redirect to another host, as mihomo's downloads do (shouldCopyHeaderOnRedirect). */
    private static final java.util.Set<String> CREDENTIALS =
            java.util.Set.of("authorization", "www-authenticate", "cookie", "cookie2", "proxy-authorization");

    /**
     * Whether {@code host} is {@code first} or a subdomain of it: where the provider's {@code header:} credentials may
     * go, as Go's client decides for mihomo. A redirect elsewhere (a CDN, a shortener, a hijacked panel) gets none.
     */
    static boolean sameSite(String first, String host) {
        if (first == null || host == null) {
            return false;
        }
        String f = first.toLowerCase(java.util.Locale.ROOT);
        String h = host.toLowerCase(java.util.Locale.ROOT);
        return h.equals(f) || !f.startsWith("[") && !Character.isDigit(f.charAt(f.length() - 1))
                && h.endsWith("." + f);
    }

    private static Map<String, List<String>> withoutCredentials(Map<String, List<String>> headers) {
        Map<String, List<String>> kept = new java.util.LinkedHashMap<>(headers);
        kept.keySet().removeIf(k -> CREDENTIALS.contains(k.toLowerCase(java.util.Locale.ROOT)));
        return kept;
    }

    private static URI uri(String url) throws IOException {
        try {
            return new URI(url);
        } catch (java.net.URISyntaxException e) {
            throw new IOException("not a URL: " + SubscriptionUrl.redacted(url));
        }
    }

    private record FullResult(int status, String location, String userInfo, byte[] body) {
    }

    /** @param deadline {@link System#nanoTime()} by which the whole download, from {@code url}, must be done */
    private FullResult once(URI uri, Map<String, List<String>> headers, long maxBytes, Outbound via, EventLoop loop,
                            long deadline, String url) throws IOException, InterruptedException {
        String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(java.util.Locale.ROOT);
        if (!scheme.equals("http") && !scheme.equals("https") || uri.getHost() == null) {
            throw new IOException("not an http(s) URL with a host: " + SubscriptionUrl.redacted(uri.toString()));
        }
        boolean https = scheme.equals("https");
        int port = uri.getPort() > 0 ? uri.getPort() : https ? 443 : 80;
        String host = uri.getHost();
        String bare = host.startsWith("[") ? host.substring(1, host.length() - 1) : host;
        Destination destination;
        try {
            destination = Destination.ofHost(host, port);
        } catch (IllegalArgumentException e) {
            throw new IOException("not a URL's host: " + e.getMessage());
        }
        String target = (uri.getRawPath() == null || uri.getRawPath().isEmpty() ? "/" : uri.getRawPath())
                + (uri.getRawQuery() == null ? "" : "?" + uri.getRawQuery());
        int limit = (int) Math.min(Integer.MAX_VALUE - 1, maxBytes);
        Promise<FullResult> result = loop.newPromise();
        // Asked on the loop, not from this blocking thread, so the outbound's chain is built where its channels
        // live, as DelayProbe.measure does.
        Future<Channel> opening = loop.submit(() -> via.openStream(Metadata.internal(Network.TCP, destination), loop))
                .sync().getNow();
        opening.addListener(f -> {
            if (!f.isSuccess()) {
                result.tryFailure(f.cause());
                return;
            }
            Channel ch = opening.getNow();
            result.addListener(x -> ch.close());
            if (!https) {
                request(ch, uri, target, headers, limit, result);
                return;
            }
            tls.start(ch, new TlsOptions(bare, false, List.of("http/1.1"), null)).addListener(t -> {
                if (t.isSuccess()) {
                    request(ch, uri, target, headers, limit, result);
                } else {
                    result.tryFailure(t.cause());
                }
            });
        });
        try {
            return result.get(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
        } catch (TimeoutException e) {
            throw new IOException("no complete answer within " + timeoutMillis / 1000 + " s from "
                    + SubscriptionUrl.redacted(url));
        } catch (ExecutionException e) {
            Throwable c = e.getCause();
            if (c instanceof TooLongFrameException) {
                throw new IOException("refused: larger than the size limit of " + maxBytes + " bytes");
            }
            throw c instanceof IOException io ? io : new IOException(String.valueOf(c.getMessage()), c);
        } finally {
            result.cancel(false);
            if (!opening.isDone()) {
                opening.cancel(false);
            }
        }
    }

    private static void request(Channel ch, URI uri, String target, Map<String, List<String>> headers, int limit,
                                Promise<FullResult> result) {
        // Headers up to 1 MiB: a panel's large Set-Cookie or Content-Security-Policy passed Netty's 8 KiB (Go's client,
        // mihomo's, takes 10 MB) and the failed decode came through as an empty list.
        ch.pipeline().addLast(new HttpClientCodec(MAX_INITIAL_LINE, MAX_HEADER_BYTES, 8192),
                new HttpContentDecompressor(), new HttpObjectAggregator(limit));
        ch.pipeline().addLast(new SimpleChannelInboundHandler<FullHttpResponse>() {
            @Override
            protected void channelRead0(ChannelHandlerContext ctx, FullHttpResponse r) {
                if (r.decoderResult().isFailure()) {
                    Throwable why = r.decoderResult().cause();
                    result.tryFailure(new IOException("the answer does not read as HTTP: " + (why instanceof
                            TooLongFrameException ? "its headers are larger than " + MAX_HEADER_BYTES + " bytes"
                            : String.valueOf(why.getMessage())), why));
                    return;
                }
                result.trySuccess(new FullResult(r.status().code(), r.headers().get(HttpHeaderNames.LOCATION),
                        r.headers().get("subscription-userinfo"), ByteBufUtil.getBytes(r.content())));
            }

            @Override
            public void channelInactive(ChannelHandlerContext ctx) {
                result.tryFailure(new IOException("closed before a complete answer"));
            }

            @Override
            public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
                result.tryFailure(cause);
            }
        });
        DefaultFullHttpRequest req = new DefaultFullHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.GET, target);
        req.headers().set(HttpHeaderNames.HOST, uri.getPort() > 0 ? uri.getHost() + ":" + uri.getPort() : uri.getHost())
                .set(HttpHeaderNames.USER_AGENT, USER_AGENT)
                .set(HttpHeaderNames.ACCEPT_ENCODING, "gzip")
                .set(HttpHeaderNames.CONNECTION, "close");
        headers.forEach((k, v) -> req.headers().set(k, v));
        ch.writeAndFlush(req).addListener(w -> {
            if (!w.isSuccess()) {
                result.tryFailure(w.cause());
            }
        });
        // Outbounds hand channels over with reading paused; the download reads itself.
        ch.config().setAutoRead(true);
        ch.read();
    }
}
