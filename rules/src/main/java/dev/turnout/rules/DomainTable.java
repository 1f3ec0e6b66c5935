package dev.turnout.rules;

import java.util.Arrays;

/**
 * Exact, suffix, "only below" and "one label below" domain entries in one open-addressing table, each key holding
 * the lowest rule index per kind. A lookup hashes the query once from its right end, so every label-boundary
 * suffix ({@code a.b.c}, {@code b.c}, {@code c}) is probed without allocating a substring: cost grows with the
 * number of labels, never with the number of entries.
 *
 * <p>A slot holds a key's hash and its number ({@code hash << 32 | number + 1}; 0 is empty), the keys and their
 * rule indexes sit densely by number. So a probe rejects another key by its hash without touching its string, the
 * table grows without hashing a key again, and the sparse part costs 8 bytes a slot instead of 20.
 */
final class DomainTable {

    static final int EXACT = 0;
    static final int SUFFIX = 1;
    static final int BELOW = 2;
    static final int ONE_BELOW = 3;
    private static final int KINDS = 4;

    private long[] slots;
    private String[] keys;
    private int[] values;
    private int size;

    DomainTable() {
        this(8);
    }

    /** A table for about {@code expected} keys: a big list is then not rehashed as it grows. */
    DomainTable(int expected) {
        int n = Math.max(expected, 8);
        slots = new long[capacityFor(n)];
        keys = new String[n];
        values = filled(n * KINDS);
    }

    void add(String domain, int kind, int index) {
        add(domain, hash(domain), kind, index);
    }

    /** As {@link #add(String, int, int)} with the key's {@link #hash} already known (the reader computed it). */
    void add(String domain, int hash, int kind, int index) {
        int mask = slots.length - 1;
        int slot = mix(hash) & mask;
        for (long s = slots[slot]; s != 0; s = slots[slot]) {
            if ((int) (s >>> 32) == hash && keys[(int) s - 1].equals(domain)) {
                int v = ((int) s - 1) * KINDS + kind;
                values[v] = Math.min(values[v], index);
                return;
            }
            slot = (slot + 1) & mask;
        }
        if (size == keys.length) {
            keys = Arrays.copyOf(keys, size * 2);
            int old = values.length;
            values = Arrays.copyOf(values, size * 2 * KINDS);
            Arrays.fill(values, old, values.length, Index.NONE);
        }
        keys[size] = domain;
        values[size * KINDS + kind] = index;
        size++;
        slots[slot] = (long) hash << 32 | size;
        if (size * 2 > slots.length) {
            rehash(slots.length * 2);
        }
    }

    int size() {
        return size;
    }

    /** Drops the room kept for keys that never came; the table is read only from now on. */
    void trim() {
        if (keys.length > size) {
            keys = Arrays.copyOf(keys, size);
            values = Arrays.copyOf(values, size * KINDS);
        }
    }

    /** The lowest rule index whose entry covers {@code domain} (lower case, no trailing dot), or NONE. */
    int lookup(String domain) {
        int best = Index.NONE;
        int firstDot = domain.indexOf('.');
        int mask = slots.length - 1;
        int h = 0;
        for (int i = domain.length() - 1; i >= 0; i--) {
            h = 31 * h + domain.charAt(i);
            if (i != 0 && domain.charAt(i - 1) != '.') {
                continue;
            }
            int len = domain.length() - i;
            for (int slot = mix(h) & mask; ; slot = (slot + 1) & mask) {
                long s = slots[slot];
                if (s == 0) {
                    break;
                }
                if ((int) (s >>> 32) != h) {
                    continue;
                }
                String k = keys[(int) s - 1];
                if (k.length() == len && domain.regionMatches(i, k, 0, len)) {
                    int base = ((int) s - 1) * KINDS;
                    best = Math.min(best, values[base + SUFFIX]);
                    if (i == 0) {
                        best = Math.min(best, values[base + EXACT]);
                    } else {
                        best = Math.min(best, values[base + BELOW]);
                        if (i - 1 == firstDot) {
                            best = Math.min(best, values[base + ONE_BELOW]);
                        }
                    }
                    break;
                }
            }
        }
        return best;
    }

    private void rehash(int capacity) {
        long[] old = slots;
        slots = new long[capacity];
        int mask = capacity - 1;
        for (long s : old) {
            if (s != 0) {
                int slot = mix((int) (s >>> 32)) & mask;
                while (slots[slot] != 0) {
                    slot = (slot + 1) & mask;
                }
                slots[slot] = s;
            }
        }
    }

    /** Slots for {@code n} keys: a power of two, at most half full so that probes stay short. */
    private static int capacityFor(int n) {
        return Integer.highestOneBit(Math.max(n, 4) * 2 - 1) << 1;
    }

    /**
     * Polynomial hash taken from the last character to the first, matching {@link #lookup}'s walk (and
     * {@link SimpleYamlPayload}'s, which hashes plain domains as it reads them).
     */
    static int hash(String s) {
        int h = 0;
        for (int i = s.length() - 1; i >= 0; i--) {
            h = 31 * h + s.charAt(i);
        }
        return h;
    }

    private static int mix(int h) {
        h *= 0x9E3779B9;
        return h ^ (h >>> 16);
    }

    private static int[] filled(int n) {
        int[] a = new int[n];
        Arrays.fill(a, Index.NONE);
        return a;
    }
}
