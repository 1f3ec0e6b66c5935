package dev.turnout.host.dns;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.net.InetAddress;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class AnsweredNamesTest {

    private static final long SECOND = 1_000_000_000L;

    @Test
    void anAnswerHoldsForItsTtlAndAtLeastASecondAsInMihomo() throws Exception {
        AtomicLong now = new AtomicLong(5 * SECOND);
        AnsweredNames names = new AnsweredNames(16, now::get);
        InetAddress a = InetAddress.getByName("203.0.113.10");
        InetAddress b = InetAddress.getByName("2001:db8::10");
        names.record(a, "n.a.test", 30);
        names.record(b, "v6.a.test", 0);
        assertEquals("n.a.test", names.nameOf(a));
        assertEquals("v6.a.test", names.nameOf(b));
        now.addAndGet(SECOND);
        assertNull(names.nameOf(b), "TTL 0 holds one second");
        assertEquals("n.a.test", names.nameOf(a));
        names.record(a, "other.test", 30); // the last name answered with an address is its name
        assertEquals("other.test", names.nameOf(a));
        now.addAndGet(30 * SECOND);
        assertNull(names.nameOf(a));
        assertEquals(0, names.size(), "what ran out is dropped when looked up");
    }

    @Test
    void theTableKeepsTheAddressesUsedLastUpToItsCapacity() throws Exception {
        AnsweredNames names = new AnsweredNames(3, () -> 0L);
        InetAddress first = InetAddress.getByName("198.51.100.1");
        names.record(first, "first.test", 60);
        for (int i = 2; i <= 3; i++) {
            names.record(InetAddress.getByName("198.51.100." + i), "n" + i + ".test", 60);
        }
        assertEquals("first.test", names.nameOf(first)); // used: now the most recent
        names.record(InetAddress.getByName("198.51.100.4"), "n4.test", 60);
        assertEquals(3, names.size());
        assertEquals("first.test", names.nameOf(first));
        assertNull(names.nameOf(InetAddress.getByName("198.51.100.2")), "the least recently used went");
        for (int i = 5; i < 10_000; i++) {
            names.record(InetAddress.getByAddress(new byte[] {(byte) 198, 51, (byte) (i >> 8), (byte) i}), "x.test", 60);
        }
        assertEquals(3, names.size());
    }
}
