package dev.turnout.host.platform;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetAddress;
import org.junit.jupiter.api.Test;

class IpPrefixTest {

    @Test
    void parsesBothFamiliesAndFindsThePeerAddress() throws Exception {
        IpPrefix v4 = IpPrefix.parse("198.18.0.1/30");
        assertEquals(4, v4.version());
        assertEquals(InetAddress.getByName("198.18.0.2"), v4.offset(1));
        assertTrue(v4.contains(InetAddress.getByName("198.18.0.3")));
        assertFalse(v4.contains(InetAddress.getByName("198.18.0.4")));
        IpPrefix v6 = IpPrefix.parse("2001:db8:ffff::ff/126");
        assertEquals(InetAddress.getByName("2001:db8:ffff::100"), v6.offset(1), "carries into the next byte");
        assertFalse(v6.contains(v6.offset(1)));
        assertFalse(v6.contains(InetAddress.getByName("198.18.0.1")));
    }

    @Test
    void rejectsNamesAndBadLengths() {
        assertThrows(IllegalArgumentException.class, () -> IpPrefix.parse("example.com/24"));
        assertThrows(IllegalArgumentException.class, () -> IpPrefix.parse("198.18.0.1/33"));
        assertThrows(IllegalArgumentException.class, () -> IpPrefix.parse("198.18.0.1"));
    }
}
