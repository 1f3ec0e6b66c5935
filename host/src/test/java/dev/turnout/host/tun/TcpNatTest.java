package dev.turnout.host.tun;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.Test;

class TcpNatTest {

    @Test
    void allocatesDistinctPortsAndFindsThemBothWays() {
        TcpNat nat = new TcpNat(1000, 1024, 30_000, 10_000);
        Set<Integer> ports = new HashSet<>();
        for (int i = 0; i < 1000; i++) {
            int slot = nat.open(4, 0, 0xC6120001L, 10000 + i, 0, 0xCB007100L + i, 80, 0);
            assertTrue(slot >= 0);
            assertTrue(ports.add(nat.port(slot)), "port reused while in use");
            assertEquals(slot, nat.find(4, 0, 0xC6120001L, 10000 + i, 0, 0xCB007100L + i, 80));
            assertEquals(slot, nat.slotOfPort(nat.port(slot)));
        }
        assertEquals(1000, nat.size());
    }

    @Test
    void flowsFromOneAddressShareItsAddressAndKeepTheirOwnPorts() {
        TcpNat nat = new TcpNat(8, 1024, 30_000, 10_000);
        int a = nat.open(4, 0, 0xC6120001L, 40000, 0, 0xCB007101L, 80, 0);
        int b = nat.open(4, 0, 0xC6120001L, 40001, 0, 0xCB007102L, 443, 0);
        int c = nat.open(4, 0, 0xC6120002L, 40002, 0, 0xCB007102L, 443, 0);
        int d = nat.open(6, 0x20010DB800000000L, 1, 40003, 0x20010DB800000000L, 2, 443, 0);
        InetSocketAddress sa = nat.source(a);
        InetSocketAddress sb = nat.source(b);
        assertEquals(new InetSocketAddress("198.18.0.1", 40000), sa);
        assertEquals(new InetSocketAddress("198.18.0.1", 40001), sb);
        assertSame(sa.getAddress(), sb.getAddress(), "one address object for one source address");
        InetSocketAddress sc = nat.source(c);
        assertEquals(new InetSocketAddress("198.18.0.2", 40002), sc);
        assertNotSame(sb.getAddress(), sc.getAddress());
        assertEquals(new InetSocketAddress("2001:db8::1", 40003), nat.source(d));
        assertEquals(new InetSocketAddress("198.18.0.1", 40000), nat.source(a), "back to the first address");
    }

    @Test
    void flowsToOneAddressShareItAndKeepTheirOwnPorts() throws Exception {
        TcpNat nat = new TcpNat(8, 1024, 30_000, 10_000);
        int a = nat.open(4, 0, 0xC6120001L, 40000, 0, 0xCB007102L, 443, 0);
        int b = nat.open(4, 0, 0xC6120001L, 40001, 0, 0xCB007102L, 80, 0);
        int c = nat.open(4, 0, 0xC6120001L, 40002, 0, 0xCB007103L, 443, 0);
        int d = nat.open(6, 0x20010DB800000000L, 1, 40003, 0x20010DB800000000L, 0xCB007102L, 443, 0);
        InetAddress da = nat.destinationAddress(a);
        assertEquals(InetAddress.getByName("203.0.113.2"), da);
        assertEquals(443, nat.destinationPort(a));
        assertSame(da, nat.destinationAddress(b), "one address object for one destination address");
        assertEquals(80, nat.destinationPort(b));
        assertEquals(InetAddress.getByName("203.0.113.3"), nat.destinationAddress(c));
        assertEquals(InetAddress.getByName("2001:db8::cb00:7102"), nat.destinationAddress(d),
                "the same low half in another family is another address");
        assertEquals(InetAddress.getByName("203.0.113.2"), nat.destinationAddress(a), "back to the first address");
    }

    @Test
    void refusesNewFlowsWhenFullAndAcceptsAgainAfterRemoval() {
        TcpNat nat = new TcpNat(4, 60000, 30_000, 10_000);
        for (int i = 0; i < 4; i++) {
            assertTrue(nat.open(6, 1, i, 1, 2, 3, 443, 0) >= 0);
        }
        assertEquals(-1, nat.open(6, 1, 99, 1, 2, 3, 443, 0));
        int slot = nat.find(6, 1, 2, 1, 2, 3, 443);
        nat.remove(slot);
        assertEquals(-1, nat.find(6, 1, 2, 1, 2, 3, 443));
        assertEquals(-1, nat.slotOfPort(nat.port(slot)));
        assertTrue(nat.open(6, 1, 99, 1, 2, 3, 443, 0) >= 0);
    }

    @Test
    void keepsV4AndV6FlowsWithEqualNumbersApart() {
        TcpNat nat = new TcpNat(8, 1024, 30_000, 10_000);
        int a = nat.open(4, 0, 5, 1, 0, 6, 2, 0);
        int b = nat.open(6, 0, 5, 1, 0, 6, 2, 0);
        assertNotEquals(a, b);
        assertEquals(a, nat.find(4, 0, 5, 1, 0, 6, 2));
        assertEquals(b, nat.find(6, 0, 5, 1, 0, 6, 2));
    }

    @Test
    void expiresUnacceptedAndClosedEntriesButNotOpenOnes() {
        TcpNat nat = new TcpNat(8, 1024, 30_000, 10_000);
        int embryonic = nat.open(4, 0, 1, 1, 0, 9, 80, 0);
        int open = nat.open(4, 0, 1, 2, 0, 9, 80, 0);
        int closed = nat.open(4, 0, 1, 3, 0, 9, 80, 0);
        nat.accepted(open);
        nat.accepted(closed);
        nat.closed(closed, nat.generation(closed), 1_000);
        assertEquals(0, nat.expire(10_000));
        assertEquals(1, nat.expire(11_001), "closed entry lingers 10 s");
        assertEquals(-1, nat.slotOfPort(nat.port(closed)));
        assertEquals(1, nat.expire(30_001), "unaccepted entry lives 30 s");
        assertEquals(-1, nat.slotOfPort(nat.port(embryonic)));
        assertEquals(0, nat.expire(10_000_000), "an accepted connection lives as long as it is open");
        assertEquals(open, nat.slotOfPort(nat.port(open)));
    }

    @Test
    void ignoresCloseOfAPreviousUseOfTheSlot() {
        TcpNat nat = new TcpNat(1, 1024, 30_000, 10_000);
        int slot = nat.open(4, 0, 1, 1, 0, 9, 80, 0);
        int oldGen = nat.generation(slot);
        nat.remove(slot);
        int again = nat.open(4, 0, 1, 2, 0, 9, 80, 0);
        assertEquals(slot, again);
        nat.accepted(again);
        nat.closed(again, oldGen, 0);
        assertEquals(TcpNat.ACCEPTED, nat.state(again));
    }

    @Test
    void reusesFreedSlotsAsLateAsPossible() {
        TcpNat nat = new TcpNat(3, 1024, 30_000, 10_000);
        int first = nat.open(4, 0, 1, 1, 0, 9, 80, 0);
        nat.remove(first);
        int second = nat.open(4, 0, 1, 2, 0, 9, 80, 0);
        assertNotEquals(first, second, "a just-freed NAT port is not handed out next");
    }
}
