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
}
