package dev.turnout.rules;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.PriorityQueue;

/**
 * The lowest rule index for each value of a wide key (a user id, a DSCP): the ranges of all rules cut the key
 * space into segments, each holding its lowest index, found by binary search. Values are non-negative longs;
 * a negative one (unknown) never matches.
 */
final class RangeTable {

    private final List<long[]> pending = new ArrayList<>(); // {from, to, index}
    private long[] starts = new long[0];
    private int[] lowest = new int[0];

    void add(long[] ranges, int index) {
        for (int i = 0; i < ranges.length; i += 2) {
            pending.add(new long[] {ranges[i], ranges[i + 1], index});
        }
    }

    /** A sweep over the range ends in key order, keeping the open ranges' indexes in a heap. */
    void build() {
        List<long[]> events = new ArrayList<>(); // {key, +1 open / -1 close, index}
        for (long[] r : pending) {
            events.add(new long[] {r[0], 1, r[2]});
            events.add(new long[] {r[1] + 1, -1, r[2]});
        }
        events.sort((a, b) -> Long.compare(a[0], b[0]));
        PriorityQueue<Integer> open = new PriorityQueue<>();
        List<Long> segStarts = new ArrayList<>();
        List<Integer> segLowest = new ArrayList<>();
        int e = 0;
        while (e < events.size()) {
            long key = events.get(e)[0];
            for (; e < events.size() && events.get(e)[0] == key; e++) {
                long[] ev = events.get(e);
                if (ev[1] > 0) {
                    open.add((int) ev[2]);
                } else {
                    open.remove((int) ev[2]);
                }
            }
            segStarts.add(key);
            segLowest.add(open.isEmpty() ? Index.NONE : open.peek());
        }
        starts = segStarts.stream().mapToLong(Long::longValue).toArray();
        lowest = segLowest.stream().mapToInt(Integer::intValue).toArray();
        pending.clear();
    }

    int lookup(long value) {
        if (value < 0) {
            return Index.NONE;
        }
        int at = Arrays.binarySearch(starts, value);
        if (at < 0) {
            at = -at - 2; // the segment starting before value
        }
        return at < 0 ? Index.NONE : lowest[at];
    }
}
