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
     * From now on packets sent into the TUN from {@code src:sport} to {@code dst:dport} leave it as from
     * {@code newSrc:newSport} to {@code newDst:newDport} (IPv4 addresses as ints); false when the kernel's table
     * is full, and nothing changed (the engine rewrites that flow itself).
     */
    boolean add(int src, int dst, int sport, int dport, int newSrc, int newDst, int newSport, int newDport);

    /** Gives the packets of {@code src:sport -> dst:dport} back to the engine. */
    void remove(int src, int dst, int sport, int dport);

    /** As {@link #add}, for IPv6: each address as two longs, its high half first. */
    boolean add6(long srcHi, long srcLo, long dstHi, long dstLo, int sport, int dport,
            long newSrcHi, long newSrcLo, long newDstHi, long newDstLo, int newSport, int newDport);

    /** As {@link #remove}, for IPv6. */
    void remove6(long srcHi, long srcLo, long dstHi, long dstLo, int sport, int dport);
}
