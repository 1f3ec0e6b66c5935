package dev.turnout.host.tun;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** The flow table under churn: a full table whose flows come and go keeps finding exactly the live ones. */
class FlowIndexTest {

    private static final int N = 4000;

    /** Flow i: 198.18.x.y:(1000 + i % 50000) -> 203.0.113.(i % 250):443, as IPv4. */
    private static int insert(FlowIndex ix, int i) {
        return ix.insert(4, 0, 0xC6120000L | i, 1000 + i % 50000, 0, 0xCB007100L | (i % 250), 443);
    }

    private static int find(FlowIndex ix, int i) {
        return ix.find(4, 0, 0xC6120000L | i, 1000 + i % 50000, 0, 0xCB007100L | (i % 250), 443);
    }

    @Test
    void removingSomeFlowsLeavesEveryOtherFlowFindable() {
        FlowIndex ix = new FlowIndex(N);
        int[] slots = new int[N];
        for (int i = 0; i < N; i++) {
            slots[i] = insert(ix, i);
            assertTrue(slots[i] >= 0, "flow " + i + " fits");
        }
        assertEquals(-1, insert(ix, N), "full");
        // Remove every third flow: with N flows in 2N buckets many share a chain, so some are removed from the
        // middle or end of one.
        for (int i = 0; i < N; i += 3) {
            ix.remove(slots[i]);
        }
        for (int i = 0; i < N; i++) {
            assertEquals(i % 3 == 0 ? -1 : slots[i], find(ix, i), "flow " + i);
        }
        assertEquals(N - (N + 2) / 3, ix.size());
        for (int i = 0; i < N; i += 3) {
            slots[i] = insert(ix, i);
        }
        for (int i = 0; i < N; i++) {
            assertEquals(slots[i], find(ix, i), "flow " + i + " after re-inserting the removed ones");
            assertEquals(1000 + i % 50000, ix.srcPort(slots[i]));
        }
    }
}
