package dev.turnout.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.net.InetAddress;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Where a plugin dials: the {@code server} and {@code port} options, read without any lookup. */
class OutboundOptionsServerTest {

    private static Destination server(Object server, Object port) throws OptionException {
        return new OutboundOptions("p", "t", Map.of("server", server, "port", port)).server();
    }

    @Test
    void addressLiteralsBecomeAddressesWithOrWithoutBrackets() throws Exception {
        assertEquals(Destination.ofAddress(InetAddress.getByName("192.0.2.7"), 1080), server(" 192.0.2.7 ", 1080));
        assertEquals(Destination.ofAddress(InetAddress.getByName("2001:db8::7"), 443), server("[2001:db8::7]", 443));
        assertEquals(Destination.ofAddress(InetAddress.getByName("2001:db8::7"), 443), server("2001:db8::7", "443"));
    }

    @Test
    void aNameStaysANameForTheDialerToResolve() throws Exception {
        assertEquals(Destination.ofHost("proxy.example.test", 8388), server("proxy.example.test", 8388));
    }

    @Test
    void whatIsNeitherANameNorAnAddressIsRefusedAtTheServerKey() {
        for (String bad : new String[] {"a b.test", "host/path", "[proxy.test]", "[2001:db8::7", "3405803781",
                "010.0.0.1"}) {
            OptionException e = assertThrows(OptionException.class, () -> server(bad, 1080), bad);
            assertEquals("server", e.key(), bad);
        }
    }

    @Test
    void aMissingServerOrABadPortIsRefusedAtItsKey() {
        assertEquals("server", assertThrows(OptionException.class,
                () -> new OutboundOptions("p", "t", Map.of("port", 1)).server()).key());
        assertEquals("port", assertThrows(OptionException.class, () -> server("192.0.2.7", 0)).key());
        assertEquals("port", assertThrows(OptionException.class, () -> server("192.0.2.7", 65536)).key());
    }
}
