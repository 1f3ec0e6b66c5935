package dev.turnout.host.outbound;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.turnout.api.DatagramSession;
import dev.turnout.api.Destination;
import dev.turnout.api.Metadata;
import dev.turnout.api.Network;
import dev.turnout.api.Outbound;
import dev.turnout.host.flow.Flow;
import dev.turnout.host.flow.FlowTable;
import io.netty.channel.Channel;
import io.netty.channel.EventLoop;
import io.netty.util.concurrent.Future;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

class OutboundRetirementTest {

    /** An outbound that only remembers being closed. */
    private static final class Closable implements Outbound {
        private final String name;
        int closes;

        Closable(String name) {
            this.name = name;
        }

        @Override
        public String name() {
            return name;
        }

        @Override
        public String type() {
            return "vmess";
        }

        @Override
        public boolean supportsUdp() {
            return false;
        }

        @Override
        public Future<Channel> openStream(Metadata flow, EventLoop loop) {
            throw new UnsupportedOperationException();
        }

        @Override
        public Future<DatagramSession> openDatagram(Metadata flow, EventLoop loop, DatagramSession.Receiver r) {
            throw new UnsupportedOperationException();
        }

        @Override
        public void close() {
            closes++;
        }
    }

    private final FlowTable flows = new FlowTable(16);
    private final OutboundRetirement retirement = new OutboundRetirement(flows);

    private static Outbounds of(Outbound... outbounds) {
        return carrying(Set.of(), outbounds);
    }

    private static Outbounds carrying(Set<String> carriers, Outbound... outbounds) {
        Map<String, Outbound> all = new LinkedHashMap<>();
        for (Outbound o : outbounds) {
            all.put(o.name(), o);
        }
        return new Outbounds(all, List.of(), List.of(), Map.of(), carriers);
    }

    private Flow open(String outbound) {
        return flows.open(Metadata.internal(Network.TCP, Destination.ofHost("example.test", 443)), "MATCH", outbound,
                outbound);
    }

    @Test
    void aReplacedOutboundClosesOnceTheFlowsOpenedBeforeTheReloadHaveEnded() {
        Closable old = new Closable("node");
        Flow before = open("node");
        retirement.retire(of(old), of(new Closable("node")));
        Flow after = open("node");
        assertEquals(0, retirement.check());
        assertEquals(0, old.closes, "a flow from before the reload may still open connections through it");
        flows.remove(before);
        assertEquals(1, retirement.check());
        assertEquals(1, old.closes, "flows opened after the reload use the new one");
        assertFalse(flows.namedUpTo(after.id()).isEmpty());
        assertEquals(0, retirement.check());
        assertEquals(1, old.closes, "closed once");
    }

    @Test
    void aLongFlowElsewhereDoesNotKeepAReplacedOutboundOpenButOneThroughAGroupDoes() {
        Closable node = new Closable("node");
        Closable other = new Closable("other");
        Flow ssh = open("DIRECT");
        Flow viaGroup = flows.open(Metadata.internal(Network.TCP, Destination.ofHost("example.test", 443)), "MATCH",
                "auto", "other");
        retirement.retire(of(node, other), of(new Closable("node"), new Closable("other")));
        assertEquals(1, retirement.check());
        assertEquals(1, node.closes, "no flow from before the reload went through it");
        assertEquals(0, other.closes, "a flow through its group still may");
        flows.remove(viaGroup);
        assertEquals(1, retirement.check());
        assertEquals(1, other.closes);
        assertFalse(flows.namedUpTo(ssh.id()).isEmpty());
        assertEquals(0, retirement.waiting());
    }

    @Test
    void anOutboundOthersConnectThroughWaitsForEveryEarlierFlow() {
        Closable hop = new Closable("hop");
        Flow chained = open("node");
        retirement.retire(carrying(Set.of("hop"), hop, new Closable("node")),
                of(new Closable("hop"), new Closable("node")));
        assertEquals(0, retirement.check(), "node, which the open flow names, waits; so does its hop");
        assertEquals(0, hop.closes);
        flows.remove(chained);
        assertEquals(2, retirement.check());
        assertEquals(1, hop.closes);
    }

    @Test
    void anOutboundTheNewRoutingStillHoldsIsNeverClosed() {
        Closable kept = new Closable("DIRECT");
        Closable replaced = new Closable("node");
        retirement.retire(of(kept, replaced), of(kept, new Closable("node")));
        assertEquals(1, retirement.waiting());
        assertEquals(1, retirement.check());
        assertEquals(0, kept.closes);
        assertEquals(1, replaced.closes);
    }

    @Test
    void shutdownClosesWhatStillWaits() {
        Closable old = new Closable("node");
        open("node");
        retirement.retire(of(old), of(new Closable("node")));
        assertEquals(0, retirement.check());
        retirement.close();
        assertEquals(1, old.closes);
        assertEquals(0, retirement.waiting());
        assertTrue(flows.namedUpTo(0).isEmpty());
    }
}
