package dev.turnout.host.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.turnout.host.config.Config;
import dev.turnout.host.config.ConfigException;
import dev.turnout.host.dns.FakeIpFilter;
import dev.turnout.host.config.ConfigLoader;
import dev.turnout.host.dns.Nameserver;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class SettingsTest {

    static Config parse(String yaml) throws ConfigException {
        return ConfigLoader.parse(yaml.replace("|", "\n"), "t.yaml", Path.of("t.yaml"), Path.of("/base"));
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiterString = " ~ ", value = {
        "fake-ip-range ~ dns:|  enable: true|  enhanced-mode: fake-ip|  fake-ip-range: 198.18.0.1/99 ~ t.yaml:4:18: dns: prefix /99 out of range for /198.18.0.1",
        "tun address ~ tun:|  enable: true|  inet4-address: notanip ~ t.yaml:3:18: 'inet4-address' must be an address with a prefix such as 198.18.0.1/30, got 'notanip'",
        "controller without port ~ external-controller: abc ~ t.yaml:1:22: external-controller 'abc' needs HOST:PORT, e.g. 127.0.0.1:9090",
        "hosts ~ hosts:|  a.test: not-an-ip ~ t.yaml:2:3: hosts 'a.test': 'not-an-ip' is neither an IP address nor a domain name to answer for instead",
        "DoH by name and nothing by address ~ dns:|  enable: true|  nameserver: ['https://doh.pub/dns-query'] ~ t.yaml:3:15: dns: nameserver 'https://doh.pub:443/dns-query' is known by host name (doh.pub): list servers by IP address under default-nameserver (or under nameserver) to look it up, or give its address in hosts:",
        "default-nameserver by name ~ dns:|  enable: true|  default-nameserver: ['tls://dns.google']|  nameserver: [8.8.8.8] ~ t.yaml:3:23: dns: default-nameserver 'tls://dns.google:853' is known by host name (dns.google), but default-nameserver is what looks such names up: give its address",
        "ecs not a prefix ~ dns:|  enable: true|  nameserver: [192.0.2.53, '192.0.2.54#ecs=banana'] ~ t.yaml:3:15: dns: nameserver '192.0.2.54#ecs=banana': ecs 'banana' is not an address prefix such as 198.51.100.0/24 or 2001:db8::/56",
        "nameserver written empty ~ dns:|  enable: true|  nameserver: [] ~ t.yaml:3:15: dns: nameserver is empty: with the DNS on, it needs a server (as mihomo requires); leave the key out to ask the system's servers",
        "nameserver with no value ~ dns:|  enable: true|  nameserver: ~ t.yaml:3:14: dns: nameserver is empty: with the DNS on, it needs a server (as mihomo requires); leave the key out to ask the system's servers",
        "ecs too long ~ dns:|  enable: true|  nameserver: [192.0.2.53]|  fallback: ['https://192.0.2.54/dns-query#PROXY&ecs=198.51.100.0/40'] ~ t.yaml:4:13: dns: nameserver 'https://192.0.2.54/dns-query#PROXY&ecs=198.51.100.0/40': ecs '198.51.100.0/40': prefix /40 is longer than an IPv4 address (32 bits)",
    })
    void whatRunRefusesIsRefusedWithItsPosition(String name, String yaml, String expected) throws Exception {
        Config c = parse(yaml);
        ConfigException e = assertThrows(ConfigException.class, () -> Settings.of(c));
        assertEquals(expected, e.getMessage());
    }

    @Test
    void aServerWhoseNameHostsGivesAnAddressNeedsNoDefaultNameserverAsInMihomo() throws Exception {
        // DustinWin's mihomo configs (a config of theirs was refused): hosts: has the DoH servers, nothing else does.
        Config c = parse("hosts:|  dns.alidns.com: [192.0.2.5, 2001:db8::5]|  '+.pub': 192.0.2.6|dns:|  enable: true"
                + "|  nameserver: ['https://dns.alidns.com/dns-query', 'https://doh.pub/dns-query']"
                + "|  nameserver-policy: {'rule-set:ads': [rcode://success]}");
        assertEquals(List.of("dns.alidns.com", "doh.pub"), Settings.of(c).dns().nameserver().stream()
                .map(Nameserver::host).toList());
        ConfigException other = assertThrows(ConfigException.class, () -> Settings.of(parse(
                "hosts:|  dns.alidns.com: 192.0.2.5|dns:|  enable: true|  nameserver: ['https://dns.alidns.com/dns-query',"
                        + " 'tls://dns.google']")));
        assertTrue(other.getMessage().contains("'tls://dns.google:853' is known by host name (dns.google)"),
                other.getMessage());
        // mihomo leaves a name its table cannot hold out, without a word; Turnout says so.
        Config badPattern = parse("hosts:|  'a..test': 192.0.2.5|  dns.alidns.com: 192.0.2.5|dns:|  enable: true"
                + "|  nameserver: ['https://dns.alidns.com/dns-query']");
        assertEquals(List.of("t.yaml:2:3: hosts 'a..test': empty label in domain pattern 'a..test'; left out, as mihomo"
                + " leaves it out"), badPattern.warnings());
        assertEquals(java.util.Set.of("dns.alidns.com"), Settings.of(badPattern).hosts().keySet());
    }

    @Test
    void aPolicyPatternWithAPlusPastItsStartMatchesNoNameAndIsLeftOutSayingSo() throws Exception {
        // aiboboxx/clashfree's subconverter output: '+.bilivideo.+'; mihomo takes the last '+' as a literal label.
        Config c = parse("dns:|  enable: true|  nameserver: [192.0.2.53]"
                + "|  nameserver-policy: {'+.bilivideo.+,+.bilibili.com': 192.0.2.54}");
        assertEquals(java.util.Set.of("+.bilibili.com"), Settings.of(c).dns().nameserverPolicy().keySet());
        assertEquals(List.of("t.yaml:4:22: dns: nameserver-policy '+.bilivideo.+,+.bilibili.com': '+.bilivideo.+'"
                + " matches no name ('+' stands only at a pattern's start; mihomo takes it as a label no name has);"
                + " left out"), c.warnings());
    }

    /**
     * mihomo's parseNameServerPolicy passes respect-rules on: a policy's servers without a # of their own go where the
     * rules send a connection to them, as nameserver's do. They went direct (s69's keys tester, F13: a DNS leak).
     */
    @Test
    void respectRulesSendsNameserverPolicysServersThroughTheRulesToo() throws Exception {
        var dns = Settings.of(parse("dns:|  enable: true|  respect-rules: true|  nameserver: [192.0.2.53]"
                + "|  proxy-server-nameserver: [192.0.2.54]"
                + "|  nameserver-policy: {'+.pol.test': 198.51.100.53, '+.own.test': '198.51.100.54#px'}")).dns();
        assertEquals(dev.turnout.host.dns.Nameserver.RULES, dns.nameserver().get(0).via());
        assertEquals(dev.turnout.host.dns.Nameserver.RULES, dns.nameserverPolicy().get("+.pol.test").get(0).via());
        assertEquals("px", dns.nameserverPolicy().get("+.own.test").get(0).via(), "its own # is kept");
        var off = Settings.of(parse("dns:|  enable: true|  nameserver: [192.0.2.53]"
                + "|  nameserver-policy: {'+.pol.test': 198.51.100.53}")).dns();
        assertEquals(null, off.nameserverPolicy().get("+.pol.test").get(0).via());
    }

    @Test
    void nameserverPolicyIsReadWithItsCommaSeparatedPatternsAndSetsInTheOrderWritten() throws Exception {
        Config c = parse("dns:|  enable: true|  nameserver: [192.0.2.53]|  nameserver-policy:"
                + "|    'www.baidu.com,+.google.cn': [192.0.2.1, 'tls://192.0.2.2']|    'geosite:CN,private': 192.0.2.4"
                + "|    '+.corp.example': 192.0.2.3|    'rule-set:Corp': 'https://192.0.2.4/dns-query'"
                + "|    'geoip:cn': 192.0.2.5|    '+.ads.example': 'rcode://success'");
        var policy = Settings.of(c).dns().nameserverPolicy();
        assertEquals(List.of("www.baidu.com", "+.google.cn", "geosite:cn", "geosite:private", "+.corp.example",
                "rule-set:Corp", "+.ads.example"), List.copyOf(policy.keySet()),
                "GeoSite.dat's names in lower case, providers' as written");
        assertEquals("[rcode://success]", policy.get("+.ads.example").toString());
        assertEquals("[udp://192.0.2.1:53, tls://192.0.2.2:853]", policy.get("+.google.cn").toString());
        assertEquals("[udp://192.0.2.4:53]", policy.get("geosite:private").toString());
        assertEquals(List.of(
                "t.yaml:5:5: dns: nameserver-policy 'geoip:cn': geoip: keys are not supported yet; those names are"
                        + " asked of 'nameserver'"), c.warnings());
        ConfigException e = assertThrows(ConfigException.class, () -> Settings.of(parse(
                "dns:|  enable: true|  nameserver: ['tls://dns.example']|  nameserver-policy: {'+.a.example': 'https://doh.example/q'}")));
        assertEquals("t.yaml:4:22: dns: nameserver-policy 'https://doh.example:443/q' is known by host name"
                + " (doh.example): list servers by IP address under default-nameserver (or under nameserver) to look it"
                + " up, or give its address in hosts:", e.problems().get(1).getMessage(), e.getMessage());
        ConfigException empty = assertThrows(ConfigException.class, () -> Settings.of(parse(
                "dns:|  enable: true|  nameserver: [192.0.2.53]|  nameserver-policy: {'rule-set:': 192.0.2.1}")));
        assertEquals("t.yaml:4:22: dns: nameserver-policy 'rule-set:' names no rule-set (write rule-set:NAME)",
                empty.getMessage());
    }

    @Test
    void withoutDefaultNameserverTheNamesOfServersAreLookedUpThroughThoseWrittenByAddress() throws Exception {
        // ACL4SSR's template: DoT and DoH by name in fallback, plain servers in nameserver, no default-nameserver.
        Config c = parse("dns:|  enable: true|  nameserver: [223.5.5.5, 'https://dns.alidns.com/dns-query']"
                + "|  fallback: [8.8.8.8, 'tls://dns.rubyfish.cn:853', 'tls://1.0.0.1:853', 223.5.5.5]");
        assertEquals("[udp://223.5.5.5:53, udp://8.8.8.8:53, tls://1.0.0.1:853]",
                Settings.of(c).dns().defaultNameserver().toString());
    }

    @Test
    void fakeIpFilterKeepsItsSetEntriesAndRefusesBadOnes() throws Exception {
        Config c = parse("dns:|  enable: true|  enhanced-mode: fake-ip|  nameserver: [192.0.2.53]"
                + "|  fake-ip-filter: ['*.lan', 'geosite:private', 'rule-set:fakeip', '+.local']");
        assertEquals(List.of("*.lan", "geosite:private", "rule-set:fakeip", "+.local"), Settings.of(c).dns().fakeIpFilter());
        assertEquals(FakeIpFilter.Mode.BLACKLIST, Settings.of(c).dns().fakeIpFilterMode());
        assertEquals(List.of(), c.warnings());
        ConfigException e = assertThrows(ConfigException.class, () -> Settings.of(parse(
                "dns:|  enable: true|  nameserver: [192.0.2.53]|  fake-ip-filter: ['a..lan']")));
        assertEquals("t.yaml:4:19: dns: fake-ip-filter entry 'a..lan': empty label in domain pattern 'a..lan'",
                e.getMessage());
        e = assertThrows(ConfigException.class, () -> Settings.of(parse(
                "dns:|  enable: true|  nameserver: [192.0.2.53]|  fake-ip-filter: ['geosite:cn,']")));
        assertEquals("t.yaml:4:19: dns: fake-ip-filter entry 'geosite:cn,': 'geosite:cn,' names no geosite list"
                + " (write geosite:NAME)", e.getMessage());
        assertEquals(FakeIpFilter.Mode.WHITELIST, Settings.of(parse(
                "dns:|  enable: true|  nameserver: [192.0.2.53]|  fake-ip-filter-mode: whitelist")).dns().fakeIpFilterMode());
        e = assertThrows(ConfigException.class, () -> Settings.of(parse(
                "dns:|  enable: true|  nameserver: [192.0.2.53]|  fake-ip-filter-mode: rules")));
        assertEquals("t.yaml:4:24: dns: fake-ip-filter-mode must be blacklist, whitelist or rule, got 'rules'",
                e.getMessage());
        // Rule mode's entries are rules, read with the rules (RoutingCompiler), not patterns.
        Config ruled = parse("dns:|  enable: true|  nameserver: [192.0.2.53]|  fake-ip-filter-mode: rule"
                + "|  fake-ip-filter: ['GEOSITE,private,real-ip', 'MATCH,fake-ip']");
        assertEquals(FakeIpFilter.Mode.RULE, Settings.of(ruled).dns().fakeIpFilterMode());
        assertEquals(List.of("GEOSITE,private,real-ip", "MATCH,fake-ip"), Settings.of(ruled).dns().fakeIpFilter());
    }

    @Test
    void clashVergeRevsDefaultDnsSectionIsAccepted() throws Exception {
        // The dns: section Clash Verge Rev writes into a new profile: plain, DoH by name, and the system servers.
        Config c = parse("dns:|  enable: true|  enhanced-mode: fake-ip|  fake-ip-range: 198.18.0.1/16"
                + "|  default-nameserver: [system, 223.6.6.6, 8.8.8.8, 2400:3200::1, 2001:4860:4860::8888]"
                + "|  nameserver: [8.8.8.8, 'https://doh.pub/dns-query', 'https://dns.alidns.com/dns-query']"
                + "|  fallback: []");
        var dns = Settings.of(c).dns();
        assertEquals(List.of("udp://8.8.8.8:53", "https://doh.pub:443/dns-query", "https://dns.alidns.com:443/dns-query"),
                dns.nameserver().stream().map(Object::toString).toList());
        assertEquals("system", dns.defaultNameserver().get(0).toString());
    }

    /** mihomo's {@code #ecs=}, in the two forms public configs write it, wherever a server may be listed. */
    @Test
    void aServersClientSubnetIsReadWithItsOtherOptions() throws Exception {
        Config c = parse("dns:|  enable: true|  default-nameserver: ['192.0.2.1#ecs=198.51.100.0/24']"
                + "|  nameserver: ['192.0.2.53#ecs=203.0.113.0/24', 'https://192.0.2.54/dns-query#PROXY&ecs=198.51.100.1/24"
                + "&ecs-override=true']|  nameserver-policy: {'+.test': 'tls://192.0.2.55#ecs=2001:db8::/56'}");
        var dns = Settings.of(c).dns();
        assertEquals(List.of("udp://192.0.2.53:53#ecs=203.0.113.0/24",
                "https://192.0.2.54:443/dns-query#PROXY&ecs=198.51.100.0/24"),
                dns.nameserver().stream().map(Object::toString).toList());
        assertEquals("[tls://192.0.2.55:853#ecs=2001:db8::/56]", dns.nameserverPolicy().get("+.test").toString());
        assertEquals("198.51.100.0/24", dns.defaultNameserver().get(0).ecs().toString());
        assertEquals(List.of(), c.warnings(), "nothing left out");
    }

    @Test
    void serversForProxyServersAndDirectAreReadAndNeedAddressesToLookTheirNamesUp() throws Exception {
        Config c = parse("dns:|  enable: true|  default-nameserver: [223.5.5.5]|  nameserver: [192.0.2.53]"
                + "|  proxy-server-nameserver: ['https://doh.pub/dns-query']|  direct-nameserver: [192.0.2.54]"
                + "|  direct-nameserver-follow-policy: true");
        var outbound = Settings.of(c).dns().outbound();
        assertEquals("[https://doh.pub:443/dns-query]", outbound.proxyServer().toString());
        assertEquals("[udp://192.0.2.54:53]", outbound.direct().toString());
        assertTrue(outbound.directFollowsPolicy());
        assertEquals(List.of(), c.warnings());
        ConfigException e = assertThrows(ConfigException.class, () -> Settings.of(parse("dns:|  enable: true"
                + "|  nameserver: ['tls://dns.example']|  proxy-server-nameserver: ['tls://ps.example']")));
        assertTrue(e.getMessage().contains("t.yaml:4:28: dns: proxy-server-nameserver 'tls://ps.example:853' is"
                + " known by host name (ps.example)"), e.getMessage());
    }

    @Test
    void everyBadSettingIsReportedAtOnce() throws Exception {
        Config c = parse("dns:|  enable: true|  fake-ip-range: 198.18.0.1/99|tun:|  enable: true|  inet4-address: notanip"
                + "|external-controller: abc");
        ConfigException e = assertThrows(ConfigException.class, () -> Settings.of(c));
        assertEquals(3, e.problems().size(), e.getMessage());
    }

    @Test
    void everyBadKeyOfTheDnsSectionIsReportedAtItsOwnLine() throws Exception {
        Config c = parse("dns:|  enable: true|  enhanced-mode: bogus|  fake-ip-range: notacidr|  nameserver: [\"udp://\"]");
        ConfigException e = assertThrows(ConfigException.class, () -> Settings.of(c));
        List<String> where = e.problems().stream().map(p -> p.getMessage().substring(0, p.getMessage().indexOf(": "))).toList();
        assertEquals(List.of("t.yaml:3:18", "t.yaml:4:18", "t.yaml:5:15"), where, e.getMessage());
    }

    @Test
    void everyBadKeyOfTheTunSectionIsReportedAtItsOwnLine() throws Exception {
        Config c = parse("tun:|  enable: true|  mtu: 99|  inet4-address: notanip|  auto-route: maybe"
                + "|  dns-hijack: [\"bogus\"]");
        ConfigException e = assertThrows(ConfigException.class, () -> Settings.of(c));
        List<String> where = e.problems().stream().map(p -> p.getMessage().substring(0, p.getMessage().indexOf(": "))).toList();
        assertEquals(List.of("t.yaml:3:8", "t.yaml:4:18", "t.yaml:5:15", "t.yaml:6:15"), where, e.getMessage());
        assertEquals("t.yaml:3:8: tun: 'mtu' must be 1280..65535 (or 0 for the default), got 99",
                e.problems().get(0).getMessage());
    }

    @Test
    void aBareTunCapturesEverythingAndHijacksDnsAsMihomosDefaultsHaveIt() throws Exception {
        var bare = Settings.of(parse("tun:|  enable: true")).tun();
        assertTrue(bare.autoRoute());
        assertTrue(bare.autoDetectInterface());
        assertEquals(List.of("0.0.0.0:53"), bare.dnsHijack());
        var written = Settings.of(parse("tun:|  enable: true|  auto-route: false|  auto-detect-interface: false"
                + "|  dns-hijack: []")).tun();
        assertFalse(written.autoRoute());
        assertFalse(written.autoDetectInterface());
        assertEquals(List.of(), written.dnsHijack());
    }

    /**
     * With auto-route and nothing to bind Turnout's own sockets to, each of its connections followed the split routes
     * back into the TUN: one curl became 19,906 flows until descriptors ran out (s69's keys tester, F16).
     */
    @Test
    void autoRouteWithoutAutoDetectOrAnInterfaceStillDetectsTheWayOutAndSaysSo() throws Exception {
        Config c = parse("tun:|  enable: true|  auto-detect-interface: false");
        assertTrue(Settings.of(c).tun().autoDetectInterface());
        assertEquals(List.of("t.yaml:3:26: tun: 'auto-detect-interface: false' with auto-route and no 'interface-name'"
                + " would send Turnout's own connections back into the TUN: the interface of the default route is"
                + " detected anyway (name one with 'interface-name')"), c.warnings());
        Config named = parse("interface-name: eth9|tun:|  enable: true|  auto-detect-interface: false");
        assertFalse(Settings.of(named).tun().autoDetectInterface(), "bound to the interface named instead");
        assertEquals(List.of(), named.warnings());
    }

    @Test
    void routeAddressesAreReadInMihomosSpellingsAndKeysTurnoutIgnoresAreNoted() throws Exception {
        Config c = parse("tun:|  enable: true|  auto-route: true|  route-exclude-address: [192.168.0.0/16, 'fd00::/8']"
                + "|  inet4-route-exclude-address: [10.0.0.1]|  route-address: [198.51.100.0/24]|  udp-timeout: 300"
                + "|  exclude-uid: [1000]|  include-interface: [eth1]|  endpoint-independent-nat: true"
                + "|  iproute2-table-index: 2022|  auto-redirect: true");
        var tun = Settings.of(c).tun();
        assertEquals("[192.168.0.0/16, fd00::/8, 10.0.0.1/32]", tun.routeExcludeAddress().toString());
        assertEquals("[198.51.100.0/24]", tun.routeAddress().toString());
        assertEquals(300, tun.udpTimeoutSeconds());
        assertEquals(List.of("t.yaml:8:16: tun: 'exclude-uid' is not supported by Turnout; ignored",
                "t.yaml:9:22: tun: 'include-interface' is not supported by Turnout; ignored",
                "t.yaml:12:18: tun: 'auto-redirect' is not supported by Turnout; ignored"), c.warnings());
        ConfigException e = assertThrows(ConfigException.class, () -> Settings.of(parse(
                "tun:|  enable: true|  route-exclude-address: [lan]")));
        assertEquals("t.yaml:3:26: 'route-exclude-address' entries must be prefixes such as 192.168.0.0/16 or"
                + " fd00::/8, got 'lan'", e.getMessage());
    }

    @Test
    void theSnifferIsReadWithMihomosDefaultsAndItsMistakesArePlaced() throws Exception {
        // Clash Verge Rev's profile: per-protocol ports, HTTP overriding, QUIC.
        Config c = parse("sniffer:|  enable: true|  sniff:|    HTTP: {ports: [80, 8080-8880], override-destination: true}"
                + "|    tls: {ports: [443, 8443]}|    QUIC: {ports: [443]}|  skip-domain: ['Mijia Cloud', '+.push.apple.com']"
                + "|  override-destination: false|  skip-dst-address: [192.0.2.0/24]");
        var sniffer = Settings.of(c).sniffer();
        assertTrue(sniffer.http().ports().get(80) && sniffer.http().ports().get(8880) && !sniffer.http().ports().get(8881));
        assertTrue(sniffer.http().overrideDestination(), "its own override-destination wins");
        assertFalse(sniffer.tls().overrideDestination(), "the section's applies");
        assertTrue(sniffer.parsePureIp(), "mihomo's default");
        assertTrue(sniffer.skipDomain().patterns().match("api.push.apple.com") != null);
        assertEquals("[192.0.2.0/24]", sniffer.skipDestination().prefixes().toString());
        assertTrue(sniffer.quic().ports().get(443) && !sniffer.quic().ports().get(8443));
        assertFalse(sniffer.quic().overrideDestination(), "the section's applies");
        assertEquals(List.of(), c.warnings(), "QUIC is sniffed");
        // A typo, or TLS indented under HTTP: said, not left sniffing nothing.
        assertEquals(List.of("t.yaml:4:5: sniffer: sniff.HTTP: unknown key 'port'; ignored (an entry has 'ports' and"
                        + " 'override-destination')",
                        "t.yaml:4:5: sniffer: sniff.TLS: unknown key 'TLS'; ignored (an entry has 'ports' and"
                        + " 'override-destination')"),
                parse("sniffer:|  enable: true|  sniff:|    HTTP: {port: [80]}"
                        + "|    TLS: {ports: [443], TLS: {ports: [8443]}}").warnings());
        assertTrue(Settings.of(parse("sniffer:|  enable: true|  sniff: {QUIC: {ports: [443]}}")).sniffer() != null,
                "QUIC alone is a sniffer");
        // The older form: names and one port list, mihomo's port-whitelist.
        var older = Settings.of(parse("sniffer:|  enable: true|  sniffing: [tls]|  port-whitelist: [443, '8443']"))
                .sniffer();
        assertNull(older.http());
        assertTrue(older.tls().ports().get(8443) && older.tls().overrideDestination());
        var whitelist = parse("sniffer:|  enable: true|  sniffing: [http]|  port-whitelist: [8080]");
        assertEquals(List.of(), whitelist.warnings(), "mihomo's key");
        assertEquals("{8080}", Settings.of(whitelist).sniffer().http().ports().toString());
        // No ports: each protocol's own, as mihomo's sniffers (HTTP 80, TLS and QUIC 443), in either form.
        var own = Settings.of(parse("sniffer:|  enable: true|  sniffing: [http, tls, quic]")).sniffer();
        assertEquals(List.of("{80}", "{443}", "{443}"), List.of(own.http().ports().toString(),
                own.tls().ports().toString(), own.quic().ports().toString()));
        Config bare = parse("sniffer:|  enable: true|  sniff: {HTTP: {override-destination: true}, TLS: {ports: []}}");
        assertEquals(List.of(), bare.warnings(), "as mihomo's");
        assertEquals(List.of("{80}", "{443}"), List.of(Settings.of(bare).sniffer().http().ports().toString(),
                Settings.of(bare).sniffer().tls().ports().toString()));
        // mihomo's documented config: 'QUIC:' and 'TLS:' with their keys commented out, empty.
        Config empty = parse("sniffer:|  enable: true|  override-destination: false|  sniff:|    QUIC:|    TLS:"
                + "|    HTTP: {ports: [80, 8080-8880], override-destination: true}");
        var documented = Settings.of(empty).sniffer();
        assertEquals(List.of("{443}", "{443}"), List.of(documented.quic().ports().toString(),
                documented.tls().ports().toString()));
        assertFalse(documented.tls().overrideDestination(), "the section's override-destination");
        assertTrue(documented.forceDnsMapping(), "mihomo's default");
        assertFalse(Settings.of(parse("sniffer:|  enable: true|  force-dns-mapping: false|  sniff: {TLS: {}}"))
                .sniffer().forceDnsMapping());
        // Turnout's former 'ports' is no mihomo key; the older form beside 'sniff' is not read, as in mihomo.
        assertEquals(List.of("t.yaml:4:10: sniffer: unknown key 'ports'; ignored (mihomo's list for 'sniffing' is"
                        + " 'port-whitelist'; under 'sniff:' each protocol has its 'ports')"),
                parse("sniffer:|  enable: true|  sniffing: [tls]|  ports: [8443]").warnings());
        assertEquals(List.of("t.yaml:4:13: sniffer: 'sniffing' is ignored when 'sniff' is given, as in mihomo"),
                parse("sniffer:|  enable: true|  sniff: {TLS: {}}|  sniffing: [http]").warnings());
        assertNull(Settings.of(parse("sniffer:|  enable: false|  sniff: {TLS: {ports: [443]}}")).sniffer());
        var sets = Settings.of(parse("sniffer:|  enable: true|  sniff: {TLS: {ports: [443]}}"
                + "|  force-domain: ['rule-set:corp', '+.a.test']|  skip-domain: ['geosite:cn,private']")).sniffer();
        assertEquals(List.of("rule-set:corp"), sets.forceDomain().setKeys(), "asked of the rules' sets");
        // echs-top/proxy and XVSVTsama's configs: mihomo's sets of addresses (parseIPCIDR).
        var addressSets = Settings.of(parse("sniffer:|  enable: true|  sniff: {TLS: {ports: [443]}}"
                + "|  skip-src-address: ['rule-set:telegram_ip,google_ip', 192.0.2.1]|  skip-dst-address: ['geoip:cn']"))
                .sniffer();
        assertEquals(List.of("rule-set:telegram_ip", "rule-set:google_ip"), addressSets.skipSource().setKeys());
        assertEquals("[192.0.2.1/32]", addressSets.skipSource().prefixes().toString());
        assertEquals(List.of("geoip:CN"), addressSets.skipDestination().setKeys());
        assertTrue(sets.forceDomain().patterns().match("x.a.test") != null);
        assertEquals(List.of("geosite:cn", "geosite:private"), sets.skipDomain().setKeys());
        ConfigException e = assertThrows(ConfigException.class, () -> Settings.of(parse(
                "sniffer:|  enable: true|  sniff: {SSH: {ports: [22]}}|  force-domain: ['geosite:']"
                        + "|  skip-src-address: [lan]")));
        assertEquals(List.of("t.yaml:3:10: sniffer: there is no sniffer 'SSH' (TLS, HTTP and QUIC are)",
                "t.yaml:4:17: sniffer: force-domain 'geosite:': 'geosite:' names no geosite list (write geosite:NAME)",
                "t.yaml:5:21: sniffer: skip-src-address entry 'lan' is not a prefix such as 192.168.0.0/16 or"
                        + " fd00::/8, nor a set such as rule-set:NAME or geoip:CN"),
                e.problems().stream().map(Throwable::getMessage).toList());
        ConfigException ports = assertThrows(ConfigException.class, () -> Settings.of(parse(
                "sniffer:|  enable: true|  sniff: {HTTP: {ports: [80-70]}}")));
        assertEquals("t.yaml:3:10: sniffer: '80-70' in sniff is not a port or a range such as 8080-8880",
                ports.getMessage());
    }

    @Test
    void aGoodConfigGivesItsSettings() throws Exception {
        Settings s = Settings.of(parse("external-controller: 127.0.0.1:9090"));
        assertEquals(9090, s.controller().getPort());
        assertNull(s.tun());
        assertNull(s.dns());
    }

    @Test
    void aControllerOpenToOthersWithoutASecretIsAcceptedOnLoopback() throws Exception {
        // Loyalsoldier's README config has exactly this; Clash starts it, so Turnout must, only more narrowly.
        Settings s = Settings.of(parse("external-controller: 0.0.0.0:9090"));
        assertEquals("127.0.0.1", s.controller().getAddress().getHostAddress());
        assertEquals(9090, s.controller().getPort());
    }

    @Test
    void aReloadNamesWhatItCannotChangeButMovesTheProxyPortsAndSwitchesTheTun() throws Exception {
        Config running = parse("mixed-port: 7890");
        assertEquals(List.of(), Turnout.changesNeedingRestart(running, parse("mixed-port: 7890|rules: [MATCH,REJECT]")));
        assertEquals(List.of(), Turnout.changesNeedingRestart(parse("dns: {enable: true, ipv6: true}"),
                parse("ipv6: false|dns: {enable: true, ipv6: true}")), "the dns: section is DnsChange's");
        Config moved = parse("mixed-port: 7891|socks-port: 1080|tun: {enable: true}|external-controller: 127.0.0.1:9090");
        assertEquals(List.of(), Turnout.changesNeedingRestart(running, moved));
        assertEquals(List.of("external-controller"), Turnout.controllerChanges(running, moved),
                "the controller's own: its hook takes them, or else a restart does");
        assertEquals(List.of("secret", "external-controller-cors"), Turnout.controllerChanges(running,
                parse("mixed-port: 7890|secret: s|external-controller-cors: {allow-origins: ['https://d.example']}")));
    }

    /**
     * As mihomo's DefaultRawConfig: the TUN has fdfe:dcba:9876::1/126 unless the config writes another, an empty list,
     * or the top-level ipv6 false. Without one Turnout refused IPv6 that mihomo carries (s69's IPv6 tester, F4).
     */
    @Test
    void theTunHasMihomosIpv6AddressUnlessTheConfigSaysOtherwise() throws Exception {
        assertEquals("fdfe:dcba:9876::1/126", Settings.of(parse("tun:|  enable: true")).tun().inet6Address().toString());
        assertEquals("2001:db8::1/126", Settings.of(parse("tun:|  enable: true|  inet6-address: 2001:db8::1/126"))
                .tun().inet6Address().toString());
        assertNull(Settings.of(parse("tun:|  enable: true|  inet6-address: []")).tun().inet6Address());
        assertNull(Settings.of(parse("ipv6: false|tun:|  enable: true")).tun().inet6Address());
    }

    /** mihomo's top-level ipv6 (on unless written false) gates dns.ipv6 and the TUN's IPv6 address, and says so. */
    @Test
    void theTopLevelIpv6OffTurnsOffAaaaAnswersAndTheTunsIpv6Address() throws Exception {
        String sections = "|dns:|  enable: true|  ipv6: true|  nameserver: [192.0.2.53]"
                + "|tun:|  enable: true|  inet6-address: 2001:db8::1/126";
        Config on = parse("mixed-port: 7890" + sections);
        assertTrue(on.ipv6());
        assertTrue(Settings.of(on).dns().ipv6());
        assertEquals("2001:db8::1/126", Settings.of(on).tun().inet6Address().toString());
        assertEquals(List.of(), on.warnings());
        Config off = parse("ipv6: false" + sections);
        assertFalse(off.ipv6());
        assertFalse(Settings.of(off).dns().ipv6());
        assertNull(Settings.of(off).tun().inet6Address());
        assertEquals(List.of("t.yaml:4:9: dns: 'ipv6: true' has no effect while the top-level 'ipv6' is false: AAAA"
                + " queries get empty answers", "t.yaml:8:18: tun: 'inet6-address' is not given to the TUN while the"
                + " top-level 'ipv6' is false"), off.warnings());
        assertFalse(Settings.of(parse("ipv6: true|dns:|  enable: true|  nameserver: [192.0.2.53]")).dns().ipv6(),
                "dns.ipv6 is off unless written, as in mihomo");
        ConfigException e = assertThrows(ConfigException.class, () -> parse("ipv6: maybe"));
        assertEquals("t.yaml:1:7: 'ipv6' must be true or false, got 'maybe'", e.getMessage());
    }

    /** mihomo's keepalive keys: Go's defaults, and without keepalive the idle timeout flows had before. */
    @Test
    void keepaliveIsOnWithGosDefaultsAndFlowsThenHaveNoIdleTimeout() throws Exception {
        Config plain = parse("mixed-port: 7890");
        assertEquals(new dev.turnout.host.dial.TcpKeepAlive(true, 15, 15), plain.keepAlive());
        assertNull(Turnout.flowTimeouts(plain).idle(), "no idle timeout: keepalive finds an end that is gone");
        assertEquals(java.time.Duration.ofSeconds(30), Turnout.flowTimeouts(plain).halfClosed());
        Config tuned = parse("keep-alive-idle: 600|keep-alive-interval: 0");
        assertEquals(new dev.turnout.host.dial.TcpKeepAlive(true, 600, 15), tuned.keepAlive());
        assertEquals(List.of(), tuned.warnings());
        Config off = parse("disable-keep-alive: true");
        assertFalse(off.keepAlive().enabled());
        assertEquals(java.time.Duration.ofSeconds(600), Turnout.flowTimeouts(off).idle());
        ConfigException e = assertThrows(ConfigException.class, () -> parse("keep-alive-idle: -5"));
        assertEquals("t.yaml:1:18: 'keep-alive-idle' must be seconds between 1 and 86400 (0 for the default, 15)",
                e.getMessage());
        assertEquals(List.of(), Turnout.changesNeedingRestart(plain, tuned), "a reload applies keepalive");
        assertEquals(List.of(), Turnout.changesNeedingRestart(plain, parse("interface-name: eth1|routing-mark: 6666"
                + "|tcp-concurrent: true|find-process-mode: always")), "and the rest of mihomo's updateGeneral");
    }

    /** mihomo's profile: selections kept unless store-selected is false; fake-IP mappings kept unless written false. */
    @Test
    void theProfileSaysWhatARunKeepsAndNotesWhatItDoesNotKnow() throws Exception {
        assertEquals(dev.turnout.host.config.Profile.DEFAULT, parse("mixed-port: 7890").profile());
        Config off = parse("profile:|  store-selected: false|  store-fake-ip: false|  tracing: true");
        assertEquals(new dev.turnout.host.config.Profile(false, false), off.profile());
        assertEquals(List.of("t.yaml:4:12: profile: unknown key 'tracing'; ignored"), off.warnings());
        assertEquals(List.of(), parse("profile: {store-selected: true, store-fake-ip: true}").warnings());
        ConfigException e = assertThrows(ConfigException.class, () -> parse("profile:|  store-selected: maybe"));
        assertEquals("t.yaml:2:19: 'store-selected' must be true or false, got maybe", e.getMessage());
        assertEquals(List.of("profile"), Turnout.changesNeedingRestart(parse("mixed-port: 7890"), off));
    }

    @Test
    void aDnsOutboundWithoutTurnoutsDnsIsNotedWhereItsTypeIsWritten() throws Exception {
        assertEquals(List.of("t.yaml:2:27: 'dns-out' answers with Turnout's DNS, which this config does not enable"
                + " (dns: enable: true): the flows sent to it fail"),
                parse("proxies:|  - {name: dns-out, type: dns}").warnings());
        assertEquals(List.of(), parse("proxies:|  - {name: dns-out, type: dns}|dns:|  enable: true|"
                + "  nameserver: [192.0.2.53]").warnings());
    }

    /**
     * mihomo's DefaultRawConfig where a key is absent: enhanced-mode redir-host and its fake-ip-filter; where mihomo
     * asks two public resolvers in China, Turnout asks the system's and says so at the dns: section.
     */
    @Test
    void aDnsSectionWithoutItsKeysTakesMihomosDefaultsAndTheSystemsServers() throws Exception {
        Config c = parse("dns:|  enable: true|  listen: 127.0.0.1:1053");
        var dns = Settings.of(c).dns();
        assertEquals(dev.turnout.host.dns.EnhancedMode.REDIR_HOST, dns.enhancedMode());
        assertEquals(List.of(Nameserver.SYSTEM), dns.nameserver());
        assertEquals(List.of("dns.msftnsci.com", "www.msftnsci.com", "www.msftconnecttest.com"), dns.fakeIpFilter());
        assertTrue(dns.useHosts());
        assertEquals(List.of("t.yaml:2:3: dns: no 'nameserver': the system's servers are asked (resolv.conf, Turnout's"
                + " own addresses left out), where mihomo asks doh.pub and 223.5.5.5"), c.warnings());

        Config written = parse("dns:|  enable: true|  use-hosts: false|  fake-ip-filter: []|  nameserver: [192.0.2.53]");
        var w = Settings.of(written).dns();
        assertFalse(w.useHosts());
        assertEquals(List.of(), w.fakeIpFilter());
        assertEquals(List.of(), written.warnings(), "use-hosts is read, not noted");
    }
}
