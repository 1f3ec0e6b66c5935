package dev.turnout.host.outbound;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.turnout.api.DatagramSession;
import dev.turnout.api.Metadata;
import dev.turnout.api.Outbound;
import io.netty.channel.Channel;
import io.netty.channel.ConnectTimeoutException;
import io.netty.channel.EventLoop;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.util.concurrent.Future;
import io.netty.util.concurrent.Promise;
import java.util.Iterator;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.BiFunction;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * A plugin's dial that breaks the contract ends, naming the outbound, instead of leaving its flow open: each case
 * here was seen from outside with such a plugin dropped into plugins/ (the flows stayed in /connections, their
 * applications waited, the exceptions went to Netty's listener log).
 */
class GuardedOutboundTest {

    private final MultiThreadIoEventLoopGroup group = new MultiThreadIoEventLoopGroup(2, NioIoHandler.newFactory());
    private final EventLoop loop;
    private final EventLoop otherLoop;

    GuardedOutboundTest() {
        Iterator<io.netty.util.concurrent.EventExecutor> loops = group.iterator();
        loop = (EventLoop) loops.next();
        otherLoop = (EventLoop) loops.next();
    }

    @AfterEach
    void stop() {
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
    }

    /** An outbound named "faulty" whose openStream does what {@code open} does. */
    private static Outbound faulty(BiFunction<Metadata, EventLoop, Future<Channel>> open) {
        return faulty(open, () -> { });
    }

    /** As {@link #faulty(BiFunction)}, closing with {@code close}; its openDatagram returns no future. */
    private static Outbound faulty(BiFunction<Metadata, EventLoop, Future<Channel>> open, Runnable close) {
        return faulty(open, close, on -> null);
    }

    /** As above, its openDatagram returning what {@code datagram} gives for the loop. */
    private static Outbound faulty(BiFunction<Metadata, EventLoop, Future<Channel>> open, Runnable close,
                                   java.util.function.Function<EventLoop, Future<DatagramSession>> datagram) {
        return new Outbound() {
            public String name() {
                return "faulty";
            }

            public String type() {
                return "evil";
            }

            public boolean supportsUdp() {
                return true;
            }

            public Future<Channel> openStream(Metadata flow, EventLoop on) {
                return open.apply(flow, on);
            }

            public Future<DatagramSession> openDatagram(Metadata flow, EventLoop on, DatagramSession.Receiver r) {
                return datagram.apply(on);
            }

            @Override
            public void close() {
                close.run();
            }
        };
    }

    private Future<Channel> dial(Outbound out, long deadlineMillis) {
        return GuardedOutbound.guard(out, loop, deadlineMillis, () -> out.openStream(null, loop),
                c -> c.isRegistered() && c.eventLoop() == loop ? null : "gave a connection on another loop",
                java.util.function.Function.identity(), Channel::close);
    }

    private static Throwable failure(Future<?> f) {
        assertTrue(f.awaitUninterruptibly(5, TimeUnit.SECONDS), "ended");
        assertFalse(f.isSuccess());
        return f.cause();
    }

    private Channel registeredOn(EventLoop on) {
        NioSocketChannel c = new NioSocketChannel();
        on.register(c).syncUninterruptibly();
        return c;
    }

    @Test
    void noFutureAtAllFailsTheDialNamingTheOutbound() {
        Throwable e = failure(dial(faulty((f, l) -> null), 30_000));
        assertEquals("outbound 'faulty' (type evil) returned no future", e.getMessage());
    }

    @Test
    void anErrorThrownByThePluginFailsTheDial() {
        Throwable e = failure(dial(faulty((f, l) -> {
            throw new NoClassDefFoundError("evil/Missing");
        }), 30_000));
        assertEquals("outbound 'faulty' (type evil) threw java.lang.NoClassDefFoundError: evil/Missing", e.getMessage());
        assertInstanceOf(NoClassDefFoundError.class, e.getCause());
    }

    @Test
    void anExceptionThrownByThePluginFailsTheDialNamingTheOutbound() {
        IllegalArgumentException thrown = new IllegalArgumentException("no way through");
        Throwable e = failure(dial(faulty((f, l) -> {
            throw thrown;
        }), 30_000));
        assertEquals("outbound 'faulty' (type evil) threw java.lang.IllegalArgumentException: no way through",
                e.getMessage());
        assertSame(thrown, e.getCause());
    }

    @Test
    void outOfMemoryInThePluginsDialStillEndsTheDial() {
        Throwable e = failure(dial(faulty((f, l) -> {
            throw new OutOfMemoryError("pretend");
        }), 30_000));
        assertEquals("outbound 'faulty' (type evil) threw java.lang.OutOfMemoryError: pretend", e.getMessage());
    }

    @Test
    void aDialThatBlocksItsLoopPastTheDeadlineFailsWhenItReturnsThoughItConnected() {
        // The deadline counts from the call: had it started at the return, a plugin that slept 40 s in openStream
        // delivered its connection and the flow went on as if nothing were wrong.
        Channel c = registeredOn(loop);
        Future<Channel> d = loop.submit(() -> dial(faulty((f, l) -> {
            try {
                Thread.sleep(300);
            } catch (InterruptedException ex) {
                Thread.currentThread().interrupt();
            }
            return l.newSucceededFuture(c);
        }), 200)).syncUninterruptibly().getNow();
        Throwable e = failure(d);
        assertInstanceOf(ConnectTimeoutException.class, e);
        assertTrue(c.closeFuture().awaitUninterruptibly(5, TimeUnit.SECONDS), "what it delivered is closed");
    }

    /**
     * A dial that keeps its loop is named while it still does, the innermost outbound of a chain: said only once it
     * returned, a plugin that never returns froze its loop's flows without a word.
     */
    @Test
    void aDialThatKeepsItsLoopIsNamedWhileItStillDoes() {
        ch.qos.logback.classic.Logger logger = (ch.qos.logback.classic.Logger) org.slf4j.LoggerFactory.getLogger(
                LoopWatch.class);
        ch.qos.logback.core.read.ListAppender<ch.qos.logback.classic.spi.ILoggingEvent> logged =
                new ch.qos.logback.core.read.ListAppender<>();
        logged.start();
        logger.addAppender(logged);
        long after = LoopWatch.sayAfterMillis;
        LoopWatch.sayAfterMillis = 200;
        try {
            java.util.concurrent.atomic.AtomicBoolean saidWhileInside = new java.util.concurrent.atomic.AtomicBoolean();
            Outbound holding = faulty((f, l) -> {
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
                while (logged.list.isEmpty() && System.nanoTime() < deadline) {
                    try {
                        Thread.sleep(20);
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                        break;
                    }
                }
                saidWhileInside.set(!logged.list.isEmpty());
                return l.newFailedFuture(new java.io.IOException("gave up"));
            });
            Outbound over = new Outbound() {
                public String name() {
                    return "over";
                }

                public String type() {
                    return "chain";
                }

                public boolean supportsUdp() {
                    return false;
                }

                public Future<Channel> openStream(Metadata flow, EventLoop on) {
                    return dial(holding, 30_000); // as a dialer-proxy's dial: a guard within a guard
                }

                public Future<DatagramSession> openDatagram(Metadata flow, EventLoop on, DatagramSession.Receiver r) {
                    return on.newFailedFuture(new java.io.IOException("no UDP"));
                }
            };
            Future<Channel> d = loop.submit(() -> dial(over, 30_000)).syncUninterruptibly().getNow();
            failure(d);
            assertTrue(saidWhileInside.get(), "named while the dial still held the loop");
            String line = logged.list.get(0).getFormattedMessage();
            assertTrue(line.startsWith("outbound 'faulty' (type evil) has kept thread ") && line.contains("has not "
                    + "returned"), line);
        } finally {
            LoopWatch.sayAfterMillis = after;
            logger.detachAppender(logged);
        }
    }

    @Test
    void aSessionWhoseSendThrowsIsClosedAndTheErrorGoesNoFurther() {
        java.util.concurrent.atomic.AtomicInteger closed = new java.util.concurrent.atomic.AtomicInteger();
        DatagramSession throwing = new DatagramSession() {
            public void send(dev.turnout.api.Destination to, io.netty.buffer.ByteBuf payload) {
                payload.release();
                throw new IllegalStateException("send throws");
            }

            public boolean isOpen() {
                return closed.get() == 0;
            }

            public void close() {
                closed.incrementAndGet();
            }
        };
        Outbound udp = faulty((f, l) -> null, () -> { }, on -> on.newSucceededFuture(throwing));
        Future<DatagramSession> opened = GuardedOutbound.of("faulty", udp).openDatagram(null, loop, (from, p) -> { });
        assertTrue(opened.awaitUninterruptibly(5, TimeUnit.SECONDS) && opened.isSuccess());
        opened.getNow().send(dev.turnout.api.Destination.ofHost("example.org", 53),
                io.netty.buffer.Unpooled.wrappedBuffer(new byte[] {1}));
        assertEquals(1, closed.get(), "the session is closed, not left to throw at every datagram");
    }

    @Test
    void cancellingASessionsDialCancelsThePluginsAndASessionDeliveredLaterIsClosed() {
        AtomicReference<Promise<DatagramSession>> inner = new AtomicReference<>();
        java.util.concurrent.atomic.AtomicInteger closed = new java.util.concurrent.atomic.AtomicInteger();
        DatagramSession late = new DatagramSession() {
            public void send(dev.turnout.api.Destination to, io.netty.buffer.ByteBuf payload) {
                payload.release();
            }

            public boolean isOpen() {
                return closed.get() == 0;
            }

            public void close() {
                closed.incrementAndGet();
            }
        };
        Outbound udp = faulty((f, l) -> null, () -> { }, on -> {
            Promise<DatagramSession> p = on.newPromise();
            inner.set(p);
            return p;
        });
        Future<DatagramSession> opened = GuardedOutbound.of("faulty", udp).openDatagram(null, loop, (from, p) -> { });
        assertTrue(opened.cancel(false));
        assertTrue(inner.get().awaitUninterruptibly(5, TimeUnit.SECONDS));
        assertTrue(inner.get().isCancelled(), "the flow went: the plugin's dial goes too");

        Promise<DatagramSession> uncancellable = loop.newPromise();
        uncancellable.setUncancellable(); // a plugin that cannot stop its dial
        Future<DatagramSession> again = GuardedOutbound.of("faulty", faulty((f, l) -> null, () -> { },
                on -> uncancellable)).openDatagram(null, loop, (from, p) -> { });
        assertTrue(again.cancel(false));
        uncancellable.setSuccess(late);
        long deadline = System.nanoTime() + 5_000_000_000L; // the loop runs the listeners
        while (closed.get() == 0 && System.nanoTime() < deadline) {
            Thread.onSpinWait();
        }
        assertEquals(1, closed.get(), "nobody would ever close it");
    }

    @Test
    void aDialThatNeverEndsFailsAtTheDeadlineAndIsCancelled() {
        AtomicReference<Promise<Channel>> inner = new AtomicReference<>();
        Future<Channel> d = dial(faulty((f, l) -> {
            inner.set(l.newPromise());
            return inner.get();
        }), 200);
        long t0 = System.nanoTime();
        Throwable e = failure(d);
        assertInstanceOf(ConnectTimeoutException.class, e);
        assertEquals("outbound 'faulty' did not connect within 0 s", e.getMessage());
        assertTrue(System.nanoTime() - t0 >= 150_000_000L, "not before the deadline");
        // The loop cancels the plugin's dial just after failing ours, so this thread may look in between (CI saw it).
        long deadline = System.nanoTime() + 2_000_000_000L;
        while (!inner.get().isCancelled() && System.nanoTime() < deadline) {
            Thread.onSpinWait();
        }
        assertTrue(inner.get().isCancelled(), "the plugin is told to stop");
    }

    @Test
    void aConnectionOnAnotherLoopIsClosedAndTheDialFails() {
        Channel elsewhere = registeredOn(otherLoop);
        Throwable e = failure(dial(faulty((f, l) -> otherLoop.newSucceededFuture(elsewhere)), 30_000));
        assertEquals("outbound 'faulty' (type evil) gave a connection on another loop", e.getMessage());
        assertTrue(elsewhere.closeFuture().awaitUninterruptibly(5, TimeUnit.SECONDS), "closed, not left open");
    }

    @Test
    void aConnectionDeliveredAfterTheDeadlineIsClosed() throws Exception {
        AtomicReference<Promise<Channel>> inner = new AtomicReference<>();
        Future<Channel> d = dial(faulty((f, l) -> {
            Promise<Channel> p = l.newPromise();
            p.setUncancellable(); // a plugin that cannot stop its dial
            inner.set(p);
            return p;
        }), 100);
        assertInstanceOf(ConnectTimeoutException.class, failure(d));
        Channel late = registeredOn(loop);
        inner.get().trySuccess(late);
        assertTrue(late.closeFuture().awaitUninterruptibly(5, TimeUnit.SECONDS), "nobody would ever close it");
    }

    @Test
    void cancellingTheDialCancelsThePlugins() {
        AtomicReference<Promise<Channel>> inner = new AtomicReference<>();
        Future<Channel> d = dial(faulty((f, l) -> {
            inner.set(l.newPromise());
            return inner.get();
        }), 30_000);
        assertTrue(d.cancel(false));
        assertTrue(inner.get().awaitUninterruptibly(5, TimeUnit.SECONDS));
        assertTrue(inner.get().isCancelled(), "the application left: the plugin's dial goes too");
    }

    @Test
    void aGoodConnectionOnTheRightLoopIsDelivered() {
        Channel c = registeredOn(loop);
        Future<Channel> d = dial(faulty((f, l) -> {
            Promise<Channel> p = l.newPromise();
            l.schedule(() -> p.setSuccess(c), 50, TimeUnit.MILLISECONDS);
            return p;
        }), 30_000);
        assertTrue(d.awaitUninterruptibly(5, TimeUnit.SECONDS));
        assertSame(c, d.getNow());
        assertTrue(c.isOpen());
        c.close().syncUninterruptibly();
    }

    @Test
    void aPluginsOutboundIsWrappedOnceAndItsCloseNeverThrows() {
        Outbound throwing = faulty((f, l) -> null, () -> {
            throw new NoClassDefFoundError("evil/Missing");
        });
        Outbound guarded = GuardedOutbound.of("faulty", throwing);
        assertSame(guarded, GuardedOutbound.of("faulty", guarded));
        assertEquals("faulty", guarded.name());
        guarded.close(); // a reload closing the old outbounds goes on to the next one
        Throwable e = failure(guarded.openDatagram(null, loop, (from, payload) -> { }));
        assertEquals("outbound 'faulty' (type evil) returned no future", e.getMessage());
    }

    @Test
    void nothingBuiltOrAnOutboundOfAnotherNameIsRefused() {
        assertEquals("it built nothing (null)",
                org.junit.jupiter.api.Assertions.assertThrows(GuardedOutbound.Refused.class,
                        () -> GuardedOutbound.of("x", null)).getMessage());
        assertEquals("it built an outbound named 'faulty'",
                org.junit.jupiter.api.Assertions.assertThrows(GuardedOutbound.Refused.class,
                        () -> GuardedOutbound.of("x", faulty((f, l) -> null))).getMessage());
    }
}
