package dev.turnout.host.tun;

import java.util.Arrays;

/**
 * A bounded hash index from a flow's 4-tuple (source address and port, destination address and port) to a
 * slot number in {@code [0, capacity)}, kept in primitive arrays so that looking up a packet's flow allocates
 * nothing. Addresses are given as two longs: an IPv4 address is {@code (0, addr & 0xFFFFFFFFL)}, an IPv6
 * address its two big-endian halves; the family keeps v4 and v6 apart.
 *
 * <p>Collisions chain through {@code next[]}; free slots are found by a cursor that moves round the table,
 * so a freed slot is reused as late as possible (a NAT port is then not reused while the kernel may still
 * hold the previous connection's TIME_WAIT). Not thread-safe: one event loop owns it.
 */
final class FlowIndex {

    private static final int NONE = -1;

    private final int capacity;
    private final int mask;
    private final int[] buckets;
    private final int[] next;
    private final byte[] family;
    private final long[] srcHi;
    private final long[] srcLo;
    private final long[] dstHi;
    private final long[] dstLo;
    private final int[] ports;
    private int size;
    private int cursor;

    FlowIndex(int capacity) {
        if (capacity <= 0) {
            throw new IllegalArgumentException("capacity must be positive: " + capacity);
        }
        this.capacity = capacity;
        int b = Integer.highestOneBit(Math.max(2, capacity * 2 - 1)) << 1;
        this.mask = b - 1;
        this.buckets = new int[b];
        Arrays.fill(buckets, NONE);
        this.next = new int[capacity];
        this.family = new byte[capacity];
        this.srcHi = new long[capacity];
        this.srcLo = new long[capacity];
        this.dstHi = new long[capacity];
        this.dstLo = new long[capacity];
        this.ports = new int[capacity];
    }

    int capacity() {
        return capacity;
    }

    int size() {
        return size;
    }

    boolean inUse(int slot) {
        return slot >= 0 && slot < capacity && family[slot] != 0;
    }

    int family(int slot) {
        return family[slot];
    }

    long srcHi(int slot) {
        return srcHi[slot];
    }

    long srcLo(int slot) {
        return srcLo[slot];
    }

    long dstHi(int slot) {
        return dstHi[slot];
    }

    long dstLo(int slot) {
        return dstLo[slot];
    }

    int srcPort(int slot) {
        return ports[slot] >>> 16;
    }

    int dstPort(int slot) {
        return ports[slot] & 0xFFFF;
    }

    private int bucket(int fam, long sHi, long sLo, long dHi, long dLo, int p) {
        long h = sHi * 0x9E3779B97F4A7C15L;
        h = (h ^ sLo) * 0x9E3779B97F4A7C15L;
        h = (h ^ dHi) * 0x9E3779B97F4A7C15L;
        h = (h ^ dLo) * 0x9E3779B97F4A7C15L;
        h = (h ^ p ^ ((long) fam << 40)) * 0x9E3779B97F4A7C15L;
        return (int) (h ^ (h >>> 29) ^ (h >>> 47)) & mask;
    }

    /** The slot of this flow, or -1. */
    int find(int fam, long sHi, long sLo, int sPort, long dHi, long dLo, int dPort) {
        int p = sPort << 16 | dPort;
        for (int i = buckets[bucket(fam, sHi, sLo, dHi, dLo, p)]; i != NONE; i = next[i]) {
            if (ports[i] == p && srcLo[i] == sLo && dstLo[i] == dLo && srcHi[i] == sHi && dstHi[i] == dHi
                    && family[i] == fam) {
                return i;
            }
        }
        return NONE;
    }

    /** Adds a flow that {@link #find} does not know; returns its slot, or -1 when the index is full. */
    int insert(int fam, long sHi, long sLo, int sPort, long dHi, long dLo, int dPort) {
        if (size == capacity) {
            return NONE;
        }
        int slot = cursor;
        while (family[slot] != 0) {
            slot = slot + 1 == capacity ? 0 : slot + 1;
        }
        cursor = slot + 1 == capacity ? 0 : slot + 1;
        int p = sPort << 16 | dPort;
        family[slot] = (byte) fam;
        srcHi[slot] = sHi;
        srcLo[slot] = sLo;
        dstHi[slot] = dHi;
        dstLo[slot] = dLo;
        ports[slot] = p;
        int b = bucket(fam, sHi, sLo, dHi, dLo, p);
        next[slot] = buckets[b];
        buckets[b] = slot;
        size++;
        return slot;
    }

    /** Frees a slot in use. */
    void remove(int slot) {
        if (!inUse(slot)) {
            return;
        }
        int b = bucket(family[slot], srcHi[slot], srcLo[slot], dstHi[slot], dstLo[slot], ports[slot]);
        int prev = NONE;
        for (int i = buckets[b]; i != NONE; prev = i, i = next[i]) {
            if (i == slot) {
                if (prev == NONE) {
                    buckets[b] = next[i];
                } else {
                    next[prev] = next[i];
                }
                break;
            }
        }
        family[slot] = 0;
        next[slot] = NONE;
        size--;
    }
}
