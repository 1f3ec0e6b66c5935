package dev.turnout.host.platform;

import io.netty.channel.IoEventLoop;
import io.netty.util.concurrent.Future;
import java.io.IOException;

/**
 * One queue of a TUN device: a descriptor that packets are read from and written to. A device has one
 * ({@link TunDevice} itself), or on Linux several ({@link TunDevice#queues()}, {@code IFF_MULTI_QUEUE}), each
 * read by one loop; a packet written to any queue enters the system the same way. Reads and writes are
 * non-blocking and take native memory addresses (of a direct buffer the caller owns and reuses), so the packet
 * path allocates nothing.
 */
public interface TunQueue {

    /**
     * Reads one packet into {@code [address, address + capacity)}.
     *
     * @return the packet's length; 0 when no packet is waiting; -1 when the device is gone
     */
    int read(long address, int capacity) throws IOException;

    /**
     * Writes one packet from {@code [address, address + length)}.
     *
     * @return bytes written (the whole packet), or 0 when the device's queue is full and the packet was not
     *     taken
     */
    int write(long address, int length) throws IOException;

    /**
     * Asks {@code loop} (from {@link Platform#newEventLoopGroup}) to run {@code onReadable} on the loop while
     * packets are waiting on this queue. Level-triggered: {@code onReadable} may stop before the queue is
     * drained (to let other work on the loop run) and will be called again.
     *
     * @return completes when the watch is registered
     */
    Future<?> watchReadable(IoEventLoop loop, Runnable onReadable);
}
