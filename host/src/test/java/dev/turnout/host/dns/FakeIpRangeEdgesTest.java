package dev.turnout.host.dns;

import static dev.turnout.host.dns.FakeIpPoolTest.int4;
import static dev.turnout.host.dns.FakeIpPoolTest.ip;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetAddress;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The fake-IP mapping at the edges of its range: the first host address is a usable slot when the gateway is
 * elsewhere, addresses just outside the range map to nothing, a range with nothing left to hand out is
 * refused, and a release without an acquire cannot leave a later acquire unpinned.
 */
class FakeIpRangeEdgesTest {

    @Test
    void firstHostAddressIsMappedLookedUpAndPinnedLikeAnyOther() throws Exception {
        // Gateway .6, so .1 (slot 0) is the first address handed out.
        FakeIpPool pool = new FakeIpPool(Cidr.parse("198.18.0.6/29"), List.of(), Integer.MAX_VALUE);
        InetAddress first = pool.assign("first.test");
        assertEquals(ip("198.18.0.1"), first);
        assertEquals("first.test", pool.nameOf(first));
        assertEquals("first.test", pool.nameOf(int4(first)));
        assertEquals("first.test", pool.acquire(int4(first)));
        assertTrue(pool.isPinned(first));
        pool.release(int4(first));
        assertFalse(pool.isPinned(first));
    }

    @Test
    void addressesJustOutsideTheRangeMapToNothing() throws Exception {
        FakeIpPool pool = new FakeIpPool(Cidr.parse("198.18.0.9/29"), List.of(), Integer.MAX_VALUE);
        for (int i = 0; i < 6; i++) {
            pool.assign("n" + i + ".test");
        }
        assertTrue(pool.inRange(int4(ip("198.18.0.15"))), "the broadcast address is in the range");
        assertFalse(pool.inRange(int4(ip("198.18.0.16"))));
        assertFalse(pool.inRange(int4(ip("198.18.0.7"))));
        assertNull(pool.nameOf(int4(ip("198.18.0.16"))));
        assertNull(pool.nameOf(int4(ip("198.18.0.7"))));
        assertNull(pool.nameOf(int4(ip("198.18.0.15"))), "broadcast is never handed out");
        assertNull(pool.acquire(int4(ip("198.18.0.16"))));
        assertNull(pool.acquire(ip("198.18.0.7")));
    }

    @Test
    void rangeWithEveryAddressReservedIsRefused() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () ->
                new FakeIpPool(Cidr.parse("198.18.0.1/30"), List.of(Cidr.parse("198.18.0.2/32")), Integer.MAX_VALUE));
        assertTrue(e.getMessage().contains("no addresses left"), e.getMessage());
        IllegalArgumentException none = assertThrows(IllegalArgumentException.class, () ->
                new FakeIpPool(Cidr.parse("198.18.0.0/31"), List.of(), Integer.MAX_VALUE));
        assertTrue(none.getMessage().contains("no usable addresses"), none.getMessage());
    }

    @Test
    void releaseWithoutAcquireDoesNotUnpinALaterAcquire() throws Exception {
        FakeIpPool pool = new FakeIpPool(Cidr.parse("198.18.0.1/30"), List.of(), Integer.MAX_VALUE);
        InetAddress a = pool.assign("a.test");
        pool.release(a);
        pool.release(a);
        assertEquals("a.test", pool.acquire(a));
        assertTrue(pool.isPinned(a));
        assertNull(pool.assign("b.test"), "the only address is pinned");
    }
}
