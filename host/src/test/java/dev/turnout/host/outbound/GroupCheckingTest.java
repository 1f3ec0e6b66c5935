package dev.turnout.host.outbound;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.turnout.api.DatagramSession;
import dev.turnout.api.Destination;
import dev.turnout.api.Metadata;
import dev.turnout.api.Network;
import dev.turnout.api.Outbound;
import dev.turnout.api.RejectedException;
import dev.turnout.host.config.GroupOptions;
import dev.turnout.host.config.StatusRanges;
import dev.turnout.host.dial.Transport;
import io.netty.channel.Channel;
import io.netty.channel.EventLoop;
import io.netty.channel.EventLoopGroup;
import io.netty.util.concurrent.Future;
import java.io.IOException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** When automatic groups check their members: lazy skipping (mihomo's default) and max-failed-times. */
class GroupCheckingTest {

    private final EventLoopGroup loops = Transport.newGroup(1, "group-check-test");

    @AfterEach
    void stop() {
        loops.shutdownGracefully(0, 1, TimeUnit.SECONDS).awaitUninterruptibly(10, TimeUnit.SECONDS);
    }

    /** A member whose opens are counted (a delay check opens one) and fail or are refused as told. */
    static final class Counted implements Outbound {
        final AtomicInteger opens = new AtomicInteger();
        volatile boolean reject;

        public String name() {
            return "m";
        }

        public String type() {
            return "socks5";
        }

        public boolean supportsUdp() {
            return false;
        }

        public Future<Channel> openStream(Metadata flow, EventLoop loop) {
            opens.incrementAndGet();
            return loop.newFailedFuture(reject ? new RejectedException("no") : new IOException("down"));
        }

        public Future<DatagramSession> openDatagram(Metadata flow, EventLoop loop, DatagramSession.Receiver r) {
            throw new UnsupportedOperationException();
        }
    }

    private static GroupOptions options(boolean lazy, int maxFailed) {
        return new GroupOptions(false, false, List.of(), null, null, List.of(), false, null, lazy, false,
                StatusRanges.ANY, 0, maxFailed, null, 0, GroupOptions.CONSISTENT_HASHING);
    }

    private static Outbounds outbounds(Counted member, GroupOptions options) {
        Map<String, Outbound> all = new LinkedHashMap<>();
        all.put("m", member);
        ProxyGroup g = new ProxyGroup("auto", "url-test", List.of("m"), all, options, null);
        all.put("auto", g);
        var entry = new dev.turnout.host.config.GroupEntry("auto", "url-test", List.of("m"), "http://probe.test/", 1,
                150, new dev.turnout.rules.Origin("t.yaml", 1, 1), options);
        return new Outbounds(all, List.of(entry), List.of());
    }

    private static void sleep(long millis) throws InterruptedException {
        Thread.sleep(millis);
    }

    @Test
    void aLazyGroupIsCheckedOnceAndThenOnlyWhileFlowsUseIt() throws Exception {
        Counted lazyMember = new Counted();
        Counted eagerMember = new Counted();
        GroupSupervisor lazy = new GroupSupervisor(loops, Selections.at(null));
        GroupSupervisor eager = new GroupSupervisor(loops, Selections.at(null));
        Outbounds lazyOnes = outbounds(lazyMember, options(true, 5));
        lazy.adopt(lazyOnes);
        eager.adopt(outbounds(eagerMember, options(false, 5)));
        try {
            sleep(3500); // rounds at 0, 1, 2 and 3 s
            assertEquals(1, lazyMember.opens.get(), "lazy: the first round only");
            assertTrue(eagerMember.opens.get() >= 3, "lazy: false checks every interval: " + eagerMember.opens.get());
            // A flow through the group makes the next round run.
            lazyOnes.get("auto").openStream(Metadata.internal(Network.TCP, Destination.ofHost("a.test", 80)),
                    loops.next());
            int afterFlow = lazyMember.opens.get();
            sleep(1500);
            assertTrue(lazyMember.opens.get() >= afterFlow + 1, "used within the interval: checked again");
        } finally {
            lazy.close();
            eager.close();
        }
    }

    @Test
    void aUrlTestGroupOfAReloadedConfigStartsAtTheMemberTheKeptResultsFavour() throws Exception {
        GroupSupervisor supervisor = new GroupSupervisor(loops, Selections.at(null));
        // What the running config's checks found: the first member down, the second up. The reload keeps the book.
        supervisor.book().record("down", 0);
        supervisor.book().record("up", 40);
        Counted down = new Counted();
        Counted up = new Counted();
        Map<String, Outbound> all = new LinkedHashMap<>();
        all.put("down", down);
        all.put("up", up);
        ProxyGroup g = new ProxyGroup("auto", "url-test", List.of("down", "up"), all, options(false, 0), null);
        all.put("auto", g);
        // No interval: no round runs, so only the kept results can move the group.
        var entry = new dev.turnout.host.config.GroupEntry("auto", "url-test", List.of("down", "up"),
                "http://probe.test/", 0, 150, new dev.turnout.rules.Origin("t.yaml", 1, 1), options(false, 0));
        try {
            supervisor.adopt(new Outbounds(all, List.of(entry), List.of()));
            assertEquals("up", g.now(), "flows after the reload go where the last round said");
            assertEquals(0, down.opens.get() + up.opens.get(), "nothing was checked to decide it");
        } finally {
            supervisor.close();
        }
    }

    @Test
    void maxFailedTimesFailuresInARowCheckTheGroupAtOnce() throws Exception {
        Counted member = new Counted();
        GroupSupervisor supervisor = new GroupSupervisor(loops, Selections.at(null));
        Outbounds o = new Outbounds(outbounds(member, options(true, 3)).all(), List.of(), List.of());
        // Configured by hand without a schedule: only failures can start a check.
        ProxyGroup g = (ProxyGroup) o.get("auto");
        g.configure(new GroupSettings("http://probe.test/", 0, 150, 5000), supervisor.book());
        g.onRepeatedFailures(() -> supervisor.checkGroup(g, loops.next()));
        Metadata flow = Metadata.internal(Network.TCP, Destination.ofHost("a.test", 80));
        member.reject = true;
        for (int i = 0; i < 5; i++) {
            g.openStream(flow, loops.next()).await(1, TimeUnit.SECONDS);
        }
        sleep(200);
        assertEquals(5, member.opens.get(), "refusals by design are not failures");
        member.reject = false;
        g.openStream(flow, loops.next()).await(1, TimeUnit.SECONDS);
        g.openStream(flow, loops.next()).await(1, TimeUnit.SECONDS);
        sleep(200);
        assertEquals(7, member.opens.get(), "two failures: below three");
        g.openStream(flow, loops.next()).await(1, TimeUnit.SECONDS);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        while (member.opens.get() < 9 && System.nanoTime() < deadline) {
            sleep(20);
        }
        assertEquals(9, member.opens.get(), "the third failure checked the member once");
        supervisor.close();
    }
}
