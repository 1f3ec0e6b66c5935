package dev.turnout.host.platform.macos;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class BoundIfTest {

    @Test
    void optionNumbersAreThoseOfMacOsHeaders() {
        assertEquals(0, BoundIf.level(false));
        assertEquals(25, BoundIf.optionName(false));
        assertEquals(41, BoundIf.level(true));
        assertEquals(125, BoundIf.optionName(true));
        assertEquals(0, BoundIf.IP_OPTION.level());
        assertEquals(25, BoundIf.IP_OPTION.optname());
        assertEquals(41, BoundIf.IPV6_OPTION.level());
        assertEquals(125, BoundIf.IPV6_OPTION.optname());
    }

    @Test
    void optionFollowsTheSocketFamily() {
        assertSame(BoundIf.IPV6_OPTION, BoundIf.option(true));
        assertSame(BoundIf.IP_OPTION, BoundIf.option(false));
        // BSD sockaddr: u8 sa_len, u8 sa_family
        assertTrue(BoundIf.isIpv6(new byte[] {28, 30, 0, 0}, 28));
        assertFalse(BoundIf.isIpv6(new byte[] {16, 2, 0, 0}, 16));
        assertThrows(IllegalArgumentException.class, () -> BoundIf.isIpv6(new byte[] {106, 1}, 106), "AF_UNIX");
        assertThrows(IllegalArgumentException.class, () -> BoundIf.isIpv6(new byte[] {0}, 1));
    }
}
