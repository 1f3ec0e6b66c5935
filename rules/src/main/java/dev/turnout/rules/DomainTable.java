package dev.turnout.rules;

import java.util.Arrays;

/**
 * Exact, suffix, "only below" and "one label below" domain entries in one open-addressing table, each key holding
 * the lowest rule index per kind. A lookup hashes the query once from its right end, so every label-boundary
 * suffix ({@code a.b.c}, {@code b.c}, {@code c}) is probed without allocating a substring: cost grows with the
 * number of labels, never with the number of entries.
 *
 * <p>A slot holds a key's number; the keys' characters sit one after another in one array, their hashes and rule
 * indexes densely by number. So a probe rejects another key by its hash without reading its characters, the
 * table grows without hashing a key again, and 150,000 keys are a few arrays rather than 300,000 objects that a
 * start would allocate, copy through the young generation and keep.
 */
final class DomainTable {

    static final int EXACT = 0;
    static final int SUFFIX = 1;
    static final int BELOW = 2;
    static final int ONE_BELOW = 3;
    private static final int KINDS = 4;

    /** Key number + 1, 0 for empty: 4 bytes a slot, as few as a reference (the sparse part is the cache's). */
    private int[] slots;
    /** Key k is {@code chars[starts[k], starts[k + 1])}, its hash {@code hashes[k]}. */
    private char[] chars;
    private int[] starts;
    private int[] hashes;
    private int[] values;
    private int size;

    /** What a key is guessed to take when nothing better is known (real lists average 14 characters). */
    static final int CHARS_PER_KEY = 16;

    /**
     * A table for about {@code expected} keys of {@code expectedChars} characters in all: a big list is then not
     * grown and rehashed as it comes in.
     */
    DomainTable(int expected, int expectedChars) {
        int n = Math.max(expected, 8);
        slots = new int[capacityFor(n)];
        chars = new char[Math.max(expectedChars, CHARS_PER_KEY)];
        starts = new int[n + 1];
        hashes = new int[n];
        values = filled(n * KINDS);
    }

    void add(String domain, int kind, int index) {
        int hash = hash(domain);
        int len = domain.length();
        int slot = find(hash, domain, null, 0, len);
        if (slot >= 0) {
            lower(slot, kind, index);
            return;
        }
        int at = append(len, kind, index);
        domain.getChars(0, len, chars, at);
        insert(~slot, hash);
    }

    /**
     * The key {@code ascii[from, from + len)} (bytes of a plain lower-case domain, as a reader found it in a file)
     * with its {@link #hash}: no string is made for it.
     */
    void add(byte[] ascii, int from, int len, int hash, int kind, int index) {
        int slot = find(hash, null, ascii, from, len);
        if (slot >= 0) {
            lower(slot, kind, index);
            return;
        }
        int at = append(len, kind, index);
        for (int k = 0; k < len; k++) {
            chars[at + k] = (char) (ascii[from + k] & 0xff);
        }
        insert(~slot, hash);
    }

    /** The slot holding the key (given as a string or as bytes), or {@code ~slot} of the empty one that ends it. */
    private int find(int hash, String domain, byte[] ascii, int from, int len) {
        int mask = slots.length - 1;
        int slot = mix(hash) & mask;
        for (int s = slots[slot]; s != 0; s = slots[slot]) {
            int key = s - 1;
            if (hashes[key] == hash) {
                int at = starts[key];
                if (starts[key + 1] - at == len
                        && (domain != null ? same(domain, 0, at, len) : same(ascii, from, at, len))) {
                    return slot;
                }
            }
            slot = (slot + 1) & mask;
        }
        return ~slot;
    }

    private void lower(int slot, int kind, int index) {
        int v = (slots[slot] - 1) * KINDS + kind;
        values[v] = Math.min(values[v], index);
    }

    /** Makes room for key number {@code size} of {@code len} characters; returns where they go. */
    private int append(int len, int kind, int index) {
        if (size + 1 == starts.length) {
            starts = Arrays.copyOf(starts, size * 2 + 1);
            hashes = Arrays.copyOf(hashes, size * 2);
            int old = values.length;
            values = Arrays.copyOf(values, size * 2 * KINDS);
            Arrays.fill(values, old, values.length, Index.NONE);
        }
        int at = starts[size];
        if (at + len > chars.length) {
            chars = Arrays.copyOf(chars, Math.max(chars.length * 2, at + len));
        }
        starts[size + 1] = at + len;
        values[size * KINDS + kind] = index;
        return at;
    }

    private void insert(int slot, int hash) {
        hashes[size] = hash;
        size++;
        slots[slot] = size;
        if (size * 2 > slots.length) {
            rehash(slots.length * 2);
        }
    }

    /** Drops the room kept for keys that never came; the table is read only from now on. */
    void trim() {
        // A list repeated across providers leaves up to its size unused; a few percent are not worth a copy.
        if (chars.length - starts[size] > chars.length / 16) {
            chars = Arrays.copyOf(chars, starts[size]);
        }
        if (starts.length - (size + 1) > starts.length / 16) {
            starts = Arrays.copyOf(starts, size + 1);
            hashes = Arrays.copyOf(hashes, size);
            values = Arrays.copyOf(values, size * KINDS);
        }
    }

    private boolean same(String domain, int from, int at, int len) {
        for (int k = 0; k < len; k++) {
            if (domain.charAt(from + k) != chars[at + k]) {
                return false;
            }
        }
        return true;
    }

    private boolean same(byte[] ascii, int from, int at, int len) {
        for (int k = 0; k < len; k++) {
            if ((ascii[from + k] & 0xff) != chars[at + k]) {
                return false;
            }
        }
        return true;
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
                int key = slots[slot] - 1;
                if (key < 0) {
                    break;
                }
                if (hashes[key] != h) {
                    continue;
                }
                int at = starts[key];
                if (starts[key + 1] - at == len && same(domain, i, at, len)) {
                    int base = key * KINDS;
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
        int[] old = slots;
        slots = new int[capacity];
        int mask = capacity - 1;
        for (int s : old) {
            if (s != 0) {
                int slot = mix(hashes[s - 1]) & mask;
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
