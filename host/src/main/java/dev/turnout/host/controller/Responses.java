package dev.turnout.host.controller;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.util.AttributeKey;
import java.nio.charset.StandardCharsets;
import java.util.Map;

/** Writes the controller's answers: JSON bodies, Clash's error shape, CORS headers for allowed origins. */
final class Responses {

    static final String JSON_TYPE = "application/json; charset=utf-8";

    private Responses() {
    }

    /**
     * The origin the current request on a connection may be answered to ({@link BrowserGuard#allowedOrigin}),
     * or none. Kept on the channel because answers are also written later, from the worker and from streams;
     * browsers do not pipeline, so the next request cannot overtake it.
     */
    static final AttributeKey<String> ALLOW_ORIGIN = AttributeKey.valueOf("turnout.allowOrigin");

    /** Dashboards served from another origin (yacd's site) may read the answers when that origin is allowed. */
    static void cors(Channel ch, HttpHeaders h) {
        String origin = ch.attr(ALLOW_ORIGIN).get();
        if (origin != null) {
            h.set(HttpHeaderNames.ACCESS_CONTROL_ALLOW_ORIGIN, origin);
        }
        h.set(HttpHeaderNames.VARY, "Origin");
    }

    static void preflight(ChannelHandlerContext ctx, boolean keepAlive, HttpHeaders request, boolean allowPrivateNetwork) {
        FullHttpResponse r = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.NO_CONTENT);
        cors(ctx.channel(), r.headers());
        r.headers().set(HttpHeaderNames.ACCESS_CONTROL_ALLOW_METHODS, "GET, POST, PUT, PATCH, DELETE");
        r.headers().set(HttpHeaderNames.ACCESS_CONTROL_ALLOW_HEADERS, "Content-Type, Authorization");
        r.headers().set(HttpHeaderNames.ACCESS_CONTROL_MAX_AGE, "300");
        if (allowPrivateNetwork && "true".equalsIgnoreCase(request.get("Access-Control-Request-Private-Network"))) {
            r.headers().set("Access-Control-Allow-Private-Network", "true");
        }
        send(ctx, r, keepAlive);
    }

    static void json(ChannelHandlerContext ctx, boolean keepAlive, HttpResponseStatus status, Object body) {
        bytes(ctx, keepAlive, status, Json.write(body).getBytes(StandardCharsets.UTF_8), JSON_TYPE);
    }

    /** A document written straight into the answer's buffer (see {@link Json#write(io.netty.buffer.ByteBufAllocator, Json.Document)}). */
    static void json(ChannelHandlerContext ctx, boolean keepAlive, HttpResponseStatus status, Json.Document body) {
        content(ctx, keepAlive, status, Json.write(ctx.alloc(), body), JSON_TYPE);
    }

    static void error(ChannelHandlerContext ctx, boolean keepAlive, HttpResponseStatus status, String message) {
        json(ctx, keepAlive, status, Map.of("message", message));
    }

    static void noContent(ChannelHandlerContext ctx, boolean keepAlive) {
        FullHttpResponse r = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.NO_CONTENT);
        cors(ctx.channel(), r.headers());
        send(ctx, r, keepAlive);
    }

    static void bytes(ChannelHandlerContext ctx, boolean keepAlive, HttpResponseStatus status, byte[] body, String type) {
        content(ctx, keepAlive, status, Unpooled.wrappedBuffer(body), type);
    }

    private static void content(ChannelHandlerContext ctx, boolean keepAlive, HttpResponseStatus status, ByteBuf body,
                                String type) {
        FullHttpResponse r = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, status, body);
        r.headers().set(HttpHeaderNames.CONTENT_TYPE, type);
        r.headers().set(HttpHeaderNames.CONTENT_LENGTH, body.readableBytes());
        r.headers().set(HttpHeaderNames.CACHE_CONTROL, "no-store");
        cors(ctx.channel(), r.headers());
        send(ctx, r, keepAlive);
    }

    static void redirect(ChannelHandlerContext ctx, boolean keepAlive, String location) {
        FullHttpResponse r = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.MOVED_PERMANENTLY);
        r.headers().set(HttpHeaderNames.LOCATION, location);
        r.headers().set(HttpHeaderNames.CONTENT_LENGTH, 0);
        send(ctx, r, keepAlive);
    }

    static void send(ChannelHandlerContext ctx, FullHttpResponse r, boolean keepAlive) {
        if (r.status().code() != 204 && !r.headers().contains(HttpHeaderNames.CONTENT_LENGTH)) {
            HttpUtil.setContentLength(r, r.content().readableBytes());
        }
        if (keepAlive) {
            r.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.KEEP_ALIVE);
            ctx.writeAndFlush(r);
        } else {
            r.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
            ctx.writeAndFlush(r).addListener(ChannelFutureListener.CLOSE);
        }
    }
}
