package dev.turnout.host.route;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.turnout.api.Destination;
import dev.turnout.api.Metadata;
import dev.turnout.api.Network;
import dev.turnout.rules.NameResolver;
import dev.turnout.rules.Origin;
import dev.turnout.rules.RuleLine;
import dev.turnout.rules.RuleSet;
import java.net.InetAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** What the router answers under each mode, when deciding may block, and what a reload's swap hands back. */
class RouterModesAndSwapTest {

    private final List<String> lookedUp = new ArrayList<>();
    private final NameResolver resolver = domain -> {
        lookedUp.add(domain);
        return List.of(InetAddress.getLoopbackAddress());
    };

    private static Routing routing(String mode, String... lines) throws Exception {
        List<RuleLine> out = new ArrayList<>();
        for (int i = 0; i < lines.length; i++) {
            out.add(new RuleLine(lines[i], new Origin("config.yaml", i + 1, 3)));
        }
        return new Routing(RuleSet.compile(out, Map.of(), Set.of("PROXY")), null, mode);
    }

    private static Metadata to(Destination destination) {
        return Metadata.internal(Network.TCP, destination);
    }

    private Router router(Routing routing) {
        return new Router(routing, resolver, RuleHosts.DEFAULT);
    }

    @Test
    void directModeSendsEveryFlowDirectWithoutLookingAtTheRules() throws Exception {
        Routing direct = routing("direct", "DOMAIN,a.example,PROXY", "IP-CIDR,127.0.0.0/8,PROXY");
        Router r = router(direct);
        assertEquals("DIRECT", r.decide(direct, to(Destination.ofHost("a.example", 443))).target());
        assertEquals("DIRECT", r.decideWithoutLookup(direct, to(Destination.ofHost("b.example", 443))).decision().target());
        assertFalse(r.mayBlock(direct, to(Destination.ofHost("b.example", 443))), "no rule is read");
        assertTrue(lookedUp.isEmpty());
    }

    @Test
    void globalModeSendsEveryFlowToGlobal() throws Exception {
        Routing global = routing("global", "DOMAIN,a.example,PROXY", "MATCH,DIRECT");
        Router r = router(global);
        assertEquals("GLOBAL", r.decide(global, to(Destination.ofHost("a.example", 443))).target());
        assertEquals("GLOBAL", r.decideWithoutLookup(global, to(Destination.ofHost("b.example", 443))).decision().target());
        assertTrue(lookedUp.isEmpty());
    }

    @Test
    void aListenersProxyDecidesItsFlowsInEveryModeWithoutRulesOrLookups() throws Exception {
        for (String mode : List.of("rule", "global", "direct")) {
            Routing plain = routing(mode, "IP-CIDR,127.0.0.0/8,DIRECT", "MATCH,DIRECT");
            Routing listening = new Routing(plain.rules(), null, mode, CompiledDnsMatchers.empty(),
                    Map.of("jp-in", "PROXY"), Map.of());
            Router r = router(listening);
            Metadata through = to(Destination.ofHost("b.example", 443)).withInbound("SOCKS5", "jp-in", 7893, null);
            assertEquals("PROXY", r.decide(listening, through).target(), mode);
            assertEquals("LISTENER,jp-in", r.decideWithoutLookup(listening, through).decision().rule(), mode);
            assertFalse(r.mayBlock(listening, through), mode + ": nothing to resolve");
            Metadata other = to(Destination.ofHost("b.example", 443)).withInbound("SOCKS5", "DEFAULT-MIXED", 7890, null);
            assertEquals(mode.equals("global") ? "GLOBAL" : "DIRECT", r.decide(listening, other).target(), mode);
            assertEquals(mode, listening.withMode(mode).mode());
            assertEquals(Map.of("jp-in", "PROXY"), listening.withMode("direct").listenerProxies(), "kept by a mode switch");
        }
        assertEquals(List.of("b.example"), lookedUp, "only the other flow, in rule mode, had its name looked up");
    }

    @Test
    void aListenersSubRulesDecideItsFlowsInRuleModeOnly() throws Exception {
        List<RuleLine> main = List.of(new RuleLine("MATCH,DIRECT", new Origin("config.yaml", 1, 3)));
        Map<String, List<RuleLine>> subs = Map.of("jp", List.of(new RuleLine("DOMAIN-SUFFIX,example,PROXY",
                new Origin("config.yaml", 5, 5))));
        RuleSet rules = RuleSet.compile(main, Map.of(), Set.of("PROXY"), subs);
        Routing listening = new Routing(rules, null, "rule", CompiledDnsMatchers.empty(), Map.of(), Map.of("jp-in", "jp"));
        Router r = router(listening);
        Metadata through = to(Destination.ofHost("a.example", 443)).withInbound("HTTP", "jp-in", 7893, null);
        assertTrue(r.mayBlock(listening, through), "decided where it may look up");
        assertEquals(new dev.turnout.rules.Decision("PROXY", "DOMAIN-SUFFIX,example", -1), r.decide(listening, through));
        Metadata elsewhere = to(Destination.ofHost("a.other", 443)).withInbound("HTTP", "jp-in", 7893, null);
        assertEquals("DIRECT", r.decide(listening, elsewhere).target(), "nothing in its list: DIRECT, not the MATCH rule");
        assertEquals("MATCH", r.decide(listening, elsewhere).rule());
        Metadata other = to(Destination.ofHost("a.example", 443)).withInbound("HTTP", "DEFAULT-MIXED", 7890, null);
        assertEquals("MATCH", r.decide(listening, other).rule(), "the other inbounds: the rules");
        assertEquals("GLOBAL", r.decide(listening.withMode("global"), through).target(), "global mode: GLOBAL");
    }

    @Test
    void ruleModeResolvesANameOnlyForAnIpRuleAndOnlyOnce() throws Exception {
        Routing rules = routing("rule", "DOMAIN,a.example,DIRECT", "IP-CIDR,127.0.0.0/8,PROXY", "MATCH,DIRECT");
        Router r = router(rules);
        assertEquals("DIRECT", r.decide(rules, to(Destination.ofHost("a.example", 443))).target());
        assertTrue(lookedUp.isEmpty(), "a domain rule decided before the IP rule");
        assertTrue(r.mayBlock(rules, to(Destination.ofHost("b.example", 443))), "a name the IP rule needs resolved");
        assertFalse(r.mayBlock(rules, to(Destination.ofAddress(InetAddress.getLoopbackAddress(), 443))),
                "an address needs no lookup");
        assertEquals("PROXY", r.decide(rules, to(Destination.ofHost("b.example", 443))).target());
        assertEquals(List.of("b.example"), lookedUp);
        Routing noIpRule = routing("rule", "DOMAIN,a.example,PROXY");
        assertFalse(r.mayBlock(noIpRule, to(Destination.ofHost("b.example", 443))), "no rule needs an address");
    }

    @Test
    void aSwapRoutesByTheNewRulesAndHandsBackTheOld() throws Exception {
        Routing before = routing("rule", "DOMAIN,a.example,PROXY");
        Routing after = routing("rule", "DOMAIN,a.example,DIRECT");
        Router r = router(before);
        assertSame(before, r.current());
        assertSame(before, r.swap(after), "the old routing, for the caller to close");
        assertSame(after, r.current());
        assertEquals("DIRECT", r.decide(r.current(), to(Destination.ofHost("a.example", 443))).target());
    }

    @Test
    void aUdpFlowMeetsTheUdpRuleAndATcpFlowDoesNot() throws Exception {
        Routing rules = routing("rule", "NETWORK,UDP,PROXY", "MATCH,DIRECT");
        Router r = router(rules);
        Destination dns = Destination.ofAddress(InetAddress.getByName("192.0.2.53"), 53);
        assertEquals("PROXY", r.decide(rules, Metadata.internal(Network.UDP, dns)).target());
        assertEquals("DIRECT", r.decide(rules, Metadata.internal(Network.TCP, dns)).target());
    }
}
