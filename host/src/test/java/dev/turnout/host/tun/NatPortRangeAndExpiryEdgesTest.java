package dev.turnout.host.tun;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.net.InetSocketAddress;
import org.junit.jupiter.api.Test;

/**
 * The NAT's port range and entry lifetimes at their exact edges: ports 1 to 65535 can be NAT ports and no
 * others, and an entry lives exactly its lifetime (expired only once strictly older).
 */
class NatPortRangeAndExpiryEdgesTest {

    @Test
    void portRangeMayStartAtOneAndEndAtSixtyFiveThousandFiveHundredThirtyFive() {
        TcpNat low = new TcpNat(4, 1, 30_000, 10_000);
        assertEquals(1, low.port(low.open(4, 0, 1, 1, 0, 2, 80, 0)));
        TcpNat high = new TcpNat(4, 65532, 30_000, 10_000);
        for (int i = 0; i < 4; i++) {
            high.open(4, 0, 1, 1 + i, 0, 2, 80, 0);
        }
        assertEquals(3, high.slotOfPort(65535));
        assertThrows(IllegalArgumentException.class, () -> new TcpNat(4, 0, 30_000, 10_000));
        assertThrows(IllegalArgumentException.class, () -> new TcpNat(4, 65533, 30_000, 10_000));
    }

    @Test
    void entriesExpireOnlyWhenStrictlyOlderThanTheirLifetime() {
        TcpNat nat = new TcpNat(4, 1024, 30_000, 10_000);
        int embryonic = nat.open(4, 0, 1, 1, 0, 9, 80, 0);
        int closed = nat.open(4, 0, 1, 2, 0, 9, 80, 0);
        nat.accepted(closed);
        nat.closed(closed, nat.generation(closed), 20_001);
        assertEquals(0, nat.expire(30_000));
        assertEquals(1, nat.expire(30_001), "the unaccepted one, exactly 30 000 ms old before, goes now");
        assertEquals(-1, nat.slotOfPort(nat.port(embryonic)));
        assertEquals(closed, nat.slotOfPort(nat.port(closed)), "closed exactly 10 000 ms before");
        assertEquals(1, nat.expire(30_002), "closed 10 001 ms before");
        assertEquals(0, nat.size());
    }

    @Test
    void touchingAnUnacceptedEntryPostponesItsExpiry() {
        TcpNat nat = new TcpNat(4, 1024, 30_000, 10_000);
        int slot = nat.open(4, 0, 1, 1, 0, 9, 80, 0);
        nat.touch(slot, 25_000);
        assertEquals(0, nat.expire(40_000));
        assertEquals(1, nat.expire(55_001));
    }

    @Test
    void portOutsideTheRangeMapsToNoEntry() {
        TcpNat nat = new TcpNat(2, 1024, 30_000, 10_000);
        nat.open(4, 0, 1, 1, 0, 9, 80, 0);
        nat.open(4, 0, 1, 2, 0, 9, 80, 0);
        assertEquals(-1, nat.slotOfPort(1023));
        assertEquals(-1, nat.slotOfPort(1026));
    }

    @Test
    void entryGivesBackTheApplicationsAddressesOfEitherFamily() {
        TcpNat nat = new TcpNat(4, 1024, 30_000, 10_000);
        int v4 = nat.open(4, 0, 0xC0000201L, 40000, 0, 0xCB007109L, 443, 0);
        assertEquals(new InetSocketAddress(TestPackets.ip("192.0.2.1"), 40000), nat.source(v4));
        assertEquals(TestPackets.ip("203.0.113.9"), nat.destinationAddress(v4));
        assertEquals(443, nat.destinationPort(v4));
        int v6 = nat.open(6, 0x20010db800000000L, 0x0102030405060708L, 5, 0x20010db8ffff0000L, 9L, 6, 0);
        assertEquals(new InetSocketAddress(TestPackets.ip("2001:db8::102:304:506:708"), 5), nat.source(v6));
        assertEquals(TestPackets.ip("2001:db8:ffff::9"), nat.destinationAddress(v6));
        assertEquals(6, nat.destinationPort(v6));
    }
}
