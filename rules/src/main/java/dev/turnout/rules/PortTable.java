package dev.turnout.rules;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/** The lowest rule index for each of the 65536 ports: one array read per lookup. */
final class PortTable {

    private final List<int[]> pending = new ArrayList<>(); // {from, to, index}
    private int[] table;

    void add(int[] ranges, int index) {
        for (int i = 0; i < ranges.length; i += 2) {
            pending.add(new int[] {ranges[i], ranges[i + 1], index});
        }
    }

    /**
     * Fills the table in ascending rule index, so each port is written once: a "next unfilled port" pointer
     * with path halving skips filled runs, keeping the build near-linear even for many wide ranges.
     */
    void build() {
        table = new int[65536];
        Arrays.fill(table, Index.NONE);
        int[] next = new int[65537];
        for (int i = 0; i < next.length; i++) {
            next[i] = i;
        }
        pending.sort((a, b) -> Integer.compare(a[2], b[2]));
        for (int[] r : pending) {
            int p = find(next, r[0]);
            while (p <= r[1]) {
                table[p] = r[2];
                next[p] = p + 1;
                p = find(next, p + 1);
            }
        }
        pending.clear();
    }

    int lookup(int port) {
        return table[port];
    }

    private static int find(int[] next, int p) {
        while (next[p] != p) {
            next[p] = next[next[p]];
            p = next[p];
        }
        return p;
    }
}
