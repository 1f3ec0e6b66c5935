package dev.turnout.rules;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

/**
 * {@code DOMAIN-WILDCARD} patterns, indexed by their literal ends. A pattern's tail (the text after its last
 * {@code *} or {@code ?}) must end the domain and its head (before the first) must start it, so a pattern is
 * filed under its tail, or under its head when the tail is empty: a lookup probes only the domain's suffixes
 * (or prefixes) of the lengths that occur, hashing them incrementally, and verifies the few patterns filed there.
 * Patterns with neither ({@code *cdn*}) are kept in a list walked in rule order only while one of them could
 * still beat the best rule found: they are rare in real configs.
 */
final class GlobTable {

    private final Map<String, List<int[]>> pending = new HashMap<>(); // "T"+tail or "H"+head -> {entry id}
    private final List<String> patterns = new ArrayList<>();
    private final List<Integer> indexes = new ArrayList<>();
    private String[] patternOf = new String[0];
    private int[] indexOf = new int[0];
    private Bucketed tails;
    private Bucketed heads;
    private String[] loosePatterns = new String[0];
    private int[] looseIdx = new int[0];

    void add(String pattern, int index) {
        int first = firstWildcard(pattern);
        int last = lastWildcard(pattern);
        int id = patterns.size();
        patterns.add(pattern);
        indexes.add(index);
        String key = last < pattern.length() - 1 ? "T" + pattern.substring(last + 1)
                : first > 0 ? "H" + pattern.substring(0, first) : "L";
        pending.computeIfAbsent(key, k -> new ArrayList<>()).add(new int[] {id});
    }

    void build() {
        Map<String, int[]> tailMap = new HashMap<>();
        Map<String, int[]> headMap = new HashMap<>();
        List<Integer> loose = new ArrayList<>();
        for (Map.Entry<String, List<int[]>> e : pending.entrySet()) {
            int[] ids = e.getValue().stream().mapToInt(a -> a[0]).sorted().toArray(); // ids grow with rule index
            String key = e.getKey();
            if (key.startsWith("T")) {
                tailMap.put(key.substring(1), ids);
            } else if (key.startsWith("H")) {
                headMap.put(key.substring(1), ids);
            } else {
                for (int id : ids) {
                    loose.add(id);
                }
            }
        }
        patternOf = patterns.toArray(String[]::new);
        indexOf = indexes.stream().mapToInt(Integer::intValue).toArray();
        tails = new Bucketed(tailMap, true);
        heads = new Bucketed(headMap, false);
        loose.sort(null);
        loosePatterns = loose.stream().map(patterns::get).toArray(String[]::new);
        looseIdx = loose.stream().mapToInt(indexes::get).toArray();
        pending.clear();
        patterns.clear();
        indexes.clear();
    }

    /** The lowest rule index below {@code best} whose pattern matches {@code domain}, else {@code best}. */
    int lookup(String domain, int best) {
        best = tails.lookup(domain, best);
        best = heads.lookup(domain, best);
        for (int k = 0; k < looseIdx.length && looseIdx[k] < best; k++) {
            if (matches(loosePatterns[k], domain)) {
                return looseIdx[k];
            }
        }
        return best;
    }

    /**
     * mihomo's component/wildcard: {@code *} any run of characters (dots included, possibly empty), {@code ?}
     * exactly one character, the whole domain. A greedy walk that returns to the last {@code *}: linear in practice,
     * at worst the product of the two lengths (both at most a few hundred characters).
     */
    static boolean matches(String pattern, String s) {
        int p = 0;
        int i = 0;
        int star = -1;
        int resume = 0;
        while (i < s.length()) {
            char c = p < pattern.length() ? pattern.charAt(p) : 0;
            if (p < pattern.length() && c == '*') {
                star = p++;
                resume = i;
            } else if (p < pattern.length() && (c == '?' || c == s.charAt(i))) {
                p++;
                i++;
            } else if (star >= 0) {
                p = star + 1;
                i = ++resume;
            } else {
                return false;
            }
        }
        while (p < pattern.length() && pattern.charAt(p) == '*') {
            p++;
        }
        return p == pattern.length();
    }

    private static int firstWildcard(String p) {
        for (int i = 0; i < p.length(); i++) {
            if (p.charAt(i) == '*' || p.charAt(i) == '?') {
                return i;
            }
        }
        return p.length();
    }

    private static int lastWildcard(String p) {
        for (int i = p.length() - 1; i >= 0; i--) {
            if (p.charAt(i) == '*' || p.charAt(i) == '?') {
                return i;
            }
        }
        return -1;
    }

    /** Literal ends (suffixes or prefixes) in an open-addressing table, probed at the lengths that occur. */
    private final class Bucketed {
        private final boolean suffix;
        private final String[] keys;
        private final int[][] ids;
        private final boolean[] lengths;

        Bucketed(Map<String, int[]> buckets, boolean suffix) {
            this.suffix = suffix;
            int size = Integer.highestOneBit(Math.max(4, buckets.size() * 2)) * 2;
            keys = new String[size];
            ids = new int[size][];
            TreeSet<Integer> seen = new TreeSet<>();
            for (Map.Entry<String, int[]> e : buckets.entrySet()) {
                int slot = mix(hash(e.getKey())) & (size - 1);
                while (keys[slot] != null) {
                    slot = (slot + 1) & (size - 1);
                }
                keys[slot] = e.getKey();
                ids[slot] = e.getValue();
                seen.add(e.getKey().length());
            }
            lengths = new boolean[seen.isEmpty() ? 0 : seen.last() + 1];
            seen.forEach(n -> lengths[n] = true);
        }

        int lookup(String domain, int best) {
            int n = domain.length();
            int h = 0;
            for (int len = 1; len <= n && len < lengths.length; len++) {
                h = 31 * h + domain.charAt(suffix ? n - len : len - 1);
                if (!lengths[len]) {
                    continue;
                }
                for (int slot = mix(h) & (keys.length - 1); keys[slot] != null; slot = (slot + 1) & (keys.length - 1)) {
                    String k = keys[slot];
                    if (k.length() == len && domain.regionMatches(suffix ? n - len : 0, k, 0, len)) {
                        for (int id : ids[slot]) {
                            int index = indexOf[id];
                            if (index >= best) {
                                break;
                            }
                            if (matches(patternOf[id], domain)) {
                                best = index;
                                break;
                            }
                        }
                        break;
                    }
                }
            }
            return best;
        }

        /** The same walk as {@link #lookup}: from the end for suffixes, from the start for prefixes. */
        private int hash(String key) {
            int h = 0;
            int n = key.length();
            for (int i = 0; i < n; i++) {
                h = 31 * h + key.charAt(suffix ? n - 1 - i : i);
            }
            return h;
        }
    }

    private static int mix(int h) {
        h *= 0x9E3779B9;
        return h ^ (h >>> 16);
    }
}
