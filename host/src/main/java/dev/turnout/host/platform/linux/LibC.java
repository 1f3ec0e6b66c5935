package dev.turnout.host.platform.linux;

import com.sun.jna.LastErrorException;
import com.sun.jna.Native;
import com.sun.jna.NativeLong;

/**
 * The few libc calls the TUN device, the socket-owner lookup ({@link SockDiag}) and the tproxy port's IPv6 datagrams
 * ({@link TransparentIpv6Reader}) need, through JNA direct mapping ({@code Native.register}): each call is a plain JNI
 * call with no reflection or argument boxing. Apart from that reader's {@code recvmsg}, only the set-up path uses
 * them; the TUN's packets are read and written through Netty's native {@code FileDescriptor}.
 */
final class LibC {

    static final int O_RDWR = 0x2;
    static final int O_NONBLOCK = 0x800;
    static final int O_CLOEXEC = 0x80000;

    /** {@code _IOW('T', 202, int)}, from linux/if_tun.h. */
    static final long TUNSETIFF = 0x400454CAL;

    /** {@code _IOR('T', 224, int)}: the argument points at an eBPF program's descriptor (-1 detaches). */
    static final long TUNSETSTEERINGEBPF = 0x800454E0L;

    static final short IFF_TUN = 0x0001;
    static final short IFF_MULTI_QUEUE = 0x0100;
    static final short IFF_NO_PI = 0x1000;
    /** In {@code /sys/class/net/NAME/tun_flags}: the device outlives its last descriptor. */
    static final int IFF_PERSIST = 0x0800;
    static final short IFF_VNET_HDR = 0x4000;

    /** {@code _IOW('T', 208, unsigned int)}; the argument is passed by value. */
    static final long TUNSETOFFLOAD = 0x400454D0L;
    static final int TUN_F_CSUM = 0x01;
    static final int TUN_F_TSO4 = 0x02;
    static final int TUN_F_TSO6 = 0x04;
    /** {@code sizeof(struct virtio_net_hdr)}: the prefix of every packet with {@code IFF_VNET_HDR}. */
    static final int VIRTIO_NET_HDR_LEN = 10;

    static final int IFNAMSIZ = 16;
    /** {@code sizeof(struct ifreq)} on 64-bit Linux. */
    static final int IFREQ_SIZE = 40;

    static final int SOL_SOCKET = 1;
    static final int SO_BINDTODEVICE = 25;

    static {
        Native.register(com.sun.jna.Platform.C_LIBRARY_NAME);
    }

    private LibC() {
    }

    static native int open(String path, int flags) throws LastErrorException;

    static native int ioctl(int fd, NativeLong request, byte[] arg) throws LastErrorException;

    /** The by-value form of ioctl (TUNSETOFFLOAD), through a JNA function: it runs once, at start. */
    static int ioctl(int fd, long request, long value) throws LastErrorException {
        return IOCTL.invokeInt(new Object[] {fd, new NativeLong(request), new NativeLong(value)});
    }

    private static final com.sun.jna.Function IOCTL =
            com.sun.jna.Function.getFunction(com.sun.jna.Platform.C_LIBRARY_NAME, "ioctl", com.sun.jna.Function.THROW_LAST_ERROR);

    static native int close(int fd) throws LastErrorException;

    static native int setsockopt(int fd, int level, int name, byte[] value, int length) throws LastErrorException;

    static final int AF_NETLINK = 16;
    static final int SOCK_DGRAM = 2;
    static final int SOCK_CLOEXEC = 0x80000;
    /** {@code NETLINK_SOCK_DIAG} (also called NETLINK_INET_DIAG), from linux/netlink.h. */
    static final int NETLINK_SOCK_DIAG = 4;
    static final int SO_RCVTIMEO = 20;

    static native int socket(int domain, int type, int protocol) throws LastErrorException;

    static native NativeLong send(int fd, byte[] buf, NativeLong length, int flags) throws LastErrorException;

    static native NativeLong recv(int fd, byte[] buf, NativeLong length, int flags) throws LastErrorException;

    static final int AF_INET6 = 10;
    static final int SOL_IPV6 = 41;
    static final int SO_REUSEADDR = 2;
    static final int IPV6_V6ONLY = 26;
    static final int IPV6_RECVORIGDSTADDR = 74;
    static final int IPV6_ORIGDSTADDR = 74;
    static final int IPV6_TRANSPARENT = 75;
    static final int EINTR = 4;
    static final int EAGAIN = 11;

    static native int bind(int fd, byte[] address, int length) throws LastErrorException;

    /** {@code msg} points at a {@code struct msghdr}. */
    static native NativeLong recvmsg(int fd, com.sun.jna.Pointer msg, int flags) throws LastErrorException;
}
