package dev.turnout.host.flow;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.turnout.api.Destination;
import dev.turnout.api.Metadata;
import dev.turnout.api.Network;
import java.net.InetSocketAddress;
import org.junit.jupiter.api.Test;

class FlowTableTest {

    private static final Metadata FLOW = new Metadata(Network.TCP, Destination.ofHost("example.test", 443),
            new InetSocketAddress("192.0.2.1", 40000), "tun", null);

    @Test
    void refusesFlowsBeyondItsCapacityAndTakesThemAgainOnceOneEnds() {
        FlowTable table = new FlowTable(2);
        Flow a = table.open(FLOW, "MATCH", "DIRECT", "DIRECT");
        Flow b = table.open(FLOW, "MATCH", "DIRECT", "DIRECT");
        assertNotNull(a);
        assertNotNull(b);
        assertNull(table.open(FLOW, "MATCH", "DIRECT", "DIRECT"), "a third flow is refused, not kept");
        assertEquals(2, table.size());
        table.remove(a);
        assertNotNull(table.open(FLOW, "MATCH", "DIRECT", "DIRECT"), "room again once a flow ended");
    }

    @Test
    void removingAFlowTwiceFreesOneSlotAndCountsItsBytesOnce() {
        FlowTable table = new FlowTable(2);
        Flow a = table.open(FLOW, "MATCH", "DIRECT", "DIRECT");
        table.open(FLOW, "MATCH", "DIRECT", "DIRECT");
        a.countUpload(100);
        a.countDownload(1000);
        table.remove(a);
        table.remove(a);
        assertEquals(1, table.size(), "the second remove changed nothing");
        assertEquals(100, table.totalUpload());
        assertEquals(1000, table.totalDownload());
        assertNotNull(table.open(FLOW, "MATCH", "DIRECT", "DIRECT"));
        assertNull(table.open(FLOW, "MATCH", "DIRECT", "DIRECT"), "still bounded at 2");
    }

    @Test
    void closingAFlowFromOutsideRunsWhatItsRelayRegistered() {
        FlowTable table = new FlowTable(4);
        Flow a = table.open(FLOW, "MATCH", "DIRECT", "DIRECT");
        boolean[] closed = new boolean[1];
        a.onClose(() -> closed[0] = true);
        assertTrue(table.close(a.id()));
        assertTrue(closed[0]);
        assertFalse(table.close(12345), "no such flow");
    }

    /** A flow's chain is one list shared by every flow of the same path: 10,000 idle flows must not hold 10,000. */
    @Test
    void flowsThroughTheSamePathShareOneChain() {
        FlowTable table = new FlowTable(10);
        Flow a = table.open(FLOW, "MATCH", new java.util.ArrayList<>(java.util.List.of("web", "G", "N")));
        Flow b = table.open(FLOW, "MATCH", new java.util.ArrayList<>(java.util.List.of("web", "G", "N")));
        Flow c = table.open(FLOW, "MATCH", java.util.List.of("sock", "G", "N"));
        assertTrue(a.chain() == b.chain(), "one list for one path");
        assertFalse(a.chain() == c.chain());
        assertEquals("web", a.outbound());
        assertEquals("N", a.target());
        assertEquals(java.util.List.of("DIRECT"), table.open(FLOW, "MATCH", "DIRECT", "DIRECT").chain());
    }
}
