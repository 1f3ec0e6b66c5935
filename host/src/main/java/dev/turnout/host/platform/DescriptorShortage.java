package dev.turnout.host.platform;

import io.netty.channel.Channel;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.unix.Errors;
import java.io.BufferedReader;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The process running out of file descriptors ({@code EMFILE}, {@code ENFILE}): said once, in one line, while it
 * lasts, rather than as a Netty stack trace for every accept and a warning for every flow that could not dial;
 * and the listeners pause accepting and try again shortly, so they serve again as soon as descriptors are free.
 * Descriptors belong to the whole process, so one instance serves every listener and the tunnel.
 */
public final class DescriptorShortage {

    private static final Logger log = LoggerFactory.getLogger(DescriptorShortage.class);

    /** {@code EMFILE} and {@code ENFILE}: the same numbers on Linux and macOS. */
    private static final int EMFILE = 24;
    private static final int ENFILE = 23;

    /** How long a listener rests after an accept failed for want of a descriptor; one failed accept per retry. */
    static final long RETRY_MILLIS = 100;

    /** A shortage is over once this long has passed without another: until then it is the same one, said once. */
    static final long SETTLE_NANOS = TimeUnit.SECONDS.toNanos(10);

    private final ChannelHandler acceptGuard = new AcceptGuard();
    /** Read at start: once descriptors are out, even the management beans may fail to load. */
    private final String limit = limit();
    private boolean inShortage;
    private long lastNanos;
    private long since;
    private long failures;
    private volatile boolean reported;

    /** Whether {@code cause}, or one of its causes, is a failure for want of a file descriptor. */
    public static boolean isShortage(Throwable cause) {
        for (Throwable t = cause; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (t instanceof Errors.NativeIoException n) {
                if (n.expectedErr() == -EMFILE || n.expectedErr() == -ENFILE) {
                    return true;
                }
            } else if (t instanceof IOException && t.getMessage() != null
                    && t.getMessage().contains("Too many open files")) {
                return true; // NIO's accept and socket creation say it only in words
            }
        }
        return false;
    }

    /**
     * Counts a failure for want of a descriptor; the first of a shortage is logged, with the limit and what to do.
     * Thread-safe: listeners and flows fail on different loops.
     */
    public void report(Throwable cause) {
        long now = System.nanoTime();
        boolean first;
        synchronized (this) {
            first = !inShortage || now - lastNanos > SETTLE_NANOS;
            if (first) {
                inShortage = true;
                since = now;
                failures = 0;
            }
            failures++;
            lastNanos = now;
            reported = true;
        }
        if (first) {
            log.warn("out of file descriptors ({}{}): new connections wait or fail until flows close; "
                    + "raise the limit (ulimit -n, LimitNOFILE=) if this recurs", cause.getMessage(), limit);
        }
    }

    /** An accept succeeded: a shortage that has settled is over, and said to be. Cheap when there is none. */
    void accepted() {
        if (!reported) {
            return;
        }
        long now = System.nanoTime();
        long seconds;
        long count;
        synchronized (this) {
            if (!inShortage || now - lastNanos <= SETTLE_NANOS) {
                return;
            }
            inShortage = false;
            reported = false;
            seconds = TimeUnit.NANOSECONDS.toSeconds(lastNanos - since);
            count = failures;
        }
        log.info("file descriptors are available again: accepting (the shortage lasted {} s, {} accepts or dials "
                + "failed)", seconds, count);
    }

    /**
     * The handler to put first in a listening channel's pipeline: it takes accept failures for want of a
     * descriptor (Netty's own handling would log a stack for each), pauses the listener and resumes it shortly.
     */
    public ChannelHandler acceptGuard() {
        return acceptGuard;
    }

    private static String limit() {
        // Linux says it in /proc; the management beans would load some 45 classes into every start for this number.
        try (BufferedReader limits = Files.newBufferedReader(Path.of("/proc/self/limits"))) {
            for (String line = limits.readLine(); line != null; line = limits.readLine()) {
                if (line.startsWith("Max open files")) {
                    return "; limit " + line.substring("Max open files".length()).trim().split("\\s+", 2)[0];
                }
            }
        } catch (IOException | RuntimeException e) {
            // not Linux: ask the JVM
        }
        try {
            if (ManagementFactory.getOperatingSystemMXBean() instanceof com.sun.management.UnixOperatingSystemMXBean u) {
                return "; limit " + u.getMaxFileDescriptorCount();
            }
        } catch (LinkageError | RuntimeException e) {
            // a JDK without jdk.management: the limit stays unsaid
        }
        return "";
    }

    @ChannelHandler.Sharable
    private final class AcceptGuard extends ChannelInboundHandlerAdapter {
        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            accepted();
            ctx.fireChannelRead(msg);
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            if (!isShortage(cause)) {
                ctx.fireExceptionCaught(cause);
                return;
            }
            report(cause);
            // The connection stays in the backlog; accepting again at once would only fail again.
            Channel listener = ctx.channel();
            if (listener.config().isAutoRead()) {
                listener.config().setAutoRead(false);
                listener.eventLoop().schedule(() -> {
                    if (listener.isOpen()) {
                        listener.config().setAutoRead(true);
                    }
                }, RETRY_MILLIS, TimeUnit.MILLISECONDS);
            }
        }
    }
}
