package dev.turnout.host.outbound;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.turnout.api.DatagramSession;
import dev.turnout.api.Metadata;
import dev.turnout.api.Outbound;
import dev.turnout.api.OutboundContext;
import dev.turnout.api.OutboundOptions;
import dev.turnout.api.OutboundType;
import dev.turnout.api.Resolver;
import dev.turnout.host.config.ConfigException;
import io.netty.channel.Channel;
import io.netty.channel.EventLoop;
import io.netty.util.concurrent.Future;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * A plugin's create held to a bound: one that never returns held the reload's thread (and the Reloader's lock, so
 * every later reload and the controller's PUT /configs) for good, and turnout check and run never ended.
 */
class CreateBoundTest {

    private long limit;
    /** Released at the end of each test: a stuck create's thread is left to it, but not past the test. */
    private final CountDownLatch release = new CountDownLatch(1);
    /** The names of the outbounds closed so far. */
    private final Set<String> closed = ConcurrentHashMap.newKeySet();

    @BeforeEach
    void shortBound() {
        limit = CreateBound.limitMillis;
        CreateBound.limitMillis = 1_000;
    }

    @AfterEach
    void restore() {
        CreateBound.limitMillis = limit;
        release.countDown();
    }

    /**
     * A type whose create waits {@code millis} (0: until the test releases it; less: not at all), then builds an
     * outbound.
     */
    private OutboundType type(String name, long millis) {
        return new OutboundType() {
            public String type() {
                return name;
            }

            public Outbound create(OutboundOptions options, OutboundContext context) {
                try {
                    if (millis > 0) {
                        Thread.sleep(millis);
                    } else if (millis == 0) {
                        release.await(60, TimeUnit.SECONDS);
                    }
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
                return new Closing(options.name(), name);
            }
        };
    }

    private OutboundFactory factory() {
        Map<String, OutboundType> types = new HashMap<>();
        for (String t : List.of("direct", "reject", "reject-drop", "quick")) {
            types.put(t, type("quick", -1));
        }
        types.put("stuck", type("stuck", 0));
        types.put("slow", type("slow", 700));
        return new OutboundFactory(types, null, (Resolver) null);
    }

    @Test
    void aCreateThatDoesNotReturnWithinTheBoundFailsTheBuildNamingItAndTheNextBuildWorks() throws Exception {
        OutboundFactory factory = factory();
        String yaml = String.join("\n",
                "proxies:",
                "  - {name: before, type: quick}",
                "  - {name: s, type: stuck}",
                "  - {name: after, type: quick}",
                "");
        long t0 = System.nanoTime();
        ConfigException e = assertThrows(ConfigException.class, () -> factory.build(GroupKeysTest.parse(yaml)));
        long waited = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
        assertTrue(waited < 20_000, "given up near the bound, not when the plugin returned: " + waited + " ms");
        assertTrue(e.getMessage().startsWith("t.yaml:3:5: 's' (type stuck, plugin "), e.getMessage());
        assertTrue(e.getMessage().contains("create had not returned after 1 s"), e.getMessage());

        // The thread that asked is free: the next build (a later reload, PUT /configs) is not held.
        Outbounds next = factory.build(GroupKeysTest.parse("proxies:\n  - {name: other, type: quick}\n"));
        assertTrue(next.all().containsKey("other"));
        next.close();

        // When the plugin returns at last, what the given-up build made is closed and it builds nothing more.
        closed.clear();
        release.countDown();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (!(closed.contains("s") && closed.contains("before")) && System.nanoTime() < deadline) {
            Thread.sleep(20);
        }
        assertTrue(closed.contains("s"), "the late outbound closed: " + closed);
        assertTrue(closed.contains("before"), "what the given-up build made before it closed: " + closed);
        Thread.sleep(300);
        assertFalse(closed.contains("after"), "nothing built after the bound passed: " + closed);
    }

    /** The bound is on each create: several slow ones, each within it, build however long they take together. */
    @Test
    void slowCreatesEachWithinTheBoundBuild() throws Exception {
        Outbounds built = factory().build(GroupKeysTest.parse(String.join("\n",
                "proxies:",
                "  - {name: a, type: slow}",
                "  - {name: b, type: slow}",
                "")));
        assertTrue(built.all().keySet().containsAll(List.of("a", "b")), built.all().keySet().toString());
        built.close();
    }

    /** What a create throws is still the build's error, at the entry's line. */
    @Test
    void aBuildsOwnErrorsPassThroughUnchanged() {
        ConfigException e = assertThrows(ConfigException.class, () -> factory().build(GroupKeysTest.parse(
                "proxies:\n  - {name: x, type: nosuch}\n")));
        assertTrue(e.getMessage().contains("unknown outbound type 'nosuch' for 'x'"), e.getMessage());
    }

    private final class Closing implements Outbound {
        private final String name;
        private final String type;

        Closing(String name, String type) {
            this.name = name;
            this.type = type;
        }

        public String name() {
            return name;
        }

        public String type() {
            return type;
        }

        public boolean supportsUdp() {
            return false;
        }

        public Future<Channel> openStream(Metadata flow, EventLoop loop) {
            return loop.newFailedFuture(new java.io.IOException("not dialled here"));
        }

        public Future<DatagramSession> openDatagram(Metadata flow, EventLoop loop, DatagramSession.Receiver r) {
            return loop.newFailedFuture(new java.io.IOException("not dialled here"));
        }

        @Override
        public void close() {
            closed.add(name);
        }
    }
}
