package dev.turnout.host.outbound;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.turnout.api.DatagramSession;
import dev.turnout.api.Destination;
import dev.turnout.api.Metadata;
import dev.turnout.api.Network;
import dev.turnout.api.Outbound;
import dev.turnout.host.config.GroupOptions;
import dev.turnout.host.config.StatusRanges;
import io.netty.channel.Channel;
import io.netty.channel.EventLoop;
import io.netty.util.concurrent.Future;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ProxyGroupTest {

    /** A named leaf: these tests only look at which member a group picks, never open anything. */
    record Leaf(String name) implements Outbound {
        public String type() {
            return "socks5";
        }

        public boolean supportsUdp() {
            return false;
        }

        public Future<Channel> openStream(Metadata flow, EventLoop loop) {
            throw new UnsupportedOperationException();
        }

        public Future<DatagramSession> openDatagram(Metadata flow, EventLoop loop, DatagramSession.Receiver r) {
            throw new UnsupportedOperationException();
        }
    }

    private final Map<String, Outbound> all = new LinkedHashMap<>();
    private final HealthBook book = new HealthBook();

    private ProxyGroup group(String name, String type, String... members) {
        for (String m : members) {
            all.putIfAbsent(m, new Leaf(m));
        }
        ProxyGroup g = new ProxyGroup(name, type, List.of(members), all);
        all.put(name, g);
        g.configure(new GroupSettings("http://probe.test/", 1, 50, 1000), book);
        return g;
    }

    private static Metadata to(String host) {
        return Metadata.internal(Network.TCP, Destination.ofHost(host, 80));
    }

    @Test
    void urlTestTakesTheFastestAndKeepsItWithinTolerance() {
        ProxyGroup g = group("auto", "url-test", "a", "b", "c");
        book.record("a", 300);
        book.record("b", 100);
        book.record("c", 200);
        g.reevaluate();
        assertEquals("b", g.now());
        book.record("b", 120);
        book.record("c", 90); // faster, but within the 50 ms tolerance
        g.reevaluate();
        assertEquals("b", g.now());
        book.record("c", 30);
        g.reevaluate();
        assertEquals("c", g.now());
        book.record("c", 0); // down
        g.reevaluate();
        assertEquals("b", g.now());
    }

    @Test
    void fallbackUsesTheFirstMemberThatIsUpAndReturns() {
        ProxyGroup g = group("fb", "fallback", "a", "b", "c");
        assertEquals("a", g.now());
        book.record("a", 0);
        assertEquals("b", g.now());
        assertEquals("b", g.leaf().name());
        book.record("a", 10);
        assertEquals("a", g.now());
    }

    @Test
    void aPinnedUrlTestMemberIsUsedWhileItsChecksPassAndAgainWhenTheyPassAgain() {
        ProxyGroup g = group("auto", "url-test", "a", "b", "c");
        book.record("a", 300);
        book.record("b", 100);
        g.reevaluate();
        assertTrue(g.fix("a"));
        assertEquals("a", g.now(), "pinned, though slower");
        assertEquals("a", g.leaf().name());
        book.record("a", 0);
        assertEquals("b", g.now(), "a pinned member that is down is not used");
        assertEquals("a", g.fixed(), "but stays pinned");
        book.record("a", 250);
        assertEquals("a", g.now());
        g.unfix();
        assertEquals("b", g.now());
        assertEquals("", g.fixed());
        assertFalse(g.fix("nobody"));
    }

    @Test
    void aPinnedFallbackMemberIsLetGoOnceItFails() {
        ProxyGroup g = group("fb", "fallback", "a", "b", "c");
        assertTrue(g.fix("c"));
        assertEquals("c", g.now());
        book.record("c", 0);
        assertEquals("a", g.now());
        assertEquals("", g.fixed(), "as mihomo's fallback: the pin goes with the failure");
        book.record("c", 10);
        assertEquals("a", g.now());
        assertFalse(group("lb", "load-balance", "a", "b").fix("a"), "load-balance cannot be pinned");
        assertFalse(group("sel", "select", "a", "b").fix("a"), "select groups choose, not pin");
    }

    @Test
    void loadBalanceKeepsADestinationOnOneMemberAndMovesOnlyTheLostShare() {
        ProxyGroup g = group("lb", "load-balance", "a", "b", "c");
        Map<String, String> before = new HashMap<>();
        Map<String, Integer> spread = new HashMap<>();
        for (int i = 0; i < 300; i++) {
            String host = "host" + i + ".test";
            String m = g.leaf(to(host)).name();
            assertEquals(m, g.leaf(to(host)).name(), "same destination, same member");
            before.put(host, m);
            spread.merge(m, 1, Integer::sum);
        }
        assertEquals(3, spread.size());
        spread.values().forEach(n -> assertTrue(n > 50, "uneven spread " + spread));
        book.record("b", 0);
        int moved = 0;
        for (Map.Entry<String, String> e : before.entrySet()) {
            String now = g.leaf(to(e.getKey())).name();
            assertNotEquals("b", now);
            if (!e.getValue().equals("b") && !now.equals(e.getValue())) {
                moved++;
            }
        }
        assertEquals(0, moved, "destinations not on the lost member stay where they were");
    }

    @Test
    void loadBalanceKeepsEveryNameOfOneSiteOnOneMember() {
        ProxyGroup hashing = group("lb", "load-balance", "a", "b", "c", "d");
        Map<String, Integer> spread = new HashMap<>();
        for (int i = 0; i < 40; i++) {
            String site = "site" + i + ".com";
            String m = hashing.leaf(to(site)).name();
            for (String sub : List.of("www.", "accounts.", "cdn.img.")) {
                assertEquals(m, hashing.leaf(to(sub + site)).name(), sub + site + " goes with " + site);
            }
            spread.merge(m, 1, Integer::sum);
        }
        assertTrue(spread.size() > 1, "sites still spread over members: " + spread);
        ProxyGroup sticky = balanced(GroupOptions.STICKY_SESSIONS, "a", "b", "c", "d");
        for (int i = 0; i < 20; i++) {
            String first = sticky.exit(from("192.0.2.7", "www.site" + i + ".co.uk")).name();
            assertEquals(first, sticky.exit(from("192.0.2.7", "login.site" + i + ".co.uk")).name());
        }
    }

    private ProxyGroup balanced(String strategy, String... members) {
        for (String m : members) {
            all.putIfAbsent(m, new Leaf(m));
        }
        ProxyGroup g = new ProxyGroup("lb", "load-balance", List.of(members), all, new GroupOptions(false, false,
                List.of(), null, null, List.of(), false, null, true, false, StatusRanges.ANY, 0, 5, null, 0, strategy),
                null);
        all.put("lb", g);
        g.configure(new GroupSettings("http://probe.test/", 1, 50, 1000), book);
        return g;
    }

    private static Metadata from(String source, String host) {
        return new Metadata(Network.TCP, Destination.ofHost(host, 443),
                new java.net.InetSocketAddress(source, 40000), "mixed", null);
    }

    @Test
    void roundRobinGivesEachConnectionTheNextMemberThatIsUp() {
        ProxyGroup g = balanced(GroupOptions.ROUND_ROBIN, "a", "b", "c");
        List<String> picked = new java.util.ArrayList<>();
        for (int i = 0; i < 4; i++) {
            picked.add(g.exit(to("same.test")).name());
        }
        assertEquals(List.of("a", "b", "c", "a"), picked, "one destination, each connection the next member");
        assertEquals("b", g.leaf(to("x.test")).name(), "looking does not take a turn");
        assertEquals("b", g.leaf(to("x.test")).name());
        book.record("b", 0);
        assertEquals("c", g.exit(to("x.test")).name(), "a member that is down is passed over");
        assertEquals("a", g.exit(to("x.test")).name());
    }

    @Test
    void stickySessionsKeepASourceAndDestinationOnTheMemberPickedForThem() {
        ProxyGroup g = balanced(GroupOptions.STICKY_SESSIONS, "a", "b", "c");
        Map<String, Integer> spread = new HashMap<>();
        for (int i = 0; i < 120; i++) {
            String source = "192.0.2." + (i + 1);
            String first = g.exit(from(source, "video.test")).name();
            for (int j = 0; j < 3; j++) {
                assertEquals(first, g.exit(from(source, "video.test")).name(), "the pair keeps its member");
            }
            spread.merge(first, 1, Integer::sum);
        }
        assertEquals(3, spread.size(), "sources are spread at random: " + spread);
        String kept = g.exit(from("198.51.100.7", "video.test")).name();
        book.record(kept, 0);
        String moved = g.exit(from("198.51.100.7", "video.test")).name();
        assertNotEquals(kept, moved, "a member that went down is left");
        assertEquals(moved, g.exit(from("198.51.100.7", "video.test")).name(), "and the new one kept");
    }

    @Test
    void nestedGroupsResolveToTheirLeaf() {
        ProxyGroup inner = group("inner", "fallback", "x", "y");
        ProxyGroup outer = group("outer", "select", "inner", "z");
        book.record("x", 0);
        assertEquals("y", outer.leaf().name());
        assertTrue(outer.select("z"));
        assertEquals("z", outer.leaf().name());
        assertEquals("inner", new ProxyGroup("o2", "select", List.of("inner"), all).now());
        assertEquals("y", inner.now());
    }
}
