package dev.turnout.plugins.trojan;

import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.concurrent.TimeUnit;

/**
 * Takes what an outbound's channel delivers the way the relay would (last in the pipeline), keeping only a
 * count, a SHA-256 and the first bytes, so 64 MiB can pass; and records how the channel ended: closed, and
 * with which error if one reached the end of the pipeline.
 */
final class StreamProbe extends ChannelInboundHandlerAdapter {

    private final MessageDigest digest;
    private final StringBuilder head = new StringBuilder();
    private long received;
    private boolean closed;
    private Throwable error;

    private StreamProbe() throws NoSuchAlgorithmException {
        digest = MessageDigest.getInstance("SHA-256");
    }

    static StreamProbe attach(Channel channel) throws Exception {
        StreamProbe probe = new StreamProbe();
        channel.eventLoop().submit(() -> {
            channel.pipeline().addLast(probe);
            channel.config().setAutoRead(true);
            channel.read();
        }).sync();
        return probe;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        ByteBuf buf = (ByteBuf) msg;
        synchronized (this) {
            received += buf.readableBytes();
            for (int i = buf.readerIndex(); i < buf.writerIndex() && head.length() < 4096; i++) {
                head.append((char) (buf.getByte(i) & 0xff));
            }
            digest.update(buf.nioBuffer());
            notifyAll();
        }
        buf.release();
    }

    @Override
    public synchronized void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        if (error == null) {
            error = cause;
        }
        ctx.close();
        notifyAll();
    }

    @Override
    public synchronized void channelInactive(ChannelHandlerContext ctx) {
        closed = true;
        notifyAll();
    }

    /** Waits until {@code bytes} have come, the channel closed, or the time is up. */
    synchronized StreamProbe await(long bytes, long millis) throws InterruptedException {
        long end = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(millis);
        while (received < bytes && !closed) {
            long left = TimeUnit.NANOSECONDS.toMillis(end - System.nanoTime());
            if (left <= 0) {
                break;
            }
            wait(left);
        }
        return this;
    }

    /** Waits until the channel has closed or the time is up. */
    synchronized StreamProbe awaitClose(long millis) throws InterruptedException {
        return await(Long.MAX_VALUE, millis);
    }

    synchronized long received() {
        return received;
    }

    synchronized String head() {
        return head.toString();
    }

    synchronized boolean closed() {
        return closed;
    }

    synchronized Throwable error() {
        return error;
    }

    /** SHA-256 of everything received, in hex; call once, at the end. */
    synchronized String sha256() {
        return HexFormat.of().formatHex(digest.digest());
    }
}
