package dev.turnout.host.platform.macos;

import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Tells an event loop when a descriptor has data, from a small thread blocked in {@code poll(2)}: the
 * readiness source for the utun device, because Turnout's loops on macOS are NIO loops (see
 * {@link MacPlatform#newEventLoopGroup}), which cannot watch a foreign descriptor. It works with any loop.
 *
 * <p>Level-triggered, like the Linux epoll watch: after each {@code onReadable} run (which drains as much as
 * it likes) the thread polls again, so a device left non-empty is reported again. The hand-off costs one
 * task per wake-up, not per packet; the task object is reused.
 */
final class PollReadiness implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(PollReadiness.class);

    /** How often the thread looks at {@link #stopped}; bounds how long {@link #close()} waits. */
    private static final int POLL_TIMEOUT_MS = 200;

    private final int fd;
    private final Executor loop;
    private final Runnable onReadable;
    private final PollFd pollfd;
    private final Semaphore handled = new Semaphore(0);
    private final Runnable dispatch = this::runOnLoop;
    private final Thread thread;
    private volatile boolean stopped;

    PollReadiness(int fd, String name, Executor loop, Runnable onReadable) {
        this.fd = fd;
        this.pollfd = new PollFd(fd);
        this.loop = loop;
        this.onReadable = onReadable;
        this.thread = new Thread(this::watch, "turnout-poll-" + name);
        this.thread.setDaemon(true);
    }

    void start() {
        thread.start();
    }

    private void watch() {
        while (!stopped) {
            int r = pollfd.awaitInput(POLL_TIMEOUT_MS);
            if (r == 0 || r == PollFd.INTERRUPTED) {
                continue;
            }
            if (r < 0) {
                log.warn("poll on fd {} failed (errno {}); no more packets will be read", fd, PollFd.errno(r));
                return;
            }
            short revents = pollfd.revents();
            if ((revents & MacLibC.POLLNVAL) != 0) {
                return; // the descriptor was closed
            }
            try {
                loop.execute(dispatch);
            } catch (RejectedExecutionException e) {
                return; // the loop is shutting down
            }
            if (!awaitHandled()) {
                return;
            }
            if ((revents & MacLibC.POLLIN) == 0 && (revents & (MacLibC.POLLERR | MacLibC.POLLHUP)) != 0) {
                // The reader has seen the error or end; polling again would only spin.
                return;
            }
        }
    }

    /** Waits until the loop has run {@code onReadable}; false when stopped meanwhile. */
    private boolean awaitHandled() {
        try {
            while (!stopped) {
                if (handled.tryAcquire(POLL_TIMEOUT_MS, TimeUnit.MILLISECONDS)) {
                    return true;
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return false;
    }

    private void runOnLoop() {
        try {
            if (!stopped) {
                onReadable.run();
            }
        } finally {
            handled.release();
        }
    }

    /** Stops the thread and waits (bounded) for it to leave {@code poll}, so the descriptor can be closed. */
    @Override
    public void close() {
        stopped = true;
        if (Thread.currentThread() != thread) {
            try {
                thread.join(4L * POLL_TIMEOUT_MS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
