package dev.turnout.host.relay;

import dev.turnout.host.flow.Flow;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.AdaptiveRecvByteBufAllocator;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelOption;
import io.netty.channel.ChannelOutboundBuffer;
import io.netty.channel.RecvByteBufAllocator;
import io.netty.channel.SingleThreadEventLoop;
import io.netty.channel.WriteBufferWaterMark;
import io.netty.channel.epoll.EpollSocketChannel;
import io.netty.channel.socket.ChannelInputShutdownEvent;
import io.netty.channel.socket.ChannelOutputShutdownEvent;
import io.netty.channel.socket.DuplexChannel;
import io.netty.channel.unix.Socket;
import io.netty.channel.unix.UnixChannel;
import io.netty.handler.codec.http2.DefaultHttp2DataFrame;
import io.netty.handler.codec.http2.Http2StreamChannel;
import java.io.IOException;

/**
 * Moves bytes between an application's channel and its outbound's, on one event loop, with back-pressure
 * (a side stops reading while the other cannot take more), half-close passed on (a FIN one way becomes a
 * shutdown of output the other way), a reset passed on as a reset, an idle timeout, and a shorter one once a
 * direction has ended ({@link FlowTimeouts}).
 *
 * <p>Bytes pass through user space, not splice(2): Netty's {@code spliceTo} between the two sockets (with 1 MiB
 * pipes; its default 64 KiB ones were slower still) moved 5-21% more on four streams and through SOCKS5 but 13%
 * less on a single TUN download and a single SOCKS5 upload (bench/tun.sh, two alternated rounds, December 2026;
 * the patch is in issue 16's closing note of session 20). Measured again once the kernel rewrote established TUN
 * flows (three alternated rounds, medians, TUN -> DIRECT): uploads +10% (one stream) and +21% (four), downloads
 * -5% and +3%, TUN -> SOCKS5 -13% on one upload, +23% on one download. Still mixed; and Netty's {@code spliceTo}
 * is deprecated in 4.2 and hides the bytes from the flow's counters and the idle timer.
 */
public final class Relay {

    /**
     * Reads start at Netty's 2 KiB, grow to 1 MiB while a side keeps filling them (a bulk transfer), and stay
     * small otherwise. With Netty's 64 KiB cap, the flow's one thread spent its time on syscalls: a single TUN
     * download moved 0.38 of the direct path in bench/tun.sh and 0.64-0.70 with this (uploads 0.66 either
     * way). What a flow holds is still bounded by back-pressure: one read plus the peer's write buffer per
     * direction.
     *
     * <p>Give it to a channel before its first read ({@link #readsGrowToBulk}): Netty sizes a channel's reads
     * with a handle made at its first read and keeps that handle, so a channel that read a proxy handshake
     * before {@link #start} went on reading at most 64 KiB at a time whatever was set later (seen with strace
     * on TUN -> SOCKS5 downloads: every read from the proxy asked for 65,536 bytes).
     */
    private static final RecvByteBufAllocator READS = new AdaptiveRecvByteBufAllocator(64, 2048, 1024 * 1024);

    /**
     * A relay stops reading a side when the other side's write buffer passes the high mark, and reads again
     * below the low one. The high mark is above one full read: with Netty's 64 KiB, every read of a bulk
     * transfer made the peer unwritable until its flush, so each read cost two more syscalls (epoll_ctl to
     * stop reading, and again to start) and a wake-up. A side that cannot write still stops its peer's reads
     * after at most two reads; what a stalled flow holds grows from about 1 to about 2 MiB per direction.
     */
    private static final WriteBufferWaterMark WRITES = new WriteBufferWaterMark(512 * 1024, 1024 * 1024 + 64 * 1024);

    /**
     * The most a side's reads may hold until the end of its loop iteration before they are flushed (see
     * {@link Side#channelReadComplete}): an answer of this size or less leaves in one segment with a FIN that
     * came with it.
     */
    private static final int HELD_TO_THE_ITERATIONS_END = 16 * 1024;

    private Relay() {
    }

    /**
     * Keeps what {@code application} sends from now until {@link #start} (an inbound calls this when it accepts a
     * connection it will dial for): its first bytes and an early FIN are then relayed, not dropped.
     */
    public static void holdEarlyInput(Channel application) {
        EarlyInbound.install(application);
    }

    /**
     * Starts relaying; both channels must be on the same event loop. {@code onEnd} runs once, when both are
     * closed. What {@link #holdEarlyInput} kept goes first.
     */
    public static void start(Channel application, Channel outbound, Flow flow, FlowTimeouts timeouts, Runnable onEnd) {
        application.config().setOption(ChannelOption.ALLOW_HALF_CLOSURE, true);
        outbound.config().setOption(ChannelOption.ALLOW_HALF_CLOSURE, true);
        // Too late for a channel that has read already (see READS), in time for one that has not.
        readsGrowToBulk(application);
        readsGrowToBulk(outbound);
        application.config().setWriteBufferWaterMark(WRITES);
        outbound.config().setWriteBufferWaterMark(WRITES);
        FlowTimer timer = FlowTimer.start(application, outbound, timeouts);
        application.pipeline().addLast("relay", new Side(outbound, flow, true, timer));
        outbound.pipeline().addLast("relay", new Side(application, flow, false, timer));
        ChannelFutureListener bothClosed = new ChannelFutureListener() {
            private int closed;

            @Override
            public void operationComplete(ChannelFuture f) {
                if (++closed == 2) {
                    onEnd.run();
                }
            }
        };
        application.closeFuture().addListener(bothClosed);
        outbound.closeFuture().addListener(bothClosed);
        flow.onClose(() -> {
            resetAndClose(application);
            outbound.close();
        });
        EarlyInbound.replay(application.pipeline());
        setReading(application, true);
        setReading(outbound, true);
    }

    /**
     * Lets {@code channel}'s reads grow to bulk size; call it where the channel is made, before it can read
     * (see {@link #READS}).
     */
    public static void readsGrowToBulk(Channel channel) {
        channel.config().setRecvByteBufAllocator(READS);
    }

    /**
     * For a tunnel that answers {@code inbound} itself rather than relaying it (the DNS hijack): passes what
     * {@link #holdEarlyInput} kept through the handlers now in its pipeline, then turns reading on.
     */
    public static void resumeReading(Channel inbound) {
        EarlyInbound.replay(inbound.pipeline());
        setReading(inbound, true);
    }

    /**
     * Turns reading on or off, except that a channel whose input has ended is left alone: there is nothing more
     * to read, so asking for it only costs a wake-up (Netty 4.2.18 neither reads nor closes such a channel; this
     * guard was first written against a close at the end of input that came from half-closure not being allowed,
     * which {@link EarlyInbound} now allows).
     */
    static void setReading(Channel channel, boolean on) {
        if (on && channel instanceof DuplexChannel d && d.isInputShutdown()) {
            return;
        }
        channel.config().setAutoRead(on);
    }

    /** Closes with a TCP reset rather than a FIN, so the application learns at once that the flow failed. */
    public static void resetAndClose(Channel channel) {
        if (channel.isOpen()) {
            try {
                channel.config().setOption(ChannelOption.SO_LINGER, 0);
            } catch (RuntimeException e) {
                // not a TCP socket: a plain close is all there is
            }
            channel.close();
        }
    }

    /**
     * Sends the FIN of a channel whose writes have all been written. A native socket is shut down directly:
     * Netty's shutdownOutput() makes a ChannelOutputShutdownException, stack trace and all, to fail writes that the
     * relay never has pending at that point (one per flow, 1% of Turnout's CPU in bench/tun.sh's setup phase).
     * Handlers still get Netty's event.
     */
    private static ChannelFuture endOutput(DuplexChannel channel) {
        if (channel instanceof UnixChannel unix && unix.fd() instanceof Socket socket && channel.eventLoop().inEventLoop()) {
            try {
                socket.shutdown(false, true);
            } catch (IOException | java.nio.channels.NotYetConnectedException e) {
                // ENOTCONN, which Netty throws unchecked: the application reset while the loop had not yet read it.
                return channel.newFailedFuture(e);
            }
            channel.pipeline().fireUserEventTriggered(ChannelOutputShutdownEvent.INSTANCE);
            return channel.newSucceededFuture();
        }
        return channel.shutdownOutput();
    }

    /**
     * Holds back a last partial segment of what {@code channel} still has to write until its FIN, which then
     * leaves in the same segment: an answer and its end cost one packet instead of two, and the application's ACK
     * and FIN go as one (the usual request, answer and close through the TUN took ten packets, now eight). Only
     * for a channel whose output is about to end: TCP_CORK is never turned off again, the FIN sends what it held.
     */
    private static void endsWithTheLastBytes(Channel channel) {
        if (channel instanceof EpollSocketChannel epoll && unwritten(channel) > 0) {
            try {
                epoll.config().setTcpCork(true);
            } catch (RuntimeException e) {
                // the FIN goes in its own segment, as without it
            }
        }
    }

    /** The bytes written to {@code channel} that its socket has not yet taken (flushed or not). */
    static long unwritten(Channel channel) {
        ChannelOutboundBuffer pending = channel.unsafe().outboundBuffer();
        return pending == null ? 0 : pending.totalPendingWriteBytes();
    }

    /** Flushes what is pending, then closes. */
    static void closeOnFlush(Channel channel) {
        if (channel.isActive()) {
            channel.writeAndFlush(Unpooled.EMPTY_BUFFER).addListener(ChannelFutureListener.CLOSE);
        } else {
            channel.close();
        }
    }

    /**
     * One direction: what this channel reads goes to {@code peer}. As a {@link Runnable} it is the flush held to
     * the end of the loop's iteration (see {@link #channelReadComplete}): the side itself rather than a lambda it
     * keeps, 24 bytes a side less.
     */
    private static final class Side extends ChannelInboundHandlerAdapter implements Runnable {
        private final Channel peer;
        private final Flow flow;
        private final boolean upload;
        private final FlowTimer timer;

        private boolean flushPending;
        /** Bytes read since the last flush to the peer. */
        private long unflushed;

        Side(Channel peer, Flow flow, boolean upload, FlowTimer timer) {
            this.peer = peer;
            this.flow = flow;
            this.upload = upload;
            this.timer = timer;
        }

        @Override
        public void run() {
            flushPending = false;
            unflushed = 0;
            peer.flush();
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            if (msg instanceof ByteBuf buf) {
                int n = buf.readableBytes();
                unflushed += n;
                if (upload) {
                    flow.countUpload(n);
                } else {
                    flow.countDownload(n);
                }
            }
            // Back-pressure comes only from the peer's writability events (see channelWritabilityChanged):
            // turning auto-read off here as well could undo a re-enable that a flush fired synchronously,
            // and the relay would stall with both sides idle.
            peer.write(msg, peer.voidPromise());
        }

        @Override
        public void channelReadComplete(ChannelHandlerContext ctx) {
            timer.moved();
            // A small read is flushed at the end of this loop iteration, not now: a FIN that came with these bytes
            // is read later in the same iteration (Netty reads the data, then handles the hang-up), and the peer's
            // FIN can then leave in the same segment as the last bytes (see endsWithTheLastBytes). A large one
            // goes now, as before: its buffer returns to the pool before the next flow reads, where held to the
            // iteration's end the reads of every busy flow would be in memory at once.
            if (unflushed > HELD_TO_THE_ITERATIONS_END) {
                run();
            } else if (!flushPending) {
                flushPending = true;
                if (ctx.channel().eventLoop() instanceof SingleThreadEventLoop loop && !loop.isShuttingDown()) {
                    loop.executeAfterEventLoopIteration(this);
                } else {
                    run();
                }
            }
        }

        @Override
        public void channelWritabilityChanged(ChannelHandlerContext ctx) {
            // This channel drained (or filled): let the peer, which writes into it, read again (or stop).
            setReading(peer, ctx.channel().isWritable());
            ctx.fireChannelWritabilityChanged();
        }

        @Override
        public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
            if (evt instanceof ChannelInputShutdownEvent) {
                timer.oneDirectionEnded();
                // Only the first direction to end arrives here: once this side has shut the peer's output, the
                // peer no longer allows half-closure, and its own end reaches channelInactive as a close.
                if (peer instanceof DuplexChannel d && peer.isActive()) {
                    endsWithTheLastBytes(peer);
                    // Only after everything queued has been written: shutdownOutput() fails what is still
                    // queued, which cut the last megabytes off bulk downloads.
                    peer.writeAndFlush(Unpooled.EMPTY_BUFFER).addListener(w -> {
                        if (!w.isSuccess()) {
                            peer.close();
                            return;
                        }
                        endOutput(d).addListener(f -> {
                            // Its input may have ended while this flushed: then both directions are done.
                            if (!f.isSuccess() || d.isInputShutdown()) {
                                peer.close();
                                return;
                            }
                            // When its input ends too, Netty may simply close it (channelInactive passes that on):
                            // half-closure would have it shut down a socket that is already done, which fails
                            // with a stack-traced exception on every flow.
                            peer.config().setOption(ChannelOption.ALLOW_HALF_CLOSURE, false);
                        });
                    });
                } else if (peer instanceof Http2StreamChannel && peer.isActive()) {
                    // An HTTP/2 stream (a gRPC call) ends its side with END_STREAM, after what is queued: the
                    // server still answers, and its end of the stream closes it. Closing it here would cancel the
                    // call and lose the answer (seen with an HTTP/1.0 client that sends its FIN at once).
                    peer.writeAndFlush(new DefaultHttp2DataFrame(true)).addListener(w -> {
                        if (!w.isSuccess()) {
                            peer.close();
                        }
                    });
                } else {
                    closeOnFlush(peer);
                }
                return;
            }
            ctx.fireUserEventTriggered(evt);
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) {
            closeOnFlush(peer);
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            // A side that failed (a reset, a timeout, a write error) fails the flow: the other end gets a reset
            // too. A FIN would tell a client reading to the end that a cut-off answer was whole.
            resetAndClose(ctx.channel());
            resetAndClose(peer);
        }
    }
}
