package dev.turnout.host.route;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.turnout.api.Destination;
import dev.turnout.api.Metadata;
import dev.turnout.api.Network;
import dev.turnout.api.Outbound;
import dev.turnout.api.OutboundContext;
import dev.turnout.api.OutboundOptions;
import dev.turnout.api.OutboundType;
import dev.turnout.host.config.Config;
import dev.turnout.host.config.ConfigException;
import dev.turnout.host.config.ConfigLoader;
import dev.turnout.host.files.Downloads;
import dev.turnout.host.outbound.HostDirect;
import dev.turnout.host.outbound.OutboundFactory;
import dev.turnout.rules.NameResolver;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A config compiled into the routing a reload swaps in: the rules reach the outbounds the config names, and a
 * config that fails leaves the routing in use as it was, every problem reported at its place, and nothing it
 * had built open.
 */
class RoutingCompilerTest {

    @TempDir
    Path dir;
    private final AtomicInteger open = new AtomicInteger();

    /** direct and reject as the plugins give them, and a direct that counts its open instances. */
    private RoutingCompiler compiler() {
        Map<String, OutboundType> types = new HashMap<>(HostDirect.types());
        OutboundType direct = HostDirect.type();
        types.put("counted", new OutboundType() {
            public String type() {
                return "counted";
            }

            public Outbound create(OutboundOptions options, OutboundContext context) throws dev.turnout.api.OptionException {
                Outbound inner = direct.create(options, context);
                boolean udp = options.bool("udp", true);
                open.incrementAndGet();
                return new Outbound() {
                    public String name() {
                        return inner.name();
                    }

                    public String type() {
                        return "counted";
                    }

                    public boolean supportsUdp() {
                        return udp;
                    }

                    public io.netty.util.concurrent.Future<io.netty.channel.Channel> openStream(Metadata flow,
                            io.netty.channel.EventLoop loop) {
                        return inner.openStream(flow, loop);
                    }

                    public io.netty.util.concurrent.Future<dev.turnout.api.DatagramSession> openDatagram(
                            Metadata flow, io.netty.channel.EventLoop loop, dev.turnout.api.DatagramSession.Receiver r) {
                        return inner.openDatagram(flow, loop, r);
                    }

                    public void close() {
                        open.decrementAndGet();
                    }
                };
            }
        });
        return new RoutingCompiler(new OutboundFactory(types, null, (dev.turnout.api.Resolver) null));
    }

    private Config config(String yaml) throws ConfigException {
        return ConfigLoader.parse(yaml, "c.yaml", dir.resolve("c.yaml"), dir);
    }

    private static String target(Router router, String host) {
        return router.decide(router.current(), Metadata.internal(Network.TCP, Destination.ofHost(host, 443))).target();
    }

    private static final String GOOD = String.join("\n",
            "mode: rule",
            "proxies:",
            "  - {name: hk, type: counted}",
            "proxy-groups:",
            "  - {name: Proxy, type: select, proxies: [hk, DIRECT]}",
            "rules:",
            "  - DOMAIN-SUFFIX,video.example,Proxy",
            "  - DOMAIN,blocked.example,REJECT",
            "  - MATCH,hk",
            "");

    @Test
    void theRulesReachTheOutboundsTheConfigNames() throws Exception {
        RoutingCompiler.Compiled c = compiler().compile(config(GOOD), Downloads.NONE);
        Router router = new Router(c.routing(), NameResolver.NONE, RuleHosts.DEFAULT);
        assertEquals("Proxy", target(router, "www.video.example"));
        assertEquals("REJECT", target(router, "blocked.example"));
        assertEquals("hk", target(router, "anything.example"), "MATCH");
        assertEquals("hk", c.routing().outbounds().get("hk").name());
        assertEquals("rule", c.routing().mode());
        assertEquals(1, open.get());
    }

    @Test
    void aRuleNamingAGroupWhoseChoiceIsPassLetsTheFlowGoOnToTheNextRuleAsInMihomo() throws Exception {
        // DustinWin's mihomo templates; such a config was refused ("names 'PASS' ... not implemented").
        RoutingCompiler.Compiled c = compiler().compile(config(String.join("\n",
                "mode: rule",
                "proxies:",
                "  - {name: hk, type: counted}",
                "proxy-groups:",
                "  - {name: Ads, type: select, proxies: [Block, Bypass]}",
                "  - {name: Block, type: select, proxies: [REJECT], hidden: true}",
                "  - {name: Bypass, type: select, proxies: [PASS], hidden: true}",
                "rules:",
                "  - DOMAIN-SUFFIX,ads.example,Ads",
                "  - DOMAIN-SUFFIX,example,hk",
                "  - MATCH,Ads",
                "  - MATCH,DIRECT",
                "")), Downloads.NONE);
        assertTrue(c.routing().rules().warnings().stream().noneMatch(w -> w.contains("never reached")),
                "a MATCH naming a group that may pass does not end the rules: " + c.routing().rules().warnings());
        Router router = new Router(c.routing(), NameResolver.NONE, RuleHosts.DEFAULT);
        assertEquals("Ads", target(router, "x.ads.example"), "Block is chosen: the group decides");
        assertEquals("Ads", target(router, "other.test"));
        assertTrue(((dev.turnout.host.outbound.ProxyGroup) c.routing().outbounds().get("Ads")).select("Bypass"));
        assertEquals("hk", target(router, "x.ads.example"), "Bypass leads to PASS: the next rule decides");
        Metadata other = Metadata.internal(Network.TCP, Destination.ofHost("other.test", 443));
        Router.Decided d = router.route(router.current(), other);
        assertEquals("DIRECT", d.decision().target(), "past MATCH,Ads to MATCH,DIRECT");
        assertEquals(3, d.decision().index());
    }

    /**
     * mihomo's tunnel.match goes past a rule whose target would not carry a UDP flow (a node without udp, a group
     * with disable-udp or whose choice has none), and to DIRECT after the last; the flow was dropped (s69's keys
     * tester, F18). TCP flows are decided as before.
     */
    @Test
    void aUdpFlowGoesPastRulesWhoseTargetDoesNotCarryUdpAsInMihomo() throws Exception {
        RoutingCompiler.Compiled c = compiler().compile(config(String.join("\n",
                "mode: rule",
                "proxies:",
                "  - {name: tcpOnly, type: counted, udp: false}",
                "  - {name: hk, type: counted}",
                "proxy-groups:",
                "  - {name: NoUdp, type: select, proxies: [hk], disable-udp: true}",
                "  - {name: G, type: select, proxies: [tcpOnly, hk]}",
                "rules:",
                "  - DST-PORT,53,NoUdp",
                "  - DST-PORT,53/443,G",
                "  - DST-PORT,53,hk",
                "  - MATCH,tcpOnly",
                "")), Downloads.NONE);
        Router router = new Router(c.routing(), NameResolver.NONE, RuleHosts.DEFAULT);
        java.util.function.BiFunction<Network, Integer, dev.turnout.rules.Decision> decide = (network, port) ->
                router.decide(router.current(), Metadata.internal(network, Destination.ofHost("a.test", port)));
        assertEquals(0, decide.apply(Network.TCP, 53).index(), "TCP: the first rule, as before");
        assertEquals(3, decide.apply(Network.TCP, 80).index());
        assertEquals("hk", decide.apply(Network.UDP, 53).target(), "past NoUdp (disable-udp) and G (now tcpOnly)");
        assertEquals(2, decide.apply(Network.UDP, 53).index());
        assertEquals(dev.turnout.rules.Decision.NO_MATCH, decide.apply(Network.UDP, 80), "past MATCH,tcpOnly: DIRECT");
        assertTrue(((dev.turnout.host.outbound.ProxyGroup) c.routing().outbounds().get("G")).select("hk"));
        assertEquals("G", decide.apply(Network.UDP, 443).target(), "G's choice carries UDP now");
    }

    @Test
    void aConfigThatFailsLeavesTheRoutingInUseAsItWasReportsEveryProblemAndClosesWhatItBuilt() throws Exception {
        RoutingCompiler compiler = compiler();
        Routing running = compiler.compile(config(GOOD), Downloads.NONE).routing();
        Router router = new Router(running, NameResolver.NONE, RuleHosts.DEFAULT);
        assertEquals(1, open.get());
        String broken = String.join("\n",
                "proxies:",
                "  - {name: hk, type: counted}",
                "  - {name: jp, type: counted}",
                "  - {name: odd, type: nosuchtype}",
                "rules:",
                "  - DOMAIN-SUFFIX,video.example,Nowhere",
                "  - MATCH,DIRECT",
                "");
        ConfigException e = assertThrows(ConfigException.class, () -> compiler.compile(config(broken), Downloads.NONE));
        List<String> problems = e.problems().stream().map(Throwable::getMessage).toList();
        assertEquals(2, problems.size(), problems::toString);
        assertEquals("c.yaml:4:23: unknown outbound type 'nosuchtype' for 'odd'; available types: counted, direct,"
                + " reject, reject-drop", problems.get(0));
        assertEquals("c.yaml:6:5: unknown target 'Nowhere': no proxy, group, DIRECT or REJECT has that name",
                problems.get(1));
        assertEquals(1, open.get(), "the two outbounds the failed config built are closed; the running one is not");
        assertSame(running, router.current(), "nothing was swapped");
        assertEquals("Proxy", target(router, "www.video.example"), "routed as before the failed reload");
        assertEquals("hk", target(router, "anything.example"));
    }

    @Test
    void aFailureInTheRulesAloneStillClosesTheOutbounds() throws Exception {
        String badRule = String.join("\n",
                "proxies:",
                "  - {name: hk, type: counted}",
                "rules:",
                "  - DOMAIN-SUFFIX,video.example",
                "  - MATCH,hk",
                "");
        ConfigException e = assertThrows(ConfigException.class, () -> compiler().compile(config(badRule), Downloads.NONE));
        assertTrue(e.getMessage().startsWith("c.yaml:4:5: "), e.getMessage());
        assertEquals(0, open.get());
    }

    @Test
    void anOutboundThatCannotBeBuiltIsRefusedThoughTheRulesAreFine() throws Exception {
        String badProxy = String.join("\n",
                "proxies:",
                "  - {name: odd, type: nosuchtype}",
                "rules:",
                "  - MATCH,DIRECT",
                "");
        ConfigException e = assertThrows(ConfigException.class, () -> compiler().compile(config(badProxy), Downloads.NONE));
        assertTrue(e.getMessage().startsWith("c.yaml:2:23: unknown outbound type 'nosuchtype'"), e.getMessage());
    }

    @Test
    void aRuleSwitchedOffIsPassedOverWhileItReadsAsItDidWhenSwitchedOff() throws Exception {
        Config running = config(GOOD);
        Config off = running.with(running.patchable().withDisabledRules(Map.of(1, "DOMAIN,blocked.example,REJECT")));
        assertEquals(java.util.Set.of(1), off.disabledRuleIndexes());
        Router router = new Router(compiler().compile(off, Downloads.NONE).routing(), NameResolver.NONE, RuleHosts.DEFAULT);
        assertEquals("hk", target(router, "blocked.example"), "rule 1 off: MATCH decides");
        assertEquals(java.util.Set.of(1), router.current().rules().disabled());
        // The file edited meanwhile: another rule stands at index 1 now, and it is not switched off.
        Config edited = config(GOOD.replace("DOMAIN,blocked.example,REJECT", "DOMAIN,other.example,REJECT"))
                .with(off.patchable());
        assertEquals(java.util.Set.of(), edited.disabledRuleIndexes());
        Router after = new Router(compiler().compile(edited, Downloads.NONE).routing(), NameResolver.NONE, RuleHosts.DEFAULT);
        assertEquals("REJECT", target(after, "other.example"));
    }

    @Test
    void theRulesCountsGoOnAcrossARoutingWithTheSameRulesOnly() throws Exception {
        Routing first = compiler().compile(config(GOOD), Downloads.NONE).routing();
        first.stats().decided(1);
        first.stats().decided(-1);
        assertSame(first.stats(), compiler().compile(config(GOOD), Downloads.NONE).routing().countingOn(first).stats());
        Routing other = compiler().compile(config(GOOD.replace("MATCH,hk", "MATCH,DIRECT")), Downloads.NONE).routing();
        assertTrue(other.countingOn(first).stats() != first.stats(), "other rules: counts of their own");
        assertEquals(0, other.countingOn(first).stats().entries().get(1).hitCount());
    }

    /** A sub-rules list only a listener's rule names is used; one nothing names is said at its first rule. */
    @Test
    void aSubRulesListAListenerNamesIsUsed() throws Exception {
        RoutingCompiler.Compiled c = compiler().compile(config(GOOD + String.join("\n",
                "listeners: [{name: ln2, type: socks, port: 17894, listen: 127.0.0.1, rule: subx}]",
                "sub-rules:",
                "  subx: ['DST-PORT,8080,REJECT']",
                "  spare:",
                "    - DST-PORT,8081,REJECT",
                "")), Downloads.NONE);
        assertEquals(List.of("c.yaml:14:7: sub-rule 'spare' is used by no SUB-RULE and no listener's 'rule'"),
                c.notes().stream().filter(n -> n.contains("sub-rule")).toList());
    }

    @Test
    void theModeComesFromTheConfig() throws Exception {
        Routing global = compiler().compile(config(GOOD.replace("mode: rule", "mode: global")), Downloads.NONE).routing();
        assertEquals("global", global.mode());
        assertEquals("GLOBAL", target(new Router(global, NameResolver.NONE, RuleHosts.DEFAULT), "www.video.example"));
    }
}
