package dev.turnout.host.platform.macos;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

class CtlInfoTest {

    /** {@code <sys/ioccom.h>}: the pieces {@code _IOWR} is made of. */
    private static final long IOC_OUT = 0x40000000L;
    private static final long IOC_IN = 0x80000000L;
    private static final long IOC_INOUT = IOC_IN | IOC_OUT;
    private static final long IOCPARM_MASK = 0x1fff;

    private static long iowr(char group, int num, int size) {
        return IOC_INOUT | ((size & IOCPARM_MASK) << 16) | ((long) group << 8) | num;
    }

    @Test
    void ctliocginfoIsIowrOfGroupN3AndCtlInfoSize() {
        long computed = iowr('N', 3, CtlInfo.SIZE);
        assertEquals(0xC0000000L, IOC_INOUT);
        assertEquals(0xC0644E03L, computed);
        assertEquals(computed, CtlInfo.CTLIOCGINFO);
    }

    @Test
    void requestIs100BytesWithTheNameAtOffset4AndZeroIdAndPadding() {
        byte[] b = CtlInfo.request(CtlInfo.UTUN_CONTROL);
        assertEquals(100, b.length);
        assertEquals(4 + 96, CtlInfo.NAME_OFFSET + CtlInfo.NAME_SIZE);
        assertArrayEquals(new byte[4], Arrays.copyOfRange(b, 0, 4), "ctl_id starts as 0");
        byte[] name = "com.apple.net.utun_control".getBytes(StandardCharsets.US_ASCII);
        assertEquals(26, name.length);
        assertArrayEquals(name, Arrays.copyOfRange(b, 4, 4 + name.length));
        for (int i = 4 + name.length; i < 100; i++) {
            assertEquals(0, b[i], "NUL padding at " + i);
        }
    }

    @Test
    void ctlIdIsReadLittleEndianFromOffset0() {
        byte[] b = CtlInfo.request(CtlInfo.UTUN_CONTROL);
        b[0] = 0x07;
        b[1] = 0x02;
        b[2] = 0x00;
        b[3] = 0x01;
        assertEquals(0x01000207, CtlInfo.ctlId(b));
    }

    @Test
    void rejectsNamesThatLeaveNoRoomForTheTerminator() {
        assertThrows(IllegalArgumentException.class, () -> CtlInfo.request("x".repeat(96)));
        assertEquals(100, CtlInfo.request("x".repeat(95)).length);
        assertThrows(IllegalArgumentException.class, () -> CtlInfo.ctlId(new byte[99]));
    }
}
