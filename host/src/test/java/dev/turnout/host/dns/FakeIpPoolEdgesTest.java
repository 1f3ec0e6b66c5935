package dev.turnout.host.dns;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetAddress;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The fake-IP pool at its edges: the first address of the range, addresses of the other family or outside the
 * range, pins and their release, a name restored twice, and the lock given back after every operation.
 */
class FakeIpPoolEdgesTest {

    /** A range written as its network address: nothing reserved, so slot 0 (198.18.0.1) is handed out first. */
    private static FakeIpPool small() throws Exception {
        return new FakeIpPool(Cidr.parse("198.18.0.0/29"), List.of(), Integer.MAX_VALUE);
    }

    private static InetAddress ip(String literal) throws Exception {
        return InetAddress.getByName(literal);
    }

    @Test
    void theFirstAddressOfTheRangeIsAMappingLikeAnyOther() throws Exception {
        FakeIpPool p = small();
        InetAddress first = p.assign("first.test");
        assertEquals(ip("198.18.0.1"), first);
        assertEquals("first.test", p.acquire(first));
        assertTrue(p.isPinned(first));
        p.release(first);
        assertFalse(p.isPinned(first), "one release ends one acquire");
    }

    @Test
    void anAddressOfTheOtherFamilyOrOutsideTheRangeHasNoName() throws Exception {
        FakeIpPool v4 = small();
        v4.assign("first.test"); // slot 0 is mapped: a lookup that fell back to slot 0 would find it
        assertNull(v4.nameOf(ip("2001:db8::1")));
        assertNull(v4.nameOf(ip("198.18.1.1")));
        assertNull(v4.acquire(ip("198.18.1.1")));
        assertFalse(v4.inRange(ip("198.18.1.1")));
        assertTrue(v4.isIpv4());

        FakeIpPool v6 = new FakeIpPool(Cidr.parse("2001:db8::/120"), List.of(), Integer.MAX_VALUE);
        assertFalse(v6.isIpv4());
        InetAddress a = v6.assign("six.test");
        assertEquals(ip("2001:db8::1"), a);
        assertEquals("six.test", v6.nameOf(a));
        assertNull(v6.nameOf(ip("198.18.0.1")));
        assertNull(v6.nameOf(ip("2001:db9::1")), "another /64 in front");
        assertNull(v6.nameOf(ip("2001:db8::1:1")), "past the range's end");
        assertNull(v6.nameOf(ip("2001:db8::100")), "the first address past the range's last slot");
        java.nio.ByteBuffer six = java.nio.ByteBuffer.wrap(a.getAddress());
        assertEquals("six.test", v6.nameOf(six.getLong(), six.getLong()), "the range's first address, by its halves");
        java.nio.ByteBuffer past = java.nio.ByteBuffer.wrap(ip("2001:db8::100").getAddress());
        assertNull(v6.nameOf(past.getLong(), past.getLong()));
    }

    @Test
    void releasingAMappingMakesItTheMostRecentlyUsed() throws Exception {
        FakeIpPool p = small(); // six addresses: .1 to .6
        InetAddress a = p.assign("a.test");
        for (int i = 0; i < 5; i++) {
            p.assign("fill" + i + ".test");
        }
        p.acquire(a);
        p.release(a); // a was the least recently used; now it is the most
        InetAddress recycled = p.assign("new.test");
        assertEquals("a.test", p.nameOf(a), "a was recycled although its flow had just used it");
        assertEquals(ip("198.18.0.2"), recycled, "fill0 was the least recently used");
    }

    @Test
    void anExtraReleaseDoesNotUnpinAnotherFlowsHold() throws Exception {
        FakeIpPool p = small();
        InetAddress a = p.assign("a.test");
        p.release(a); // nothing held: ignored
        p.acquire(a);
        assertTrue(p.isPinned(a));
        p.release(a);
        assertFalse(p.isPinned(a));
    }

    @Test
    void aNameRestoredAtTwoAddressesKeepsTheLastAndFreesTheFirst() throws Exception {
        FakeIpPool p = small();
        FakeIpPool.Restored r = p.restore(List.of(new FakeIpPool.Mapping(ip("198.18.0.3"), "twice.test"),
                new FakeIpPool.Mapping(ip("198.18.0.4"), "twice.test")));
        assertEquals(2, r.restored());
        assertNull(p.nameOf(ip("198.18.0.3")));
        assertEquals("twice.test", p.nameOf(ip("198.18.0.4")));
        assertEquals(1, p.mapped());
    }

    @Test
    void theRestoredFirstAddressIsKept() throws Exception {
        FakeIpPool p = small();
        FakeIpPool.Restored r = p.restore(List.of(new FakeIpPool.Mapping(ip("198.18.0.1"), "first.test")));
        assertTrue(r.misplaced().isEmpty(), r.misplaced().toString());
        assertEquals("first.test", p.nameOf(ip("198.18.0.1")));
    }

    @Test
    void everyOperationGivesTheLockBackForOtherThreads() throws Exception {
        FakeIpPool p = small();
        ExecutorService other = Executors.newSingleThreadExecutor();
        try {
            InetAddress a = p.assign("a.test");
            Runnable[] operations = {
                () -> p.acquire(a), () -> p.release(a), () -> p.isPinned(a), p::mapped, p::flush,
                () -> p.repair(List.of("r.test")), () -> p.restore(List.of()), p::snapshot,
            };
            for (int i = 0; i < operations.length; i++) {
                operations[i].run();
                int n = i;
                // Another thread (a DNS query, say) must get the pool at once.
                assertEquals(true, other.submit(() -> p.assign("other" + n + ".test") != null)
                        .get(5, TimeUnit.SECONDS), "operation " + i);
            }
        } finally {
            other.shutdownNow();
        }
    }
}
