package dev.turnout.host.tun;

import dev.turnout.host.platform.FlowSteering;
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
 * loop ({@link #forward}). Where the device takes the rule itself ({@link dev.turnout.host.platform.TunDevice#steer},
 * Linux's eBPF steering) the kernel sends every packet to its owner and the hand-off is only a fallback. Without
 * it hand-offs are common: the kernel sends a flow's packets to the queue that last wrote one of that flow only
 * while its flow table has room (4,096 flows, each kept at least 3 s after its last packet, and each connection is
 * two flows there), and otherwise, as for every new flow's SYN, by its own hash (bench/tun.sh's setup phase, 2,700
 * connections a second, had 3.5 hand-offs per connection; 24 sequential curls through a real TUN had 32).
 */
final class FlowOwners {

    /**
     * Packets handed to one lane and not yet processed, at most: a bound on the copies held when the kernel
     * cannot keep flows on their queue (its flow table holds 4,096 flows), so a slow lane cannot make memory grow.
     */
    static final int MAX_PENDING = 1024;

    private final FlowSteering steering;
    private final SystemStack[] stacks;
    private final EventLoop[] loops;
    private final AtomicIntegerArray pending;

    /** @param steering who owns which packet, for as many lanes as {@code loops} */
    FlowOwners(FlowSteering steering, EventLoop[] loops) {
        if (steering.lanes() != loops.length) {
            throw new IllegalArgumentException(steering.lanes() + " lanes, " + loops.length + " loops");
        }
        this.steering = steering;
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
        return steering.listenerLane(family, port);
    }

    /** The lane owning the application's flow {@code S:s -> D:d} (addresses as in {@link FlowIndex}). */
    int flowLane(long sHi, long sLo, int sPort, long dHi, long dLo, int dPort) {
        return steering.flowLane(sHi, sLo, sPort, dHi, dLo, dPort);
    }

    /** The lane owning every UDP datagram the application sends from {@code S:s}. */
    int datagramLane(long sHi, long sLo, int sPort) {
        return steering.datagramLane(sHi, sLo, sPort);
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
