package dev.turnout.rules;

import java.util.Arrays;

/**
 * Exact, suffix, "only below" and "one label below" domain entries in one open-addressing table, each slot
 * holding the lowest rule index per kind. A lookup hashes the query once from its right end, so every
 * label-boundary suffix ({@code a.b.c}, {@code b.c}, {@code c}) is probed without allocating a substring: cost
 * grows with the number of labels, never with the number of entries.
 */
final class DomainTable {

    static final int EXACT = 0;
    static final int SUFFIX = 1;
    static final int BELOW = 2;
    static final int ONE_BELOW = 3;
    private static final int KINDS = 4;

    private String[] keys = new String[16];
    private int[] values = filled(16 * KINDS);
    private int size;

    /** Makes room for {@code more} keys at once, so that a big list is not rehashed a dozen times as it grows. */
    void reserve(int more) {
        int capacity = keys.length;
        while ((size + more) * 2 >= capacity) {
            capacity *= 2;
        }
        if (capacity > keys.length) {
            grow(capacity);
        }
    }

    void add(String domain, int kind, int index) {
        if (size * 2 >= keys.length) {
            grow(keys.length * 2);
        }
        int slot = slotFor(domain);
        if (keys[slot] == null) {
            keys[slot] = domain;
            size++;
        }
        int v = slot * KINDS + kind;
        values[v] = Math.min(values[v], index);
    }

    int size() {
        return size;
    }

    /** The lowest rule index whose entry covers {@code domain} (lower case, no trailing dot), or NONE. */
    int lookup(String domain) {
        int best = Index.NONE;
        int firstDot = domain.indexOf('.');
        int mask = keys.length - 1;
        int h = 0;
        for (int i = domain.length() - 1; i >= 0; i--) {
            h = 31 * h + domain.charAt(i);
            if (i != 0 && domain.charAt(i - 1) != '.') {
                continue;
            }
            int len = domain.length() - i;
            for (int slot = mix(h) & mask; ; slot = (slot + 1) & mask) {
                String k = keys[slot];
                if (k == null) {
                    break;
                }
                if (k.length() == len && domain.regionMatches(i, k, 0, len)) {
                    int base = slot * KINDS;
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

    private int slotFor(String key) {
        int mask = keys.length - 1;
        for (int slot = mix(hash(key)) & mask; ; slot = (slot + 1) & mask) {
            if (keys[slot] == null || keys[slot].equals(key)) {
                return slot;
            }
        }
    }

    private void grow(int capacity) {
        String[] oldKeys = keys;
        int[] oldValues = values;
        keys = new String[capacity];
        values = filled(keys.length * KINDS);
        for (int s = 0; s < oldKeys.length; s++) {
            if (oldKeys[s] != null) {
                int slot = slotFor(oldKeys[s]);
                keys[slot] = oldKeys[s];
                System.arraycopy(oldValues, s * KINDS, values, slot * KINDS, KINDS);
            }
        }
    }

    /** Polynomial hash taken from the last character to the first, matching {@link #lookup}'s walk. */
    private static int hash(String s) {
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
