package dev.turnout.host.dial;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.channel.Channel;
import io.netty.channel.ChannelConfig;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.MaxMessagesRecvByteBufAllocator;
import io.netty.channel.RecvByteBufAllocator;
import io.netty.util.UncheckedBooleanSupplier;

/**
 * Ends a datagram channel's read loop once the channel is closed. Netty's epoll datagram channel (4.2.18, and
 * 4.2.21 unchanged) goes on to another {@code recvmsg} after a handler closed the channel in {@code channelRead},
 * where its stream channel stops (Netty fixed that one in 2016, #5048, for this very reason): by then the descriptor
 * number may be a socket another thread has just opened, and the read takes that socket's bytes. Turnout's one-shot
 * DNS sockets close themselves on their answer, in {@code channelRead}; a TUN connection accepted on a lane's thread
 * in that instant got the DNS socket's number and lost its first bytes (the application's request) to the DNS
 * socket's loop, and the flow stalled until the server gave up (DesktopIT's Chromium, about one run in a hundred).
 * Every datagram channel comes from {@link Transport#newDatagramChannel()}, which installs this. Remove once
 * Netty's datagram loop checks for a close itself ({@code DatagramReadsEndAtCloseTest} shows it).
 */
@SuppressWarnings("deprecation") // RecvByteBufAllocator.Handle: what Netty's channels still call
final class DatagramReadsEndAtClose implements MaxMessagesRecvByteBufAllocator {

    private final Channel channel;
    private final RecvByteBufAllocator inner;

    private DatagramReadsEndAtClose(Channel channel, RecvByteBufAllocator inner) {
        this.channel = channel;
        this.inner = inner;
    }

    /**
     * Has {@code channel}'s reads end at its close, whatever allocator its bootstrap's options set: the allocator is
     * wrapped once the channel is registered, after those options and before its first read.
     */
    static void install(Channel channel) {
        channel.pipeline().addFirst(WrapOnRegister.NAME, WrapOnRegister.INSTANCE);
    }

    @Override
    public Handle newHandle() {
        return new EndingHandle((ExtendedHandle) inner.newHandle());
    }

    @Override
    public int maxMessagesPerRead() {
        return inner instanceof MaxMessagesRecvByteBufAllocator m ? m.maxMessagesPerRead() : 1;
    }

    @Override
    public MaxMessagesRecvByteBufAllocator maxMessagesPerRead(int maxMessagesPerRead) {
        if (!(inner instanceof MaxMessagesRecvByteBufAllocator m)) {
            throw new IllegalStateException(inner + " has no messages-per-read limit to set");
        }
        m.maxMessagesPerRead(maxMessagesPerRead);
        return this;
    }

    /** Wraps the channel's allocator as it is registered, then leaves the pipeline. */
    @ChannelHandler.Sharable
    private static final class WrapOnRegister extends ChannelInboundHandlerAdapter {
        static final String NAME = "datagram-reads-end-at-close";
        static final WrapOnRegister INSTANCE = new WrapOnRegister();

        @Override
        public void channelRegistered(ChannelHandlerContext ctx) {
            ChannelConfig config = ctx.channel().config();
            RecvByteBufAllocator current = config.getRecvByteBufAllocator();
            if (!(current instanceof DatagramReadsEndAtClose)) {
                config.setRecvByteBufAllocator(new DatagramReadsEndAtClose(ctx.channel(), current));
            }
            ctx.pipeline().remove(this);
            ctx.fireChannelRegistered();
        }
    }

    private final class EndingHandle implements ExtendedHandle {
        private final ExtendedHandle inner;

        EndingHandle(ExtendedHandle inner) {
            this.inner = inner;
        }

        @Override
        public boolean continueReading(UncheckedBooleanSupplier maybeMoreDataSupplier) {
            return channel.isOpen() && inner.continueReading(maybeMoreDataSupplier);
        }

        @Override
        public boolean continueReading() {
            return channel.isOpen() && inner.continueReading();
        }

        @Override
        public ByteBuf allocate(ByteBufAllocator alloc) {
            return inner.allocate(alloc);
        }

        @Override
        public int guess() {
            return inner.guess();
        }

        @Override
        public void reset(ChannelConfig config) {
            inner.reset(config);
        }

        @Override
        public void incMessagesRead(int numMessages) {
            inner.incMessagesRead(numMessages);
        }

        @Override
        public void lastBytesRead(int bytes) {
            inner.lastBytesRead(bytes);
        }

        @Override
        public int lastBytesRead() {
            return inner.lastBytesRead();
        }

        @Override
        public void attemptedBytesRead(int bytes) {
            inner.attemptedBytesRead(bytes);
        }

        @Override
        public int attemptedBytesRead() {
            return inner.attemptedBytesRead();
        }

        @Override
        public void readComplete() {
            inner.readComplete();
        }
    }
}
