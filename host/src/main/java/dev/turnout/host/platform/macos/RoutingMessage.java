package dev.turnout.host.platform.macos;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;

/**
 * One message read from a macOS routing socket, as Darwin's {@code <net/route.h>} and {@code <net/if.h>} lay it
 * out (host byte order, little-endian on both Intel and Apple silicon). Every message starts with
 * {@code u_short msglen; u_char version; u_char type}; the rest depends on the type:
 *
 * <pre>
 * struct rt_msghdr {              // RTM_ADD, RTM_DELETE, RTM_CHANGE ...: 92 bytes, then the sockaddrs
 *     u_short rtm_msglen;   0     u_char rtm_version; 2     u_char rtm_type; 3
 *     u_short rtm_index;    4     int rtm_flags;      8     int rtm_addrs;  12
 *     pid_t rtm_pid;       16     int rtm_seq;       20     int rtm_errno;  24
 *     int rtm_use;         28     u_int32_t rtm_inits; 32   struct rt_metrics rtm_rmx; 36 (14 x u_int32_t)
 * };
 * struct if_msghdr {              // RTM_IFINFO
 *     u_short ifm_msglen;   0     u_char ifm_version; 2     u_char ifm_type; 3
 *     int ifm_addrs;        4     int ifm_flags;      8     u_short ifm_index; 12   struct if_data ifm_data; 16
 * };
 * </pre>
 *
 * After an {@code rt_msghdr} come the sockaddrs {@code rtm_addrs} names (RTA_DST first), each
 * {@code sa_len} bytes rounded up to 4 ({@code ROUNDUP32} in xnu's rtsock.c; an empty one takes 4).
 *
 * @param type {@code rtm_type}/{@code ifm_type}
 * @param index the interface's index
 * @param flags {@code rtm_flags} (RTF_*) or, for RTM_IFINFO, {@code ifm_flags} (IFF_*)
 * @param errno {@code rtm_errno}: a failed request another process made is echoed to every routing socket
 * @param destination the route's destination ({@code RTA_DST}): {@link Destination#ABSENT} when not sent
 * @param zeroMask whether the netmask ({@code RTA_NETMASK}) is absent or all zero
 */
record RoutingMessage(int type, int index, int flags, int errno, Destination destination, boolean zeroMask) {

    static final int RTM_VERSION = 5;
    static final int RTM_ADD = 0x1;
    static final int RTM_DELETE = 0x2;
    static final int RTM_CHANGE = 0x3;
    static final int RTM_IFINFO = 0xe;

    static final int RTF_HOST = 0x4;
    static final int RTA_DST = 0x1;
    static final int RTA_NETMASK = 0x4;

    static final int AF_INET = 2;
    static final int AF_INET6 = 30;

    static final int RT_MSGHDR_SIZE = 92;
    static final int IF_MSGHDR_MIN = 16;

    /** What {@code RTA_DST} said about the default destination. */
    enum Destination { ABSENT, UNSPECIFIED, OTHER }

    /**
     * Whether the default route may have moved: an interface changed state, or a successful change to a route that
     * is not a host route (ARP and neighbour entries are, and come and go all the time) whose destination is the
     * unspecified address with a zero netmask (or is not given).
     */
    boolean mayMoveDefaultRoute() {
        if (type == RTM_IFINFO) {
            return true;
        }
        if (type != RTM_ADD && type != RTM_DELETE && type != RTM_CHANGE) {
            return false;
        }
        return errno == 0 && (flags & RTF_HOST) == 0
                && (destination == Destination.ABSENT || destination == Destination.UNSPECIFIED && zeroMask);
    }

    /**
     * The messages in {@code bytes[0, length)}; one read from a routing socket returns one message, but a buffer
     * of several (as sysctl returns them) parses too. Messages of another version, truncated ones and types this
     * monitor does not read are skipped.
     */
    static List<RoutingMessage> parse(byte[] bytes, int length) {
        ByteBuffer buf = ByteBuffer.wrap(bytes, 0, length).order(ByteOrder.LITTLE_ENDIAN);
        List<RoutingMessage> out = new ArrayList<>(1);
        int at = 0;
        while (length - at >= 4) {
            int msglen = Short.toUnsignedInt(buf.getShort(at));
            if (msglen < 4 || at + msglen > length) {
                break; // garbage or truncated: nothing after it can be trusted
            }
            int version = Byte.toUnsignedInt(buf.get(at + 2));
            int type = Byte.toUnsignedInt(buf.get(at + 3));
            if (version == RTM_VERSION) {
                if (type == RTM_IFINFO && msglen >= IF_MSGHDR_MIN) {
                    out.add(new RoutingMessage(type, Short.toUnsignedInt(buf.getShort(at + 12)), buf.getInt(at + 8), 0,
                            Destination.ABSENT, true));
                } else if ((type == RTM_ADD || type == RTM_DELETE || type == RTM_CHANGE) && msglen >= RT_MSGHDR_SIZE) {
                    out.add(route(buf, at, msglen, type));
                }
            }
            at += msglen;
        }
        return out;
    }

    private static RoutingMessage route(ByteBuffer buf, int at, int msglen, int type) {
        int index = Short.toUnsignedInt(buf.getShort(at + 4));
        int flags = buf.getInt(at + 8);
        int addrs = buf.getInt(at + 12);
        int errno = buf.getInt(at + 24);
        Destination destination = Destination.ABSENT;
        boolean zeroMask = true;
        int end = at + msglen;
        int sa = at + RT_MSGHDR_SIZE;
        for (int bit = 1; bit <= RTA_NETMASK && sa < end; bit <<= 1) {
            if ((addrs & bit) == 0) {
                continue;
            }
            int len = Byte.toUnsignedInt(buf.get(sa));
            int stored = Math.min(len, end - sa);
            if (bit == RTA_DST) {
                destination = unspecified(buf, sa, stored) ? Destination.UNSPECIFIED : Destination.OTHER;
            } else if (bit == RTA_NETMASK) {
                // Darwin shortens masks (sa_len counts only up to the last non-zero byte) and leaves the family
                // unset: a mask is zero when nothing after its two-byte header is set.
                zeroMask = allZero(buf, sa + 2, sa + stored);
            }
            sa += len == 0 ? 4 : (len + 3) & ~3;
        }
        return new RoutingMessage(type, index, flags, errno, destination, zeroMask);
    }

    /** An AF_INET or AF_INET6 sockaddr whose address bytes (those present) are all zero. */
    private static boolean unspecified(ByteBuffer buf, int sa, int len) {
        if (len < 2) {
            return false;
        }
        int family = Byte.toUnsignedInt(buf.get(sa + 1));
        if (family == AF_INET) {
            return allZero(buf, sa + 4, sa + Math.min(len, 8)); // sin_addr at 4
        }
        if (family == AF_INET6) {
            return allZero(buf, sa + 8, sa + Math.min(len, 24)); // sin6_addr at 8
        }
        return false;
    }

    private static boolean allZero(ByteBuffer buf, int from, int to) {
        for (int i = from; i < to; i++) {
            if (buf.get(i) != 0) {
                return false;
            }
        }
        return true;
    }
}
