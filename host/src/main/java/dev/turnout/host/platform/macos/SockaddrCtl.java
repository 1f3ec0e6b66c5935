package dev.turnout.host.platform.macos;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * {@code struct sockaddr_ctl} from {@code <sys/kern_control.h>}, the address a kernel-control socket connects
 * to:
 * <pre>
 * struct sockaddr_ctl {
 *     u_char    sc_len;          // 0: sizeof(struct sockaddr_ctl) = 32
 *     u_char    sc_family;       // 1: AF_SYSTEM (32)
 *     u_int16_t ss_sysaddr;      // 2: AF_SYS_CONTROL (2)
 *     u_int32_t sc_id;           // 4: from CTLIOCGINFO
 *     u_int32_t sc_unit;         // 8: N + 1 for utunN, 0 for the next free one
 *     u_int32_t sc_reserved[5];  // 12..31
 * };
 * </pre>
 * Integers little-endian, for the reason given on {@link CtlInfo}.
 */
final class SockaddrCtl {

    static final int SIZE = 32;
    static final int AF_SYSTEM = 32;
    static final int AF_SYS_CONTROL = 2;

    private SockaddrCtl() {
    }

    /** The address bytes for kernel control {@code ctlId}, unit {@code unit}. */
    static byte[] of(int ctlId, int unit) {
        if (unit < 0) {
            throw new IllegalArgumentException("negative unit " + unit);
        }
        ByteBuffer b = ByteBuffer.allocate(SIZE).order(ByteOrder.LITTLE_ENDIAN);
        b.put(0, (byte) SIZE);
        b.put(1, (byte) AF_SYSTEM);
        b.putShort(2, (short) AF_SYS_CONTROL);
        b.putInt(4, ctlId);
        b.putInt(8, unit);
        return b.array();
    }

    /**
     * The {@code sc_unit} for a requested device name: 0 (the kernel picks the next free utun) for null or
     * empty, {@code N + 1} for {@code utunN}.
     *
     * @throws IllegalArgumentException for any other name: macOS names utun devices itself
     */
    static int unitFor(String requestedName) {
        if (requestedName == null || requestedName.isEmpty()) {
            return 0;
        }
        if (!requestedName.matches("utun(0|[1-9][0-9]{0,5})")) {
            throw new IllegalArgumentException("macOS only creates devices named utunN (or leave the name empty): "
                    + requestedName);
        }
        return Integer.parseInt(requestedName.substring(4)) + 1;
    }
}
