package dev.turnout.host.route;

import java.util.List;
import java.util.concurrent.atomic.AtomicLongArray;

/**
 * How the rules decided flows (mihomo's rule {@code extra}): for each rule how many flows it decided and when it last
 * did, and how many were decided after it (by a later rule, or by none) and when last. Only flows the rules decide
 * count (rule mode, not a listener's {@code proxy} or {@code rule}). Each flow is one count, taken where its decision
 * is final; misses are worked out from the counts of the rules after, when asked, so deciding costs one counter.
 * A reload that leaves the rules as they were keeps the counts (mihomo's start again at every reload, its rules being
 * made anew).
 */
public final class RuleStats {

    /** One rule's counts; times in milliseconds since the epoch, 0 for never. */
    public record Entry(long hitCount, long hitAt, long missCount, long missAt) {
    }

    private final int size;
    // One slot per rule and one, last, for the flows no rule matched.
    private final AtomicLongArray hits;
    private final AtomicLongArray lastAt;

    public RuleStats(int size) {
        this.size = size;
        this.hits = new AtomicLongArray(size + 1);
        this.lastAt = new AtomicLongArray(size + 1);
    }

    /** A flow decided by the rule at {@code index}; -1: by none. */
    public void decided(int index) {
        int slot = index < 0 || index >= size ? size : index;
        hits.incrementAndGet(slot);
        lastAt.set(slot, System.currentTimeMillis());
    }

    /** The number of rules counted. */
    public int size() {
        return size;
    }

    /** Every rule's counts, in list order. */
    public List<Entry> entries() {
        Entry[] out = new Entry[size];
        long laterCount = hits.get(size);
        long laterAt = lastAt.get(size);
        for (int i = size - 1; i >= 0; i--) {
            out[i] = new Entry(hits.get(i), lastAt.get(i), laterCount, laterAt);
            laterCount += hits.get(i);
            laterAt = Math.max(laterAt, lastAt.get(i));
        }
        return List.of(out);
    }
}
