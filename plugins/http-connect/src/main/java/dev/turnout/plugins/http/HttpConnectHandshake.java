package dev.turnout.plugins.http;

import dev.turnout.api.Destination;
import dev.turnout.api.RejectedException;
import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.util.NetUtil;
import io.netty.util.concurrent.Promise;
import java.io.IOException;
import java.nio.charset.StandardCharsets;

/**
 * Sends {@code CONNECT host:port} on a connected channel and reads the proxy's answer up to the end of its
 * header block.
 *
 * <p>Reads are requested one at a time, so the socket is not drained past the answer; bytes that came in the
 * same segment after the blank line are the destination's first bytes and are kept in a
 * {@link PendingBytes}. A 2xx answer removes the handler and completes {@code result}; 403 fails it with a
 * {@link RejectedException} (the proxy refuses by policy, as SOCKS5's "not allowed"); 407 (or 401) fails it
 * with an {@link IOException} saying authentication failed; anything else with an {@link IOException}
 * quoting the status line. Failures close the channel.
 */
final class HttpConnectHandshake extends ChannelInboundHandlerAdapter {

    /** More than any proxy's CONNECT answer needs; a longer one is not an HTTP proxy talking. */
    static final int MAX_HEADER_BYTES = 16 * 1024;

    private final Destination target;
    private final String authorization;
    private final String server;
    private final Promise<Void> result;
    private ByteBuf received;
    private boolean sent;
    private boolean done;
    private int scanFrom;

    HttpConnectHandshake(Destination target, String authorization, String server, Promise<Void> result) {
        this.target = target;
        this.authorization = authorization;
        this.server = server;
        this.result = result;
    }

    /** The request-target of the CONNECT ({@code host:port}, IPv6 in brackets), or {@code null} if unsafe. */
    static String authority(Destination d) {
        String host = d.hasHost() ? d.host() : NetUtil.toAddressString(d.address());
        for (int i = 0; i < host.length(); i++) {
            char c = host.charAt(i);
            if (c <= ' ' || c >= 0x7f || c == '/' || c == '@') {
                return null;
            }
        }
        return (host.indexOf(':') >= 0 ? "[" + host + "]" : host) + ":" + d.port();
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        received = ctx.alloc().buffer(256);
        // One read at a time: whatever follows the answer stays in the socket for the relay.
        ctx.channel().config().setAutoRead(false);
        if (ctx.channel().isActive()) {
            sendRequest(ctx);
        }
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) {
        if (!sent) {
            sendRequest(ctx);
        }
        ctx.fireChannelActive();
    }

    @Override
    public void handlerRemoved(ChannelHandlerContext ctx) {
        if (received != null) {
            received.release();
            received = null;
        }
    }

    private void sendRequest(ChannelHandlerContext ctx) {
        sent = true;
        String authority = authority(target);
        if (authority == null) {
            fail(ctx, new IOException("destination cannot be written in an HTTP CONNECT request: " + target));
            return;
        }
        StringBuilder request = new StringBuilder(128)
                .append("CONNECT ").append(authority).append(" HTTP/1.1\r\n")
                .append("Host: ").append(authority).append("\r\n");
        if (authorization != null) {
            request.append("Proxy-Authorization: ").append(authorization).append("\r\n");
        }
        request.append("\r\n");
        ByteBuf out = ctx.alloc().buffer(request.length());
        out.writeCharSequence(request, StandardCharsets.UTF_8);
        ctx.writeAndFlush(out).addListener(f -> {
            if (!f.isSuccess()) {
                fail(ctx, new IOException("HTTP proxy " + server + " closed the connection", f.cause()));
            }
        });
        ctx.read();
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (!(msg instanceof ByteBuf in)) {
            ctx.fireChannelRead(msg);
            return;
        }
        try {
            if (!done) {
                received.writeBytes(in);
            }
        } finally {
            in.release();
        }
        if (done) {
            return;
        }
        try {
            int end = endOfHeaders();
            if (end >= 0) {
                answer(ctx, end);
            } else if (received.readableBytes() > MAX_HEADER_BYTES) {
                throw new IOException("HTTP proxy " + server + " sent more than " + MAX_HEADER_BYTES
                        + " bytes without ending its answer's headers");
            }
        } catch (Exception e) {
            fail(ctx, e);
        }
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
        if (!done && ctx.channel().isActive()) {
            ctx.read();
        }
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        fail(ctx, new IOException("HTTP proxy " + server + " closed the connection before answering CONNECT"));
        ctx.fireChannelInactive();
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        fail(ctx, cause);
    }

    /** Index just past the blank line that ends the headers, or -1 if it has not arrived. */
    private int endOfHeaders() {
        int from = Math.max(received.readerIndex(), scanFrom);
        int to = received.writerIndex();
        for (int i = from; i < to; i++) {
            if (received.getByte(i) != '\n') {
                continue;
            }
            // A line feed ends the block when the line it closes is empty: "\n\n" or "\n\r\n".
            if (i - 1 >= received.readerIndex() && received.getByte(i - 1) == '\n') {
                return i + 1;
            }
            if (i - 2 >= received.readerIndex() && received.getByte(i - 1) == '\r' && received.getByte(i - 2) == '\n') {
                return i + 1;
            }
        }
        scanFrom = to;
        return -1;
    }

    private void answer(ChannelHandlerContext ctx, int end) throws Exception {
        String statusLine = statusLine();
        int status = status(statusLine);
        received.readerIndex(end);
        if (status >= 200 && status < 300) {
            done = true;
            ByteBuf rest = received;
            received = null;
            if (rest.isReadable()) {
                ctx.pipeline().replace(this, null, new PendingBytes(rest));
            } else {
                rest.release();
                ctx.pipeline().remove(this);
            }
            if (!result.trySuccess(null)) {
                ctx.close();
            }
            return;
        }
        String text = "HTTP proxy " + server + " answered CONNECT " + target + " with \"" + statusLine + "\"";
        if (status == 403) {
            throw new RejectedException(text);
        }
        // 407 is the standard answer; some proxies (tinyproxy 1.11 for a wrong password) send 401.
        if (status == 407 || status == 401) {
            throw new IOException(text + ": proxy authentication required"
                    + (authorization == null ? " (no username is configured)" : " (credentials refused)"));
        }
        throw new IOException(text);
    }

    private String statusLine() {
        int start = received.readerIndex();
        int eol = received.indexOf(start, received.writerIndex(), (byte) '\n');
        int length = eol - start;
        if (length > 0 && received.getByte(eol - 1) == '\r') {
            length--;
        }
        return received.toString(start, Math.min(length, 200), StandardCharsets.ISO_8859_1);
    }

    private int status(String statusLine) throws IOException {
        // HTTP/1.x SP 3DIGIT [SP reason]
        if (!statusLine.startsWith("HTTP/1.") || statusLine.length() < 12 || statusLine.charAt(8) != ' ') {
            throw new IOException("not an HTTP proxy at " + server + ": answer starts with \"" + printable(statusLine) + "\"");
        }
        try {
            int status = Integer.parseInt(statusLine.substring(9, 12));
            if (status >= 100) {
                return status;
            }
        } catch (NumberFormatException e) {
            // reported below
        }
        throw new IOException("HTTP proxy " + server + " sent a malformed status line \"" + printable(statusLine) + "\"");
    }

    private static String printable(String s) {
        StringBuilder b = new StringBuilder(Math.min(s.length(), 60));
        for (int i = 0; i < s.length() && i < 60; i++) {
            char c = s.charAt(i);
            b.append(c >= ' ' && c < 0x7f ? c : '?');
        }
        return b.toString();
    }

    private void fail(ChannelHandlerContext ctx, Throwable cause) {
        done = true;
        result.tryFailure(cause);
        ctx.close();
    }
}
