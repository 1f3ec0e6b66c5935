package dev.turnout.host.dns;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.net.InetAddress;
import java.util.List;
import org.junit.jupiter.api.Test;

/** {@code POST /cache/fakeip/flush}: mappings go, except those open flows hold. */
class FakeIpFlushTest {

    @Test
    void flushDropsUnpinnedMappingsKeepsPinnedOnesAndStartsFromTheFirstAddress() {
        FakeIpPool pool = new FakeIpPool(Cidr.parse("198.18.0.1/16"), List.of(Cidr.parse("198.18.0.2/32")), Integer.MAX_VALUE);
        InetAddress a = pool.assign("a.test");
        InetAddress b = pool.assign("b.test");
        InetAddress c = pool.assign("c.test");
        pool.acquire(b); // an open flow to b.test
        assertEquals(2, pool.flush());
        assertEquals(1, pool.mapped());
        assertNull(pool.nameOf(a));
        assertEquals("b.test", pool.nameOf(b));
        assertNull(pool.nameOf(c));
        assertEquals(a, pool.assign("d.test"), "handed out afresh from the start of the range");
        assertEquals(c, pool.assign("e.test"), "b.test's address is still taken");
        assertEquals(b, pool.assign("b.test"));
    }
}
