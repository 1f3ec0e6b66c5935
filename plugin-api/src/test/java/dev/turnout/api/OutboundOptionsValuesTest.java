package dev.turnout.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;
import org.junit.jupiter.api.Test;

/** A proxy entry's values read as mihomo's weak decoding of an entry reads them (its structure package). */
class OutboundOptionsValuesTest {

    private static OutboundOptions of(Map<String, Object> values) {
        return new OutboundOptions("p", "t", values);
    }

    @Test
    void numbersAndTruthAreTakenInTheFormsMihomoTakes() throws Exception {
        OutboundOptions o = of(Map.of("udp", 1, "tfo", 0, "port", "443", "alter", 64.0, "password", 123456));
        assertTrue(o.bool("udp", false), "a number other than 0 is true");
        assertFalse(o.bool("tfo", true));
        assertEquals(443, o.integer("port", 0));
        assertEquals(64, o.integer("alter", 0), "a float is truncated");
        assertEquals("123456", o.string("password", null));
    }

    @Test
    void whatNoneOfThoseFormsFitsIsRefusedAtItsKey() {
        OptionException e = assertThrows(OptionException.class, () -> of(Map.of("udp", "yes")).bool("udp", false));
        assertEquals("udp", e.key());
        assertEquals("port", assertThrows(OptionException.class, () -> of(Map.of("port", "https")).integer("port", 0))
                .key());
    }
}
