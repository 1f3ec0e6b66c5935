package dev.turnout.host.platform;

/**
 * The system stack's TCP address rewriting, handed to the kernel flow by flow: once a flow is added, the
 * kernel rewrites its packets as the engine would and sends them back in through the TUN itself, so they no
 * longer cross into user space (two system calls and two copies each, and a wake-up of the engine's thread).
 * The engine still sees each flow's opening SYN, and everything that is not TCP. From a TUN that can
 * ({@link TunDevice#kernelNat}); callable from any lane's thread.
 */
public interface KernelNat {

    /**
     * From now on packets sent into the TUN as {@code from} leave it as {@code to}, and the replies, sent as
     * {@code to.reversed()}, leave as {@code from.reversed()} (all of one IP version). False when the kernel's table
     * is full, and nothing changed: the engine rewrites that flow itself.
     */
    boolean add(Tuple from, Tuple to);

    /** Gives both directions of the flow added as {@code from} to {@code to} back to the engine. */
    void remove(Tuple from, Tuple to);

    /**
     * A TCP segment's addresses and ports, as the kernel's table matches them. Each address is two longs, its
     * high half first, as the flow tables keep them; an IPv4 address is the low half's low 32 bits.
     *
     * @param family 4 or 6
     */
    record Tuple(int family, long srcHi, long srcLo, int srcPort, long dstHi, long dstLo, int dstPort) {

        /** The same segment's addresses and ports, seen from the other end. */
        public Tuple reversed() {
            return new Tuple(family, dstHi, dstLo, dstPort, srcHi, srcLo, srcPort);
        }
    }
}
