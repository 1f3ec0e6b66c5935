package dev.turnout.plugins.shadowsocks;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPromise;
import io.netty.util.concurrent.ScheduledFuture;
import java.net.SocketTimeoutException;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Ends a flow whose server has said nothing at all {@code timeout} after the application last wrote. Shadowsocks
 * has no handshake to fail: a server that cannot decrypt the request (a wrong password or cipher) does not close,
 * ss-server keeps reading and discarding in silence so that probes learn nothing. Without this the flow would hang
 * until the idle timeout. Counting from the last write, not the first, lets a long upload whose answer comes at the
 * end through. It watches only until the first answer, then leaves the pipeline.
 */
final class FirstReplyDeadline extends ChannelDuplexHandler {

    private static final Logger LOG = LoggerFactory.getLogger(FirstReplyDeadline.class);

    private final long timeoutMillis;
    private final String label;
    private ScheduledFuture<?> timer;
    private long lastWriteNanos;
    /** Closed from this side (a delay test abandoned at its own timeout, the application gone): nobody to blame. */
    private boolean closedHere;

    FirstReplyDeadline(long timeoutMillis, String label) {
        this.timeoutMillis = timeoutMillis;
        this.label = label;
    }

    @Override
    public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) {
        if (msg instanceof ByteBuf buf && buf.isReadable()) {
            lastWriteNanos = System.nanoTime();
            if (timer == null) {
                timer = ctx.executor().schedule(() -> expire(ctx), timeoutMillis, TimeUnit.MILLISECONDS);
            }
        }
        ctx.write(msg, promise);
    }

    private void expire(ChannelHandlerContext ctx) {
        if (!ctx.channel().isActive()) {
            return;
        }
        long left = timeoutMillis - TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - lastWriteNanos);
        if (left > 0) {
            // Written to since: one timer, moved on, rather than one per write.
            timer = ctx.executor().schedule(() -> expire(ctx), left, TimeUnit.MILLISECONDS);
            return;
        }
        String message = label + ": the server sent nothing within " + timeoutMillis + " ms of the request"
                + " (ss-server stays silent when it cannot decrypt: a wrong password or cipher?); ending the flow";
        LOG.warn(message);
        ctx.fireExceptionCaught(new SocketTimeoutException(message));
        ctx.close();
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        // The server answered, so it could decrypt the request: nothing more to watch.
        stop();
        ctx.pipeline().remove(this);
        ctx.fireChannelRead(msg);
    }

    @Override
    public void close(ChannelHandlerContext ctx, ChannelPromise promise) {
        closedHere = true;
        ctx.close(promise);
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        // Only the server's close says something about it: a health check that gave up at its own timeout closed
        // the connection here, and was said to be a wrong password or cipher (six lines per round for a slow node).
        if (timer != null && !timer.isDone() && !closedHere) {
            LOG.info("{}: the server closed the connection without answering the request (a wrong password or cipher,"
                    + " or the destination ended it)", label);
        }
        stop();
        ctx.fireChannelInactive();
    }

    @Override
    public void handlerRemoved(ChannelHandlerContext ctx) {
        stop();
    }

    private void stop() {
        if (timer != null) {
            timer.cancel(false);
        }
    }
}
