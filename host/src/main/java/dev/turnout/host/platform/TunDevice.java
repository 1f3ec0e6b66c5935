package dev.turnout.host.platform;

import io.netty.channel.IoEventLoop;
import io.netty.util.concurrent.Future;
import java.io.Closeable;
import java.io.IOException;

/**
 * An open TUN device carrying plain IP packets. Reads and writes are non-blocking and take native memory
 * addresses (of a direct buffer the caller owns and reuses), so the packet path allocates nothing.
 *
 * <p>Closing the device deletes it (it is not persistent), and with it every route through it.
 */
public interface TunDevice extends Closeable {

    /** The interface name the OS gave the device ({@code tun0}, {@code utun5}). */
    String name();

    /**
     * Bytes of Linux's {@code virtio_net_hdr} before every packet read and expected before every packet
     * written (10 with offloads on), or 0 when the device carries plain packets. Lengths and addresses in
     * {@link #read} and {@link #write} include the header.
     */
    int vnetHeaderLength();

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
     * packets are waiting. Level-triggered: {@code onReadable} may stop before the device is drained (to let
     * other work on the loop run) and will be called again.
     *
     * @return completes when the watch is registered
     */
    Future<?> watchReadable(IoEventLoop loop, Runnable onReadable);

    /** Stops the watch (if any) and closes the device. Idempotent. */
    @Override
    void close() throws IOException;
}
