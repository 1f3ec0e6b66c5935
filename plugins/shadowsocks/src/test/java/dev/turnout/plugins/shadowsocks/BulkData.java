package dev.turnout.plugins.shadowsocks;

import dev.turnout.api.testing.LocalTcpServer;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Random;
import java.util.concurrent.CompletableFuture;

/**
 * 64 MiB of seeded pseudo-random bytes and their SHA-256, for transfers that must arrive whole: a server that sends
 * them, one that digests what it is sent, and a client-side digest of what a channel delivers.
 */
final class BulkData {

    static final int SIZE = 64 << 20;
    private static final int BLOCK = 64 << 10;
    private static final long SEED = 20261130L;

    private BulkData() {
    }

    /** Block {@code i} of the data; every block is different. */
    static byte[] block(int i) {
        byte[] b = new byte[BLOCK];
        new Random(SEED + i).nextBytes(b);
        return b;
    }

    static String expectedDigest() {
        MessageDigest sha = sha256();
        for (int i = 0; i < SIZE / BLOCK; i++) {
            sha.update(block(i));
        }
        return HexFormat.of().formatHex(sha.digest());
    }

    /** Sends the data, then closes once the client has (unread input at close would be a reset, cutting the data). */
    static LocalTcpServer source() throws IOException {
        return LocalTcpServer.serving(s -> {
            OutputStream out = s.getOutputStream();
            for (int i = 0; i < SIZE / BLOCK; i++) {
                out.write(block(i));
            }
            out.flush();
            s.shutdownOutput();
            s.getInputStream().transferTo(OutputStream.nullOutputStream());
        });
    }

    /** Reads {@link #SIZE} bytes and answers with their SHA-256, in hex. */
    static LocalTcpServer sink() throws IOException {
        return LocalTcpServer.serving(s -> {
            MessageDigest sha = sha256();
            InputStream in = s.getInputStream();
            byte[] buf = new byte[BLOCK];
            long total = 0;
            for (int n; total < SIZE && (n = in.read(buf, 0, (int) Math.min(buf.length, SIZE - total))) >= 0; ) {
                sha.update(buf, 0, n);
                total += n;
            }
            s.getOutputStream().write(HexFormat.of().formatHex(sha.digest()).getBytes());
            s.getOutputStream().flush();
            in.read();
        });
    }

    /** Writes the data to {@code channel}, waiting for each megabyte to be written. */
    static void upload(Channel channel) throws InterruptedException {
        for (int i = 0; i < SIZE / BLOCK; i++) {
            var write = channel.writeAndFlush(Unpooled.wrappedBuffer(block(i)));
            if ((i & 15) == 15) {
                write.sync();
            }
        }
    }

    /** Digests what a channel delivers; completes with the hex digest and the byte count when it closes. */
    static final class Digest extends ChannelInboundHandlerAdapter {
        final CompletableFuture<String> done = new CompletableFuture<>();
        private final MessageDigest sha = sha256();
        private long count;

        static Digest attach(Channel channel) throws InterruptedException {
            Digest d = new Digest();
            channel.eventLoop().submit(() -> {
                channel.pipeline().addLast(d);
                channel.config().setAutoRead(true);
                channel.read();
            }).sync();
            return d;
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            ByteBuf buf = (ByteBuf) msg;
            count += buf.readableBytes();
            sha.update(buf.nioBuffer());
            buf.release();
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) {
            done.complete(HexFormat.of().formatHex(sha.digest()) + " " + count);
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            done.completeExceptionally(cause);
        }
    }

    private static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
