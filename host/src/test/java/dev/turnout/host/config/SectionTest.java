package dev.turnout.host.config;

import static dev.turnout.host.config.ConfigLoaderTest.parse;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * A section another part of Turnout reads ({@code tun:}, {@code dns:}): each value as written, its default when
 * absent, and a value of the wrong kind refused at the value's own file, line and column.
 */
class SectionTest {

    private static final String DNS = String.join("\n",
            "dns:",
            "  enable: true",
            "  listen: 127.0.0.1:1053",
            "  port: 53",
            "  nameserver: [192.0.2.53, 'tls://dns.example']",
            "  fallback: 192.0.2.54",
            "  fallback-filter: {geoip: false}",
            "  ipv6: yes please",
            "  cache-size: many",
            "  default-nameserver: {a: 1}",
            "  policy: [1]",
            "  fake-ip-range: [198.18.0.0/15]",
            "  ipv4: false",
            "");

    private static Section dns() throws Exception {
        return parse(DNS).dns();
    }

    @Test
    void valuesAsWrittenAndDefaultsWhenAbsent() throws Exception {
        Section s = dns();
        assertTrue(s.present());
        assertTrue(s.bool("enable", false));
        assertFalse(s.bool("ipv4", true));
        assertFalse(s.bool("absent", false));
        assertTrue(s.bool("absent", true));
        assertEquals(53, s.integer("port", 0));
        assertEquals(7, s.integer("absent", 7));
        assertEquals("127.0.0.1:1053", s.string("listen", null));
        assertEquals("53", s.string("port", null), "a number read as text");
        assertEquals("true", s.string("enable", null));
        assertEquals("fallback", s.string("absent", "fallback"));
        assertEquals(List.of("192.0.2.53", "tls://dns.example"), s.strings("nameserver"));
        assertEquals(List.of("192.0.2.54"), s.strings("fallback"), "one string is a list of one");
        assertEquals(List.of(), s.strings("absent"));
        assertEquals(Map.of("geoip", false), s.map("fallback-filter"));
        assertEquals(Map.of(), s.map("absent"));
        assertFalse(parse("mixed-port: 7890\n").dns().present(), "no section");
        assertFalse(parse("dns: ~\n").dns().present(), "an empty one");
    }

    @Test
    void aValueOfTheWrongKindIsRefusedAtItsPlace() throws Exception {
        Section s = dns();
        assertEquals("t.yaml:8:9: 'ipv6' must be true or false, got yes please",
                assertThrows(ConfigException.class, () -> s.bool("ipv6", false)).getMessage());
        assertEquals("t.yaml:9:15: 'cache-size' must be a whole number, got many",
                assertThrows(ConfigException.class, () -> s.integer("cache-size", 0)).getMessage());
        assertEquals("t.yaml:10:23: 'default-nameserver' must be a string",
                assertThrows(ConfigException.class, () -> s.string("default-nameserver", null)).getMessage());
        assertEquals("t.yaml:10:23: 'default-nameserver' must be a list of strings",
                assertThrows(ConfigException.class, () -> s.strings("default-nameserver")).getMessage());
        assertEquals("t.yaml:11:11: 'policy' must be a mapping",
                assertThrows(ConfigException.class, () -> s.map("policy")).getMessage());
        assertEquals("t.yaml:12:18: 'fake-ip-range' must be a string",
                assertThrows(ConfigException.class, () -> s.string("fake-ip-range", null)).getMessage());
    }

    @Test
    void aKeyNotWrittenIsPlacedAtTheSection() throws Exception {
        Section s = dns();
        assertEquals(s.origin(), s.originOf("absent"));
        assertEquals("t.yaml:2:3", s.origin().toString());
        assertEquals("t.yaml:4:9", s.originOf("port").toString());
    }
}
