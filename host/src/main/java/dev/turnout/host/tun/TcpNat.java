package dev.turnout.host.tun;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.util.function.IntConsumer;

/**
 * The system stack's TCP NAT: each application connection (its source and original destination) gets a NAT
 * port {@code n}; the kernel sees it as a connection from {@code B:n} to the listener, and the listener's
 * replies to {@code B:n} are mapped back by {@code n} alone.
 *
 * <p>Lifetime of an entry: created by the application's SYN; <em>accepted</em> once the listener hands the
 * connection to the tunnel; from then on it lives as long as that connection (the relay's idle timeout
 * ends idle ones); after the connection closes it stays {@code closedLingerMillis} so the closing packets
 * still map. An entry never accepted (the SYN was lost, the backlog was full) expires after
 * {@code embryonicMillis} without packets, or sooner when the table is full ({@link #expireEmbryonic}). Bounded by
 * its capacity; a SYN beyond it is dropped.
 * Owned by one event loop.
 */
final class TcpNat {

    static final byte EMBRYONIC = 1;
    static final byte ACCEPTED = 2;
    static final byte CLOSED = 3;

    private final FlowIndex index;
    private final int portBase;
    private final long embryonicMillis;
    private final long closedLingerMillis;
    private final byte[] state;
    private final long[] lastSeen;
    private final int[] generation;
    private final byte[] dscp;
    /** Told of each entry just before it is freed (its addresses still readable), or null. */
    private IntConsumer onRemove;
    private final LastAddress sources = new LastAddress();
    private final LastAddress destinations = new LastAddress();

    /**
     * @param portBase the first NAT port; ports run {@code [portBase, portBase + capacity)}
     */
    TcpNat(int capacity, int portBase, long embryonicMillis, long closedLingerMillis) {
        if (portBase < 1 || portBase + capacity > 65536) {
            throw new IllegalArgumentException("NAT ports " + portBase + "+" + capacity + " exceed 65535");
        }
        this.index = new FlowIndex(capacity);
        this.portBase = portBase;
        this.embryonicMillis = embryonicMillis;
        this.closedLingerMillis = closedLingerMillis;
        this.state = new byte[capacity];
        this.lastSeen = new long[capacity];
        this.generation = new int[capacity];
        this.dscp = new byte[capacity];
    }

    FlowIndex index() {
        return index;
    }

    int size() {
        return index.size();
    }

    /** Has {@code listener} told of each entry just before it is freed. */
    void onRemove(IntConsumer listener) {
        this.onRemove = listener;
    }

    int capacity() {
        return index.capacity();
    }

    int find(int fam, long sHi, long sLo, int sPort, long dHi, long dLo, int dPort) {
        return index.find(fam, sHi, sLo, sPort, dHi, dLo, dPort);
    }

    /** Creates an entry for a new connection; -1 when full. */
    int open(int fam, long sHi, long sLo, int sPort, long dHi, long dLo, int dPort, long now) {
        int slot = index.insert(fam, sHi, sLo, sPort, dHi, dLo, dPort);
        if (slot >= 0) {
            state[slot] = EMBRYONIC;
            lastSeen[slot] = now;
            generation[slot]++;
        }
        return slot;
    }

    /** The DSCP of the entry's SYN, for DSCP rules. */
    int dscp(int slot) {
        return dscp[slot];
    }

    void dscp(int slot, int value) {
        dscp[slot] = (byte) value;
    }

    int port(int slot) {
        return portBase + slot;
    }

    /** The slot a NAT port maps to, or -1 when that port has no entry. */
    int slotOfPort(int port) {
        int slot = port - portBase;
        return index.inUse(slot) ? slot : -1;
    }

    void touch(int slot, long now) {
        lastSeen[slot] = now;
    }

    byte state(int slot) {
        return state[slot];
    }

    int generation(int slot) {
        return generation[slot];
    }

    /** The listener accepted the connection of this entry. */
    void accepted(int slot) {
        state[slot] = ACCEPTED;
    }

    /** The accepted connection closed; ignored when the slot has been reused since ({@code gen} differs). */
    void closed(int slot, int gen, long now) {
        if (index.inUse(slot) && generation[slot] == gen) {
            state[slot] = CLOSED;
            lastSeen[slot] = now;
        }
    }

    void remove(int slot) {
        if (onRemove != null) {
            onRemove.accept(slot);
        }
        state[slot] = 0;
        index.remove(slot);
    }

    /** Frees expired entries; returns how many. */
    int expire(long now) {
        int freed = 0;
        for (int slot = 0; slot < state.length; slot++) {
            byte s = state[slot];
            if ((s == EMBRYONIC && now - lastSeen[slot] > embryonicMillis)
                    || (s == CLOSED && now - lastSeen[slot] > closedLingerMillis)) {
                remove(slot);
                freed++;
            }
        }
        return freed;
    }

    /**
     * Frees the entries never accepted that have seen nothing for {@code idleMillis}, however long their own expiry:
     * what a full table gives up first, since a flood of SYNs nobody completes (from an application, or a LAN host
     * through a gateway) would otherwise hold every slot for {@code embryonicMillis} and refuse every new connection.
     */
    int expireEmbryonic(long now, long idleMillis) {
        int freed = 0;
        for (int slot = 0; slot < state.length; slot++) {
            if (state[slot] == EMBRYONIC && now - lastSeen[slot] > idleMillis) {
                remove(slot);
                freed++;
            }
        }
        return freed;
    }

    /**
     * The application's address of an entry (the original source). Its address part is shared with the entry
     * before when both came from the same address, as nearly every flow through a TUN does (from the TUN's own
     * address): each flow's metadata holds its source for as long as the flow lives, and 10,000 idle flows would
     * otherwise hold 10,000 copies of one address.
     */
    InetSocketAddress source(int slot) {
        return new InetSocketAddress(sources.of(index.family(slot), index.srcHi(slot), index.srcLo(slot)),
                index.srcPort(slot));
    }

    /**
     * The original destination's address of an entry, shared with the entry before when that went to the same
     * address: an application opens its connections to a server (or a fake address, one per name) in bursts.
     */
    InetAddress destinationAddress(int slot) {
        return destinations.of(index.family(slot), index.dstHi(slot), index.dstLo(slot));
    }

    int destinationPort(int slot) {
        return index.dstPort(slot);
    }

    static InetAddress address(int family, long hi, long lo) {
        byte[] b;
        if (family == 4) {
            b = new byte[4];
            int v = (int) lo;
            b[0] = (byte) (v >>> 24);
            b[1] = (byte) (v >>> 16);
            b[2] = (byte) (v >>> 8);
            b[3] = (byte) v;
        } else {
            b = new byte[16];
            for (int i = 0; i < 8; i++) {
                b[i] = (byte) (hi >>> (56 - 8 * i));
                b[8 + i] = (byte) (lo >>> (56 - 8 * i));
            }
        }
        try {
            return InetAddress.getByAddress(b);
        } catch (UnknownHostException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The address made last, and what it was made of: made again only for another address. */
    private static final class LastAddress {
        private InetAddress address;
        private int family;
        private long hi;
        private long lo;

        InetAddress of(int family, long hi, long lo) {
            if (address == null || family != this.family || hi != this.hi || lo != this.lo) {
                address = address(family, hi, lo);
                this.family = family;
                this.hi = hi;
                this.lo = lo;
            }
            return address;
        }
    }
}
