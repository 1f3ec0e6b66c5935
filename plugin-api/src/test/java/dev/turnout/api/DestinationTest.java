package dev.turnout.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.net.InetAddress;
import org.junit.jupiter.api.Test;

class DestinationTest {

    @Test
    void aNameIsKeptLowerCaseWithoutItsTrailingDot() {
        assertEquals("example.com:443", Destination.ofHost("Example.COM.", 443).toString());
        assertEquals("例子.测试", Destination.ofHost("例子.测试", 80).host(), "a name not yet in punycode passes");
    }

    @Test
    void aNameWithALineBreakOrAnEscapeIsRefused() {
        IllegalArgumentException lines = assertThrows(IllegalArgumentException.class,
                () -> Destination.ofHost("loc\r\n2026-12-06T13:25:11.736 INFO  route [TCP] forged", 80));
        assertEquals("a control character (U+000D) in host 'loc??2026-12-06T13:25:11.736 INFO  route [TCP] forged'",
                lines.getMessage());
        assertThrows(IllegalArgumentException.class, () -> Destination.ofHost("a\u001b[2Jb.example", 80));
        assertThrows(IllegalArgumentException.class, () -> Destination.ofHost("a\u0000b", 80));
        assertThrows(IllegalArgumentException.class, () -> Destination.ofHost("a\u007fb", 80));
        assertThrows(IllegalArgumentException.class, () -> Destination.ofHost("a\u009bb", 80), "C1's escape too");
    }

    @Test
    void anAddressSentAsANameIsTheAddress() throws Exception {
        Destination v4 = Destination.ofHost("203.0.113.5", 80);
        assertFalse(v4.hasHost());
        assertEquals(InetAddress.getByName("203.0.113.5"), v4.address());
        assertEquals(InetAddress.getByName("2001:db8::5"), Destination.ofHost("[2001:DB8::5]", 80).address());
        assertEquals(InetAddress.getByName("2001:db8::5"), Destination.ofHost("2001:db8::5", 80).address());
        assertEquals(InetAddress.getByName("203.0.113.5"), Destination.ofHost("::ffff:203.0.113.5", 80).address(),
                "an IPv4-mapped address is the IPv4 one, as the IPv4 rules see it");
        assertEquals(InetAddress.getByName("203.0.113.5"), Destination.ofHost("203.0.113.5.", 80).address());
        Destination both = new Destination("203.0.113.5", InetAddress.getByName("198.51.100.1"), 80);
        assertFalse(both.hasHost(), "the address a client chose stays, a name that spells another is dropped");
        assertEquals(InetAddress.getByName("198.51.100.1"), both.address());
    }

    @Test
    void aNameThatEndsInANumberWithoutBeingAnAddressIsRefused() {
        // Each is 203.0.113.5 to the JDK's resolver (and to glibc or the URL standard, or something else again).
        for (String ambiguous : new String[] {"3405803781", "203.0.29957", "203.7238917", "0203.0.113.5",
                "203.000.113.005", "0xcb.0.113.5", "203.0.113.0x5", "1.2.3.4.5", "example.123", "256.0.0.1",
                "x.0x"}) {
            assertThrows(IllegalArgumentException.class, () -> Destination.ofHost(ambiguous, 80), ambiguous);
        }
        assertThrows(IllegalArgumentException.class, () -> Destination.ofHost("fe80::1%eth0", 80), "a zone");
        assertThrows(IllegalArgumentException.class, () -> Destination.ofHost("2001:db8::5::1", 80));
        assertThrows(IllegalArgumentException.class, () -> Destination.ofHost("a:b", 80));
    }

    @Test
    void namesThatMerelyHoldDigitsStayNames() {
        for (String name : new String[] {"1.2.3.4.example", "123.example", "a.0xg", "0x.example", "163.com",
                "1password.com", "10086.cn", "a.b-1", "1e100.net"}) {
            Destination d = Destination.ofHost(name, 80);
            assertEquals(name, d.host(), name);
            assertFalse(d.hasAddress(), name);
        }
    }
}
