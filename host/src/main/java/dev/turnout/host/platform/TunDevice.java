package dev.turnout.host.platform;

import java.io.Closeable;
import java.io.IOException;
import java.util.List;

/**
 * An open TUN device carrying plain IP packets, read and written through its queues ({@link TunQueue}).
 *
 * <p>Closing the device deletes it, and with it every route through it, unless it is {@link #persistent}.
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

    /**
     * Asks the device to send each packet to the queue of the lane that owns it ({@link FlowSteering}), instead of
     * by the kernel's own flow hash, so that no packet has to be handed between lanes. Called once, after the
     * listeners are bound; a device that cannot (one queue, another OS, no eBPF) says false and nothing changes:
     * the engine hands misdelivered packets to their owner either way.
     */
    default boolean steer(FlowSteering steering) {
        return false;
    }

    /**
     * Has the kernel rewrite the system stack's TCP flows itself, for up to {@code maxFlows} flows at once;
     * null where it cannot (another OS, no eBPF, Linux before 6.6), and every packet comes to the engine as
     * before. Called at most once.
     */
    default KernelNat kernelNat(int maxFlows) {
        return null;
    }

    /**
     * Whether the device was there before Turnout opened it and outlives it (Linux's persistent TUN, made with
     * {@code ip tuntap add}): what Turnout set on it must be taken off again ({@link Platform#giveBack}).
     */
    default boolean persistent() {
        return false;
    }

    /** Stops the watches (if any) and closes every queue, which deletes the device unless it is persistent. Idempotent. */
    @Override
    void close() throws IOException;
}
