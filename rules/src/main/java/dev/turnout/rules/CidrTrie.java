package dev.turnout.rules;

import java.util.Arrays;

/**
 * A binary trie over address bits for one family; each node keeps the lowest rule index among prefixes that
 * end there. A lookup walks at most 32 or 128 nodes and takes the minimum along the path.
 */
final class CidrTrie {

    private int[] zero = new int[64];
    private int[] one = new int[64];
    private int[] min = filled(64);
    private int nodes = 1;
    private int prefixes;

    void add(Rule.Prefix prefix, int index) {
        // The prefix's fields once, its bits by shifting here: on a cold start this loop runs interpreted, where
        // two calls a bit (length(), bit(i)) cost more than the walk (cncidr.txt: 8,649 prefixes, up to 128 bits).
        long hi = prefix.hi();
        long lo = prefix.lo();
        int length = prefix.length();
        int node = 0;
        for (int i = 0; i < length; i++) {
            boolean set = (((i < 64 ? hi : lo) >>> (63 - (i & 63))) & 1) != 0;
            int next = set ? one[node] : zero[node];
            if (next == 0) {
                next = newNode(); // may replace the arrays: index them only after
                (set ? one : zero)[node] = next;
            }
            node = next;
        }
        min[node] = Math.min(min[node], index);
        prefixes++;
    }

    boolean isEmpty() {
        return prefixes == 0;
    }

    /** Lowest index of a prefix containing the address given as 128 bits (IPv4 in the top 32 bits of hi). */
    int lookup(long hi, long lo, int bits) {
        int node = 0;
        int best = min[0];
        for (int i = 0; i < bits; i++) {
            long word = i < 64 ? hi : lo;
            int b = (int) ((word >>> (63 - (i & 63))) & 1);
            node = b == 0 ? zero[node] : one[node];
            if (node == 0) {
                return best;
            }
            best = Math.min(best, min[node]);
        }
        return best;
    }

    void trim() {
        zero = Arrays.copyOf(zero, nodes);
        one = Arrays.copyOf(one, nodes);
        min = Arrays.copyOf(min, nodes);
    }

    private int newNode() {
        if (nodes == zero.length) {
            int n = nodes * 2;
            zero = Arrays.copyOf(zero, n);
            one = Arrays.copyOf(one, n);
            int old = min.length;
            min = Arrays.copyOf(min, n);
            Arrays.fill(min, old, n, Index.NONE);
        }
        return nodes++;
    }

    private static int[] filled(int n) {
        int[] a = new int[n];
        Arrays.fill(a, Index.NONE);
        return a;
    }
}
