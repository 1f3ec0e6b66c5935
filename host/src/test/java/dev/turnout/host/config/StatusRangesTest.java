package dev.turnout.host.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** mihomo's {@code expected-status}: which statuses a delay check counts as up, as written by users. */
class StatusRangesTest {

    private static String refused(String text) {
        return assertThrows(IllegalArgumentException.class, () -> StatusRanges.parse(text)).getMessage();
    }

    @Test
    void nothingOrAStarIsAnyStatus() {
        assertSame(StatusRanges.ANY, StatusRanges.parse(null));
        assertSame(StatusRanges.ANY, StatusRanges.parse("  "));
        assertSame(StatusRanges.ANY, StatusRanges.parse(" * "));
        assertTrue(StatusRanges.ANY.accepts(0));
        assertTrue(StatusRanges.ANY.accepts(599));
    }

    @Test
    void aSingleStatusIsThatStatusOnly() {
        StatusRanges r = StatusRanges.parse("204");
        assertTrue(r.accepts(204));
        assertFalse(r.accepts(203));
        assertFalse(r.accepts(205));
        assertEquals("204", r.toString());
    }

    @Test
    void rangesIncludeBothEndsAndAreSeparatedBySlashesOrCommas() {
        StatusRanges r = StatusRanges.parse("200/204/401-429,501-503");
        for (int ok : new int[] {200, 204, 401, 415, 429, 501, 503}) {
            assertTrue(r.accepts(ok), ok + " is listed");
        }
        for (int no : new int[] {199, 201, 203, 205, 400, 430, 500, 504}) {
            assertFalse(r.accepts(no), no + " is not");
        }
        assertEquals("200/204/401-429,501-503", r.toString(), "shown as written");
    }

    @Test
    void bracketsAndEmptyPartsAreTolerated() {
        StatusRanges r = StatusRanges.parse("[200]//[300-302]");
        assertTrue(r.accepts(200));
        assertTrue(r.accepts(301));
        assertFalse(r.accepts(250));
    }

    @Test
    void statusesRunFrom0To65535() {
        assertTrue(StatusRanges.parse("0-65535").accepts(65535));
        assertEquals("'65536' is not a status or a range such as 200-299", refused("65536"));
        assertEquals("'-1' is not a status or a range such as 200-299", refused("-1"));
    }

    @Test
    void somethingElseIsRefusedNamingThePart() {
        assertEquals("'2xx' is not a status or a range such as 200-299", refused("200/2xx"));
        assertEquals("'200-300-400' is not a status or a range such as 200-299", refused("200-300-400"));
        assertEquals("'200-' is not a status or a range such as 200-299", refused("200-"));
    }

    @Test
    void atMost28StatusesOrRanges() {
        StringBuilder b = new StringBuilder("200");
        for (int i = 1; i < StatusRanges.MAX_RANGES; i++) {
            b.append('/').append(200 + i);
        }
        assertTrue(StatusRanges.parse(b.toString()).accepts(227), "28 parts");
        assertEquals("at most 28 statuses or ranges, got 29", refused(b + "/300"));
    }
}
