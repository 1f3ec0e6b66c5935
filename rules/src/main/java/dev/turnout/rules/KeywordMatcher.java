package dev.turnout.rules;

import java.util.ArrayDeque;
import java.util.Arrays;

/**
 * Aho-Corasick over the DOMAIN-KEYWORD values: one pass over the domain reports the lowest rule index of any
 * keyword it contains, however many keywords there are.
 */
final class KeywordMatcher {

    private final LongIntMap edges = new LongIntMap();
    private int[] fail = new int[16];
    private int[] out = filled(16);
    private int states = 1;
    private boolean built;

    void add(String keyword, int index) {
        int state = 0;
        for (int i = 0; i < keyword.length(); i++) {
            long key = key(state, keyword.charAt(i));
            int next = edges.get(key);
            if (next < 0) {
                next = newState();
                edges.put(key, next);
            }
            state = next;
        }
        out[state] = Math.min(out[state], index);
    }

    /** Computes failure links; each state's output becomes the lowest index along its failure chain. */
    void build() {
        int[][] children = children();
        ArrayDeque<Integer> queue = new ArrayDeque<>();
        for (int child : children[0]) {
            fail[child] = 0;
            queue.add(child);
        }
        while (!queue.isEmpty()) {
            int s = queue.poll();
            for (int child : children[s]) {
                char c = (char) edges.keyLowOf(s, child);
                int f = fail[s];
                while (f != 0 && edges.get(key(f, c)) < 0) {
                    f = fail[f];
                }
                int g = edges.get(key(f, c));
                fail[child] = g >= 0 && g != child ? g : 0;
                out[child] = Math.min(out[child], out[fail[child]]);
                queue.add(child);
            }
        }
        built = true;
    }

    int lookup(String domain) {
        int best = Index.NONE;
        int state = 0;
        for (int i = 0; i < domain.length(); i++) {
            char c = domain.charAt(i);
            int next;
            while ((next = edges.get(key(state, c))) < 0 && state != 0) {
                state = fail[state];
            }
            state = next < 0 ? 0 : next;
            best = Math.min(best, out[state]);
        }
        return best;
    }

    boolean isBuilt() {
        return built;
    }

    private int[][] children() {
        int[] counts = new int[states];
        edges.forEach((k, v) -> counts[(int) (k >>> 16)]++);
        int[][] children = new int[states][];
        for (int s = 0; s < states; s++) {
            children[s] = new int[counts[s]];
        }
        int[] fill = new int[states];
        edges.forEach((k, v) -> {
            int parent = (int) (k >>> 16);
            children[parent][fill[parent]++] = v;
        });
        return children;
    }

    private int newState() {
        if (states == fail.length) {
            fail = Arrays.copyOf(fail, states * 2);
            int old = out.length;
            out = Arrays.copyOf(out, states * 2);
            Arrays.fill(out, old, out.length, Index.NONE);
        }
        return states++;
    }

    private static long key(int state, char c) {
        return ((long) state << 16) | c;
    }

    private static int[] filled(int n) {
        int[] a = new int[n];
        Arrays.fill(a, Index.NONE);
        return a;
    }
}
