package dev.turnout.host.platform.linux;

import com.sun.jna.LastErrorException;
import com.sun.jna.NativeLong;
import dev.turnout.host.platform.RouteMonitor;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * A {@code NETLINK_ROUTE} socket joined to the groups of links and of IPv4 and IPv6 routes: the kernel sends it a
 * message for every route added or deleted and every link going up or down, so the default interface is re-read
 * at once. Polled every 3 s before, a Wi-Fi to Ethernet switch left up to 3 s of requests dialled through the old
 * link, which failed (mihomo follows the same messages). Any message ends {@link #awaitChange()}: re-reading the
 * default route costs a read of {@code /proc/net/route}.
 *
 * <p>The socket waits with a receive timeout, so {@link #close()} is seen without closing the descriptor under a
 * thread still blocked on it.
 */
final class LinuxRouteMonitor implements RouteMonitor {

    private static final int NETLINK_ROUTE = 0;
    private static final int SOCK_RAW = 3;
    /** RTMGRP_LINK | RTMGRP_IPV4_ROUTE | RTMGRP_IPV6_ROUTE, from linux/rtnetlink.h. */
    private static final int GROUPS = 0x1 | 0x40 | 0x400;
    private static final int ENOBUFS = 105;
    private static final long WAIT_MICROS = 200_000;

    private final Object reading = new Object();
    private final byte[] buffer = new byte[8192];
    private volatile boolean closed;
    private int fd;

    private LinuxRouteMonitor(int fd) {
        this.fd = fd;
    }

    static LinuxRouteMonitor open() throws IOException {
        int fd;
        try {
            fd = LibC.socket(LibC.AF_NETLINK, SOCK_RAW | LibC.SOCK_CLOEXEC, NETLINK_ROUTE);
        } catch (LastErrorException e) {
            throw new IOException("socket(AF_NETLINK, NETLINK_ROUTE) failed (errno " + e.getErrorCode() + ")", e);
        }
        try {
            byte[] timeout = ByteBuffer.allocate(16).order(ByteOrder.nativeOrder()).putLong(0).putLong(WAIT_MICROS)
                    .array();
            LibC.setsockopt(fd, LibC.SOL_SOCKET, LibC.SO_RCVTIMEO, timeout, timeout.length);
            // struct sockaddr_nl: family, padding, port id 0 (the kernel picks one), the groups joined
            byte[] address = ByteBuffer.allocate(12).order(ByteOrder.nativeOrder()).putShort((short) LibC.AF_NETLINK)
                    .putShort((short) 0).putInt(0).putInt(GROUPS).array();
            LibC.bind(fd, address, address.length);
        } catch (LastErrorException e) {
            LibC.close(fd);
            throw new IOException("joining the routing groups on a netlink socket failed (errno " + e.getErrorCode()
                    + ")", e);
        }
        return new LinuxRouteMonitor(fd);
    }

    @Override
    public boolean awaitChange() throws IOException {
        while (true) {
            synchronized (reading) {
                if (closed) {
                    return false;
                }
                try {
                    long n = LibC.recv(fd, buffer, new NativeLong(buffer.length), 0).longValue();
                    if (n == 0) {
                        throw new IOException("the netlink socket was shut down");
                    }
                    return true;
                } catch (LastErrorException e) {
                    if (e.getErrorCode() == ENOBUFS) {
                        return true; // messages were dropped: whatever they said, look again
                    }
                    if (e.getErrorCode() != LibC.EAGAIN && e.getErrorCode() != LibC.EINTR) {
                        throw new IOException("recv on the netlink socket failed (errno " + e.getErrorCode() + ")", e);
                    }
                }
            }
        }
    }

    @Override
    public void close() {
        closed = true;
        synchronized (reading) { // the reader leaves within one receive timeout
            if (fd >= 0) {
                try {
                    LibC.close(fd);
                } catch (LastErrorException e) {
                    // nothing left to do with it
                }
                fd = -1;
            }
        }
    }
}
