package dev.turnout.host.route;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.turnout.api.Destination;
import dev.turnout.api.Metadata;
import dev.turnout.api.Network;
import dev.turnout.host.platform.SocketOwner;
import dev.turnout.host.platform.SocketOwners;
import dev.turnout.rules.NameResolver;
import dev.turnout.rules.Origin;
import dev.turnout.rules.RuleLine;
import dev.turnout.rules.RuleSet;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** When the router looks up a flow's process, under each find-process-mode. */
class ProcessLookupTest {

    private final AtomicInteger lookups = new AtomicInteger();
    /** A stand-in for the kernel: every socket belongs to /usr/bin/curl of uid 1000. */
    private final SocketOwners curl = (udp, local, remotePort) -> {
        lookups.incrementAndGet();
        return new SocketOwner(1000, "/usr/bin/curl");
    };

    private static Routing rules(String... lines) throws Exception {
        List<RuleLine> out = new ArrayList<>();
        for (int i = 0; i < lines.length; i++) {
            out.add(new RuleLine(lines[i], new Origin("config.yaml", i + 1, 3)));
        }
        return new Routing(RuleSet.compile(out, Map.of(), Set.of("PROXY")), null, "rule");
    }

    private static Metadata flow(String host, int sourcePort) {
        return new Metadata(Network.TCP, Destination.ofHost(host, 443), new InetSocketAddress("127.0.0.1", sourcePort),
                "socks5", null).withInbound("SOCKS5", "DEFAULT-MIXED", 7890, null);
    }

    private Router router(Routing routing, ProcessLookup.Mode mode) {
        return new Router(routing, NameResolver.NONE, new ProcessLookup(curl, mode));
    }

    @Test
    void strictLooksOnlyWhenTheDecisionReachesAProcessRule() throws Exception {
        Routing routing = rules("DOMAIN,direct.example,DIRECT", "PROCESS-NAME,curl,PROXY", "MATCH,DIRECT");
        Router router = router(routing, ProcessLookup.Mode.STRICT);
        assertEquals("DIRECT", router.decide(routing, flow("direct.example", 40000)).target());
        assertEquals(0, lookups.get(), "decided before the process rule: no lookup");
        Router.Decided d = router.route(routing, flow("other.example", 40001));
        assertEquals("PROXY", d.decision().target());
        assertEquals("curl", d.flow().processName());
        assertEquals("/usr/bin/curl", d.flow().processPath());
        assertEquals(1000, d.flow().uid());
        assertEquals(1, lookups.get());
        Router.Decided known = router.route(routing, flow("again.example", 40001).withProcess("curl", null, 1000));
        assertEquals("PROXY", known.decision().target());
        assertEquals(1, lookups.get(), "a flow whose process is known (a later request) is not looked up again");
    }

    @Test
    void uidAndProcessPathRulesMatchWhatTheLookupFound() throws Exception {
        Routing routing = rules("UID,0-999,DIRECT", "UID,1000,PROXY");
        assertEquals("PROXY", router(routing, ProcessLookup.Mode.STRICT).decide(routing, flow("a.example", 1)).target());
        Routing paths = rules("PROCESS-PATH,/usr/bin/CURL,PROXY");
        assertEquals("PROXY", router(paths, ProcessLookup.Mode.STRICT).decide(paths, flow("a.example", 2)).target());
    }

    @Test
    void offNeverLooksAndAlwaysLooksForEveryFlow() throws Exception {
        Routing routing = rules("PROCESS-NAME,curl,PROXY");
        assertEquals("DIRECT", router(routing, ProcessLookup.Mode.OFF).decide(routing, flow("a.example", 1)).target());
        assertEquals(0, lookups.get());
        Routing none = rules("DOMAIN,a.example,DIRECT");
        Router.Decided d = router(none, ProcessLookup.Mode.ALWAYS).route(none, flow("a.example", 2));
        assertEquals("curl", d.flow().processName(), "always: looked up though no rule needs it");
        assertEquals(1, lookups.get());
    }

    @Test
    void decidingWithoutLookupSaysWhenTheProcessIsNeededAndNeverLooks() throws Exception {
        Routing routing = rules("DOMAIN,direct.example,DIRECT", "PROCESS-NAME,curl,PROXY");
        Router strict = router(routing, ProcessLookup.Mode.STRICT);
        assertEquals(false, strict.decideWithoutLookup(routing, flow("direct.example", 1)).wantsProcess());
        assertEquals(true, strict.decideWithoutLookup(routing, flow("other.example", 2)).wantsProcess());
        Routing none = rules("DOMAIN,direct.example,DIRECT");
        assertEquals(true, router(none, ProcessLookup.Mode.ALWAYS).decideWithoutLookup(none, flow("x.example", 3))
                .wantsProcess());
        assertEquals(false, router(routing, ProcessLookup.Mode.OFF).decideWithoutLookup(routing,
                flow("other.example", 4)).wantsProcess());
        assertEquals(0, lookups.get());
    }

    @Test
    void aNameResolvedForAnIpRuleBeforeTheProcessRuleIsAskedForOnceThoughTheRulesAreWalkedTwice() throws Exception {
        Routing routing = rules("IP-CIDR,198.51.100.0/24,DIRECT", "PROCESS-NAME,curl,PROXY", "MATCH,DIRECT");
        List<String> asked = new ArrayList<>();
        java.net.InetAddress answer = java.net.InetAddress.getByAddress(new byte[] {(byte) 192, 0, 2, 7});
        NameResolver dns = name -> {
            asked.add(name);
            return List.of(answer);
        };
        Router router = new Router(routing, dns, new ProcessLookup(curl, ProcessLookup.Mode.STRICT));
        Router.Decided d = router.route(routing, flow("app.example", 40100));
        assertEquals("PROXY", d.decision().target(), "past the IP rule, the process rule matches curl");
        assertEquals(1, lookups.get());
        assertEquals(List.of("app.example"), asked, "the second walk reuses the first answer");
    }

    @Test
    void theSocketIsLookedUpByTheFlowsProtocolAndThePortTheApplicationConnectedTo() throws Exception {
        List<String> asked = new ArrayList<>();
        SocketOwners kernel = (udp, local, remotePort) -> {
            asked.add((udp ? "udp " : "tcp ") + local.getPort() + "->" + remotePort);
            return new SocketOwner(1000, "/usr/bin/curl");
        };
        ProcessLookup lookup = new ProcessLookup(kernel, ProcessLookup.Mode.ALWAYS);
        // Through the mixed port the application's socket is connected to that port ...
        lookup.resolve(flow("a.example", 40200));
        // ... through the TUN to the destination's port as the application wrote it.
        lookup.resolve(new Metadata(Network.UDP, Destination.ofHost("b.example", 53),
                new InetSocketAddress("127.0.0.1", 40201), "tun", null));
        assertEquals(List.of("tcp 40200->7890", "udp 40201->53"), asked);
    }

    @Test
    void aFlowWhoseOwnerIsKnownIsNotLookedUpEvenForRoot() throws Exception {
        ProcessLookup lookup = new ProcessLookup(curl, ProcessLookup.Mode.ALWAYS);
        Metadata root = flow("a.example", 40300).withProcess(null, null, 0);
        assertEquals(0, lookup.resolve(root).uid(), "uid 0 is root's, a known owner");
        assertEquals(0, lookups.get());
    }
}
