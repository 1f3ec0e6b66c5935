package dev.turnout.host.outbound;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.turnout.api.DatagramSession;
import dev.turnout.api.Destination;
import dev.turnout.api.Dialer;
import dev.turnout.api.Metadata;
import dev.turnout.api.Network;
import dev.turnout.api.Outbound;
import dev.turnout.api.OutboundContext;
import dev.turnout.api.OutboundOptions;
import dev.turnout.api.OutboundType;
import dev.turnout.api.Resolver;
import dev.turnout.host.config.Config;
import dev.turnout.host.config.ConfigException;
import dev.turnout.host.config.ConfigLoader;
import dev.turnout.host.config.GroupEntry;
import io.netty.channel.Channel;
import io.netty.channel.DefaultEventLoop;
import io.netty.channel.EventLoop;
import io.netty.util.concurrent.Future;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** mihomo's group keys and GLOBAL, from the YAML a user writes to the groups Turnout builds. */
class GroupKeysTest {

    /** An outbound that records the dialer it was built with and the flows it was asked to open. */
    static final class Fake implements Outbound {
        final String name;
        final String type;
        final Dialer dialer;
        final boolean udp;
        final List<Metadata> opened = new ArrayList<>();

        Fake(String name, String type, Dialer dialer, boolean udp) {
            this.name = name;
            this.type = type;
            this.dialer = dialer;
            this.udp = udp;
        }

        public String name() {
            return name;
        }

        public String type() {
            return type;
        }

        public boolean supportsUdp() {
            return udp;
        }

        public Future<Channel> openStream(Metadata flow, EventLoop loop) {
            opened.add(flow);
            return loop.newFailedFuture(new java.io.IOException("fake " + name));
        }

        public Future<DatagramSession> openDatagram(Metadata flow, EventLoop loop, DatagramSession.Receiver r) {
            opened.add(flow);
            return loop.newFailedFuture(new java.io.IOException("fake " + name));
        }
    }

    private static final Dialer HOST = new Dialer() {
        public Future<Channel> openStream(Metadata flow, EventLoop loop) {
            throw new UnsupportedOperationException();
        }

        public Future<DatagramSession> openDatagram(Metadata flow, EventLoop loop, DatagramSession.Receiver r) {
            throw new UnsupportedOperationException();
        }
    };

    private static OutboundType type(String name) {
        return new OutboundType() {
            public String type() {
                return name;
            }

            public Outbound create(OutboundOptions options, OutboundContext context) {
                return new Fake(options.name(), name, context.dialer(), !name.equals("http"));
            }
        };
    }

    private final EventLoop loop = new DefaultEventLoop();

    @AfterEach
    void stop() {
        loop.shutdownGracefully(0, 1, TimeUnit.SECONDS);
    }

    static Config parse(String yaml) throws ConfigException {
        return ConfigLoader.parse(yaml, "t.yaml", Path.of("t.yaml"), Path.of("/base"));
    }

    static Outbounds build(String yaml) throws ConfigException {
        Map<String, OutboundType> types = Map.of("direct", type("direct"), "reject", type("reject"),
                "reject-drop", type("reject-drop"), "socks5", type("socks5"), "http", type("http"));
        return new OutboundFactory(types, HOST, (Resolver) null).build(parse(yaml));
    }

    @Test
    void passIsAMemberGroupsMayHoldThatLeadsTheirFlowsOnButNeverInGlobal() throws Exception {
        // DustinWin's mihomo templates: an ad group choosing between blocking and letting later rules decide.
        Outbounds o = build(String.join("\n",
                "proxy-groups:",
                "  - {name: Ads, type: select, proxies: [Block, Bypass]}",
                "  - {name: Block, type: select, proxies: [REJECT], hidden: true}",
                "  - {name: Bypass, type: select, proxies: [PASS], hidden: true}",
                "  - {name: Chain, type: relay, proxies: [DIRECT]}", ""));
        assertEquals(Set.of("Ads", "Bypass", "GLOBAL"), o.passing(), "GLOBAL holds every group, so it may pass too");
        Metadata flow = Metadata.internal(Network.TCP, Destination.ofHost("ads.example", 443));
        assertFalse(o.passes("Ads", flow), "Block is chosen");
        assertTrue(o.passes("Bypass", flow));
        assertTrue(((ProxyGroup) o.get("Ads")).select("Bypass"));
        assertTrue(o.passes("Ads", flow), "Bypass is chosen now");
        assertTrue(o.passes("PASS", flow));
        assertFalse(o.passes("DIRECT", flow));
        assertFalse(o.passes("Chain", flow));
        assertFalse(group(o, "GLOBAL").members().contains("PASS"), "mihomo leaves PASS out of GLOBAL");
        assertEquals("pass", o.get("PASS").type());
        ConfigException e = assertThrows(ConfigException.class, () -> build(String.join("\n",
                "proxy-groups:", "  - {name: Ads, type: select, proxies: [COMPATIBLE, REJECT]}", "")));
        assertTrue(e.getMessage().contains("group 'Ads' names 'COMPATIBLE', mihomo's, which Turnout does not implement"
                + " as a group member"), e.getMessage());
        ConfigException named = assertThrows(ConfigException.class, () -> build(String.join("\n",
                "proxies:", "  - {name: PASS, type: socks5, server: 192.0.2.1, port: 1}", "")));
        assertTrue(named.getMessage().contains("the name 'PASS' is used twice"), named.getMessage());
    }

    private static GroupEntry group(Outbounds o, String name) {
        return o.groups().stream().filter(g -> g.name().equals(name)).findFirst().orElseThrow();
    }

    private static final String PROXIES = String.join("\n",
            "proxies:",
            "  - {name: 'hk-2', type: socks5, server: 192.0.2.1, port: 1}",
            "  - {name: 'us-1', type: http, server: 192.0.2.2, port: 1}",
            "  - {name: 'hk-1', type: http, server: 192.0.2.3, port: 1}",
            "  - {name: 'jp-1 direct', type: socks5, server: 192.0.2.4, port: 1}",
            "");

    @Test
    void globalIsASelectGroupOfDirectRejectEveryProxyAndEveryGroupInConfigOrder() throws Exception {
        Outbounds o = build(PROXIES + "proxy-groups:\n  - {name: G2, type: select, proxies: [us-1]}\n"
                + "  - {name: G1, type: url-test, proxies: [hk-1]}\n");
        ProxyGroup global = assertInstanceOf(ProxyGroup.class, o.get("GLOBAL"));
        assertEquals("select", global.type());
        assertEquals(List.of("DIRECT", "REJECT", "hk-2", "us-1", "hk-1", "jp-1 direct", "G2", "G1"), global.members());
        assertEquals("DIRECT", global.now());
        assertTrue(global.select("G1"));
        assertSame(o.get("hk-1"), global.leaf());
        assertTrue(OutboundFactory.targetNames(parse(PROXIES)).contains("GLOBAL"), "rules may name GLOBAL");
        // Even a config with nothing has it.
        assertEquals(List.of("DIRECT", "REJECT"), ((ProxyGroup) build("mixed-port: 1\n").get("GLOBAL")).members());
    }

    @Test
    void aGlobalGroupInTheConfigIsTheOneUsedAsInMihomo() throws Exception {
        Outbounds o = build(PROXIES + "proxy-groups:\n  - {name: GLOBAL, type: url-test, proxies: [hk-1, us-1]}\n");
        assertEquals("url-test", o.get("GLOBAL").type());
        assertEquals(List.of("hk-1", "us-1"), ((ProxyGroup) o.get("GLOBAL")).members());
        assertFalse(((ProxyGroup) o.get("GLOBAL")).select("us-1"), "not a selector: PUT is refused, as in mihomo");
        assertEquals(1, o.groups().stream().filter(g -> g.name().equals("GLOBAL")).count());
    }

    @Test
    void includeAllProxiesAddsEveryProxyInNameOrderAfterTheListedOnesOnlyThoseTheFilterMatches() throws Exception {
        Outbounds o = build(PROXIES + "proxy-groups:\n"
                + "  - {name: all, type: select, proxies: [DIRECT], include-all-proxies: true}\n"
                + "  - {name: everything, type: select, include-all: true}\n"
                + "  - {name: hk, type: select, proxies: [us-1], include-all-proxies: true, filter: '^hk'}\n"
                + "  - {name: two, type: select, include-all-proxies: true, filter: '^us`(?i)JP'}\n"
                + "  - {name: listed, type: select, proxies: [us-1, hk-1], filter: 'hk'}\n");
        assertEquals(List.of("DIRECT", "hk-1", "hk-2", "jp-1 direct", "us-1"), group(o, "all").members());
        assertEquals(List.of("hk-1", "hk-2", "jp-1 direct", "us-1"), group(o, "everything").members());
        assertEquals(List.of("us-1", "hk-1", "hk-2"), group(o, "hk").members(), "the filter never removes listed members");
        assertEquals(List.of("jp-1 direct", "us-1"), group(o, "two").members(), "backtick-separated patterns");
        assertEquals(List.of("us-1", "hk-1"), group(o, "listed").members(), "mihomo filters only include-all");
        assertTrue(o.warnings().isEmpty() || o.warnings().stream().noneMatch(w -> w.contains("'listed'")));
        assertTrue(parse(PROXIES + "proxy-groups:\n  - {name: listed, type: select, proxies: [us-1], filter: 'hk'}\n")
                .warnings().stream().anyMatch(w -> w.contains("'filter' of group 'listed' has no effect")));
    }

    @Test
    void excludeFilterAndExcludeTypeRemoveMembersListedOrIncluded() throws Exception {
        Outbounds o = build(PROXIES + "proxy-groups:\n"
                + "  - {name: inner, type: url-test, proxies: [hk-1]}\n"
                + "  - {name: no-http, type: select, proxies: [inner, DIRECT], include-all-proxies: true, exclude-type: 'Http|urltest'}\n"
                + "  - {name: no-direct, type: select, include-all: true, exclude-filter: '(?i)direct|^us'}\n"
                + "  - {name: lookaround, type: select, include-all: true, filter: '^(?!.*(direct|us)).*$'}\n");
        assertEquals(List.of("DIRECT", "hk-2", "jp-1 direct"), group(o, "no-http").members());
        assertEquals(List.of("hk-1", "hk-2"), group(o, "no-direct").members());
        assertEquals(List.of("hk-1", "hk-2"), group(o, "lookaround").members(), "mihomo's regexp2 reads look-ahead");
    }

    @Test
    void aGroupLeftEmptyByItsFiltersGoesDirectAsMihomosCompatibleWithAWarning() throws Exception {
        Outbounds o = build(PROXIES + "proxy-providers: {p1: {type: http, url: 'http://192.0.2.80/p1', path: none/p1}}\n"
                + "proxy-groups:\n  - {name: none, type: select, include-all: true, filter: 'nothing'}\n"
                + "  - {name: prov, type: select, use: [p1]}\n");
        assertEquals(List.of("DIRECT"), group(o, "none").members());
        assertTrue(o.warnings().stream().anyMatch(w -> w.contains("'none' has no members left")), o.warnings().toString());
        assertEquals(List.of(), group(o, "prov").members(), "its provider has no nodes: nothing joins, flows refused");
        assertTrue(o.warnings().stream().anyMatch(w -> w.contains("'prov' has no members: its proxy providers (p1)")),
                o.warnings().toString());
    }

    @Test
    void badFiltersAndStatusesAreErrorsAtTheirValue() {
        ConfigException e = assertThrows(ConfigException.class, () -> parse(PROXIES + "proxy-groups:\n"
                + "  - {name: a, type: select, include-all: true, filter: '(unclosed'}\n"
                + "  - {name: b, type: url-test, proxies: [hk-1], expected-status: '200-x'}\n"));
        assertEquals(List.of(
                "t.yaml:7:56: group 'a': 'filter': '(unclosed' is not a regular expression: missing closing )",
                "t.yaml:8:65: 'expected-status' of group 'b': '200-x' is not a status or a range such as 200-299 "
                        + "(expected such as 204, 200/302 or 200-299)"),
                e.problems().stream().map(Throwable::getMessage).toList());
    }

    @Test
    void hiddenIconLazyTimeoutMaxFailedAndExpectedStatusAreKept() throws Exception {
        Outbounds o = build(PROXIES + "proxy-groups:\n"
                + "  - {name: a, type: url-test, proxies: [hk-1], hidden: true, icon: 'https://icons.test/a.png',"
                + " lazy: false, timeout: 1500, max-failed-times: 2, expected-status: '204/300-302'}\n"
                + "  - {name: b, type: select, proxies: [hk-1]}\n");
        GroupEntry a = group(o, "a");
        assertTrue(a.options().hidden());
        assertEquals("https://icons.test/a.png", a.options().icon());
        assertFalse(a.options().lazy());
        assertEquals(1500, a.options().timeoutMillis());
        assertEquals(2, a.options().maxFailedTimes());
        assertTrue(a.options().expectedStatus().accepts(204) && a.options().expectedStatus().accepts(301));
        assertFalse(a.options().expectedStatus().accepts(200));
        GroupEntry b = group(o, "b");
        assertFalse(b.options().hidden());
        assertNull(b.options().icon());
        assertTrue(b.options().lazy(), "mihomo's default");
        assertEquals(5, b.options().maxFailedTimes());
        assertTrue(b.options().expectedStatus().accepts(500));
    }

    @Test
    void disableUdpRefusesUdpFlowsAndSaysSo() throws Exception {
        Outbounds o = build(PROXIES + "proxy-groups:\n  - {name: g, type: select, proxies: [hk-2], disable-udp: true}\n"
                + "  - {name: u, type: select, proxies: [hk-2]}\n");
        assertFalse(o.get("g").supportsUdp());
        assertTrue(o.get("u").supportsUdp());
        Future<DatagramSession> f = o.get("g").openDatagram(flow(Network.UDP), loop, (d, p) -> { });
        assertTrue(f.cause().getMessage().contains("disable-udp"), f.cause().toString());
        assertTrue(fake(o.get("hk-2")).opened.isEmpty());
    }

    @Test
    void whatTheTunnelOpensCarriesDisableUdpOfEveryGroupOnTheWay() throws Exception {
        Outbounds o = build(PROXIES + "proxy-groups:\n  - {name: g, type: select, proxies: [hk-2], disable-udp: true}\n"
                + "  - {name: outer, type: select, proxies: [g]}\n  - {name: plain, type: select, proxies: [hk-2]}\n");
        Outbound exit = ((ProxyGroup) o.get("outer")).exit(flow(Network.UDP));
        assertEquals("hk-2", exit.name(), "named as where the flow leaves");
        assertFalse(exit.supportsUdp());
        assertFalse(o.get("outer").supportsUdp());
        assertTrue(exit.openDatagram(flow(Network.UDP), loop, (d, p) -> { }).cause().getMessage()
                .contains("group 'g' (disable-udp)"));
        assertSame(o.get("hk-2"), ((ProxyGroup) o.get("plain")).exit(flow(Network.UDP)), "nothing asked: the leaf itself");
    }

    /** The plugin's outbound behind the host's guard. */
    private static Fake fake(Outbound o) {
        return (Fake) GuardedOutbound.unwrapped(o);
    }

    private static Metadata flow(Network network) {
        return Metadata.internal(network, Destination.ofHost("example.test", 443));
    }

    @Test
    void aRelayDialsEachHopThroughTheOneBeforeAndSkipsDirect() throws Exception {
        Outbounds o = build(PROXIES + "proxy-groups:\n"
                + "  - {name: pick, type: select, proxies: [us-1, hk-1]}\n"
                + "  - {name: chain, type: relay, proxies: [hk-2, DIRECT, pick, jp-1 direct]}\n"
                + "  - {name: one, type: relay, proxies: [DIRECT, hk-2]}\n");
        ProxyGroup chain = (ProxyGroup) o.get("chain");
        assertFalse(chain.selectable());
        assertFalse(chain.automatic());
        chain.openStream(flow(Network.TCP), loop);
        // The flow is opened by jp-1 rebuilt over us-1 rebuilt over hk-2 as configured.
        Fake configuredLast = fake(o.get("jp-1 direct"));
        assertTrue(configuredLast.opened.isEmpty(), "the configured jp-1 dials the host, not the chain");
        Fake last = fake(((RelayChainsAccess) () -> chain).last(flow(Network.TCP)));
        assertEquals("jp-1 direct", last.name);
        assertEquals(1, last.opened.size());
        Fake middle = fake((Outbound) last.dialer);
        assertEquals("us-1", middle.name);
        assertSame(o.get("hk-2"), middle.dialer, "the first hop is the configured outbound");
        assertSame(HOST, TrackedDialer.unwrapped(fake(o.get("hk-2")).dialer));
        // Following the select group's choice builds (once) a chain through the new member.
        assertTrue(((ProxyGroup) o.get("pick")).select("hk-1"));
        Fake viaHk = fake(((RelayChainsAccess) () -> chain).last(flow(Network.TCP)));
        assertEquals("hk-1", fake((Outbound) viaHk.dialer).name);
        assertSame(viaHk, fake(((RelayChainsAccess) () -> chain).last(flow(Network.TCP))), "chains are kept");
        // UDP across a chain is refused; a relay of one hop (DIRECT skipped) is that hop.
        assertFalse(chain.supportsUdp());
        assertTrue(chain.openDatagram(flow(Network.UDP), loop, (d, p) -> { }).cause().getMessage().contains("relay"));
        o.get("one").openStream(flow(Network.TCP), loop);
        assertEquals(1, fake(o.get("hk-2")).opened.size());
        assertTrue(o.get("one").supportsUdp());
    }

    /** Reaches a relay's current exit without opening anything. */
    @FunctionalInterface
    interface RelayChainsAccess {
        ProxyGroup relay();

        default Outbound last(Metadata flow) throws Exception {
            ProxyGroup r = relay();
            List<Outbound> hops = r.hops(flow);
            return r.chainsForTest().chain(hops);
        }
    }

    @Test
    void aRelayCannotBeAHopOfAnother() {
        ConfigException e = assertThrows(ConfigException.class, () -> build(PROXIES + "proxy-groups:\n"
                + "  - {name: r1, type: relay, proxies: [hk-1, us-1]}\n"
                + "  - {name: r2, type: relay, proxies: [r1, hk-2]}\n"));
        assertEquals("t.yaml:8:5: relay 'r2' names relay 'r1': a relay cannot be a hop of another", e.getMessage());
    }

    @Test
    void interfaceNameAndRoutingMarkOnGroupsAreWarnedAboutAndOnChainedProxiesToo() throws Exception {
        Config c = parse(PROXIES + "proxy-groups:\n  - {name: g, type: select, proxies: [hk-1], interface-name: eth9}\n");
        assertTrue(c.warnings().stream().anyMatch(w -> w.contains("'interface-name' and 'routing-mark' on group 'g' "
                + "are not applied")), c.warnings().toString());
        Outbounds o = build("proxies:\n  - {name: a, type: socks5, server: 192.0.2.1, port: 1}\n"
                + "  - {name: b, type: socks5, server: 192.0.2.2, port: 1, dialer-proxy: a, routing-mark: 7}\n");
        assertTrue(o.warnings().stream().anyMatch(w -> w.contains("of 'b' are not applied: it connects through its "
                + "dialer-proxy 'a'")), o.warnings().toString());
    }

    @Test
    void theOutboundsOthersConnectThroughAreKnownAsCarriers() throws Exception {
        Outbounds o = build("proxies:\n  - {name: a, type: socks5, server: 192.0.2.1, port: 1}\n"
                + "  - {name: b, type: socks5, server: 192.0.2.2, port: 1, dialer-proxy: a}\n"
                + "  - {name: c, type: socks5, server: 192.0.2.3, port: 1}\n"
                + "  - {name: d, type: socks5, server: 192.0.2.4, port: 1}\n"
                + "proxy-groups:\n  - {name: chain, type: relay, proxies: [c, d]}\n"
                + "  - {name: pick, type: select, proxies: [b, d]}\n");
        assertEquals(Set.of("a", "c", "d"), o.carriers());
    }
}
