package dev.turnout.host.platform.macos;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;

class SockaddrCtlTest {

    @Test
    void layoutIs32BytesWithEachFieldAtItsOffsetLittleEndian() {
        byte[] b = SockaddrCtl.of(0x11223344, 11);
        byte[] expected = {
            32, // sc_len
            32, // sc_family = AF_SYSTEM
            2, 0, // ss_sysaddr = AF_SYS_CONTROL, u16 little-endian
            0x44, 0x33, 0x22, 0x11, // sc_id at 4
            11, 0, 0, 0, // sc_unit at 8
            0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, // sc_reserved[5] at 12
        };
        assertEquals(32, expected.length);
        assertArrayEquals(expected, b);
    }

    @Test
    void unitIsNPlusOneForUtunNAndZeroForTheNextFree() {
        assertEquals(0, SockaddrCtl.unitFor(null));
        assertEquals(0, SockaddrCtl.unitFor(""));
        assertEquals(1, SockaddrCtl.unitFor("utun0"));
        assertEquals(11, SockaddrCtl.unitFor("utun10"));
        assertEquals(11, SockaddrCtl.of(1, SockaddrCtl.unitFor("utun10"))[8]);
    }

    @Test
    void rejectsNamesMacOsWouldNotGive() {
        for (String bad : new String[] {"tun0", "turnout0", "utun", "utun01", "utun-1", "utun1x", "UTUN1"}) {
            assertThrows(IllegalArgumentException.class, () -> SockaddrCtl.unitFor(bad), bad);
        }
        assertThrows(IllegalArgumentException.class, () -> SockaddrCtl.of(1, -1));
    }
}
