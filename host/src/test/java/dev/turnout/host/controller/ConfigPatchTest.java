package dev.turnout.host.controller;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.turnout.host.config.Config;
import dev.turnout.host.config.ConfigLoader;
import dev.turnout.host.inbound.Authentication;
import dev.turnout.host.runtime.Turnout;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** What a dashboard's {@code PATCH /configs} may change of the proxy ports, and what it is told otherwise. */
class ConfigPatchTest {

    private static Config parse(String yaml) throws Exception {
        return ConfigLoader.parse(yaml.replace("|", "\n"), "t.yaml", Path.of("t.yaml"), Path.of("/base"));
    }

    @Test
    void allowLanUsesTheBindAddressAsWrittenAndPortsMove() throws Exception {
        Config running = parse("mixed-port: 7890|bind-address: 192.0.2.7");
        assertEquals("127.0.0.1", running.bindAddress(), "allow-lan is off");
        Config lan = ConfigPatch.apply(running, Map.of("allow-lan", true, "socks-port", 7891));
        assertEquals("192.0.2.7", lan.bindAddress());
        assertEquals(7891, lan.socksPort());
        assertEquals(7890, lan.mixedPort());
        Config everywhere = ConfigPatch.apply(lan, Map.of("bind-address", "*", "mixed-port", 0));
        assertEquals("0.0.0.0", everywhere.bindAddress());
        assertEquals(0, everywhere.mixedPort());
        assertEquals("socks-port 7891 on every address (IPv4 and IPv6)", everywhere.listening());
    }

    @Test
    void clientListsReplaceTheRunningOnesAndKeepTheUsers() throws Exception {
        Config running = parse("allow-lan: true|authentication: ['a:b']|lan-disallowed-ips: [192.0.2.9]");
        Config patched = ConfigPatch.apply(running, Map.of("lan-allowed-ips", List.of("192.0.2.0/24", "2001:db8::1"),
                "skip-auth-prefixes", List.of()));
        assertEquals(List.of("192.0.2.0/24", "2001:db8::1/128"), Authentication.texts(patched.authentication().lanAllowed()));
        assertEquals(List.of("192.0.2.9/32"), Authentication.texts(patched.authentication().lanDisallowed()), "not sent: kept");
        assertEquals(List.of(), patched.authentication().skipPrefixes(), "everyone asked");
        assertEquals(Map.of("a", "b"), patched.authentication().users());
        assertEquals("PATCH /configs", patched.originOf("lan-allowed-ips").toString());
        Map<String, Object> view = ClashViews.configs(patched, "rule", "info");
        assertEquals(List.of("192.0.2.0/24", "2001:db8::1/128"), view.get("lan-allowed-ips"));
        assertTrue(view.containsKey("skip-auth-prefixes"));
        assertEquals(null, view.get("skip-auth-prefixes"), "none, as mihomo shows none");
        assertSame(patched, ConfigPatch.apply(patched, Map.of("lan-allowed-ips", view.get("lan-allowed-ips"),
                "lan-disallowed-ips", view.get("lan-disallowed-ips"))), "what GET /configs shows changes nothing");
        Map<String, Object> fresh = ClashViews.configs(parse("mixed-port: 7890"), "rule", "info");
        assertEquals(List.of("0.0.0.0/0", "::/0"), fresh.get("lan-allowed-ips"), "mihomo's default: every client");
        assertEquals(null, fresh.get("skip-auth-prefixes"), "mihomo's default: none, a nil slice (JSON null)");
        assertEquals(List.of("192.0.2.0/24"), ClashViews.configs(parse("skip-auth-prefixes: [192.0.2.0/24]"), "rule",
                "info").get("skip-auth-prefixes"));
        for (Map<String, Object> bad : new Map[] {Map.of("lan-allowed-ips", "192.0.2.0/24"),
                Map.of("lan-disallowed-ips", List.of("guests")), Map.of("skip-auth-prefixes", List.of(24))}) {
            assertThrows(IllegalArgumentException.class, () -> ConfigPatch.apply(running, bad), bad.toString());
        }
    }

    @Test
    void mihomosGeneralKeysShowTheConfigAndGoBackAsRead() throws Exception {
        Map<String, Object> view = ClashViews.configs(parse("tcp-concurrent: true|find-process-mode: off|"
                + "sniffer: {enable: true}|interface-name: eth1|geo-auto-update: true"), "rule", "info");
        assertEquals(true, view.get("tcp-concurrent"));
        assertEquals("off", view.get("find-process-mode"));
        assertEquals(true, view.get("sniffing"));
        assertEquals("eth1", view.get("interface-name"));
        assertEquals(true, view.get("geo-auto-update"));
        ConfigPatch.refuseTheRest(Map.of("tcp-concurrent", true, "sniffing", true, "interface-name", "eth1",
                "geo-update-interval", view.get("geo-update-interval"), "geox-url", view.get("geox-url")), view);
        ConfigPatch.refuseTheRest(Map.of("tcp-concurrent", false, "sniffing", false), view); // mihomo's PATCH sets them
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> ConfigPatch.refuseTheRest(Map.of("find-process-mode", "always", "geo-auto-update", false), view));
        assertTrue(e.getMessage().contains("not find-process-mode, geo-auto-update")
                || e.getMessage().contains("not geo-auto-update, find-process-mode"), e.getMessage());
    }

    @Test
    void anExternalUiUrlIsAnHttpUrlOrRefused() {
        assertEquals("https://x.test/dist.zip", ConfigPatch.uiUrl(Map.of("external-ui-url", " https://x.test/dist.zip ")));
        assertEquals(null, ConfigPatch.uiUrl(Map.of("mode", "rule")));
        for (Object bad : new Object[] {"file:///etc/passwd", "ftp://x.test/a.zip", 5, ""}) {
            assertThrows(IllegalArgumentException.class, () -> ConfigPatch.uiUrl(Map.of("external-ui-url", bad)),
                    String.valueOf(bad));
        }
    }

    @Test
    void valuesThatChangeNothingGiveTheRunningConfigBack() throws Exception {
        Config running = parse("mixed-port: 7890");
        assertSame(running, ConfigPatch.apply(running, Map.of("mixed-port", 7890, "allow-lan", false, "mode", "rule")));
    }

    @Test
    void whatIsNotAPortOrAnAddressIsRefused() throws Exception {
        Config running = parse("mixed-port: 7890");
        for (Map<String, Object> bad : new Map[] {Map.of("mixed-port", 70000), Map.of("port", -1),
                Map.of("socks-port", 1.5), Map.of("mixed-port", "7891"), Map.of("allow-lan", "yes"),
                Map.of("bind-address", "lan.example")}) {
            assertThrows(IllegalArgumentException.class, () -> ConfigPatch.apply(running, bad), bad.toString());
        }
    }

    @Test
    void keysTurnoutDoesNotChangeAreRefusedByNameUnlessSentBackAsRead() throws Exception {
        Map<String, Object> view = ClashViews.configs(parse("mixed-port: 7890"), "rule", "info");
        ConfigPatch.refuseTheRest(Map.of("ipv6", false, "redir-port", 0, "tproxy-port", 0.0, "mode", "global",
                "routing-mark", 0), view);
        ConfigPatch.refuseTheRest(Map.of("tun", Map.of("enable", true, "device", "t1", "mtu", 1500), "sniffing", true,
                "interface-name", "eth1", "tcp-concurrent", true, "unified-delay", true), view);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> ConfigPatch.refuseTheRest(
                Map.of("tun", Map.of("enable", true, "state-file", "/etc/passwd"), "routing-mark", 7893), view));
        assertEquals("Turnout changes mode, log-level, allow-lan, bind-address, mixed-port, socks-port, port, "
                + "redir-port, tproxy-port, skip-auth-prefixes, lan-allowed-ips, lan-disallowed-ips, external-ui-url, "
                + "ipv6, interface-name, tcp-concurrent, sniffing, unified-delay, tun and dns (but its enable and "
                + "listen) while running, not routing-mark, tun.state-file: edit the config and restart Turnout (POST "
                + "/restart)", e.getMessage());
        ConfigPatch.refuseTheRest(Map.of("redir-port", 7892), view); // yacd's and metacubexd's Redir Port field
        ConfigPatch.refuseTheRest(Map.of("tproxy-port", 7893), view); // and metacubexd's TProxy Port field
    }

    /** mihomo shows the TUN's options with its switch off too; a dashboard may send them back when it turns it on. */
    @Test
    void theTunSectionsOptionsShowWhileItIsOffAndMayBeSentBackWithTheSwitch() throws Exception {
        Config c = parse("tun: {enable: false, device: tswitch0, mtu: 1500, dns-hijack: ['any:53']}");
        Map<String, Object> view = ClashViews.configs(c, "rule", "info", null, Turnout.tunSectionOf(c));
        assertEquals(Map.ofEntries(Map.entry("enable", false), Map.entry("device", "tswitch0"),
                Map.entry("stack", "System"), Map.entry("dns-hijack", List.of("any:53")), Map.entry("auto-route", true),
                Map.entry("auto-detect-interface", true), Map.entry("mtu", 1500), Map.entry("gso", true),
                Map.entry("inet4-address", List.of("198.18.0.1/30")),
                Map.entry("inet6-address", List.of("fdfe:dcba:9876::1/126")), Map.entry("strict-route", true),
                Map.entry("udp-timeout", 60), Map.entry("file-descriptor", 0)), view.get("tun"));
        ConfigPatch.refuseTheRest(Map.of("tun", Map.of("enable", true, "stack", "System", "device", "tswitch0",
                "mtu", 1500, "auto-route", true)), view);
        Config bare = parse("mixed-port: 7890");
        Map<String, Object> none = ClashViews.configs(bare, "rule", "info", null, Turnout.tunSectionOf(bare));
        assertEquals("", ((Map<?, ?>) none.get("tun")).get("device"), "no device written: the kernel names it");
        assertEquals(List.of("0.0.0.0:53"), ((Map<?, ?>) none.get("tun")).get("dns-hijack"), "mihomo's default");
    }

    /**
     * mihomo's tun section carries the TUN's addresses and route lists (config.Tun's JSON): whether the TUN has IPv6 is
     * what decides whether IPv6 flows are taken. Switches that are off and empty lists are left out, as mihomo's
     * omitempty leaves them; a dashboard sending the section back as it read it changes nothing.
     */
    @Test
    void theTunsAddressesAndRouteListsShowAsInMihomosTunSection() throws Exception {
        Config c = parse("tun: {enable: false, inet4-address: [198.18.0.1/30], inet6-address: ['fdfe:dcba:9876::1/126'],"
                + " strict-route: false, gso: false, udp-timeout: 30, route-address: [192.0.2.0/24, '2001:db8::/32'],"
                + " route-exclude-address: [192.0.2.128/25]}");
        Map<String, Object> view = ClashViews.configs(c, "rule", "info", null, Turnout.tunSectionOf(c));
        Map<?, ?> tun = (Map<?, ?>) view.get("tun");
        assertEquals(List.of("198.18.0.1/30"), tun.get("inet4-address"), tun::toString);
        assertEquals(List.of("fdfe:dcba:9876::1/126"), tun.get("inet6-address"), tun::toString);
        assertEquals(List.of("192.0.2.0/24", "2001:db8::/32"), tun.get("route-address"), tun::toString);
        assertEquals(List.of("192.0.2.128/25"), tun.get("route-exclude-address"), tun::toString);
        assertEquals(30, tun.get("udp-timeout"), tun::toString);
        assertFalse(tun.containsKey("strict-route") || tun.containsKey("gso"), tun::toString);
        Map<String, Object> sentBack = ConfigPatch.tun(Map.<String, Object>of("tun", tun));
        assertFalse(ConfigPatch.changesSection(sentBack, tun), "the section as read changes nothing");
        Config v4 = parse("ipv6: false|tun: {enable: false}");
        Map<?, ?> only4 = (Map<?, ?>) ClashViews.configs(v4, "rule", "info", null, Turnout.tunSectionOf(v4)).get("tun");
        assertFalse(only4.containsKey("inet6-address"), only4::toString);
        assertFalse(only4.containsKey("route-address"), "no routes listed: everything is captured; " + only4);
    }

    /** metacubexd's IPv6 switch: the top-level ipv6 as the config runs it, and a PATCH that sets it. */
    @Test
    void ipv6ShowsTheTopLevelKeyWhichIsOnUnlessTheConfigSaysOtherwise() throws Exception {
        assertEquals(true, ClashViews.configs(parse("mixed-port: 7890"), "rule", "info").get("ipv6"),
                "mihomo's default");
        Config off = parse("mixed-port: 7890|ipv6: false");
        assertEquals(false, ClashViews.configs(off, "rule", "info").get("ipv6"));
        assertEquals(true, ClashViews.configs(off.withIpv6(true), "rule", "info").get("ipv6"));
        ConfigPatch.refuseTheRest(Map.of("ipv6", true), ClashViews.configs(off, "rule", "info"));
        assertEquals(Boolean.FALSE, ConfigPatch.ipv6(Map.of("ipv6", false)));
        assertEquals(null, ConfigPatch.ipv6(Map.of("mode", "rule")));
        for (Object bad : new Object[] {"false", 0, List.of()}) {
            assertThrows(IllegalArgumentException.class, () -> ConfigPatch.ipv6(Map.of("ipv6", bad)),
                    String.valueOf(bad));
        }
    }

    /**
     * The TUN keys a PATCH sets, as mihomo's: metacubexd's and zashboard's switch ({"tun": {"enable": ...}}),
     * metacubexd's device field and stack list; anything else there a clear 400.
     */
    @Test
    void theTunsKeysAreRead() {
        assertEquals(Map.of("enable", true), ConfigPatch.tun(Map.of("tun", Map.of("enable", true))));
        assertEquals(Map.of("device", "utun9"), ConfigPatch.tun(Map.of("tun", Map.of("device", "utun9",
                "stack", "System"))), "metacubexd spells the stack as it lists it");
        assertEquals(null, ConfigPatch.tun(Map.of("mode", "rule")));
        assertEquals(null, ConfigPatch.tun(Map.of("tun", Map.of())));
        assertEquals(null, ConfigPatch.tun(Map.of("tun", Map.of("state-file", "/etc/passwd"))),
                "never a path Turnout writes to (refuseTheRest names it)");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> ConfigPatch.tun(Map.of("tun", true)));
        assertEquals("Body invalid: tun must be an object such as {\"enable\": true}", e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> ConfigPatch.tun(Map.of("tun", Map.of("enable", "on"))));
        e = assertThrows(IllegalArgumentException.class,
                () -> ConfigPatch.tun(Map.of("tun", Map.of("stack", "vpn"))));
        assertEquals("Body invalid: tun.stack vpn: expected gvisor, system or mixed", e.getMessage());
        assertTrue(ConfigPatch.changesSection(Map.of("device", "utun9"), Map.of("enable", false, "device", "")));
        assertEquals(false, ConfigPatch.changesSection(Map.of("enable", true), Map.of("enable", true, "device", "t0")));
    }

    /**
     * gvisor and mixed (mihomo's default stack and metacubexd's list) are taken as the config's are at the start: with a
     * warning, on the system stack; a stack mihomo does not know is refused, as its PATCH refuses it.
     */
    @Test
    void aGvisorOrMixedStackIsTakenWithANoteAsTheStartTakesItAndRunsTheSystemStack() {
        for (String stack : List.of("gVisor", "gvisor", "Mixed")) {
            assertEquals(Map.of("enable", true), ConfigPatch.tun(Map.of("tun", Map.of("enable", true, "stack", stack))),
                    stack);
            assertEquals("tun.stack " + stack + " set by the controller: not implemented by Turnout; the system stack"
                    + " is used (the kernel's TCP)", ConfigPatch.stackNote(Map.of("tun", Map.of("stack", stack))));
        }
        assertEquals(null, ConfigPatch.stackNote(Map.of("tun", Map.of("stack", "System"))));
        assertEquals(null, ConfigPatch.stackNote(Map.of("tun", Map.of("enable", true))));
        assertThrows(IllegalArgumentException.class, () -> ConfigPatch.stackNote(Map.of("tun", Map.of("stack", "lwip"))));
    }

    /** metacubexd's Core Config card: interface-name and unified-delay; mihomo's tcp-concurrent and sniffing. */
    @Test
    void theSettingsBesideThePortsAreReadAndCheckedLikeTheConfigs() throws Exception {
        Config.Patchable running = parse("mixed-port: 7890|sniffer: {enable: false, sniff: {TLS: {ports: [443]}}}")
                .patchable();
        assertSame(running.interfaceName(), ConfigPatch.general(running, Map.of("mode", "rule")).interfaceName());
        assertEquals(running, ConfigPatch.general(running, Map.of("mode", "rule")));
        Config.Patchable p = ConfigPatch.general(running, Map.of("interface-name", "eth1", "tcp-concurrent", true,
                "unified-delay", true, "sniffing", true));
        assertEquals("eth1", p.interfaceName());
        assertEquals(true, p.tcpConcurrent());
        assertEquals(true, p.unifiedDelay());
        assertEquals(true, p.sniffer().values().get("enable"));
        assertEquals(Map.of("ports", List.of(443)), ((Map<?, ?>) p.sniffer().values().get("sniff")).get("TLS"),
                "the rest of the section stays");
        assertEquals(null, ConfigPatch.general(p, Map.of("interface-name", "")).interfaceName(), "\"\": none");
        Config.Patchable none = parse("mixed-port: 7890").patchable();
        assertEquals(null, ConfigPatch.general(none, Map.of("sniffing", true)).sniffer().values().get("enable"),
                "no sniffer to switch on: nothing changes, as mihomo's SetSniffing");
        assertEquals(7892, ConfigPatch.general(running, Map.of("redir-port", 7892)).redirPort());
        Config withRedir = parse("mixed-port: 7890|redir-port: 7892");
        Config moved = withRedir.with(ConfigPatch.general(withRedir.patchable(), Map.of("redir-port", 7893)));
        assertEquals(7893, moved.redirPort());
        assertEquals(1, moved.listeners().size(), "moved, not added");
        assertEquals(0, withRedir.with(ConfigPatch.general(withRedir.patchable(), Map.of("redir-port", 0)))
                .listeners().size(), "0: none");
        assertEquals("0.0.0.0", ConfigPatch.apply(withRedir, Map.of("allow-lan", true)).listeners().get(0).address(),
                "the Allow LAN switch moves it with the proxy ports");
        assertEquals("127.0.0.1", ConfigPatch.apply(ConfigPatch.apply(withRedir, Map.of("allow-lan", true)),
                Map.of("allow-lan", false)).listeners().get(0).address());
        Config withBoth = parse("mixed-port: 7890|redir-port: 7892|tproxy-port: 7896");
        Config tproxyMoved = withBoth.with(ConfigPatch.general(withBoth.patchable(), Map.of("tproxy-port", 7897)));
        assertEquals(7897, tproxyMoved.tproxyPort());
        assertEquals(7892, tproxyMoved.redirPort(), "the other stays");
        assertEquals(2, tproxyMoved.listeners().size(), "moved, not added");
        assertEquals(List.of(7896), parse("mixed-port: 7890").with(ConfigPatch.general(running,
                Map.of("tproxy-port", 7896))).listeners().stream().map(l -> l.port()).toList(), "opened by a PATCH");
        assertEquals("0.0.0.0", ConfigPatch.apply(withBoth, Map.of("allow-lan", true)).listeners().get(1).address(),
                "the Allow LAN switch moves both");
        for (Map<String, Object> bad : List.<Map<String, Object>>of(Map.of("interface-name", 3),
                Map.of("interface-name", "a-name-far-too-long"), Map.of("interface-name", "../x"),
                Map.of("tcp-concurrent", "yes"), Map.of("unified-delay", 1), Map.of("sniffing", "on"),
                Map.of("redir-port", 70000), Map.of("tproxy-port", "7896"))) {
            assertThrows(IllegalArgumentException.class, () -> ConfigPatch.general(running, bad), bad.toString());
        }
    }

    /**
     * metacubexd's DNS card: GET shows the section's mode, servers, range and use-hosts, and a PATCH sends them back
     * changed (use-hosts among them, which the DNS server follows); a DNS without servers, and the listener or the
     * switch are refused by name. Absent keys show mihomo's defaults (redir-host).
     */
    @Test
    void theDnsCardsKeysAreShownReadAndTheRestRefused() throws Exception {
        Config c = parse("dns:|  enable: true|  listen: 127.0.0.1:1053|  enhanced-mode: fake-ip"
                + "|  nameserver: [192.0.2.53]");
        Map<String, Object> view = ClashViews.configs(c, "rule", "info");
        Map<String, Object> dns = new java.util.LinkedHashMap<>();
        dns.put("enable", true);
        dns.put("listen", "127.0.0.1:1053");
        dns.put("ipv6", false);
        dns.put("enhanced-mode", "fake-ip");
        dns.put("fake-ip-range", "198.18.0.1/16");
        dns.put("nameserver", List.of("192.0.2.53"));
        dns.put("fallback", List.of());
        dns.put("use-hosts", true);
        assertEquals(dns, view.get("dns"));

        Map<String, Object> card = Map.of("dns", Map.of("enhanced-mode", "redir-host", "nameserver",
                List.of("192.0.2.54"), "fallback", List.of(), "fake-ip-range", "", "use-hosts", true));
        Map<String, Object> changes = new java.util.LinkedHashMap<>();
        changes.put("enhanced-mode", "redir-host");
        changes.put("nameserver", List.of("192.0.2.54"));
        changes.put("fallback", List.of());
        changes.put("fake-ip-range", null);
        changes.put("use-hosts", true);
        assertEquals(changes, ConfigPatch.dns(card), "an empty range: the default");
        assertEquals(Map.of("use-hosts", false), ConfigPatch.dns(Map.of("dns", Map.of("use-hosts", false))));
        @SuppressWarnings("unchecked")
        Map<String, Object> bare = (Map<String, Object>) ClashViews.configs(parse("dns:|  enable: true|  use-hosts: "
                + "false|  nameserver: [192.0.2.53]"), "rule", "info").get("dns");
        assertEquals("redir-host", bare.get("enhanced-mode"));
        assertEquals(false, bare.get("use-hosts"));
        ConfigPatch.refuseTheRest(card, view);
        assertTrue(ConfigPatch.changesSection(ConfigPatch.dns(card), view.get("dns")));
        assertEquals(null, ConfigPatch.dns(Map.of("mode", "rule")));

        for (Map<String, Object> bad : List.<Map<String, Object>>of(Map.of("dns", "fake-ip"),
                Map.of("dns", Map.of("nameserver", List.of())))) {
            assertThrows(IllegalArgumentException.class, () -> ConfigPatch.dns(bad), bad.toString());
        }
        ConfigPatch.refuseTheRest(Map.of("dns", Map.of("enable", true, "listen", "127.0.0.1:1053")), view);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> ConfigPatch.refuseTheRest(
                Map.of("dns", Map.of("enable", false, "listen", "0.0.0.0:53")), view));
        assertTrue(e.getMessage().contains("dns.enable") && e.getMessage().contains("dns.listen"), e.getMessage());
    }
}
