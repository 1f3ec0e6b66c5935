package dev.turnout.host.platform.macos;

import com.sun.jna.Memory;
import com.sun.jna.Native;
import com.sun.jna.Pointer;

/**
 * One {@code struct pollfd} waiting for input on one descriptor, reused for every poll by the one thread that
 * owns it: the utun reader's and the routing socket's waits.
 */
final class PollFd {

    /** What {@link #awaitInput} returns when poll(2) was interrupted by a signal: poll again. */
    static final int INTERRUPTED = -1;

    private final Memory pollfd = new Memory(8); // struct pollfd { int fd; short events; short revents; }
    private final long address = Pointer.nativeValue(pollfd);
    private final int fd;

    PollFd(int fd) {
        this.fd = fd;
    }

    /**
     * Waits up to {@code timeoutMillis} for input: poll(2)'s count (0 on timeout, 1 when {@link #revents} says
     * what happened) or {@link #INTERRUPTED}; any other failure returns {@code -errno - 2}, below both.
     */
    int awaitInput(int timeoutMillis) {
        pollfd.setInt(0, fd);
        pollfd.setShort(4, MacLibC.POLLIN);
        pollfd.setShort(6, (short) 0);
        int r = MacLibC.poll(address, 1, timeoutMillis);
        if (r >= 0) {
            return r;
        }
        int errno = Native.getLastError();
        return errno == MacLibC.EINTR ? INTERRUPTED : -errno - 2;
    }

    /** The events the last {@link #awaitInput} reported. */
    short revents() {
        return pollfd.getShort(6);
    }

    /** The errno of a failure {@link #awaitInput} returned. */
    static int errno(int failure) {
        return -(failure + 2);
    }
}
