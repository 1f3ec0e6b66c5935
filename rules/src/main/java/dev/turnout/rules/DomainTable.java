package dev.turnout.rules;

import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;

/**
 * Exact, suffix, "only below" and "one label below" domain entries in one open-addressing table, each key holding
 * the lowest rule index per kind. A lookup hashes the query once from its right end, so every label-boundary
 * suffix ({@code a.b.c}, {@code b.c}, {@code c}) is probed without allocating a substring: cost grows with the
 * number of labels, never with the number of entries.
 *
 * <p>A slot holds a key's number; the keys' bytes sit one after another in one array, their hashes and rule
 * indexes densely by number. So a probe rejects another key by its hash without reading its bytes, the
 * table grows without hashing a key again, and 150,000 keys are a few arrays rather than 300,000 objects that a
 * start would allocate, copy through the young generation and keep. A key is one byte a character (domains are
 * ASCII; the few keys with a character above U+00FF sit in a map of their own) and one int of value: its kind and
 * rule index, or, for the rare key listed under two kinds, where its four indexes are. Every array a start fills is
 * memory the kernel hands over page by page, and those first touches are much of a cold compile.
 */
final class DomainTable {

    static final int EXACT = 0;
    static final int SUFFIX = 1;
    static final int BELOW = 2;
    static final int ONE_BELOW = 3;
    private static final int KINDS = 4;

    /** Key number + 1, 0 for empty: 4 bytes a slot, as few as a reference (the sparse part is the cache's). */
    private int[] slots;
    /** Key k is {@code bytes[starts[k], starts[k + 1])} (ISO-8859-1), its hash {@code hashes[k]}. */
    private byte[] bytes;
    private int[] starts;
    private int[] hashes;
    /** {@code index << 2 | kind} for a key of one kind; {@code ~m} when its lowest indexes are {@code multi[4m..]}. */
    private int[] values;
    private int[] multi = new int[0];
    private int multiKeys;
    /** Keys with a character above U+00FF, with their lowest index per kind; null while there are none. */
    private Map<String, int[]> wide;
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
        bytes = new byte[Math.max(expectedChars, CHARS_PER_KEY)];
        starts = new int[n + 1];
        hashes = new int[n];
        values = new int[n];
    }

    void add(String domain, int kind, int index) {
        int len = domain.length();
        for (int k = 0; k < len; k++) {
            if (domain.charAt(k) > 0xff) {
                addWide(domain, kind, index);
                return;
            }
        }
        int hash = hash(domain);
        int slot = find(hash, domain, null, 0, len);
        if (slot >= 0) {
            lower(slot, kind, index);
            return;
        }
        int at = append(len, kind, index);
        for (int k = 0; k < len; k++) {
            bytes[at + k] = (byte) domain.charAt(k);
        }
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
        System.arraycopy(ascii, from, bytes, at, len);
        insert(~slot, hash);
    }

    private void addWide(String domain, int kind, int index) {
        if (wide == null) {
            wide = new HashMap<>();
        }
        int[] v = wide.computeIfAbsent(domain, d -> filled(KINDS));
        v[kind] = Math.min(v[kind], index);
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
                        && (domain != null ? same(domain, 0, at, len) : Arrays.equals(ascii, from, from + len,
                                bytes, at, at + len))) {
                    return slot;
                }
            }
            slot = (slot + 1) & mask;
        }
        return ~slot;
    }

    private void lower(int slot, int kind, int index) {
        int key = slots[slot] - 1;
        int v = values[key];
        if (v >= 0 && (v & 3) == kind) {
            values[key] = Math.min(v >>> 2, index) << 2 | kind;
            return;
        }
        if (v >= 0) {
            // A second kind for this key: its four indexes move to multi.
            if ((multiKeys + 1) * KINDS > multi.length) {
                int old = multi.length;
                multi = Arrays.copyOf(multi, Math.max(16 * KINDS, old * 2));
                Arrays.fill(multi, old, multi.length, Index.NONE);
            }
            multi[multiKeys * KINDS + (v & 3)] = v >>> 2;
            v = ~multiKeys++;
            values[key] = v;
        }
        int at = ~v * KINDS + kind;
        multi[at] = Math.min(multi[at], index);
    }

    /** Makes room for key number {@code size} of {@code len} characters; returns where they go. */
    private int append(int len, int kind, int index) {
        if (index >= 1 << 29) {
            throw new IllegalArgumentException("rule index " + index + " out of range");
        }
        if (size + 1 == starts.length) {
            starts = Arrays.copyOf(starts, size * 2 + 1);
            hashes = Arrays.copyOf(hashes, size * 2);
            values = Arrays.copyOf(values, size * 2);
        }
        int at = starts[size];
        if (at + len > bytes.length) {
            bytes = Arrays.copyOf(bytes, Math.max(bytes.length * 2, at + len));
        }
        starts[size + 1] = at + len;
        values[size] = index << 2 | kind;
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
        if (bytes.length - starts[size] > bytes.length / 16) {
            bytes = Arrays.copyOf(bytes, starts[size]);
        }
        if (starts.length - (size + 1) > starts.length / 16) {
            starts = Arrays.copyOf(starts, size + 1);
            hashes = Arrays.copyOf(hashes, size);
            values = Arrays.copyOf(values, size);
        }
        if (multi.length > multiKeys * KINDS) {
            multi = Arrays.copyOf(multi, multiKeys * KINDS);
        }
    }

    private boolean same(String domain, int from, int at, int len) {
        for (int k = 0; k < len; k++) {
            if (domain.charAt(from + k) != (bytes[at + k] & 0xff)) {
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
                    int v = values[key];
                    if (v >= 0) {
                        int kind = v & 3;
                        if (covers(kind, i, firstDot)) {
                            best = Math.min(best, v >>> 2);
                        }
                    } else {
                        best = Math.min(best, lowest(multi, ~v * KINDS, i, firstDot));
                    }
                    break;
                }
            }
        }
        return wide == null ? best : Math.min(best, lookupWide(domain, firstDot));
    }

    /** Whether an entry of {@code kind} matched at {@code i} (where the suffix begins in the query) covers it. */
    private static boolean covers(int kind, int i, int firstDot) {
        return switch (kind) {
            case SUFFIX -> true;
            case EXACT -> i == 0;
            case BELOW -> i != 0;
            default -> i != 0 && i - 1 == firstDot;
        };
    }

    /** The lowest of the four indexes at {@code values[base..]} whose kind {@link #covers} the query at {@code i}. */
    private static int lowest(int[] values, int base, int i, int firstDot) {
        int best = Index.NONE;
        for (int kind = 0; kind < KINDS; kind++) {
            if (covers(kind, i, firstDot)) {
                best = Math.min(best, values[base + kind]);
            }
        }
        return best;
    }

    /** The keys with characters above U+00FF: only a query with one can match them. */
    private int lookupWide(String domain, int firstDot) {
        boolean hasWide = false;
        for (int k = 0; k < domain.length() && !hasWide; k++) {
            hasWide = domain.charAt(k) > 0xff;
        }
        int best = Index.NONE;
        for (int i = domain.length() - 1; hasWide && i >= 0; i--) {
            if (i == 0 || domain.charAt(i - 1) == '.') {
                int[] v = wide.get(domain.substring(i));
                if (v != null) {
                    best = Math.min(best, lowest(v, 0, i, firstDot));
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
