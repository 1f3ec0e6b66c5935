package dev.turnout.host.platform;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import io.netty.channel.Channel;
import io.netty.channel.IoEventLoopGroup;
import io.netty.channel.socket.ServerSocketChannel;
import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** How the watcher follows the default interface: on the monitor's word where there is one, else by polling. */
class InterfaceWatcherTest {

    /** A platform whose default interface the test sets, with the route monitor the test gives it. */
    static final class Desk implements Platform {
        volatile String defaultInterface;
        final AtomicInteger reads = new AtomicInteger();
        final Optional<RouteMonitor> monitor;
        final IOException openFailure;

        Desk(String initial, RouteMonitor monitor, IOException openFailure) {
            this.defaultInterface = initial;
            this.monitor = Optional.ofNullable(monitor);
            this.openFailure = openFailure;
        }

        @Override
        public Optional<RouteMonitor> openRouteMonitor() throws IOException {
            if (openFailure != null) {
                throw openFailure;
            }
            return monitor;
        }

        @Override
        public Optional<String> defaultInterface(List<String> ignoring) {
            reads.incrementAndGet();
            return Optional.ofNullable(defaultInterface);
        }

        private static UnsupportedOperationException no() {
            return new UnsupportedOperationException("not in this test");
        }

        @Override public String name() { return "desk"; }
        @Override public boolean supportsTun() { return false; }
        @Override public TunDevice openTun(String requestedName, boolean offload) { throw no(); }
        @Override public int defaultTunMtu() { return 1500; }
        @Override public void configure(TunDevice device, List<IpPrefix> addresses, int mtu) { throw no(); }
        @Override public RouteState installRoutes(TunDevice device, RoutePlan plan, RouteState recorded) { throw no(); }
        @Override public RouteRemoval removeRoutes(RouteState state) { throw no(); }
        @Override public void bindToInterface(Channel channel, String ifName) { throw no(); }
        @Override public void bindToInterface(int socketFd, boolean ipv6, String ifName) { throw no(); }
        @Override public IoEventLoopGroup newEventLoopGroup(int threads, String threadName) { throw no(); }
        @Override public ServerSocketChannel newServerSocketChannel() { throw no(); }
    }

    /** A monitor the test drives: each put is one change; "fail" makes it throw. */
    static final class Told implements RouteMonitor {
        final BlockingQueue<String> events = new LinkedBlockingQueue<>();
        volatile boolean closed;

        @Override
        public boolean awaitChange() throws IOException {
            while (!closed) {
                try {
                    String e = events.poll(50, TimeUnit.MILLISECONDS);
                    if ("fail".equals(e)) {
                        throw new IOException("routing socket gone");
                    }
                    if (e != null) {
                        return true;
                    }
                } catch (InterruptedException ie) {
                    Thread.currentThread().interrupt();
                    return false;
                }
            }
            return false;
        }

        @Override
        public void close() {
            closed = true;
        }
    }

    private static String next(BlockingQueue<String> changes) throws InterruptedException {
        String name = changes.poll(10, TimeUnit.SECONDS);
        return name == null ? "<no change within 10 s>" : name;
    }

    @Test
    void withAMonitorAChangeIsSeenWhenItSaysSoNotByPolling() throws Exception {
        Told told = new Told();
        Desk desk = new Desk("en0", told, null);
        BlockingQueue<String> changes = new LinkedBlockingQueue<>();
        // A period no test waits out: only the monitor can make the watcher look again.
        try (InterfaceWatcher w = new InterfaceWatcher(desk, List.of("utun9"), Duration.ofHours(1),
                name -> changes.add(String.valueOf(name)))) {
            assertEquals("en0", w.current());
            desk.defaultInterface = "en7";
            told.events.add("RTM_ADD default");
            assertEquals("en7", next(changes));
            assertEquals("en7", w.current());
            desk.defaultInterface = null;
            told.events.add("RTM_DELETE default");
            assertEquals("null", next(changes));
            assertNull(w.current());
        }
        assertEquals(true, told.closed, "closed with the watcher");
    }

    @Test
    void withoutAMonitorOrWhenItCannotOpenTheWatcherPolls() throws Exception {
        for (Desk desk : List.of(new Desk("en0", null, null), new Desk("en0", null, new IOException("EPERM")))) {
            BlockingQueue<String> changes = new LinkedBlockingQueue<>();
            try (InterfaceWatcher w = new InterfaceWatcher(desk, List.of(), Duration.ofMillis(100),
                    name -> changes.add(String.valueOf(name)))) {
                desk.defaultInterface = "en1";
                assertEquals("en1", next(changes));
            }
        }
    }

    @Test
    void whenTheMonitorFailsTheWatcherLooksOnceAndPollsFromThen() throws Exception {
        Told told = new Told();
        Desk desk = new Desk("en0", told, null);
        BlockingQueue<String> changes = new LinkedBlockingQueue<>();
        try (InterfaceWatcher w = new InterfaceWatcher(desk, List.of(), Duration.ofMillis(100),
                name -> changes.add(String.valueOf(name)))) {
            desk.defaultInterface = "en1";
            told.events.add("fail");
            assertEquals("en1", next(changes), "what changed while it failed");
            assertEquals(true, told.closed);
            desk.defaultInterface = "en2";
            assertEquals("en2", next(changes), "polled from then on");
        }
    }
}
