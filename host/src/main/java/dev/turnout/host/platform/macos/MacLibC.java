package dev.turnout.host.platform.macos;

import com.sun.jna.LastErrorException;
import com.sun.jna.Library;
import com.sun.jna.Native;
import com.sun.jna.NativeLong;

/**
 * The libc calls the macOS backend needs, through JNA direct mapping ({@code Native.register}): a plain JNI
 * call per use, no reflection or boxing. Loaded on first use only, never at class-init time of
 * {@link MacPlatform}, so nothing native runs on another OS unless asked.
 *
 * <p>Every function here also exists in glibc with the same arguments, so the device's packet path
 * (readv/writev/poll) runs in the Linux tests over a socketpair. The few constants that differ between the
 * two (errno values, {@code O_NONBLOCK}) are picked at load time for that reason only.
 *
 * <p>Pointers the packet path passes are raw addresses as {@code long}: on the LP64 ABIs of macOS (and
 * Linux) a pointer and a {@code long} travel in the same register, and no JNA {@code Pointer} is allocated
 * per packet.
 */
final class MacLibC {

    static final int SOCK_DGRAM = 2;
    /** {@code SYSPROTO_CONTROL} in {@code <sys/sys_domain.h>}. */
    static final int SYSPROTO_CONTROL = 2;
    /** {@code UTUN_OPT_IFNAME} in {@code <net/if_utun.h>}. */
    static final int UTUN_OPT_IFNAME = 2;
    static final int IFNAMSIZ = 16;

    static final int F_GETFL = 3;
    static final int F_SETFL = 4;
    static final int F_SETFD = 2;
    static final int FD_CLOEXEC = 1;

    static final short POLLIN = 0x1;
    static final short POLLERR = 0x8;
    static final short POLLHUP = 0x10;
    static final short POLLNVAL = 0x20;

    static final int EINTR = 4;
    /** 35 on macOS, 11 on Linux (where only the tests run this code). */
    static final int EAGAIN;
    /** 55 on macOS, 105 on Linux. */
    static final int ENOBUFS;
    /** 0x4 on macOS, 0x800 on Linux. */
    static final int O_NONBLOCK;

    static {
        boolean mac = com.sun.jna.Platform.isMac();
        EAGAIN = mac ? 35 : 11;
        ENOBUFS = mac ? 55 : 105;
        O_NONBLOCK = mac ? 0x4 : 0x800;
        Native.register(com.sun.jna.Platform.C_LIBRARY_NAME);
    }

    private MacLibC() {
    }

    static native int socket(int domain, int type, int protocol) throws LastErrorException;

    static native int connect(int fd, byte[] address, int length) throws LastErrorException;

    static native int getsockopt(int fd, int level, int name, byte[] value, int[] length) throws LastErrorException;

    static native int setsockopt(int fd, int level, int name, int[] value, int length) throws LastErrorException;

    static native int getsockname(int fd, byte[] address, int[] length) throws LastErrorException;

    static native int close(int fd) throws LastErrorException;

    /** {@code if_nametoindex}: 0 when there is no such interface. */
    static native int if_nametoindex(String name);

    // The packet path: errors are read with Native.getLastError() so an empty read allocates no exception.

    static native long readv(int fd, long iov, int iovcnt);

    static native long writev(int fd, long iov, int iovcnt);

    /** The routing socket's messages ({@link MacRouteMonitor}); errors through {@code Native.getLastError()}. */
    static native long read(int fd, byte[] buffer, long count);

    static native int poll(long fds, long nfds, int timeoutMillis);

    /**
     * {@code ioctl} and {@code fcntl} are variadic. On arm64 macOS variadic arguments go on the stack, not in
     * registers, so a direct (fixed-argument) call would pass garbage; JNA's interface mapping with Java
     * varargs makes a proper variadic call. Only the set-up path uses them.
     */
    interface Variadic extends Library {
        int ioctl(int fd, NativeLong request, Object... args) throws LastErrorException;

        int fcntl(int fd, int cmd, Object... args) throws LastErrorException;
    }

    /** Loaded on first use. */
    static final class VariadicHolder {
        static final Variadic C = Native.load(com.sun.jna.Platform.C_LIBRARY_NAME, Variadic.class);

        private VariadicHolder() {
        }
    }

    static Variadic variadic() {
        return VariadicHolder.C;
    }

    /** Sets {@code O_NONBLOCK} and {@code FD_CLOEXEC}. */
    static void nonBlockingCloseOnExec(int fd) throws LastErrorException {
        Variadic c = variadic();
        int flags = c.fcntl(fd, F_GETFL);
        c.fcntl(fd, F_SETFL, flags | O_NONBLOCK);
        c.fcntl(fd, F_SETFD, FD_CLOEXEC);
    }
}
