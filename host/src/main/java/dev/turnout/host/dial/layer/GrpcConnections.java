package dev.turnout.host.dial.layer;

import dev.turnout.api.GrpcCalls;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.EventLoop;
import io.netty.handler.codec.http2.DefaultHttp2PingFrame;
import io.netty.handler.codec.http2.Http2FrameCodec;
import io.netty.handler.codec.http2.Http2GoAwayFrame;
import io.netty.handler.codec.http2.Http2PingFrame;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.Future;
import io.netty.util.concurrent.Promise;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;

/**
 * gRPC calls to one server carried on shared HTTP/2 connections, as Clash and mihomo carry a node's calls on one
 * (Go's HTTP/2 transport): a flow then starts with one HEADERS frame instead of a TCP and a TLS handshake. Each
 * event loop keeps its own connections, so a call's stream and the flow it carries share a loop and no state is
 * shared between loops; everything below runs on the loop it belongs to.
 *
 * <p>A connection takes new calls until the server says GOAWAY, refuses more streams or it breaks; then a new one is
 * dialled, and the old one closes with its last call. One nobody calls on closes after a while ({@link Timing}). One
 * that has read nothing for some seconds (a laptop that slept, a NAT that forgot it) must answer a PING before it
 * takes a call, so that a dead connection costs a flow two seconds, not its life: Go's transport, as mihomo
 * configures it, would keep putting calls on it.
 */
final class GrpcConnections implements GrpcCalls {

    /**
     * How long a connection without calls stays open; how long a connection may read nothing before it must answer
     * a PING to take a call; how long it has to answer.
     */
    record Timing(Duration idle, Duration quiet, Duration pingTimeout) {
        static final Timing DEFAULT = new Timing(Duration.ofSeconds(120), Duration.ofSeconds(15), Duration.ofSeconds(2));
    }

    private final long idleNanos;
    private final long quietNanos;
    private final long pingTimeoutNanos;

    private final Function<EventLoop, Future<Channel>> connect;
    private final String what;
    private final Function<Channel, Future<Channel>> call;
    private final Map<EventLoop, OnLoop> loops = new ConcurrentHashMap<>();
    private volatile boolean closed;

    /**
     * @param connect opens a connection on a loop, TLS done, bounded in time
     * @param what    how failures name the calls ({@code gRPC at host/Svc/Tun})
     * @param call    sends a call's request on a started connection: {@link Http2Call#call}
     */
    GrpcConnections(Function<EventLoop, Future<Channel>> connect, String what,
                    Function<Channel, Future<Channel>> call, Timing timing) {
        this.idleNanos = timing.idle().toNanos();
        this.quietNanos = timing.quiet().toNanos();
        this.pingTimeoutNanos = timing.pingTimeout().toNanos();
        this.connect = connect;
        this.what = what;
        this.call = call;
    }

    @Override
    public Future<Channel> open(EventLoop loop) {
        Promise<Channel> result = loop.newPromise();
        if (loop.inEventLoop()) {
            loops.computeIfAbsent(loop, OnLoop::new).open(result, true);
        } else {
            loop.execute(() -> loops.computeIfAbsent(loop, OnLoop::new).open(result, true));
        }
        return result;
    }

    @Override
    public void close() {
        closed = true;
        for (OnLoop l : loops.values()) {
            try {
                l.loop.execute(l::close);
            } catch (RejectedExecutionException e) {
                // The loop has stopped, and its connections with it.
            }
        }
    }

    /** How many connections are open on each loop: for tests. */
    int connections(EventLoop loop) {
        OnLoop on = loops.get(loop);
        return on == null ? 0 : on.open.size();
    }

    /** One loop's connections; touched only on that loop. */
    private final class OnLoop {
        final EventLoop loop;
        final List<Connection> open = new ArrayList<>(2);
        /** The connection new calls go on, or null. */
        Connection current;
        /** The connection being dialled, which calls arriving meanwhile wait for. */
        Promise<Connection> dialling;

        OnLoop(EventLoop loop) {
            this.loop = loop;
        }

        /** {@code redial}: whether a connection that turns out full may send this call to a new one. */
        void open(Promise<Channel> result, boolean redial) {
            if (closed) {
                result.tryFailure(new IOException(what + ": the outbound was closed"));
                return;
            }
            if (current != null && !current.takesCalls()) {
                current.retire();
            }
            Connection c = current;
            if (c == null) {
                whenDialled(result, redial);
            } else if (System.nanoTime() - c.lastRead > quietNanos) {
                c.ping().addListener(answered -> {
                    if (result.isDone()) {
                        return;
                    }
                    if (Boolean.TRUE.equals(answered.getNow()) && c.takesCalls()) {
                        c.call(result);
                    } else {
                        c.retire();
                        whenDialled(result, redial);
                    }
                });
            } else {
                c.call(result);
            }
        }

        private void whenDialled(Promise<Channel> result, boolean redial) {
            // A dial that fails at once completes, and is forgotten, before dial() returns.
            Promise<Connection> pending = dialling != null ? dialling : dial();
            pending.addListener((Future<Connection> dialled) -> {
                if (result.isDone()) {
                    return;
                }
                if (!dialled.isSuccess()) {
                    result.tryFailure(dialled.cause());
                } else if (dialled.getNow().takesCalls()) {
                    dialled.getNow().call(result);
                } else if (redial) {
                    // More calls waited for it than the server allows on one connection.
                    open(result, false);
                } else {
                    result.tryFailure(new IOException(what + ": the server takes no call on a new connection"));
                }
            });
        }

        private Promise<Connection> dial() {
            Promise<Connection> dialled = loop.newPromise();
            dialling = dialled;
            Future<Channel> connecting;
            try {
                connecting = connect.apply(loop);
            } catch (RuntimeException e) {
                connecting = loop.newFailedFuture(e);
            }
            // Inline, not through execute(): the codec must be in place before the server's first frames are read.
            connecting.addListener((Future<Channel> f) -> {
                if (dialling == dialled) {
                    dialling = null;
                }
                if (!f.isSuccess()) {
                    dialled.setFailure(f.cause());
                    return;
                }
                Channel channel = f.getNow();
                if (closed) {
                    channel.close();
                    dialled.setFailure(new IOException(what + ": the outbound was closed"));
                    return;
                }
                try {
                    Http2Call.start(channel, what);
                } catch (IOException e) {
                    dialled.setFailure(e);
                    return;
                }
                Connection c = new Connection(this, channel);
                open.add(c);
                current = c;
                dialled.setSuccess(c);
            });
            return dialled;
        }

        void close() {
            for (Connection c : List.copyOf(open)) {
                c.retire();
            }
        }
    }

    /** One HTTP/2 connection and the calls on it; touched only on its loop. */
    private final class Connection extends ChannelInboundHandlerAdapter {
        final OnLoop owner;
        final Channel channel;
        final Http2FrameCodec codec;
        long lastRead = System.nanoTime();
        int calls;
        boolean retired;
        /** The answer to a PING in flight: whether it came in time. */
        Promise<Boolean> ping;
        /** Whether an idle check is scheduled. */
        boolean idleCheck;
        long lastCallEnded;

        Connection(OnLoop owner, Channel channel) {
            this.owner = owner;
            this.channel = channel;
            this.codec = channel.pipeline().get(Http2FrameCodec.class);
            // Before the codec, to see every read; its own frames (PING answers, GOAWAY) come out of the codec.
            channel.pipeline().addBefore(Http2Call.CODEC, "turnout-h2-reads", new ReadClock(this));
            channel.pipeline().addLast("turnout-h2-connection", this);
            channel.closeFuture().addListener(closed -> {
                retired = true;
                owner.open.remove(this);
                if (owner.current == this) {
                    owner.current = null;
                }
                if (ping != null) {
                    ping.trySuccess(false);
                }
            });
        }

        boolean takesCalls() {
            return !retired && channel.isActive() && !codec.connection().goAwayReceived()
                    && codec.connection().local().canOpenStream();
        }

        void call(Promise<Channel> result) {
            calls++;
            call.apply(channel).addListener((Future<Channel> opened) -> {
                if (!opened.isSuccess()) {
                    ended();
                    result.tryFailure(opened.cause());
                    return;
                }
                Channel stream = opened.getNow();
                stream.closeFuture().addListener(closed -> ended());
                if (!result.trySuccess(stream)) {
                    stream.close();
                }
            });
        }

        private void ended() {
            calls--;
            lastCallEnded = System.nanoTime();
            if (calls > 0) {
                return;
            }
            if (retired) {
                channel.close();
            } else if (!idleCheck) {
                idleCheck = true;
                channel.eventLoop().schedule(this::checkIdle, idleNanos, TimeUnit.NANOSECONDS);
            }
        }

        private void checkIdle() {
            idleCheck = false;
            if (calls > 0 || !channel.isActive()) {
                return;
            }
            long idle = System.nanoTime() - lastCallEnded;
            if (idle >= idleNanos) {
                channel.close();
            } else {
                idleCheck = true;
                channel.eventLoop().schedule(this::checkIdle, idleNanos - idle, TimeUnit.NANOSECONDS);
            }
        }

        /** No new calls; closed now if none is open, else with its last. */
        void retire() {
            retired = true;
            if (owner.current == this) {
                owner.current = null;
            }
            if (calls == 0) {
                channel.close();
            }
        }

        /** Completes with true once the server answers a PING, false if it does not in time. */
        Future<Boolean> ping() {
            if (ping == null) {
                Promise<Boolean> answer = channel.eventLoop().newPromise();
                ping = answer;
                var timer = channel.eventLoop().schedule(() -> answer.trySuccess(false), pingTimeoutNanos,
                        TimeUnit.NANOSECONDS);
                answer.addListener(done -> {
                    timer.cancel(false);
                    if (ping == answer) {
                        ping = null;
                    }
                });
                channel.writeAndFlush(new DefaultHttp2PingFrame(System.nanoTime())).addListener(sent -> {
                    if (!sent.isSuccess()) {
                        answer.trySuccess(false);
                    }
                });
            }
            return ping;
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            // What the codec passes on for the connection itself, having acted on it.
            if (msg instanceof Http2PingFrame frame && frame.ack() && ping != null) {
                ping.trySuccess(true);
            } else if (msg instanceof Http2GoAwayFrame) {
                retire();
            }
            ReferenceCountUtil.release(msg);
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            // A broken connection ends every call on it (Http2MultiplexHandler closes them).
            ctx.close();
        }
    }

    /** Notes when the connection last read anything. */
    private static final class ReadClock extends ChannelInboundHandlerAdapter {
        private final Connection connection;

        ReadClock(Connection connection) {
            this.connection = connection;
        }

        @Override
        public void channelReadComplete(ChannelHandlerContext ctx) {
            connection.lastRead = System.nanoTime();
            ctx.fireChannelReadComplete();
        }
    }
}
