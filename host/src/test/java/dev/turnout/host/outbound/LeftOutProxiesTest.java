package dev.turnout.host.outbound;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.turnout.api.Destination;
import dev.turnout.api.Metadata;
import dev.turnout.api.Network;
import dev.turnout.api.OptionException;
import dev.turnout.api.Outbound;
import dev.turnout.api.OutboundContext;
import dev.turnout.api.OutboundOptions;
import dev.turnout.api.OutboundType;
import dev.turnout.api.RejectedException;
import dev.turnout.api.Resolver;
import dev.turnout.api.UnsupportedOptionException;
import dev.turnout.host.config.ConfigException;
import io.netty.channel.DefaultEventLoop;
import io.netty.channel.EventLoop;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * {@code proxies:} entries that ask for what no plugin here implements are left out, and the config goes on: groups
 * without them, a name that routes to one refused, a group or relay emptied by them refused, never DIRECT.
 */
class LeftOutProxiesTest {

    /** A socks5 type whose entries with {@code flow:} are "not implemented", and with a port out of range mistaken. */
    private static OutboundType socks5() {
        return new OutboundType() {
            public String type() {
                return "socks5";
            }

            public Outbound create(OutboundOptions options, OutboundContext context) throws OptionException {
                if (options.has("flow")) {
                    throw new UnsupportedOptionException("flow", "'flow' is not implemented by the socks5 plugin");
                }
                int port = options.integer("port", 1);
                if (port < 1 || port > 65535) {
                    throw new OptionException("port", "'port' must be a port from 1 to 65535, got " + port);
                }
                return new GroupKeysTest.Fake(options.name(), "socks5", context.dialer(), true);
            }
        };
    }

    private static OutboundType plain(String name) {
        return new OutboundType() {
            public String type() {
                return name;
            }

            public Outbound create(OutboundOptions options, OutboundContext context) {
                return new GroupKeysTest.Fake(options.name(), name, context.dialer(), true);
            }
        };
    }

    private static Outbounds build(String... lines) throws ConfigException {
        Map<String, OutboundType> types = Map.of("direct", plain("direct"), "reject", plain("reject"),
                "reject-drop", plain("reject-drop"), "socks5", socks5());
        return new OutboundFactory(types, null, (Resolver) null).build(GroupKeysTest.parse(String.join("\n", lines)));
    }

    private static final String PROXIES = String.join("\n",
            "proxies:",
            "  - {name: hy2, type: hysteria2, server: 192.0.2.1, port: 443, password: p}",
            "  - {name: vision, type: socks5, server: 192.0.2.2, port: 1080, flow: xtls-rprx-vision}",
            "  - {name: behind, type: socks5, server: 192.0.2.3, port: 1080, dialer-proxy: hy2}",
            "  - {name: s5, type: socks5, server: 192.0.2.4, port: 1080}");

    @Test
    void groupsGoOnWithoutWhatWasLeftOutAndEachIsOneWarningAtItsPlace() throws Exception {
        Outbounds o = build(PROXIES,
                "proxy-groups:",
                "  - {name: PROXY, type: select, proxies: [hy2, vision, s5, DIRECT]}",
                "  - {name: auto, type: url-test, include-all-proxies: true}");
        assertEquals(List.of("s5", "DIRECT"), ((ProxyGroup) o.get("PROXY")).members());
        assertEquals(List.of("s5"), ((ProxyGroup) o.get("auto")).members());
        assertTrue(!((ProxyGroup) o.get("GLOBAL")).members().contains("hy2"), o.get("GLOBAL").toString());
        List<String> about = o.warnings().stream().filter(w -> w.contains("is left out")).toList();
        assertEquals(List.of(
                "t.yaml:2:23: 'hy2' is left out: type 'hysteria2' (mihomo's Hysteria2) is not implemented by Turnout;"
                        + " its groups go on without it, and flows routed to it by name are refused",
                "t.yaml:3:71: 'vision' is left out: 'flow' is not implemented by the socks5 plugin; its groups go on"
                        + " without it, and flows routed to it by name are refused",
                "t.yaml:4:79: 'behind' is left out: its dialer-proxy 'hy2' was left out; its groups go on without it,"
                        + " and flows routed to it by name are refused"), about);
    }

    @Test
    void aNameThatRoutesToALeftOutEntryIsRefusedWithTheReason() throws Exception {
        Outbounds o = build(PROXIES);
        Outbound hy2 = o.get("hy2");
        assertEquals("Hysteria2", AdapterTypes.mihomoName(hy2.type()), "a dashboard shows what it was");
        EventLoop loop = new DefaultEventLoop();
        try {
            Metadata flow = Metadata.internal(Network.TCP, Destination.ofHost("example.com", 443));
            Throwable cause = hy2.openStream(flow, loop).awaitUninterruptibly().cause();
            RejectedException refused = assertInstanceOf(RejectedException.class, cause);
            assertEquals("'hy2' was left out: type 'hysteria2' (mihomo's Hysteria2) is not implemented by Turnout",
                    refused.getMessage());
            assertInstanceOf(RejectedException.class, hy2.openDatagram(flow, loop, (d, b) -> { })
                    .awaitUninterruptibly().cause());
        } finally {
            loop.shutdownGracefully(0, 0, TimeUnit.SECONDS);
        }
    }

    @Test
    void aGroupOrRelayLeftWithNothingRefusesItsFlowsRatherThanGoingDirect() throws Exception {
        Outbounds o = build(PROXIES,
                "proxy-groups:",
                "  - {name: only-hy2, type: select, proxies: [hy2, vision]}",
                "  - {name: chain, type: relay, proxies: [s5, hy2]}");
        ProxyGroup only = (ProxyGroup) o.get("only-hy2");
        assertEquals(List.of(), only.members());
        ProxyGroup chain = (ProxyGroup) o.get("chain");
        assertEquals(List.of(), chain.members());
        Metadata flow = Metadata.internal(Network.TCP, Destination.ofHost("example.com", 443));
        EventLoop loop = new DefaultEventLoop();
        try {
            assertThrows(IllegalStateException.class, () -> only.openStream(flow, loop));
            IllegalStateException e = assertThrows(IllegalStateException.class, () -> chain.openStream(flow, loop));
            assertEquals("relay 'chain' has no members", e.getMessage());
        } finally {
            loop.shutdownGracefully(0, 0, TimeUnit.SECONDS);
        }
        assertTrue(o.warnings().contains("t.yaml:7:5: group 'only-hy2' has no members: 'hy2', 'vision' were left"
                + " out; flows routed to it are refused"), o.warnings().toString());
        assertTrue(o.warnings().contains("t.yaml:8:5: relay 'chain' has no way through: its hop 'hy2' left out;"
                + " flows routed to it are refused"), o.warnings().toString());
    }

    @Test
    void providerNodesDialingThroughALeftOutEntryAreSkippedSayingSo() throws Exception {
        var c = GroupKeysTest.parse(String.join("\n", PROXIES,
                "proxy-providers:",
                "  sub:",
                "    type: inline",
                "    override: {dialer-proxy: hy2}",
                "    payload:",
                "      - {name: n1, type: socks5, server: 192.0.2.5, port: 1080}",
                "      - {name: hy2, type: socks5, server: 192.0.2.6, port: 1080}",
                "proxy-groups:",
                "  - {name: G, type: select, use: [sub], proxies: [hy2]}"));
        List<ConfigException> errors = new java.util.ArrayList<>();
        var loaded = dev.turnout.host.provider.ProxyProviders.load(c, null, errors);
        assertEquals(List.of(), errors);
        Map<String, OutboundType> types = Map.of("direct", plain("direct"), "reject", plain("reject"),
                "reject-drop", plain("reject-drop"), "socks5", socks5());
        Outbounds o = new OutboundFactory(types, null, (Resolver) null).build(c, loaded.providers());
        assertEquals(List.of(), ((ProxyGroup) o.get("G")).members());
        assertTrue(o.warnings().contains("t.yaml:8:5: proxy provider 'sub': 2 nodes skipped (2 dialing through 'hy2',"
                + " which was left out); 1 renamed 'NAME (sub)', their names being taken; 0 in use"), o.warnings().toString());
        assertTrue(o.warnings().contains("t.yaml:14:5: group 'G' has no members: 'hy2' was left out and its proxy"
                + " providers (sub) have no nodes now; flows routed to it are refused"), o.warnings().toString());
    }

    @Test
    void aPlaceholderNodeWithPortZeroIsLeftOutAsNothingCanConnectToIt() throws Exception {
        // Accademia/Clash_Configuration_Template's nodes for the user to fill: server 0.0.0.0, port 00000.
        Outbounds o = build("proxies:",
                "  - {name: todo, type: socks5, server: 0.0.0.0, port: 00000}",
                "  - {name: text, type: socks5, server: 0.0.0.0, port: '0'}",
                "  - {name: s5, type: socks5, server: 192.0.2.4, port: 1080}",
                "proxy-groups:",
                "  - {name: G, type: select, proxies: [todo, text, s5]}");
        assertEquals(List.of("t.yaml:2:55: 'todo' is left out: its 'port' is 0, a placeholder nothing can connect to;"
                        + " its groups go on without it, and flows routed to it by name are refused",
                "t.yaml:3:55: 'text' is left out: its 'port' is 0, a placeholder nothing can connect to; its groups go"
                        + " on without it, and flows routed to it by name are refused"),
                o.warnings().stream().filter(w -> w.contains("left out")).toList());
    }

    @Test
    void aMistakeInAnEntryAndAnUnknownTypeStillStopTheConfig() {
        ConfigException e = assertThrows(ConfigException.class, () -> build("proxies:",
                "  - {name: a, type: socks5, server: 192.0.2.1, port: 99999}",
                "  - {name: b, type: hystria2, server: 192.0.2.1, port: 443}"));
        assertEquals(List.of("t.yaml:2:54: 'port' must be a port from 1 to 65535, got 99999",
                "t.yaml:3:21: unknown outbound type 'hystria2' for 'b'; available types: direct, reject, reject-drop,"
                        + " socks5"),
                e.problems().stream().map(Throwable::getMessage).toList());
    }
}
