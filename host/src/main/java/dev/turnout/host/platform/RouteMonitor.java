package dev.turnout.host.platform;

import java.io.IOException;

/**
 * Change notifications from the kernel's routing table (macOS: a {@code PF_ROUTE} socket; Linux: netlink's route
 * and link groups), so the default interface
 * is re-read when it may have moved instead of on a timer. One thread calls {@link #awaitChange()} in a loop;
 * {@link #close()} may be called from any thread.
 */
public interface RouteMonitor extends AutoCloseable {

    /**
     * Blocks until a change that may move the default route (a route to the default destination added, deleted or
     * changed, an interface going up or down, or messages lost to an overflow); false once closed.
     *
     * @throws IOException when the socket fails: the caller goes back to polling
     */
    boolean awaitChange() throws IOException;

    /** Makes {@link #awaitChange()} return false (within a fraction of a second) and releases the socket. */
    @Override
    void close();
}
