package dev.turnout.host.tun;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

class RelayPlacementTest {

    @Test
    void anIperfWithFourStreamsWhoseSynsAllCameToOneLaneHasTwoStreamsOnEach() {
        RelayPlacement placement = new RelayPlacement(2);
        placement.spread();
        assertEquals(0, placement.place(0), "iperf3's control connection: no lane carries fewer");
        int[] streams = new int[2];
        for (int i = 0; i < 4; i++) {
            streams[placement.place(0)]++;
        }
        assertEquals(2, streams[0]);
        assertEquals(2, streams[1]);
    }

    @Test
    void fourFlowsOnOneLaneWouldBeCarriedThreeAndOne() {
        RelayPlacement placement = new RelayPlacement(2);
        placement.spread();
        for (int i = 0; i < 4; i++) {
            placement.place(0);
        }
        assertEquals(3, placement.carried(0));
        assertEquals(1, placement.carried(1));
    }

    @Test
    void aSequentialClientStaysOnItsSynsLane() {
        RelayPlacement placement = new RelayPlacement(2);
        placement.spread();
        for (int i = 0; i < 100; i++) {
            int lane = placement.place(i % 2);
            assertEquals(i % 2, lane, "one flow at a time: never handed to another thread");
            placement.release(lane);
        }
        assertEquals(0, placement.carried(0));
        assertEquals(0, placement.carried(1));
    }

    @Test
    void aFlowGoesToTheLaneCarryingFewestOnceItsOwnCarriesTwoMore() {
        RelayPlacement placement = new RelayPlacement(3);
        placement.spread();
        placement.place(0);
        placement.place(0);
        placement.place(0); // lane 0 carried 2, lane 1 none: to lane 1
        placement.place(2);
        assertEquals(2, placement.carried(0));
        assertEquals(1, placement.carried(1));
        assertEquals(1, placement.carried(2));
        assertEquals(0, placement.place(0), "lane 0 carries only one more than the others: it stays");
        assertEquals(3, placement.carried(0));
        assertEquals(1, placement.place(0), "now two more than lane 1, the first of the fewest");
    }

    @Test
    void withoutTheKernelsRewritingEveryFlowStaysOnItsSynsLane() {
        RelayPlacement placement = new RelayPlacement(2);
        for (int i = 0; i < 10; i++) {
            assertEquals(0, placement.place(0));
        }
        assertEquals(10, placement.carried(0));
    }
}
