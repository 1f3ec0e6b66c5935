package dev.turnout.host.platform;

import java.io.Closeable;
import java.io.IOException;
import java.util.List;

/**
 * An open TUN device carrying plain IP packets, read and written through its queues ({@link TunQueue}).
 *
 * <p>Closing the device deletes it (it is not persistent), and with it every route through it.
 */
public interface TunDevice extends TunQueue, Closeable {

    /** The interface name the OS gave the device ({@code tun0}, {@code utun5}). */
    String name();

    /**
     * Bytes of Linux's {@code virtio_net_hdr} before every packet read and expected before every packet
     * written (10 with offloads on), or 0 when the device carries plain packets. Lengths and addresses in
     * {@link TunQueue#read} and {@link TunQueue#write} include the header, on every queue.
     */
    int vnetHeaderLength();

    /**
     * The device's queues, each to be read by its own loop; the first is this device's own {@link #read},
     * {@link #write} and {@link #watchReadable}. One, unless {@link Platform#openTun(String, boolean, int)} was
     * asked for more and the system has multi-queue TUN (Linux): the kernel then keeps each flow on one queue.
     */
    default List<? extends TunQueue> queues() {
        return List.of(this);
    }

    /** Stops the watches (if any) and closes every queue, which deletes the device. Idempotent. */
    @Override
    void close() throws IOException;
}
