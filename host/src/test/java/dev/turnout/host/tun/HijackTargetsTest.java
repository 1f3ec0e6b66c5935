package dev.turnout.host.tun;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

class HijackTargetsTest {

    private static final long ADDRESS_198_18_0_2 = 198L << 24 | 18 << 16 | 2;

    @Test
    void udpAndBareEntriesMatchTheirDestinations() {
        HijackTargets t = HijackTargets.udp(List.of("any:53", "udp://198.18.0.2:5353"));
        assertTrue(t.matches(4, 0, 0x0A000001L, 53), "any:53 takes every address");
        assertTrue(t.matches(6, 1, 2, 53));
        assertTrue(t.matches(4, 0, ADDRESS_198_18_0_2, 5353));
        assertFalse(t.matches(4, 0, ADDRESS_198_18_0_2 + 1, 5353));
    }

    @Test
    void tcpEntriesAreNotUdpTargets() {
        HijackTargets t = HijackTargets.udp(List.of("tcp://any:53"));
        assertTrue(t.isEmpty());
        assertFalse(t.matches(4, 0, ADDRESS_198_18_0_2, 53));
    }

    @Test
    void theTcpSideTakesPlainAndTcpEntriesButNotUdpOnes() {
        HijackTargets t = HijackTargets.tcp(List.of("udp://any:53", "198.18.0.2:53", "tcp://198.18.0.2:5353"));
        assertFalse(t.matches(4, 0, 0x0A000001L, 53), "udp://any:53 is not a TCP target");
        assertTrue(t.matches(4, 0, ADDRESS_198_18_0_2, 53), "a plain entry applies to both");
        assertTrue(t.matches(4, 0, ADDRESS_198_18_0_2, 5353));
    }

    @Test
    void aBadTcpEntryIsRefusedLikeABadUdpOne() {
        IllegalArgumentException named = assertThrows(IllegalArgumentException.class,
                () -> HijackTargets.udp(List.of("tcp://dns.example:53")));
        assertEquals("dns-hijack entry must name an IP or 'any': tcp://dns.example:53", named.getMessage());
        assertThrows(IllegalArgumentException.class, () -> HijackTargets.udp(List.of("tcp://198.18.0.2")));
        assertThrows(IllegalArgumentException.class, () -> HijackTargets.udp(List.of("tcp://any:70000")));
    }

    @Test
    void theTcpSideMatchesAFlowsAddressOfEitherFamilyAndAFlowKnownOnlyByNameOnlyByAny() throws Exception {
        HijackTargets t = HijackTargets.tcp(List.of("198.18.0.2:53", "[2001:db8::53]:53", "tcp://203.0.113.255:5353"));
        assertTrue(t.matches(java.net.InetAddress.getByName("198.18.0.2"), 53));
        assertFalse(t.matches(java.net.InetAddress.getByName("198.18.0.3"), 53));
        assertFalse(t.matches(java.net.InetAddress.getByName("198.18.0.2"), 54));
        assertTrue(t.matches(java.net.InetAddress.getByName("2001:db8::53"), 53));
        assertFalse(t.matches(java.net.InetAddress.getByName("2001:db8::54"), 53));
        assertFalse(t.matches(java.net.InetAddress.getByName("2001:db9::53"), 53), "the high half counts too");
        assertTrue(t.matches(java.net.InetAddress.getByName("203.0.113.255"), 5353), "bytes above 127 are unsigned");
        assertFalse(t.matches(null, 53), "a name-only flow matches no address entry");
        assertTrue(HijackTargets.tcp(List.of("any:53")).matches(null, 53));
        assertFalse(HijackTargets.tcp(List.of("any:53")).matches(null, 853));
        assertTrue(HijackTargets.tcp(List.of("[::]:53", "0.0.0.0:54")).matches(java.net.InetAddress.getByName("192.0.2.1"), 54),
                "0.0.0.0 and :: mean any address");
    }

    @Test
    void portsAreOneToSixtyFiveThousandFiveHundredThirtyFive() {
        assertTrue(HijackTargets.udp(List.of("any:1", "any:65535")).matches(4, 0, 1, 65535));
        assertThrows(IllegalArgumentException.class, () -> HijackTargets.udp(List.of("any:0")));
        assertThrows(IllegalArgumentException.class, () -> HijackTargets.udp(List.of("any:65536")));
        assertThrows(IllegalArgumentException.class, () -> HijackTargets.udp(List.of(":53")), "no host");
        assertEquals("bad address in dns-hijack entry 300.1.2.3:53",
                assertThrows(IllegalArgumentException.class, () -> HijackTargets.udp(List.of("300.1.2.3:53"))).getMessage());
        assertFalse(HijackTargets.udp(List.of("any:53")).isEmpty());
        assertTrue(HijackTargets.udp(null).isEmpty());
    }
}
