package dev.turnout.host.inbound.http;

import dev.turnout.api.Metadata;
import dev.turnout.api.Network;
import dev.turnout.api.RejectedException;
import dev.turnout.host.dial.Causes;
import dev.turnout.host.inbound.Authentication;
import dev.turnout.host.inbound.HandshakeDeadline;
import dev.turnout.host.inbound.InboundSupport;
import dev.turnout.host.relay.FlowTimeouts;
import dev.turnout.host.relay.Relay;
import dev.turnout.host.tunnel.RoutedRequest;
import dev.turnout.host.tunnel.StreamReadiness;
import dev.turnout.host.tunnel.Tunnel;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.CompositeByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelOption;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.ConnectTimeoutException;
import io.netty.channel.socket.ChannelInputShutdownEvent;
import io.netty.handler.codec.TooLongFrameException;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.DefaultHttpHeaders;
import io.netty.handler.codec.http.DefaultHttpRequest;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpDecoderConfig;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpObject;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.TooLongHttpLineException;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.handler.timeout.IdleStateEvent;
import io.netty.handler.timeout.IdleStateHandler;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.Future;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The HTTP side of the mixed port. A CONNECT becomes a raw tunnel. Plain requests with absolute URIs are taken
 * one at a time, each parsed, routed, logged and recorded on its own, and sent to its own outbound: one client
 * connection may carry requests for many servers (keep-alive, pipelining), and a request the rules reject never
 * reaches the server of the request before it. An origin connection is kept for the next request only if that
 * goes to the same destination through the same outbound. Netty's codecs frame requests and responses (bodies
 * with a length, chunked or up to the close), so each response's end is known before the next request goes.
 */
public final class HttpProxyHandler extends ChannelInboundHandlerAdapter {

    static final int MAX_HEAD_BYTES = 16 * 1024;

    private static final String CODEC = "http-codec";
    private static final String IDLE = "http-idle";
    /** How long a client's proxy connection may sit quiet between plain HTTP requests when flows have no idle timeout. */
    static final java.time.Duration KEPT_ALIVE_IDLE = java.time.Duration.ofSeconds(600);

    /**
     * Strict: a bare LF ends no line (an answer of 400 at once, not a wait for CRLF), and a request with two
     * lengths, or a length and a transfer coding, is refused (400), since two hops may frame it differently
     * (request smuggling). These are Netty's defaults today; set here so that a system property cannot loosen them.
     */
    static HttpDecoderConfig decoding() {
        return new HttpDecoderConfig()
                .setMaxInitialLineLength(MAX_HEAD_BYTES)
                .setMaxHeaderSize(MAX_HEAD_BYTES)
                .setMaxChunkSize(64 * 1024)
                .setStrictLineParsing(true)
                .setUseRfc9112TransferEncoding(true)
                .setAllowDuplicateContentLengths(false);
    }

    /**
     * RFC 9112 3.2.2: the URI's authority replaces whatever Host was sent. The request is routed by the URI; a
     * server told another name (a CDN serves by Host) would answer for a site the rules never saw. A new Host goes
     * first, as user agents send it, spelled as they spell it (Netty's constant is lower case).
     */
    static void hostFromTheUri(HttpHeaders headers, String host) {
        if (headers.getAll(HttpHeaderNames.HOST).equals(List.of(host))) {
            return;
        }
        headers.remove(HttpHeaderNames.HOST);
        HttpHeaders rest = new DefaultHttpHeaders().add(headers);
        headers.clear().add("Host", host).add(rest);
    }

    /**
     * Puts the HTTP proxy after {@code after} in the pipeline of a client connection. Reading becomes
     * request-driven (auto-read off): the next request is read only when the one before it is done. The clients
     * {@code authentication} asks must send {@code Proxy-Authorization: Basic} with each request.
     */
    public static void install(ChannelPipeline pipeline, String after, Tunnel tunnel, Authentication authentication) {
        Channel ch = pipeline.channel();
        ch.config().setAutoRead(false);
        // A client may send its request and its FIN at once (an HTTP/1.0 script): the FIN then ends the
        // connection after the answer, not before it.
        ch.config().setOption(ChannelOption.ALLOW_HALF_CLOSURE, true);
        pipeline.addAfter(after, CODEC, new HttpServerCodec(decoding()));
        pipeline.addAfter(CODEC, "http", new HttpProxyHandler(tunnel, authentication));
    }

    private final Tunnel tunnel;
    private ChannelHandlerContext ctx;
    /** Requests and body parts decoded while the request before them is still in progress. */
    private final ArrayDeque<HttpObject> inbox = new ArrayDeque<>(4);
    private Exchange exchange;
    /** The origin connection kept from the last request, if it may serve the next one. */
    private OriginConnection origin;
    private Future<Channel> opening;
    private boolean draining;
    /** After an error answer that ends the connection, a CONNECT, or an upgrade: no more requests. */
    private boolean done;
    private boolean inputEnded;
    /** A CONNECT's bytes that came before the tunnel was open. */
    private CompositeByteBuf early;
    /** The timeouts of this connection's first routed request; {@code null} before it. */
    private FlowTimeouts timeouts;
    /** The client's process as an earlier request on this connection found it: later requests need not look. */
    private Metadata owner;

    private final Authentication authentication;

    private HttpProxyHandler(Tunnel tunnel, Authentication authentication) {
        this.tunnel = tunnel;
        this.authentication = authentication;
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        this.ctx = ctx;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (msg instanceof HttpObject o && !done) {
            inbox.add(o);
            drain();
        } else if (msg instanceof ByteBuf && early != null) {
            // What the codec held when it was taken out for a tunnel: the tunnel's first bytes.
            early = InboundSupport.hold(ctx, early, msg);
        } else {
            ReferenceCountUtil.release(msg);
        }
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
        if (exchange != null && exchange.origin != null) {
            exchange.origin.channel.flush();
        }
        pull();
    }

    @Override
    public void channelWritabilityChanged(ChannelHandlerContext ctx) {
        // The client drained: the response may go on.
        Exchange ex = exchange;
        if (ctx.channel().isWritable() && ex != null && ex.origin != null && !ex.responseDone) {
            ex.origin.channel.read();
        }
        ctx.fireChannelWritabilityChanged();
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
        if (evt instanceof ChannelInputShutdownEvent) {
            inputEnded = true;
            if (exchange == null && inbox.isEmpty()) {
                ctx.close();
            } else if (ctx.pipeline().get(IDLE) != null) {
                watchIdle(); // the request's answer still goes out, but a silent server holds it no longer
            }
            return;
        }
        if (evt instanceof IdleStateEvent) {
            ctx.close();
            return;
        }
        ctx.fireUserEventTriggered(evt);
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        done = true;
        release();
        ctx.fireChannelInactive();
    }

    @Override
    public void handlerRemoved(ChannelHandlerContext ctx) {
        release();
        InboundSupport.release(early);
        early = null;
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        InboundSupport.closeOnError(ctx, cause);
    }

    /** The client is gone: so are its request in progress, its origin connection and whatever it queued. */
    private void release() {
        HttpObject o;
        while ((o = inbox.poll()) != null) {
            ReferenceCountUtil.release(o);
        }
        if (opening != null) {
            opening.cancel(false);
            opening = null;
        }
        Exchange ex = exchange;
        exchange = null;
        if (ex != null) {
            ex.end();
            ReferenceCountUtil.release(ex.request);
            ex.request = null;
            if (ex.origin != null) {
                ex.origin.exchange = null;
                ex.origin.channel.close();
            }
        }
        dropOrigin();
    }

    /** Takes from the inbox what can be handled now, then asks the client for more if that is wanted. */
    private void drain() {
        if (draining) {
            return; // the loop below sees what the nested call changed
        }
        draining = true;
        try {
            while (!done && step()) {
                // one message per step
            }
        } finally {
            draining = false;
        }
        pull();
    }

    private boolean step() {
        HttpObject next = inbox.peek();
        if (next == null) {
            return false;
        }
        if (next instanceof HttpRequest request) {
            if (exchange != null) {
                return false; // pipelined: waits for the response before it
            }
            inbox.poll();
            begin(request);
            return true;
        }
        Exchange ex = exchange;
        if (ex == null || ex.requestSent) {
            inbox.poll(); // a body part without its request (after a bad head): nothing to do with it
            ReferenceCountUtil.release(next);
            return true;
        }
        if (!ex.failed && (ex.origin == null || !ex.origin.channel.isWritable())) {
            return false; // still dialling, or the server is slower than the client
        }
        inbox.poll();
        HttpContent part = (HttpContent) next;
        boolean last = part instanceof LastHttpContent;
        if (ex.failed) {
            part.release();
        } else if (last) {
            ex.origin.channel.writeAndFlush(part, ex.origin.channel.voidPromise());
        } else {
            ex.origin.channel.write(part, ex.origin.channel.voidPromise());
        }
        if (last) {
            ex.requestSent = true;
            finishIfDone(ex);
        }
        return true;
    }

    /** Reads on when the request in progress wants its body, or between requests; not past a FIN. */
    private void pull() {
        if (done || inputEnded || !inbox.isEmpty() || !ctx.channel().isActive()) {
            return;
        }
        Exchange ex = exchange;
        if (ex == null || (!ex.requestSent && (ex.failed || ex.origin != null && ex.origin.channel.isWritable()))) {
            ctx.read();
        }
    }

    private void begin(HttpRequest request) {
        if (request.decoderResult().isFailure()) {
            Throwable cause = request.decoderResult().cause();
            HttpResponseStatus status = cause instanceof TooLongHttpLineException ? HttpResponseStatus.REQUEST_URI_TOO_LONG
                    : cause instanceof TooLongFrameException ? HttpResponseStatus.REQUEST_HEADER_FIELDS_TOO_LARGE
                    : HttpResponseStatus.BAD_REQUEST;
            ReferenceCountUtil.release(request);
            answerAndClose(status, cause.getMessage() != null ? cause.getMessage() : "malformed request");
            return;
        }
        String given = request.headers().get(HttpHeaderNames.PROXY_AUTHORIZATION);
        String user = authentication.userOfBasic(given);
        ctx.channel().attr(InboundSupport.INBOUND_USER).set(user);
        if (user == null && authentication.asks((InetSocketAddress) ctx.channel().remoteAddress())) {
            ReferenceCountUtil.release(request);
            done = true;
            // As mihomo's authenticate: 407 asks for credentials, 403 refuses the ones given.
            FullHttpResponse ask = given == null ? errorResponse(HttpResponseStatus.PROXY_AUTHENTICATION_REQUIRED,
                    "this proxy asks for a user and password", true)
                    : errorResponse(HttpResponseStatus.FORBIDDEN, "wrong user or password", true);
            if (given == null) {
                ask.headers().set(HttpHeaderNames.PROXY_AUTHENTICATE, "Basic realm=\"Turnout\"");
            }
            ctx.writeAndFlush(ask).addListener(ChannelFutureListener.CLOSE);
            return;
        }
        HandshakeDeadline.met(ctx.channel());
        if (HttpMethod.CONNECT.equals(request.method())) {
            connect(request);
            return;
        }
        ProxyTarget target;
        try {
            target = ProxyTarget.absolute(request.uri());
        } catch (ProxyTarget.BadRequest e) {
            answerAndClose(HttpResponseStatus.valueOf(e.status), e.getMessage());
            return;
        }
        boolean upgrading = HopByHop.isUpgrade(request);
        Exchange ex = new Exchange(target, HttpUtil.isKeepAlive(request), upgrading,
                HttpMethod.HEAD.equals(request.method()), HttpUtil.is100ContinueExpected(request));
        exchange = ex;
        HopByHop.strip(request, upgrading);
        request.setUri(target.originForm());
        hostFromTheUri(request.headers(), target.hostHeader());
        ex.request = request;
        Channel ch = ctx.channel();
        Metadata flow = InboundSupport.flow(Network.TCP, target.destination(), (InetSocketAddress) ch.remoteAddress(),
                "http", ch, "HTTP");
        if (owner != null) {
            flow = flow.withProcess(owner.processName(), owner.processPath(), owner.uid());
        }
        tunnel.routeRequest(ch, flow).addListener((Future<RoutedRequest> f) -> {
            if (!f.isSuccess()) {
                fail(ex, f.cause());
                return;
            }
            RoutedRequest route = f.getNow();
            Metadata decided = route.flow().metadata();
            if (decided.uid() >= 0) {
                owner = decided;
            }
            if (exchange != ex) {
                route.end(); // the client left meanwhile
                return;
            }
            ex.route = route;
            route.flow().onClose(ch::close);
            if (timeouts == null) {
                timeouts = route.timeouts();
                watchIdle();
            }
            OriginConnection kept = origin;
            if (kept != null && kept.serves(target, route.outbound())) {
                origin = null;
                ex.resend = safeToResend(ex);
                send(ex, kept);
                return;
            }
            dropOrigin();
            opening = route.open();
            opening.addListener((Future<Channel> of) -> {
                opening = null;
                if (exchange != ex) {
                    if (of.isSuccess()) {
                        of.getNow().close();
                    }
                    return;
                }
                if (!of.isSuccess()) {
                    fail(ex, of.cause());
                    return;
                }
                send(ex, new OriginConnection(this, of.getNow(), target, route.outbound()));
            });
        });
    }

    /** The origin connection is ready: the request head goes, then its body as the client sends it. */
    private void send(Exchange ex, OriginConnection connection) {
        ex.origin = connection;
        connection.exchange = ex;
        connection.counter.flow = ex.route.flow();
        connection.channel.writeAndFlush(ex.request, connection.channel.voidPromise());
        ex.request = null;
        connection.channel.read();
        drain();
    }

    /** The request could not be routed or its outbound not opened: say so, then go on with the next request. */
    private void fail(Exchange ex, Throwable cause) {
        if (exchange != ex) {
            return;
        }
        ReferenceCountUtil.release(ex.request);
        ex.request = null;
        HttpResponseStatus status = statusFor(cause);
        String reason = reasonFor(cause, ex.target);
        // A client waiting for "100 Continue" will not send the body this answer would have to skip.
        ex.closeClient |= !ex.clientKeepAlive || ex.expectsContinue;
        ex.failed = true;
        ex.responseDone = true;
        ex.lastWrite = ctx.writeAndFlush(errorResponse(status, reason, ex.closeClient));
        drain();
        finishIfDone(ex);
    }

    /** 403 for a rule's REJECT, 504 for a connect timeout, 502 for any other failure to reach the server. */
    private static HttpResponseStatus statusFor(Throwable cause) {
        return cause instanceof RejectedException ? HttpResponseStatus.FORBIDDEN
                : cause instanceof ConnectTimeoutException ? HttpResponseStatus.GATEWAY_TIMEOUT
                : HttpResponseStatus.BAD_GATEWAY;
    }

    private static String reasonFor(Throwable cause, ProxyTarget target) {
        return cause instanceof UnknownHostException ? "cannot resolve " + target.destination().hostOrAddress()
                : Causes.of(cause); // Netty's "null: /address" in words, as the log has it
    }

    /** A request this proxy cannot take: answer and close, as its framing may not be trusted. */
    private void answerAndClose(HttpResponseStatus status, String reason) {
        done = true;
        ctx.writeAndFlush(errorResponse(status, reason, true)).addListener(ChannelFutureListener.CLOSE);
    }

    private static FullHttpResponse errorResponse(HttpResponseStatus status, String reason, boolean close) {
        FullHttpResponse r = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, status,
                Unpooled.copiedBuffer(reason + "\n", StandardCharsets.UTF_8));
        r.headers().set(HttpHeaderNames.CONTENT_TYPE, HttpHeaderValues.TEXT_PLAIN)
                .setInt(HttpHeaderNames.CONTENT_LENGTH, r.content().readableBytes())
                .set("Proxy-Agent", "Turnout");
        if (close) {
            r.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
        }
        return r;
    }

    /** Once both the request and its response are through: the next request, or the end of the connection. */
    void finishIfDone(Exchange ex) {
        if (exchange != ex || !ex.responseDone) {
            return;
        }
        if (!ex.requestSent) {
            if (!ex.failed) {
                // The server answered before the whole body: the client's connection cannot be resynchronised.
                ex.closeClient = true;
            } else if (!ex.closeClient) {
                return; // the rest of the refused request's body is still to be skipped
            }
        }
        exchange = null;
        ex.end();
        OriginConnection connection = ex.origin;
        if (connection != null) {
            connection.exchange = null;
            if (connection.reusable && ex.requestSent && !ex.closeClient && connection.channel.isActive()) {
                origin = connection;
                connection.channel.read(); // to see the server close it while it waits
            } else {
                connection.channel.close();
            }
        }
        if (ex.closeClient || inputEnded) {
            done = true;
            if (ex.lastWrite != null) {
                ex.lastWrite.addListener(ChannelFutureListener.CLOSE);
            } else {
                ctx.close();
            }
            return;
        }
        HandshakeDeadline.awaitNext(ctx.channel());
        drain();
    }

    /**
     * Ends the connection when nothing moves for a while. A client's kept-alive proxy connection between plain
     * requests is no flow kept open by its ends: it ends when quiet, whether or not flows have an idle timeout. Once
     * the client has ended its side, as flows do, after {@code tcp-half-close-timeout}: a client that left while a
     * server kept silent held its connection to the server (and its line in the dashboards) for 10 minutes.
     */
    private void watchIdle() {
        long millis = (inputEnded ? timeouts.halfClosed() : timeouts.idleOr(KEPT_ALIVE_IDLE)).toMillis();
        IdleStateHandler watch = new IdleStateHandler(0, 0, millis, TimeUnit.MILLISECONDS);
        if (ctx.pipeline().get(IDLE) == null) {
            ctx.pipeline().addBefore(CODEC, IDLE, watch);
        } else {
            ctx.pipeline().replace(IDLE, IDLE, watch);
        }
    }

    private void dropOrigin() {
        if (origin != null) {
            origin.exchange = null;
            origin.channel.close();
            origin = null;
        }
    }

    /** A CONNECT: the connection becomes a raw tunnel, routed as one flow, as before it. */
    private void connect(HttpRequest request) {
        ReferenceCountUtil.release(request);
        ProxyTarget target;
        try {
            target = ProxyTarget.connect(request.uri());
        } catch (ProxyTarget.BadRequest e) {
            answerAndClose(HttpResponseStatus.valueOf(e.status), e.getMessage());
            return;
        }
        done = true;
        dropOrigin();
        Channel ch = leaveHttp();
        Relay.holdEarlyInput(ch);
        Metadata flow = InboundSupport.flow(Network.TCP, target.destination(), (InetSocketAddress) ch.remoteAddress(),
                "http", ch, "HTTPS");
        tunnel.routeStream(ch, flow, new StreamReadiness() {
            @Override
            public void connected(Channel outbound) {
                ctx.writeAndFlush(Unpooled.copiedBuffer("HTTP/1.1 200 Connection established\r\nProxy-Agent: Turnout\r\n\r\n",
                        StandardCharsets.ISO_8859_1));
                InboundSupport.forward(early, outbound);
                early = null;
                ctx.pipeline().remove(HttpProxyHandler.this);
            }

            @Override
            public void failed(Throwable cause) {
                HttpResponseStatus status = statusFor(cause);
                String reason = reasonFor(cause, target);
                // The codec is gone: the answer is written as bytes.
                String body = reason + "\n";
                String text = "HTTP/1.1 " + status + "\r\nContent-Type: text/plain\r\nContent-Length: "
                        + body.getBytes(StandardCharsets.UTF_8).length + "\r\nConnection: close\r\nProxy-Agent: Turnout\r\n\r\n" + body;
                ctx.writeAndFlush(Unpooled.copiedBuffer(text, StandardCharsets.UTF_8)).addListener(ChannelFutureListener.CLOSE);
            }
        });
    }

    /**
     * Takes the HTTP codec, idle timer and handshake deadline off the client's connection, which carries bytes from
     * now on. The codec goes first, so that what it holds of the tunnel's bytes comes here as bytes (see
     * channelRead) and is kept in {@code early}.
     */
    private Channel leaveHttp() {
        Channel ch = ctx.channel();
        early = ctx.alloc().compositeBuffer();
        ch.pipeline().remove(CODEC);
        if (ch.pipeline().get(IDLE) != null) {
            ch.pipeline().remove(IDLE);
        }
        HandshakeDeadline.remove(ch);
        return ch;
    }

    /**
     * The server switched protocols (a WebSocket): from now on the connection carries bytes both ways, relayed
     * as one flow, the upgrade request's.
     */
    void upgraded(Exchange ex) {
        OriginConnection connection = ex.origin;
        exchange = null;
        done = true;
        Channel ch = leaveHttp();
        connection.toRaw();
        InboundSupport.forward(early, connection.channel);
        early = null;
        ch.flush();
        ch.pipeline().remove(this);
        RoutedRequest route = ex.route;
        Relay.start(ch, connection.channel, route.flow(), route.timeouts(), route::end);
    }

    Channel client() {
        return ctx.channel();
    }

    /** The origin can take more of the request's body. */
    void originWritable() {
        drain();
    }

    /**
     * A copy of a request head that may go again on a fresh connection if the kept one it is sent on turns out
     * to have been closed by the server meanwhile (its idle timeout fired as the request arrived): only an
     * idempotent request without a body, as RFC 9110 section 9.2.2 allows a client to repeat.
     */
    private static HttpRequest safeToResend(Exchange ex) {
        HttpRequest r = ex.request;
        HttpMethod m = r.method();
        boolean idempotent = m.equals(HttpMethod.GET) || m.equals(HttpMethod.HEAD) || m.equals(HttpMethod.OPTIONS)
                || m.equals(HttpMethod.TRACE) || m.equals(HttpMethod.PUT) || m.equals(HttpMethod.DELETE);
        boolean bodiless = !HttpUtil.isTransferEncodingChunked(r) && HttpUtil.getContentLength(r, 0L) == 0L;
        if (!idempotent || !bodiless || ex.upgrading || r instanceof FullHttpRequest) {
            return null;
        }
        return new DefaultHttpRequest(r.protocolVersion(), m, r.uri(), r.headers().copy());
    }

    /** The kept connection was gone before any answer: the same request once more, on a new connection. */
    private void resend(Exchange ex) {
        HttpRequest again = ex.resend;
        ex.resend = null;
        ex.origin = null;
        opening = ex.route.open();
        opening.addListener((Future<Channel> of) -> {
            opening = null;
            if (exchange != ex) {
                if (of.isSuccess()) {
                    of.getNow().close();
                }
                return;
            }
            if (!of.isSuccess()) {
                fail(ex, of.cause());
                return;
            }
            OriginConnection connection = new OriginConnection(this, of.getNow(), ex.target, ex.route.outbound());
            ex.origin = connection;
            connection.exchange = ex;
            connection.counter.flow = ex.route.flow();
            connection.channel.write(again, connection.channel.voidPromise());
            if (ex.requestSent) {
                connection.channel.write(LastHttpContent.EMPTY_LAST_CONTENT, connection.channel.voidPromise());
            }
            connection.channel.flush();
            connection.channel.read();
            drain();
        });
    }

    /** The origin connection closed before its response was whole. */
    void originLost(Exchange ex) {
        if (exchange != ex) {
            return;
        }
        if (!ex.responseStarted && ex.resend != null) {
            resend(ex);
            return;
        }
        if (ex.responseStarted) {
            // Part of the response is out: a reset, so that the client cannot take it for the whole.
            done = true;
            Relay.resetAndClose(ctx.channel());
            return;
        }
        fail(ex, new IOException("the server closed the connection without an answer"));
    }

    /** One request and its response. */
    static final class Exchange {
        final ProxyTarget target;
        final boolean clientKeepAlive;
        final boolean upgrading;
        final boolean head;
        final boolean expectsContinue;
        /** The rewritten head, until it is sent. */
        HttpRequest request;
        /** A copy of the head to send again if the kept connection it went on was already closed; else null. */
        HttpRequest resend;
        RoutedRequest route;
        OriginConnection origin;
        /** The request's last part has gone to the server (or was skipped). */
        boolean requestSent;
        boolean responseStarted;
        boolean responseDone;
        /** Answered by this proxy (403, 502, ...): the request's body is skipped. */
        boolean failed;
        boolean closeClient;
        ChannelFuture lastWrite;

        Exchange(ProxyTarget target, boolean clientKeepAlive, boolean upgrading, boolean head, boolean expectsContinue) {
            this.target = target;
            this.clientKeepAlive = clientKeepAlive;
            this.upgrading = upgrading;
            this.head = head;
            this.expectsContinue = expectsContinue;
        }

        void end() {
            if (route != null) {
                route.end();
            }
        }
    }
}
