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
    private boolean asciiOnly = true;
    /**
     * The automaton as a full transition table over ASCII (failure links folded in), when it is small
     * enough: one array read per character instead of a hash probe and a walk along failure links.
     */
    private int[] dense;

    /** Above this many states the dense table (states x 128 ints) is not worth its memory. */
    private static final int DENSE_MAX_STATES = 8192;

    /** The lowest rule index of any keyword: a lookup cannot beat a better match found already. */
    private int lowest = Index.NONE;

    int lowest() {
        return lowest;
    }

    void add(String keyword, int index) {
        lowest = Math.min(lowest, index);
        int state = 0;
        for (int i = 0; i < keyword.length(); i++) {
            asciiOnly &= keyword.charAt(i) < 128;
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
        if (asciiOnly && states <= DENSE_MAX_STATES) {
            dense = denseTable(children);
        }
        built = true;
    }

    /** Breadth first, so a state's failure target (always shallower) is filled in before the state itself. */
    private int[] denseTable(int[][] children) {
        int[] table = new int[states * 128];
        ArrayDeque<Integer> queue = new ArrayDeque<>();
        queue.add(0);
        while (!queue.isEmpty()) {
            int s = queue.poll();
            for (int c = 0; c < 128; c++) {
                int next = edges.get(key(s, (char) c));
                table[s * 128 + c] = next >= 0 ? next : s == 0 ? 0 : table[fail[s] * 128 + c];
            }
            for (int child : children[s]) {
                queue.add(child);
            }
        }
        return table;
    }

    int lookup(String domain) {
        int best = Index.NONE;
        int state = 0;
        int[] table = dense;
        if (table != null) {
            for (int i = 0; i < domain.length(); i++) {
                char c = domain.charAt(i);
                // No keyword holds a non-ASCII character (else there is no table): such a character ends every match.
                state = c < 128 ? table[(state << 7) | c] : 0;
                best = Math.min(best, out[state]);
            }
            return best;
        }
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
