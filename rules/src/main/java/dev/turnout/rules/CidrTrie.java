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
        int node = 0;
        for (int i = 0; i < prefix.length(); i++) {
            int[] side = prefix.bit(i) == 0 ? zero : one;
            int next = side[node];
            if (next == 0) {
                next = newNode();
                // newNode may have replaced the arrays
                (prefix.bit(i) == 0 ? zero : one)[node] = next;
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
