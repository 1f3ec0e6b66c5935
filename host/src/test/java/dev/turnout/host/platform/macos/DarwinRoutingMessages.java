package dev.turnout.host.platform.macos;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * Routing-socket messages byte for byte as a Mac's kernel writes them (xnu's {@code <net/route.h>},
 * {@code <net/if.h>}, {@code rtsock.c}; little-endian as on Intel and Apple silicon), built field by field so each
 * test says what it sends.
 */
final class DarwinRoutingMessages {

    static final int RTF_UP = 0x1;
    static final int RTF_GATEWAY = 0x2;
    static final int RTF_HOST = 0x4;
    static final int RTF_STATIC = 0x800;
    static final int RTF_LLINFO = 0x400;
    static final int RTF_WASCLONED = 0x20000;
    static final int RTF_IFSCOPE = 0x1000000;
    static final int RTA_DST = 0x1;
    static final int RTA_GATEWAY = 0x2;
    static final int RTA_NETMASK = 0x4;
    static final int IFF_UP = 0x1;
    static final int IFF_RUNNING = 0x40;

    private DarwinRoutingMessages() {
    }

    /**
     * An {@code rt_msghdr} (92 bytes) followed by {@code sockaddrs}, already padded; {@code addrs} names them.
     */
    static byte[] route(int type, int index, int flags, int addrs, int errno, byte[]... sockaddrs) {
        ByteArrayOutputStream tail = new ByteArrayOutputStream();
        for (byte[] sa : sockaddrs) {
            tail.writeBytes(sa);
        }
        ByteBuffer b = ByteBuffer.allocate(92 + tail.size()).order(ByteOrder.LITTLE_ENDIAN);
        b.putShort(0, (short) b.capacity()); // rtm_msglen
        b.put(2, (byte) 5);                   // rtm_version = RTM_VERSION
        b.put(3, (byte) type);                // rtm_type
        b.putShort(4, (short) index);         // rtm_index, then two bytes of padding
        b.putInt(8, flags);                   // rtm_flags
        b.putInt(12, addrs);                  // rtm_addrs
        b.putInt(16, 321);                    // rtm_pid (configd, say)
        b.putInt(20, 7);                      // rtm_seq
        b.putInt(24, errno);                  // rtm_errno
        b.putInt(28, 0);                      // rtm_use
        b.putInt(32, 0);                      // rtm_inits; rtm_rmx (14 x u_int32_t) from 36 to 92 stays zero
        b.put(92, tail.toByteArray());
        return b.array();
    }

    /** An {@code if_msghdr}: 16 bytes, then an {@code if_data} (96 bytes on 64-bit Darwin; zero here). */
    static byte[] ifinfo(int index, int ifFlags) {
        ByteBuffer b = ByteBuffer.allocate(16 + 96).order(ByteOrder.LITTLE_ENDIAN);
        b.putShort(0, (short) b.capacity());
        b.put(2, (byte) 5);
        b.put(3, (byte) 0xe);                 // RTM_IFINFO
        b.putInt(4, 0);                       // ifm_addrs
        b.putInt(8, ifFlags);                 // ifm_flags
        b.putShort(12, (short) index);        // ifm_index
        return b.array();
    }

    /** {@code struct sockaddr_in}: 16 bytes, sa_len 16, AF_INET, port 0, the address at 4. */
    static byte[] inet(int a, int b, int c, int d) {
        return new byte[] {16, 2, 0, 0, (byte) a, (byte) b, (byte) c, (byte) d, 0, 0, 0, 0, 0, 0, 0, 0};
    }

    /** {@code struct sockaddr_in6}: 28 bytes padded to 28, AF_INET6 (30), the address at 8. */
    static byte[] inet6(byte[] address) {
        byte[] sa = new byte[28];
        sa[0] = 28;
        sa[1] = 30;
        System.arraycopy(address, 0, sa, 8, 16);
        return sa;
    }

    /** {@code struct sockaddr_dl} of a gateway on link {@code index} (20 bytes, already a multiple of 4). */
    static byte[] link(int index) {
        byte[] sa = new byte[20];
        sa[0] = 20;
        sa[1] = 18; // AF_LINK
        sa[2] = (byte) index;
        return sa;
    }

    /**
     * A netmask as the kernel shortens it: {@code sa_len} counts up to the last non-zero byte, the family is left
     * unset, and the whole takes a multiple of 4 bytes (4 when empty).
     */
    static byte[] mask(int... maskBytes) {
        int len = maskBytes.length == 0 ? 0 : 4 + maskBytes.length;
        byte[] sa = new byte[len == 0 ? 4 : (len + 3) & ~3];
        sa[0] = (byte) len;
        for (int i = 0; i < maskBytes.length; i++) {
            sa[4 + i] = (byte) maskBytes[i];
        }
        return sa;
    }

    static byte[] concat(byte[]... messages) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (byte[] m : messages) {
            out.writeBytes(m);
        }
        return out.toByteArray();
    }
}
