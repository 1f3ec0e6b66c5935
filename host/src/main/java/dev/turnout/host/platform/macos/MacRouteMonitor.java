package dev.turnout.host.platform.macos;

import com.sun.jna.LastErrorException;
import com.sun.jna.Native;
import dev.turnout.host.platform.RouteMonitor;
import java.io.IOException;

/**
 * The routing socket ({@code socket(PF_ROUTE, SOCK_RAW, 0)}): the kernel writes a message to it for every change
 * to the routing table and every interface going up or down. Each is parsed ({@link RoutingMessage}) and those
 * that may move the default route end {@link #awaitChange()}; the caller then re-reads the default route.
 *
 * <p>The socket is polled with a short timeout, so {@link #close()} is seen without closing the descriptor under
 * a thread still blocked on it (the number could be reused by then). The same calls exist in glibc, so the tests
 * run this class over a datagram socketpair whose other end writes Darwin's messages.
 */
final class MacRouteMonitor implements RouteMonitor {

    /** {@code PF_ROUTE} (= {@code AF_ROUTE}) in Darwin's {@code <sys/socket.h>}. */
    static final int PF_ROUTE = 17;
    static final int SOCK_RAW = 3;
    /** How long one poll waits: the most {@link #close()} waits for the reader. */
    private static final int POLL_TIMEOUT_MS = 200;
    /** A message is at most a header and eight sockaddrs of up to 255 bytes each. */
    private static final int BUFFER = 4096;
    /**
     * Readable by poll, yet nothing to read, this many times in a row: the socket is broken (a socket shut down for
     * reading stays readable), and looping on it would spin a core.
     */
    static final int MAX_EMPTY_READS = 64;

    private final Object reading = new Object();
    private final PollFd pollfd;
    private final byte[] buffer = new byte[BUFFER];
    private volatile boolean closed;
    private int fd;
    private RoutingMessage last;
    private int emptyReads;

    MacRouteMonitor(int fd) {
        this.fd = fd;
        this.pollfd = new PollFd(fd);
    }

    /** Opens this machine's routing socket (macOS only). */
    static MacRouteMonitor open() throws IOException {
        int fd;
        try {
            fd = MacLibC.socket(PF_ROUTE, SOCK_RAW, 0);
        } catch (LastErrorException e) {
            throw new IOException("socket(PF_ROUTE, SOCK_RAW, 0) failed (errno " + e.getErrorCode() + ")", e);
        }
        try {
            MacLibC.nonBlockingCloseOnExec(fd);
        } catch (LastErrorException e) {
            MacLibC.close(fd);
            throw new IOException("fcntl on the routing socket failed (errno " + e.getErrorCode() + ")", e);
        }
        return new MacRouteMonitor(fd);
    }

    @Override
    public boolean awaitChange() throws IOException {
        while (true) {
            synchronized (reading) {
                if (closed) {
                    return false;
                }
                if (readOnce()) {
                    return true;
                }
            }
        }
    }

    /** The message that ended the last {@link #awaitChange()}, or null after an overflow (for the log and tests). */
    RoutingMessage lastChange() {
        synchronized (reading) {
            return last;
        }
    }

    /** One poll and, when readable, one read: whether it brought a change that may move the default route. */
    private boolean readOnce() throws IOException {
        int r = pollfd.awaitInput(POLL_TIMEOUT_MS);
        if (r == PollFd.INTERRUPTED) {
            return false;
        }
        if (r < 0) {
            throw new IOException("poll on the routing socket failed (errno " + PollFd.errno(r) + ")");
        }
        short revents = pollfd.revents();
        if (r == 0 || revents == 0) {
            return false;
        }
        if ((revents & (MacLibC.POLLERR | MacLibC.POLLNVAL)) != 0) {
            throw new IOException("the routing socket failed (poll revents 0x" + Integer.toHexString(revents) + ")");
        }
        long n = MacLibC.read(fd, buffer, buffer.length);
        if (n < 0) {
            int errno = Native.getLastError();
            if (errno == MacLibC.EAGAIN || errno == MacLibC.EINTR) {
                if (++emptyReads >= MAX_EMPTY_READS) {
                    throw new IOException("the routing socket is readable but gives nothing (" + emptyReads + " times)");
                }
                return false;
            }
            if (errno == MacLibC.ENOBUFS) {
                last = null; // the socket overflowed and messages were dropped: whatever they said, look again
                return true;
            }
            throw new IOException("read from the routing socket failed (errno " + errno + ")");
        }
        if (n == 0) {
            throw new IOException("the routing socket was shut down");
        }
        emptyReads = 0;
        for (RoutingMessage m : RoutingMessage.parse(buffer, (int) n)) {
            if (m.mayMoveDefaultRoute()) {
                last = m;
                return true;
            }
        }
        return false;
    }

    @Override
    public void close() {
        closed = true;
        synchronized (reading) { // the reader leaves within one poll timeout
            if (fd >= 0) {
                try {
                    MacLibC.close(fd);
                } catch (LastErrorException e) {
                    // nothing left to do with it
                }
                fd = -1;
            }
        }
    }
}
