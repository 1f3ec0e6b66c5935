package dev.turnout.host.platform.macos;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;

/**
 * {@code struct ctl_info} from {@code <sys/kern_control.h>}, the argument of {@code ioctl(CTLIOCGINFO)} that
 * turns a kernel control's name into its id:
 * <pre>
 * struct ctl_info {
 *     u_int32_t ctl_id;                    // offset 0, filled in by the kernel
 *     char      ctl_name[MAX_KCTL_NAME];   // offset 4, 96 bytes, NUL-terminated
 * };                                       // 100 bytes
 * </pre>
 *
 * <p>Integers are little-endian, written explicitly rather than in the JVM's native order: every Mac Turnout
 * can run on (x86_64 and arm64) is little-endian, and fixing the order keeps the bytes identical wherever the
 * layout is built or tested.
 */
final class CtlInfo {

    /** {@code sizeof(struct ctl_info)}. */
    static final int SIZE = 100;
    /** Offset of {@code ctl_name}. */
    static final int NAME_OFFSET = 4;
    /** {@code MAX_KCTL_NAME}. */
    static final int NAME_SIZE = 96;

    /** The kernel control behind utun devices. */
    static final String UTUN_CONTROL = "com.apple.net.utun_control";

    /**
     * {@code _IOWR('N', 3, struct ctl_info)} from {@code <sys/kern_control.h>}; the test derives it from the
     * {@code _IOWR} formula of {@code <sys/ioccom.h>} rather than trusting this literal.
     */
    static final long CTLIOCGINFO = 0xC0644E03L;

    private CtlInfo() {
    }

    /** The request: {@code ctl_id} 0 and {@code name} NUL-padded. */
    static byte[] request(String name) {
        byte[] n = name.getBytes(StandardCharsets.US_ASCII);
        if (n.length == 0 || n.length >= NAME_SIZE) {
            throw new IllegalArgumentException("kernel control name must be 1.." + (NAME_SIZE - 1) + " bytes: " + name);
        }
        byte[] b = new byte[SIZE];
        System.arraycopy(n, 0, b, NAME_OFFSET, n.length);
        return b;
    }

    /** The {@code ctl_id} the kernel wrote back. */
    static int ctlId(byte[] info) {
        if (info.length != SIZE) {
            throw new IllegalArgumentException("ctl_info is " + SIZE + " bytes, got " + info.length);
        }
        return ByteBuffer.wrap(info).order(ByteOrder.LITTLE_ENDIAN).getInt(0);
    }
}
