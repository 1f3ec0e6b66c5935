package dev.turnout.host.platform.linux;

import dev.turnout.host.platform.KernelNat;
import java.nio.ByteOrder;

/**
 * The kernel's share of the TCP rewriting as entries of {@link NatProgram}'s hash maps (one per IP version), one entry
 * per direction of a flow. A flow's two entries go in with one bpf(2) call and come out with one: this runs for every
 * new TCP flow and every closed one, on the lane threads. Each thread writes keys and values into native memory of
 * its own, kept: nothing is allocated per flow.
 *
 * @param map the IPv4 entries' map, which the caller owns and closes
 * @param map6 the IPv6 entries' map, likewise
 */
record MapNat(int map, int map6) implements KernelNat {

    /** Two keys, then their two values, each at most {@link NatProgram#ENTRY_SIZE6} bytes. */
    private static final int VALUES = 2 * NatProgram.ENTRY_SIZE6;
    private static final ThreadLocal<NativeBuffer> ENTRIES =
            ThreadLocal.withInitial(() -> NativeBuffer.allocate(2 * VALUES, ByteOrder.BIG_ENDIAN));

    @Override
    public boolean add(Tuple from, Tuple to) {
        NativeBuffer entries = keys(from, to);
        int size = NatProgram.entry(entries.buffer(), VALUES, to);
        NatProgram.entry(entries.buffer(), VALUES + size, from.reversed());
        int fd = mapOf(from);
        int added = Bpf.updateBatch(fd, entries.address(), entries.address() + VALUES, 2);
        if (added == 2) {
            return true;
        }
        if (added == 1) {
            Bpf.deleteBatch(fd, entries.address(), 1);
        }
        return false;
    }

    @Override
    public void remove(Tuple from, Tuple to) {
        Bpf.deleteBatch(mapOf(from), keys(from, to).address(), 2);
    }

    /** This thread's buffer holding the flow's two keys: the packets it sends, and the replies to them. */
    private static NativeBuffer keys(Tuple from, Tuple to) {
        NativeBuffer entries = ENTRIES.get();
        int size = NatProgram.entry(entries.buffer(), 0, from);
        NatProgram.entry(entries.buffer(), size, to.reversed());
        return entries;
    }

    private int mapOf(Tuple t) {
        return t.family() == 4 ? map : map6;
    }
}
