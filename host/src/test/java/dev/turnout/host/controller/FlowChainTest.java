package dev.turnout.host.controller;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.turnout.api.Destination;
import dev.turnout.api.Metadata;
import dev.turnout.api.Network;
import dev.turnout.host.config.ConfigLoader;
import dev.turnout.host.files.Downloads;
import dev.turnout.host.flow.Flow;
import dev.turnout.host.flow.FlowTable;
import dev.turnout.host.outbound.HostDirect;
import dev.turnout.host.outbound.OutboundFactory;
import dev.turnout.host.outbound.ProxyGroup;
import dev.turnout.host.route.Routing;
import dev.turnout.host.route.RoutingCompiler;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * An open flow's {@code chains} are those it was dialled through, as mihomo's tracker fixes {@code Chains()} at
 * dial time: an inner group's choice changed since leaves them as they were (s69 F4: the middle group was lost).
 */
class FlowChainTest {

    @TempDir
    Path dir;

    @Test
    void anInnerGroupsChoiceChangedLaterLeavesAnOpenFlowsChainAsItWasDialled() throws Exception {
        var config = ConfigLoader.parse(String.join("\n",
                "proxies:",
                "  - {name: sock, type: direct}",
                "  - {name: web, type: direct}",
                "proxy-groups:",
                "  - {name: N, type: select, proxies: [G, DIRECT]}",
                "  - {name: G, type: select, proxies: [web, sock, DIRECT]}",
                "rules: ['DOMAIN,n.test,N', 'MATCH,DIRECT']",
                ""), "c.yaml", dir.resolve("c.yaml"), dir);
        Routing routing = new RoutingCompiler(new OutboundFactory(HostDirect.types(), null,
                (dev.turnout.api.Resolver) null)).compile(config, Downloads.NONE).routing();
        try {
            FlowTable flows = new FlowTable(10);
            Metadata md = new Metadata(Network.TCP, Destination.ofHost("n.test", 9003),
                    new InetSocketAddress("192.0.2.1", 40000), "tun", null);
            // as the tunnel records it when it dials: G on web
            Flow f = flows.open(md, "DOMAIN,n.test", List.of("web", "G", "N"));
            assertEquals(List.of("web", "G", "N"), ClashViews.chain(f, routing.outbounds()));
            assertTrue(((ProxyGroup) routing.outbounds().get("G")).select("sock"));
            assertEquals(List.of("web", "G", "N"), ClashViews.chain(f, routing.outbounds()),
                    "still carried by web through G");
        } finally {
            routing.outbounds().close();
        }
    }
}
