package dev.turnout.host.cli;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.ByteBufAllocatorMetricProvider;
import io.netty.util.concurrent.FastThreadLocalThread;

/**
 * Applies Turnout's Netty defaults as {@code turnout run} does, then takes a relay-sized (1 MiB) direct buffer
 * from Netty's default allocator on an event-loop kind of thread, gives it back, and prints how much direct
 * memory the allocator still holds: more than none when the buffer came from a pooled chunk, none when it was a
 * one-off block, freed at its release.
 */
public final class BulkBufferProbeMain {

    private BulkBufferProbeMain() {
    }

    public static void main(String[] args) throws Exception {
        Main.applyNettyDefaults();
        long[] held = new long[1];
        Thread lane = new FastThreadLocalThread(() -> {
            ByteBuf buf = ByteBufAllocator.DEFAULT.directBuffer(1024 * 1024);
            buf.release();
            held[0] = ((ByteBufAllocatorMetricProvider) ByteBufAllocator.DEFAULT).metric().usedDirectMemory();
        });
        lane.start();
        lane.join();
        System.out.println("held " + held[0]);
    }
}
