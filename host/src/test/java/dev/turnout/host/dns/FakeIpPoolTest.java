package dev.turnout.host.dns;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetAddress;
import java.nio.ByteBuffer;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

class FakeIpPoolTest {

    static InetAddress ip(String s) throws Exception {
        return InetAddress.getByName(s);
    }

    static int int4(InetAddress a) {
        return ByteBuffer.wrap(a.getAddress()).getInt();
    }

    @Test
    void sameNameSameAddressAndReverseLookup() throws Exception {
        FakeIpPool pool = new FakeIpPool(Cidr.parse("198.18.0.1/16"), List.of(Cidr.parse("198.18.0.2/32")), Integer.MAX_VALUE);
        InetAddress a = pool.assign("api.example.com");
        assertEquals(a, pool.assign("API.example.com."));
        InetAddress b = pool.assign("www.example.com");
        assertNotEquals(a, b);
        assertEquals("api.example.com", pool.nameOf(a));
        assertEquals("www.example.com", pool.nameOf(int4(b)));
        assertTrue(pool.inRange(int4(a)));
        assertTrue(pool.inRange(ip("198.18.255.255")));
        assertFalse(pool.inRange(int4(ip("198.19.0.1"))));
        assertNull(pool.nameOf(ip("198.18.200.200")));
        assertEquals(65534 - 2, pool.capacity());
    }

    @Test
    void neverHandsOutNetworkBroadcastGatewayOrReserved() throws Exception {
        // 198.18.0.0/29: hosts .1-.6; .1 is the gateway written in the range, .2 the TUN's second address.
        FakeIpPool pool = new FakeIpPool(Cidr.parse("198.18.0.1/29"), List.of(Cidr.parse("198.18.0.2/32")), Integer.MAX_VALUE);
        assertEquals(4, pool.capacity());
        Set<InetAddress> given = new HashSet<>();
        for (int i = 0; i < 20; i++) {
            given.add(pool.assign("n" + i + ".test"));
        }
        assertEquals(Set.of(ip("198.18.0.3"), ip("198.18.0.4"), ip("198.18.0.5"), ip("198.18.0.6")), given);
    }

    @Test
    void neverHandsOutAnAddressOfTheTunSubnet() throws Exception {
        // The defaults: TUN 198.18.0.1/30 (NAT peer .2), fake range 198.18.0.1/16. 198.18.0.3 is the TUN
        // subnet's broadcast address: a connection to it fails with "Network is unreachable".
        Cidr tun = Cidr.parse("198.18.0.1/30");
        FakeIpPool pool = new FakeIpPool(Cidr.parse("198.18.0.1/16"), List.of(tun, Cidr.parse("198.18.0.2/32")),
                Integer.MAX_VALUE);
        assertEquals(65534 - 3, pool.capacity(), ".1 to .3 are the TUN's");
        InetAddress first = pool.assign("first.test");
        assertEquals(ip("198.18.0.4"), first);
        for (int i = 0; i < 100; i++) {
            assertFalse(tun.contains(pool.assign("n" + i + ".test")));
        }
    }

    @Test
    void excludesEveryAddressOfAnIpv6TunSubnetAndRefusesARangeWithNothingLeft() throws Exception {
        FakeIpPool pool = new FakeIpPool(Cidr.parse("fdfe:dcba:9876::1/64"),
                List.of(Cidr.parse("fdfe:dcba:9876::1/126"), Cidr.parse("198.18.0.1/30")), 1024);
        assertEquals(1024 - 3, pool.capacity(), "::1 to ::3 (the network address is never a slot)");
        assertEquals(ip("fdfe:dcba:9876::4"), pool.assign("v6.test"));
        IllegalArgumentException e = org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
                () -> new FakeIpPool(Cidr.parse("198.18.0.1/24"), List.of(Cidr.parse("198.18.0.1/16")),
                        Integer.MAX_VALUE));
        assertTrue(e.getMessage().contains("no addresses left"), e.getMessage());
    }

    @Test
    void restoreReportsMappingsOnExcludedAddressesAndRepairGivesThemNewOnes() throws Exception {
        FakeIpPool pool = new FakeIpPool(Cidr.parse("198.18.0.1/16"), List.of(Cidr.parse("198.18.0.1/30")),
                Integer.MAX_VALUE);
        FakeIpPool.Restored r = pool.restore(List.of(new FakeIpPool.Mapping(ip("198.18.0.3"), "broadcast.test"),
                new FakeIpPool.Mapping(ip("198.19.0.9"), "outside.test"),
                new FakeIpPool.Mapping(ip("198.18.0.4"), "fine.test"),
                new FakeIpPool.Mapping(ip("198.18.0.5"), "bad name")));
        assertEquals(new FakeIpPool.Restored(1, List.of("broadcast.test", "outside.test"), 1), r);
        assertNull(pool.nameOf(ip("198.18.0.3")));
        assertEquals(2, pool.repair(r.misplaced()));
        assertEquals(ip("198.18.0.5"), pool.assign("broadcast.test"), "fresh, skipping fine.test's .4");
        assertEquals(ip("198.18.0.6"), pool.assign("outside.test"));
        assertEquals(ip("198.18.0.4"), pool.assign("fine.test"));
    }

    @Test
    void recyclesTheLeastRecentlyUsedMappingWhenFull() throws Exception {
        FakeIpPool pool = new FakeIpPool(Cidr.parse("198.18.0.1/29"), List.of(Cidr.parse("198.18.0.2/32")), Integer.MAX_VALUE);
        InetAddress a = pool.assign("a.test");
        InetAddress b = pool.assign("b.test");
        pool.assign("c.test");
        pool.assign("d.test");
        pool.assign("a.test"); // a is now the most recently used; b the least
        InetAddress e = pool.assign("e.test");
        assertEquals(b, e);
        assertEquals("e.test", pool.nameOf(b));
        assertEquals(a, pool.assign("a.test"));
        assertEquals(4, pool.mapped());
    }

    @Test
    void pinnedMappingsSurviveRecycling() throws Exception {
        FakeIpPool pool = new FakeIpPool(Cidr.parse("198.18.0.1/29"), List.of(Cidr.parse("198.18.0.2/32")), Integer.MAX_VALUE);
        InetAddress a = pool.assign("a.test");
        InetAddress b = pool.assign("b.test");
        pool.assign("c.test");
        pool.assign("d.test");
        assertEquals("a.test", pool.acquire(a));
        assertEquals("b.test", pool.acquire(int4(b)));
        assertTrue(pool.isPinned(a));
        for (int i = 0; i < 10; i++) {
            assertNotNull(pool.assign("churn" + i + ".test"));
        }
        assertEquals("a.test", pool.nameOf(a));
        assertEquals("b.test", pool.nameOf(b));
        pool.release(a);
        assertFalse(pool.isPinned(a));
        pool.assign("x.test");
        pool.assign("y.test");
        pool.assign("z.test");
        assertNotEquals("a.test", pool.nameOf(a), "released mapping becomes recyclable");
        assertEquals("b.test", pool.nameOf(b));
    }

    @Test
    void exhaustedWhenEveryAddressIsPinned() throws Exception {
        FakeIpPool pool = new FakeIpPool(Cidr.parse("198.18.0.1/30"), List.of(), Integer.MAX_VALUE);
        // /30: hosts .1 and .2; .1 is the gateway, so one address.
        InetAddress a = pool.assign("a.test");
        assertEquals(ip("198.18.0.2"), a);
        pool.acquire(a);
        assertNull(pool.assign("b.test"));
        pool.release(a);
        assertEquals(a, pool.assign("b.test"));
        assertNull(pool.acquire(ip("198.18.0.1")), "unmapped address pins nothing");
    }

    @Test
    void ipv6RangeIsCappedAndReversible() throws Exception {
        FakeIpPool pool = new FakeIpPool(Cidr.parse("fdfe:dcba:9876::1/64"), List.of(), 1024);
        assertEquals(1023, pool.capacity());
        InetAddress a = pool.assign("v6.test");
        assertEquals(ip("fdfe:dcba:9876::2"), a);
        ByteBuffer b = ByteBuffer.wrap(a.getAddress());
        assertEquals("v6.test", pool.nameOf(b.getLong(), b.getLong()));
        assertTrue(pool.inRange(ip("fdfe:dcba:9876::ffff:1")));
    }

    @Test
    void concurrentQueriesAgreeOnOneAddressPerName() throws Exception {
        FakeIpPool pool = new FakeIpPool(Cidr.parse("198.18.0.1/16"), List.of(), Integer.MAX_VALUE);
        int threads = 4;
        int names = 2000;
        InetAddress[][] seen = new InetAddress[threads][names];
        java.util.concurrent.ExecutorService ex = java.util.concurrent.Executors.newFixedThreadPool(threads);
        try {
            List<java.util.concurrent.Future<?>> done = new java.util.ArrayList<>();
            for (int t = 0; t < threads; t++) {
                int tt = t;
                done.add(ex.submit(() -> {
                    for (int i = 0; i < names; i++) {
                        int n = (i * (tt + 1)) % names;
                        seen[tt][n] = pool.assign("c" + n + ".test");
                    }
                }));
            }
            for (java.util.concurrent.Future<?> f : done) {
                f.get(30, java.util.concurrent.TimeUnit.SECONDS);
            }
        } finally {
            ex.shutdownNow();
        }
        Set<InetAddress> distinct = new HashSet<>();
        for (int n = 0; n < names; n++) {
            InetAddress first = null;
            for (int t = 0; t < threads; t++) {
                if (seen[t][n] != null) {
                    if (first == null) {
                        first = seen[t][n];
                    }
                    assertEquals(first, seen[t][n], "name " + n);
                }
            }
            if (first != null) {
                distinct.add(first);
                assertEquals("c" + n + ".test", pool.nameOf(first));
            }
        }
        assertEquals(pool.mapped(), distinct.size());
    }
}
