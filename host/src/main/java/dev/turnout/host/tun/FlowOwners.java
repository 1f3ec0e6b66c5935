package dev.turnout.host.tun;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.channel.EventLoop;
import java.nio.ByteBuffer;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicIntegerArray;

/**
 * Which packet lane owns a flow, when the TUN has several queues and each queue has its own lane (loop, packet
 * engine, NAT table, UDP sessions, listener). Nothing is shared between lanes: each table is touched by its
 * own loop only, so lookups need no lock.
 *
 * <p>The owner is fixed by the flow itself, never by the queue a packet came in on: an application's flow
 * {@code S:s -> D:d} belongs to the lane its hash picks; a packet from a lane's listener ({@code A:P_i -> B:n})
 * belongs to lane {@code i}, the one that wrote its SYN. A packet read on another lane is copied to the owner's
 * loop ({@link #forward}). That is rare: the kernel sends a flow's packets to the queue that last wrote one of
 * that flow, and only the owner writes them, so after the owner's first write (the rewritten SYN, then the
 * SYN-ACK) both directions arrive on its queue; hand-offs happen for a new flow's SYN that the kernel's own
 * hash put elsewhere, and for the first packet after the kernel forgot an idle flow (about 3 s).
 */
final class FlowOwners {

    /**
     * Packets handed to one lane and not yet processed, at most: a bound on the copies held when the kernel
     * cannot keep flows on their queue (its flow table holds 4,096 flows), so a slow lane cannot make memory grow.
     */
    static final int MAX_PENDING = 1024;

    private final int[] listenPort4;
    private final int[] listenPort6;
    private final SystemStack[] stacks;
    private final EventLoop[] loops;
    private final AtomicIntegerArray pending;

    /** @param listenPort4 each lane's IPv4 listener port (0: none), by lane; likewise {@code listenPort6} */
    FlowOwners(int[] listenPort4, int[] listenPort6, EventLoop[] loops) {
        this.listenPort4 = listenPort4.clone();
        this.listenPort6 = listenPort6.clone();
        this.loops = loops.clone();
        this.stacks = new SystemStack[loops.length];
        this.pending = new AtomicIntegerArray(loops.length);
    }

    /** Sets lane {@code lane}'s engine; every lane's is set before the first packet is read. */
    void engine(int lane, SystemStack stack) {
        stacks[lane] = stack;
    }

    int lanes() {
        return loops.length;
    }

    /** The lane whose listener has IPv4 ({@code family} 4) or IPv6 port {@code port}, or -1. */
    int listenerLane(int family, int port) {
        int[] ports = family == 4 ? listenPort4 : listenPort6;
        for (int i = 0; i < ports.length; i++) {
            if (ports[i] == port && port != 0) {
                return i;
            }
        }
        return -1;
    }

    /** The lane owning the application's flow {@code S:s -> D:d} (addresses as in {@link FlowIndex}). */
    int flowLane(long sHi, long sLo, int sPort, long dHi, long dLo, int dPort) {
        long h = sHi * 0x9E3779B97F4A7C15L + sLo;
        h = (h ^ (h >>> 29)) * 0xBF58476D1CE4E5B9L + dHi;
        h = (h ^ (h >>> 31)) * 0x94D049BB133111EBL + dLo;
        h = (h ^ (h >>> 29)) * 0x9E3779B97F4A7C15L + ((long) sPort << 16 | dPort);
        h ^= h >>> 32;
        h *= 0xBF58476D1CE4E5B9L;
        h ^= h >>> 29;
        return (int) (((h >>> 32) * loops.length) >>> 32);
    }

    /**
     * Copies the frame {@code frame[0, length)} (device header and packet) to lane {@code lane}'s loop, which
     * processes it as if read from its own queue. Dropped when that loop has stopped.
     *
     * @return false when the lane has {@link #MAX_PENDING} packets waiting already (the packet is dropped)
     */
    boolean forward(int lane, ByteBuffer frame, int length) {
        if (pending.incrementAndGet(lane) > MAX_PENDING) {
            pending.decrementAndGet(lane);
            return false;
        }
        ByteBuf copy = PooledByteBufAllocator.DEFAULT.directBuffer(length);
        frame.limit(length).position(0);
        copy.writeBytes(frame);
        frame.clear();
        SystemStack target = stacks[lane];
        try {
            loops[lane].execute(() -> {
                pending.decrementAndGet(lane);
                target.processForwarded(copy);
            });
        } catch (RejectedExecutionException e) {
            pending.decrementAndGet(lane);
            copy.release();
        }
        return true;
    }
}
