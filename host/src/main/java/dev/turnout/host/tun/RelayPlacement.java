package dev.turnout.host.tun;

import java.util.concurrent.atomic.AtomicIntegerArray;

/**
 * Which lane's loop carries a new TCP flow's relay. While the kernel rewrites established flows ({@code KernelNat}),
 * a flow's packets no longer cross its lane: only its relay runs there, and a relay can run on any lane's loop. The
 * kernel's hash picks the lane of a flow's SYN, and now and then puts three or all four streams of an
 * {@code iperf3 -P 4} on one lane: one core then relays them all while the other waits (bench/peers.sh, lane split
 * 1.00 in one four-stream download of three). A flow stays on its SYN's lane, with no hand-over to another thread,
 * unless another lane carries at least {@link #SLACK} fewer flows; it then goes to the lane carrying fewest. Flows
 * are counted, not their bytes: a bulk stream and an idle keep-alive weigh the same.
 */
final class RelayPlacement {

    /**
     * How many more flows a lane carries than another before a new one goes there instead: one is the difference
     * any odd count leaves, and moving then would hand over every other flow of a sequential client.
     */
    static final int SLACK = 2;

    private final AtomicIntegerArray carried;
    private volatile boolean spreading;

    RelayPlacement(int lanes) {
        this.carried = new AtomicIntegerArray(lanes);
    }

    /** From now on flows may be carried by other lanes than their SYN's (the kernel rewrites their packets). */
    void spread() {
        spreading = true;
    }

    /**
     * The lane to carry a flow whose SYN came to lane {@code own}; it counts as carried there until
     * {@link #release}. Before {@link #spread}, always {@code own}.
     */
    int place(int own) {
        int lane = own;
        int fewest = carried.get(own);
        for (int i = 0; i < carried.length(); i++) {
            int c = carried.get(i);
            if (c < fewest) {
                fewest = c;
                lane = i;
            }
        }
        if (!spreading || carried.get(own) - fewest < SLACK) {
            lane = own;
        }
        carried.incrementAndGet(lane);
        return lane;
    }

    /** The flow {@link #place} gave to {@code lane} has ended. */
    void release(int lane) {
        carried.decrementAndGet(lane);
    }

    /** Flows lane {@code lane} carries now. */
    int carried(int lane) {
        return carried.get(lane);
    }
}
