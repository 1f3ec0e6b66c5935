package dev.turnout.host.dial.layer;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPromise;
import io.netty.handler.codec.http2.DefaultHttp2DataFrame;
import io.netty.handler.codec.http2.Http2DataFrame;
import io.netty.handler.codec.http2.Http2Headers;
import io.netty.handler.codec.http2.Http2HeadersFrame;
import io.netty.handler.codec.http2.Http2ResetFrame;
import io.netty.util.ReferenceCountUtil;
import java.io.IOException;

/**
 * A byte stream in the bodies of one HTTP/2 request and its answer (Clash's {@code network: h2}): what is written
 * goes out as DATA frames and the answer's DATA comes in as plain buffers. An answer other than 200 or a reset
 * fails the stream with what the server said; the end of the answer closes it after everything before it has been
 * passed on. Other HTTP/2 transports frame the bodies their way ({@link GunStream}).
 */
class StreamBody extends ChannelDuplexHandler {

    /** How failures name the request, e.g. {@code h2 at front.example/path}. */
    final String what;
    private boolean answered;

    StreamBody(String what) {
        this.what = what;
    }

    @Override
    public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) {
        if (msg instanceof ByteBuf bytes && bytes.isReadable()) {
            send(ctx, bytes, promise);
        } else if (msg instanceof ByteBuf empty) {
            // The relay writes an empty buffer to learn when everything before it is out: an empty DATA frame
            // keeps that order.
            ctx.write(new DefaultHttp2DataFrame(empty), promise);
        } else {
            ctx.write(msg, promise);
        }
    }

    /** Sends {@code bytes} (not empty) in the request's body. */
    void send(ChannelHandlerContext ctx, ByteBuf bytes, ChannelPromise promise) {
        ctx.write(new DefaultHttp2DataFrame(bytes), promise);
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) throws IOException {
        if (msg instanceof Http2DataFrame frame) {
            // Its content is the next handler's now.
            ctx.fireChannelRead(frame.content());
            if (frame.isEndStream()) {
                ctx.close();
            }
        } else if (msg instanceof Http2HeadersFrame frame) {
            if (!answered) {
                answered = true;
                CharSequence status = frame.headers().status();
                if (status == null || !"200".contentEquals(status)) {
                    throw new IOException(what + ": the server answered HTTP status " + status
                            + (status != null && "404".contentEquals(status) ? " (not found)" : ""));
                }
                checkAnswer(frame.headers());
                if (!frame.isEndStream()) {
                    return;
                }
            }
            checkEnd(frame.headers());
            ctx.close();
        } else if (msg instanceof Http2ResetFrame reset) {
            throw new IOException(what + ": the server reset the stream (HTTP/2 error " + reset.errorCode() + ")");
        } else {
            ReferenceCountUtil.release(msg);
        }
    }

    /** Checks the answer's headers beyond its 200. */
    void checkAnswer(Http2Headers headers) throws IOException {
    }

    /** Checks the headers that end the answer (trailers, or the answer's own when it has no body). */
    void checkEnd(Http2Headers trailers) throws IOException {
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        ctx.fireExceptionCaught(cause);
        ctx.close();
    }
}
