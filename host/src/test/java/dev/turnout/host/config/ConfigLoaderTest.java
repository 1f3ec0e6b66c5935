package dev.turnout.host.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.turnout.host.inbound.Authentication;
import dev.turnout.rules.Behavior;
import dev.turnout.rules.ProviderFormat;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ConfigLoaderTest {

    static Config parse(String yaml) throws ConfigException {
        return ConfigLoader.parse(yaml, "t.yaml", Path.of("t.yaml"), Path.of("/base"));
    }

    @Test
    void builtInDefaultIsAMixedPortOnLoopbackSendingEverythingDirect() throws Exception {
        Config c = ConfigLoader.builtIn(null);
        assertEquals(7890, c.mixedPort());
        assertEquals("127.0.0.1", c.bindAddress());
        assertEquals(1, c.rules().size());
        assertEquals("MATCH,DIRECT", c.rules().get(0).text());
        assertEquals("(built-in default)", c.displayName());
    }

    @Test
    void aConfigWithoutAFileIsNamedAsItsReaderNamedIt() throws Exception {
        Config payload = ConfigLoader.parse("mixed-port: 1\n", "(controller payload)", null, Path.of("/base"));
        assertEquals("(controller payload)", payload.displayName());
        assertEquals("(controller payload)", payload.originOf("tun").file(), "where an absent key would be");
        assertEquals("(built-in default)", ConfigLoader.builtIn(Path.of("/base")).displayName());
    }

    @Test
    void listensOnLoopbackUnlessLanIsAllowed() throws Exception {
        assertEquals("127.0.0.1", parse("bind-address: 0.0.0.0\n").bindAddress());
        assertEquals("0.0.0.0", parse("allow-lan: true\n").bindAddress());
        assertEquals("192.0.2.1", parse("allow-lan: true\nbind-address: 192.0.2.1\n").bindAddress());
    }

    @Test
    void listenersOfTheTypesTurnoutOpensAreReadAndTheOthersNamed() throws Exception {
        Config c = parse("listeners:\n"
                + "  - {name: a, type: mixed, port: 7891, proxy: JP}\n"
                + "  - {name: b, type: SOCKS, port: 7892, listen: '*', users: [{username: u, password: 'p:w'}]}\n"
                + "  - {name: c, type: http, port: 7893, users: [], udp: false}\n"
                + "  - {name: d, type: vmess, port: 7894}\n"
                + "  - {name: e, type: mixed, port: 7895, rule: sub}\n");
        assertEquals(List.of("a", "b", "c", "e"), c.listeners().stream().map(ListenerEntry::name).toList());
        assertEquals("sub", c.listeners().get(3).rule());
        ListenerEntry a = c.listeners().get(0);
        assertEquals("127.0.0.1", a.address(), "no listen: loopback, unlike mihomo's every address");
        assertEquals(null, a.users(), "no users: authentication's");
        assertEquals("JP", a.proxy());
        assertEquals("t.yaml:2:47", a.proxyOrigin().toString());
        ListenerEntry b = c.listeners().get(1);
        assertEquals("socks", b.type());
        assertEquals("0.0.0.0", b.address());
        assertEquals(List.of("u:p:w"), b.users());
        assertEquals(List.of(), c.listeners().get(2).users(), "users: [] asks nobody");
        assertEquals(1, c.warnings().size(), c.warnings()::toString);
        assertTrue(c.warnings().get(0).contains("listener 'd' of type vmess is not opened"), c.warnings()::toString);
        for (String bad : new String[] {"listeners: [{name: a, type: mixed}]", "listeners: [{name: a, type: mixed, port: 0}]",
            "listeners: [{name: a, type: mixed, port: 1, listen: lan.example}]",
            "listeners: [{name: a, type: mixed, port: 1}, {name: a, type: http, port: 2}]"}) {
            ConfigException e = assertThrows(ConfigException.class, () -> parse(bad + "\n"), bad);
            assertTrue(e.getMessage().startsWith("t.yaml:1:"), e.getMessage());
        }
    }

    /** mihomo's {@code tunnels:} in both of its forms, and listeners of type tunnel, as its documented config has. */
    @Test
    void tunnelsAreListenersToOneTarget() throws Exception {
        Config c = parse("listeners:\n"
                + "  - {name: t, type: tunnel, port: 10816, listen: 0.0.0.0, network: [tcp, udp],"
                + " target: 'target.com:443'}\n"
                + "tunnels:\n"
                + "  - tcp/udp,127.0.0.1:6553,192.0.2.53:53,proxy\n"
                + "  - tcp,127.0.0.1:6666,rds.mysql.com:3306\n"
                + "  - network: [udp]\n"
                + "    address: ':7777'\n"
                + "    target: '[2001:db8::1]:53'\n"
                + "    proxy: vpn\n");
        assertEquals(List.of("t", "tunnel:127.0.0.1:6553", "tunnel:127.0.0.1:6666", "tunnel::7777"),
                c.listeners().stream().map(ListenerEntry::name).toList());
        ListenerEntry t = c.listeners().get(0);
        assertEquals(new TunnelTarget(true, true, "target.com", 443), t.tunnel());
        assertEquals("0.0.0.0", t.address());
        ListenerEntry dns = c.listeners().get(1);
        assertEquals(ListenerEntry.TUNNEL, dns.type());
        assertEquals(6553, dns.port());
        assertEquals("127.0.0.1", dns.address());
        assertEquals("proxy", dns.proxy());
        assertEquals("192.0.2.53:53", dns.tunnel().toString());
        assertEquals("tcp/udp", dns.tunnel().networks());
        assertEquals(null, c.listeners().get(2).proxy(), "no proxy: the rules decide");
        ListenerEntry six = c.listeners().get(3);
        assertEquals(new TunnelTarget(false, true, "2001:db8::1", 53), six.tunnel());
        assertEquals("127.0.0.1", six.address(), "no address written: loopback, unlike mihomo's every address");
        assertEquals("t.yaml:9:12", six.proxyOrigin().toString());
        assertEquals(List.of(), c.warnings());
        String[][] bad = {
            {"tunnels: ['tcp,127.0.0.1:6553']",
                "t.yaml:1:11: tunnel 'tcp,127.0.0.1:6553' is not network,address,target"},
            {"tunnels: ['sctp,127.0.0.1:6553,192.0.2.53:53']", "tunnel network 'sctp' is neither tcp nor udp"},
            {"tunnels: ['tcp,127.0.0.1:6553,target.com']", "tunnel target 'target.com' is not host:port"},
            {"tunnels: ['tcp,127.0.0.1:70000,192.0.2.53:53']", "port 70000 is not between 1 and 65535"},
            {"tunnels: ['tcp,lan.example:6553,192.0.2.53:53']", "'lan.example' is not an IP address"},
            {"tunnels: [{address: '127.0.0.1:1', target: 'a:1'}]", "missing 'network'"},
            {"listeners: [{name: t, type: tunnel, port: 1, network: [tcp]}]", "missing 'target'"}};
        for (String[] b : bad) {
            ConfigException e = assertThrows(ConfigException.class, () -> parse(b[0] + "\n"), b[0]);
            assertTrue(e.getMessage().startsWith("t.yaml:1:") && e.getMessage().contains(b[1]), e.getMessage());
        }
    }

    /** mihomo's redir-port is a listener named as mihomo names it; {@code type: redir} listeners are read too. */
    @Test
    void theRedirPortIsAListenerOfItsOwn() throws Exception {
        Config c = parse("redir-port: 7892\nlisteners: [{name: r, type: redir, port: 7893, proxy: JP}]\n");
        assertEquals(List.of(ListenerEntry.DEFAULT_REDIR, "r"), c.listeners().stream().map(ListenerEntry::name).toList());
        ListenerEntry redir = c.listeners().get(0);
        assertEquals(ListenerEntry.REDIR, redir.type());
        assertEquals(7892, redir.port());
        assertEquals("127.0.0.1", redir.address(), "the proxy ports' address: loopback without allow-lan");
        assertEquals("0.0.0.0", parse("redir-port: 7892\nallow-lan: true\n").listeners().get(0).address());
        assertEquals(List.of(), parse("redir-port: 0\n").listeners());
        assertEquals(List.of(), c.warnings());
        ConfigException e = assertThrows(ConfigException.class, () -> parse("redir-port: 70000\n"));
        assertTrue(e.getMessage().startsWith("t.yaml:1:13: 'redir-port' must be a port"), e.getMessage());
    }

    /**
     * mihomo configs list DoQ and HTTP/3 servers beside others: they are noted, and the others answer. A server with a
     * client subnet ({@code #ecs=}) is one Turnout speaks.
     */
    @Test
    void dnsServersTurnoutDoesNotSpeakAreNotedNotFatal() throws Exception {
        Config c = parse("dns:\n  enable: true\n  nameserver: [quic://dns.adguard.com, 'https://dns.alidns.com/"
                + "dns-query#h3=true', tls://192.0.2.53, '192.0.2.56#ecs=198.51.100.0/24']\n"
                + "  fallback: [dhcp://system, 192.0.2.54]\n"
                + "  nameserver-policy: {'+.corp.test': [quic://192.0.2.9, 192.0.2.10]}\n");
        assertEquals(List.of("t.yaml:3:15: dns: nameserver 'quic://dns.adguard.com': DNS over QUIC is not supported "
                        + "yet; left out, the others answer",
                "t.yaml:3:15: dns: nameserver 'https://dns.alidns.com/dns-query#h3=true': HTTP/3 is not supported yet;"
                        + " asked over HTTP/2",
                "t.yaml:4:13: dns: fallback 'dhcp://system': DHCP nameservers is not supported yet; left out, the "
                        + "others answer",
                "t.yaml:5:22: dns: nameserver-policy 'quic://192.0.2.9': DNS over QUIC is not supported yet; left out,"
                        + " the others answer"), c.warnings());
    }

    /** mihomo's external-controller-tls: its tls: certificate and key, inline or as files of the home folder. */
    @Test
    void theControllersTlsIsItsAddressWithTheCertificateAndKey() throws Exception {
        Config files = parse("external-controller-tls: 127.0.0.1:9443\ntls: {certificate: pki/c.pem, "
                + "private-key: /base/pki/k.pem, ech-key: x}\n");
        ControllerTls tls = files.externalControllerTls();
        assertEquals("127.0.0.1:9443", tls.listen());
        assertEquals("/base/pki/c.pem", tls.certificate(), "relative to the home folder");
        assertEquals("/base/pki/k.pem", tls.privateKey());
        assertEquals("t.yaml:1:1", tls.origin().toString());
        assertEquals(List.of("t.yaml:2:61: tls: 'ech-key' is not supported by Turnout; ignored"), files.warnings());
        String pem = "-----BEGIN CERTIFICATE-----\n    MIIB\n    -----END CERTIFICATE-----";
        Config inline = parse("external-controller-tls: 127.0.0.1:9443\ntls:\n  certificate: |\n    " + pem
                + "\n  private-key: |\n    -----BEGIN PRIVATE KEY-----\n    MIIE\n    -----END PRIVATE KEY-----\n");
        assertTrue(inline.externalControllerTls().certificate().startsWith("-----BEGIN CERTIFICATE-----\nMIIB\n"));
        assertEquals(null, parse("tls: {certificate: a.pem, private-key: b.pem}\n").externalControllerTls(),
                "tls: alone opens nothing");
        ConfigException missing = assertThrows(ConfigException.class,
                () -> parse("external-controller-tls: 127.0.0.1:9443\n"));
        assertTrue(missing.getMessage().startsWith("t.yaml:1:1: external-controller-tls needs 'tls:' with "
                + "'certificate' and 'private-key'"), missing.getMessage());
        ConfigException outside = assertThrows(ConfigException.class, () -> parse(
                "external-controller-tls: 127.0.0.1:9443\ntls: {certificate: ../etc/c.pem, private-key: k.pem}\n"));
        assertTrue(outside.getMessage().startsWith("t.yaml:2:20: tls: path /etc/c.pem is outside the home folder"),
                outside.getMessage());
    }

    /** mihomo's tproxy-port, likewise: a listener named DEFAULT-TPROXY where the proxy ports listen. */
    @Test
    void theTproxyPortIsAListenerOfItsOwn() throws Exception {
        Config c = parse("redir-port: 7892\ntproxy-port: 7896\nallow-lan: true\n"
                + "listeners: [{name: t, type: tproxy, port: 7897, udp: true, rule: lan}]\n");
        assertEquals(List.of(ListenerEntry.DEFAULT_REDIR, ListenerEntry.DEFAULT_TPROXY, "t"),
                c.listeners().stream().map(ListenerEntry::name).toList());
        ListenerEntry tproxy = c.listeners().get(1);
        assertEquals(ListenerEntry.TPROXY, tproxy.type());
        assertEquals(7896, c.tproxyPort());
        assertEquals("0.0.0.0", tproxy.address(), "the proxy ports' address");
        assertTrue(tproxy.followsProxyPorts());
        assertEquals(ListenerEntry.TPROXY, c.listeners().get(2).type());
        assertEquals("127.0.0.1", c.listeners().get(2).address(), "a listener of its own: loopback unless written");
        assertTrue(!c.listeners().get(2).followsProxyPorts());
        assertEquals(List.of(), c.warnings(), "tproxy-port is no longer ignored, and a tproxy listener's udp is read");
        ConfigException e = assertThrows(ConfigException.class, () -> parse("tproxy-port: -1\n"));
        assertTrue(e.getMessage().startsWith("t.yaml:1:14: 'tproxy-port' must be a port"), e.getMessage());
    }

    @Test
    void anAuthenticationEntryWithoutAColonIsSkippedAsMihomoSkipsItWithAWarning() throws Exception {
        // A template's "no password by default": mihomo's parseAuthentication keeps only entries with a ':'.
        Config empty = parse("allow-lan: true\nauthentication: [\"\"]\n");
        assertEquals(java.util.Map.of(), empty.authentication().users());
        assertFalse(empty.authentication().asks(new java.net.InetSocketAddress("192.168.1.2", 5000)),
                "no login left: nobody is asked, as in mihomo");
        assertEquals(List.of("t.yaml:2:18: this 'authentication' entry has no ':', so it is not a login (user:password);"
                + " skipped, as mihomo skips it", "t.yaml:2:17: 'authentication' has no login left: the proxy ports ask"
                + " nobody for a password, and anyone who can reach them may use them"), empty.warnings());

        // '- admin' meant as a password: the user learns that it guards nothing; a login beside it still counts.
        Config mixed = parse("authentication:\n  - admin\n  - 'u:p'\n");
        assertEquals(java.util.Map.of("u", "p"), mixed.authentication().users());
        assertEquals(List.of("t.yaml:2:5: this 'authentication' entry has no ':', so it is not a login (user:password);"
                + " skipped, as mihomo skips it"), mixed.warnings(), "a login is left: the ports still ask");
    }

    @Test
    void authenticationNamesItsUsersAndWhoIsNotAsked() throws Exception {
        Config c = parse("mixed-port: 7890\nallow-lan: true\nauthentication:\n  - 'user:pa:ss'\n");
        assertEquals(java.util.Map.of("user", "pa:ss"), c.authentication().users(), "the first colon separates");
        assertEquals("", c.authentication().notAsked(), "by default everyone, this machine too, as in mihomo");
        assertTrue(c.authentication().asks(new java.net.InetSocketAddress("127.0.0.1", 40000)), "loopback asked");
        assertEquals(List.of(), c.warnings());
        Config skip = parse("authentication: ['a:b']\nskip-auth-prefixes: [192.168.0.0/16, 10.0.0.1]\n");
        assertEquals("192.168.0.0/16, 10.0.0.1/32", skip.authentication().notAsked());
        assertEquals(List.of(), parse("authentication: ['a:b']\nskip-auth-prefixes: []\n").authentication()
                .skipPrefixes(), "everyone is asked");
        ConfigException noUser = assertThrows(ConfigException.class, () -> parse("authentication:\n  - ':pass'\n"));
        assertEquals("t.yaml:2:5: an 'authentication' entry is written user:password", noUser.getMessage());
        ConfigException badPrefix = assertThrows(ConfigException.class,
                () -> parse("authentication: ['a:b']\nskip-auth-prefixes: [lan]\n"));
        assertTrue(badPrefix.getMessage().startsWith("t.yaml:2:22: skip-auth-prefixes: 'lan' is not a prefix"),
                badPrefix.getMessage());
        Config lan = parse("allow-lan: true\nlan-allowed-ips: [192.168.0.0/16, 'fd00::/8']\nlan-disallowed-ips: [192.168.9.9]\n");
        assertEquals("[192.168.0.0/16, fd00:0:0:0:0:0:0:0/8]", lan.authentication().lanAllowed().toString());
        assertEquals("[192.168.9.9/32]", lan.authentication().lanDisallowed().toString());
        assertEquals(List.of(), lan.warnings(), "read, not noted as ignored");
        assertEquals(Authentication.EVERYWHERE, c.authentication().lanAllowed(), "not written: every client");
        Authentication none = parse("allow-lan: true\nlan-allowed-ips: []\n").authentication();
        assertEquals(List.of(), none.lanAllowed());
        assertFalse(none.admits(new java.net.InetSocketAddress("192.168.1.2", 5000)),
                "written empty: no LAN client, as in mihomo (not every client)");
        // refined-fish's mihomo template writes '- ~' under each for "none"; mihomo skips such an entry.
        Authentication tilde = parse("allow-lan: true\nauthentication:\n  - ~\nskip-auth-prefixes:\n  - ~\n"
                + "lan-disallowed-ips:\n  - ~\n").authentication();
        assertEquals(java.util.Map.of(), tilde.users());
        assertEquals(List.of(), tilde.skipPrefixes());
        assertEquals(List.of(), tilde.lanDisallowed());
        assertTrue(tilde.admits(new java.net.InetSocketAddress("192.168.1.2", 5000)));
        ConfigException badLan = assertThrows(ConfigException.class, () -> parse("lan-disallowed-ips: [guests]\n"));
        assertTrue(badLan.getMessage().startsWith("t.yaml:1:22: lan-disallowed-ips: 'guests' is not a prefix"),
                badLan.getMessage());
    }

    @Test
    void dnsKeysThatWouldChangeWhatIsAskedAreNotedAndEmptyOnesAreNot() throws Exception {
        Config quiet = parse("dns:\n  enable: true\n  nameserver: [192.0.2.53]\n  fallback: []\n  nameserver-policy: {}\n"
                + "  respect-rules: false\n  cache-algorithm: arc\n  fake-ip-filter-mode: blacklist\n  use-hosts: true\n");
        assertEquals(List.of(), quiet.warnings());
        Config c = parse("dns:\n  enable: true\n  nameserver: [192.0.2.53]\n  fallback: [192.0.2.54]\n"
                + "  proxy-server-nameserver: ['tls://192.0.2.53']\n"
                + "  nameserver-policy: {'+.corp.example': 192.0.2.99}\n"
                + "  fallback-filter: {geoip: true, geoip-code: CN}\n  fake-ip-filter-mode: whitelist\n"
                + "  respect-rules: true\n  prefer-h3: true\n");
        assertEquals(List.of("t.yaml:10:14: dns: 'prefer-h3' is not supported by Turnout; ignored"), c.warnings(),
                "the servers, the policy, the filters and respect-rules are read");
    }

    @Test
    void unknownKeysAreWarningsWithTheirPosition() throws Exception {
        Config c = parse("mixed-port: 1\nfancy-feature: yes\nexperimental: {quic-go-disable-gso: true}\n");
        assertEquals(List.of("t.yaml:2:1: unknown key 'fancy-feature'; ignored",
                "t.yaml:3:1: 'experimental' is not supported by Turnout; ignored"), c.warnings());
    }

    @Test
    void keysThatOnlyHoldAnAnchorForOthersAreNotWarnedAbout() throws Exception {
        // Templates carry dozens (FilterHK: &FilterHK '...', x-fallback: &fb {...}); one warning each buried the rest.
        Config c = parse("mixed-port: 1\nFilterHK: &hk '(?i)港|HK'\nx-select: &sel {type: select}\n"
                + "x-plain: {type: select}\nntp: {enable: true, server: time.apple.com}\nproxy-groups:\n"
                + "  - {name: G, <<: *sel, filter: *hk, include-all-proxies: true}\n");
        assertEquals(List.of("t.yaml:4:1: unknown key 'x-plain'; ignored",
                "t.yaml:5:1: 'ntp' is not supported by Turnout; ignored"), c.warnings());
        assertEquals("select", c.groups().get(0).type());
    }

    @Test
    void clashForWindowsKeysAreNamedAsItsOwnNotUnknown() throws Exception {
        Config c = parse("mixed-port: 1\ncfw-bypass: [localhost]\ncfw-conn-break-strategy: {proxy: none}\n"
                + "cfw-latency-url: http://cp.cloudflare.com/generate_204\ncfwx: 1\n");
        assertEquals(List.of(
                "t.yaml:2:1: 'cfw-bypass' is a setting of Clash for Windows' window, not of its core; ignored",
                "t.yaml:3:1: 'cfw-conn-break-strategy' is a setting of Clash for Windows' window, not of its core;"
                        + " ignored",
                "t.yaml:4:1: 'cfw-latency-url' is a setting of Clash for Windows' window, not of its core; ignored",
                "t.yaml:5:1: unknown key 'cfwx'; ignored"), c.warnings());
    }

    @Test
    void geoKeysAreMihomosWithItsDefaults() throws Exception {
        GeoOptions d = parse("mixed-port: 1\n").geo();
        assertEquals(false, d.geodataMode());
        assertEquals(GeoOptions.MMDB_URL, d.mmdbUrl());
        assertEquals(24, d.updateIntervalHours());
        Config c = parse(String.join("\n", "geodata-mode: true", "geox-url:",
                "  geosite: https://example.test/geosite.dat", "  mmdb: http://example.test/Country.mmdb",
                "  asm: typo", "geo-auto-update: true", "geo-update-interval: 6", ""));
        GeoOptions g = c.geo();
        assertTrue(g.geodataMode() && g.autoUpdate());
        assertEquals(6, g.updateIntervalHours());
        assertEquals("https://example.test/geosite.dat", g.geoSiteUrl());
        assertEquals("http://example.test/Country.mmdb", g.mmdbUrl());
        assertEquals(GeoOptions.GEOIP_URL, g.geoIpUrl());
        assertEquals(GeoOptions.ASN_URL, g.asnUrl());
        assertEquals("t.yaml:3:3", g.origin().toString());
        assertEquals(List.of("t.yaml:5:3: unknown key 'asm' in 'geox-url'; ignored"), c.warnings());
    }

    @Test
    void onlyTheFirstYamlDocumentIsReadAsMihomoReadsItWithAWarningAtTheSecond() throws Exception {
        // go-yaml's Unmarshal (mihomo's) decodes the first document and never parses what follows it.
        Config c = parse("mixed-port: 7890\nmode: global\n---\nmixed-port: 1\nproxies: [unclosed\n");
        assertEquals(7890, c.mixedPort());
        assertEquals("global", c.mode());
        assertEquals(List.of("t.yaml:3:1: a second YAML document begins here; only the first is read, as mihomo reads"
                + " only the first"), c.warnings());
        assertEquals("t.yaml:2:7", c.originOf("mode").toString(), "positions are the file's own");
        Config started = parse("---\nmixed-port: 7890\n...\n");
        assertEquals(List.of(), started.warnings(), "one document, opened and closed: nothing follows");
        ConfigException e = assertThrows(ConfigException.class, () -> parse("mixed-port: 1\nmode: a: b\n---\na: 1\n"));
        assertTrue(e.getMessage().startsWith("t.yaml:2:8: invalid YAML: mapping values are not allowed here"),
                e.getMessage());
    }

    @Test
    void aBareStarIsExplainedAsAYamlAliasToQuote() {
        ConfigException e = assertThrows(ConfigException.class, () -> parse(
                "external-controller-cors:\n  allow-origins:\n    - *\n"));
        assertTrue(e.getMessage().startsWith("t.yaml:3:8: invalid YAML: while scanning an alias"), e.getMessage());
        assertTrue(e.getMessage().endsWith("found \\n(10) ('*' and '&' begin a YAML alias or anchor; quote a plain star: '*')"),
                e.getMessage());
    }

    @Test
    void badGeoKeysNameTheirLineAndColumn() {
        ConfigException e = assertThrows(ConfigException.class, () -> parse(
                "geox-url: {mmdb: ftp://x/Country.mmdb}\ngeo-update-interval: 0\ngeodata-mode: maybe\n"));
        assertEquals(List.of(
                "t.yaml:3:15: 'geodata-mode' must be true or false, got 'maybe'",
                "t.yaml:1:18: 'geox-url.mmdb' must be an http:// or https:// URL, got 'ftp://x/Country.mmdb'",
                "t.yaml:2:22: 'geo-update-interval' must be a positive number of hours, got 0"),
                e.problems().stream().map(Throwable::getMessage).toList());
    }

    @Test
    void rulesKeepTheirLineAndColumn() throws Exception {
        Config c = parse("rules:\n  - DOMAIN,a.test,DIRECT\n  -   MATCH,REJECT\n");
        assertEquals("t.yaml:2:5", c.rules().get(0).origin().toString());
        assertEquals("t.yaml:3:7", c.rules().get(1).origin().toString());
    }

    @Test
    void proxyOptionsKeepYamlTypesAndKeyPositions() throws Exception {
        Config c = parse("proxies:\n  - name: s\n    type: SOCKS5\n    server: 192.0.2.1\n    port: 1080\n    udp: true\n");
        ProxyEntry p = c.proxies().get(0);
        assertEquals("socks5", p.type());
        assertEquals(1080, p.options().integer("port", 0));
        assertTrue(p.options().bool("udp", false));
        assertEquals("t.yaml:5:11", p.originOf("port").toString());
    }

    @Test
    void providersResolveRelativePathsAgainstTheBaseFolderAndDefaultToYaml() throws Exception {
        Config c = parse("rule-providers:\n  p:\n    type: file\n    behavior: ipcidr\n    path: ./r/p.txt\n"
                + "  q:\n    type: http\n    behavior: classical\n    format: text\n    url: http://192.0.2.1/q\n");
        assertEquals(Path.of("/base/r/p.txt"), c.providers().get("p").path());
        assertEquals(Behavior.IPCIDR, c.providers().get("p").behavior());
        assertEquals(ProviderFormat.YAML, c.providers().get("p").format());
        assertEquals(Path.of("/base/ruleset/q.yaml"), c.providers().get("q").path());
        assertEquals(ProviderFormat.TEXT, c.providers().get("q").format());
    }

    @Test
    void emptyConfigIsAnErrorAtItsStart() {
        ConfigException e = assertThrows(ConfigException.class, () -> parse(""));
        assertEquals("t.yaml:1:1: the config is empty; expected a mapping of keys", e.getMessage());
    }

    @Test
    void groupsWithOnlyProviderMembersAreKeptAndTheirProvidersRead() throws Exception {
        Config c = parse("proxy-providers: {x: {type: http, url: 'http://192.0.2.80/u', path: p}}\n"
                + "proxy-groups:\n  - {name: G, type: select, use: [x]}\n");
        assertEquals(List.of(), c.groups().get(0).members());
        assertEquals(List.of("x"), c.groups().get(0).options().use());
        assertEquals(List.of(), c.warnings());
        assertEquals("http://192.0.2.80/u", c.proxyProviders().get("x").url());
    }

    @Test
    void numbersWrittenAsTextInGroupsProvidersAndListenersAreNumbersAsMihomoDecodesThem() throws Exception {
        // Configs built from JSON quote their numbers ("interval": "300"); mihomo's weak decoding of these entries
        // takes them, and such a config was refused here ("'interval' must be a whole number, got '300'").
        Config c = parse("proxy-providers:\n  sub: {type: http, url: 'http://192.0.2.80/u', path: p, interval: '86400',"
                + " health-check: {enable: 1, url: 'http://192.0.2.80/204', interval: '600', timeout: 5000.0}}\n"
                + "proxy-groups:\n  - {name: G, type: fallback, use: [sub], interval: '300', tolerance: '0x32',"
                + " lazy: 0}\n"
                + "listeners:\n  - {name: in, type: mixed, port: '7893'}\n");
        GroupEntry g = c.groups().get(0);
        assertEquals(300, g.intervalSeconds());
        assertEquals(50, g.toleranceMillis(), "Go's ParseInt with base 0 reads 0x");
        assertFalse(g.options().lazy());
        ProxyProviderEntry sub = c.proxyProviders().get("sub");
        assertEquals(86400, sub.intervalSeconds());
        assertEquals(new ProxyProviderEntry.HealthCheck(true, "http://192.0.2.80/204", 600, 5000, true,
                StatusRanges.ANY), sub.healthCheck());
        assertEquals(7893, c.listeners().get(0).port());
        ConfigException e = assertThrows(ConfigException.class, () -> parse(
                "proxy-groups:\n  - {name: G, type: select, proxies: [DIRECT], interval: 'often'}\n"));
        assertEquals("t.yaml:2:58: group 'G': 'interval' must be a whole number, got 'often'", e.getMessage());
        ConfigException top = assertThrows(ConfigException.class, () -> parse("mixed-port: '7890'\n"));
        assertTrue(top.getMessage().contains("mixed-port"), "a top-level key is read strictly, as mihomo's YAML types are: "
                + top.getMessage());
    }

    @Test
    void mergeKeysShareSettingsAsMihomosYamlLibraryAppliesThem() throws Exception {
        // Configs keep shared group and provider settings under anchors; every entry merging one was 'missing type'.
        StringBuilder yaml = new StringBuilder(String.join("\n",
                "anchors:",
                "  d: &d {type: http, behavior: domain, format: text, interval: 86400}",
                "  s: &select {type: select, proxies: [DIRECT, REJECT]}",
                "  t: &test {url: 'http://192.0.2.80/204', interval: 300}",
                "rule-providers:",
                "  x: { <<: *d, url: 'http://192.0.2.1/x.txt', interval: 600 }",
                "proxy-groups:",
                "  - {name: P, << : *select}",
                "  - name: Q",
                "    <<: [*test, *select]",
                "    proxies: [REJECT]",
                ""));
        for (int i = 0; i < 60; i++) { // SnakeYAML refuses a 51st alias by default; mihomo counts none
            yaml.append("  - {name: G").append(i).append(", <<: *select}\n");
        }
        Config c = parse(yaml.toString());
        assertEquals(600, c.providers().get("x").intervalSeconds(), "the mapping's own key wins");
        assertEquals(Behavior.DOMAIN, c.providers().get("x").behavior());
        GroupEntry p = c.groups().get(0);
        assertEquals("select", p.type());
        assertEquals(List.of("DIRECT", "REJECT"), p.members());
        GroupEntry q = c.groups().get(1);
        assertEquals(List.of("REJECT"), q.members());
        assertEquals(300, q.intervalSeconds());
        assertEquals(62, c.groups().size());
        ConfigException notAMapping = assertThrows(ConfigException.class, () -> parse(
                "a: &a [x]\nproxy-groups:\n  - {name: P, <<: *a}\n"));
        assertEquals("t.yaml:1:8: invalid YAML: expected a mapping for merging, but found scalar",
                notAMapping.getMessage(), "SnakeYAML names the anchored value");
    }

    @Test
    void tunAndDnsSectionsKeepValuesAndPositionsForTheirOwners() throws Exception {
        Config c = parse("tun:\n  enable: true\n  mtu: 9000\n  dns-hijack: [any:53]\n");
        assertTrue(c.tun().bool("enable", false));
        assertEquals(9000, c.tun().integer("mtu", 1500));
        assertEquals(List.of("any:53"), c.tun().strings("dns-hijack"));
        ConfigException e = assertThrows(ConfigException.class, () -> parse("tun:\n  mtu: big\n").tun().integer("mtu", 0));
        assertEquals("t.yaml:2:8: 'mtu' must be a whole number, got big", e.getMessage());
        assertTrue(!c.dns().present());
    }

    @Test
    void aConfigLargerThanTheLimitIsRefusedBeforeItIsReadWithItsSizeAndTheLimit(@TempDir Path dir) throws Exception {
        Path big = dir.resolve("big.yaml");
        try (var out = java.nio.file.Files.newBufferedWriter(big)) {
            out.write("rules:\n");
            for (int i = 0; i < 200_000; i++) {
                out.write("  - DOMAIN,h" + i + ".test,DIRECT\n");
            }
        }
        long size = java.nio.file.Files.size(big);
        ConfigException e = assertThrows(ConfigException.class, () -> ConfigLoader.load(big, dir));
        assertEquals(big + ": the config is " + String.format(java.util.Locale.ROOT, "%,d", size)
                + " bytes; the limit is 4,194,304 (4 MiB), refused", e.getMessage());
    }

    @Test
    void aConfigThatIsNotUtf8NamesTheLineColumnAndByteOffset(@TempDir Path dir) throws Exception {
        Path latin1 = dir.resolve("latin1.yaml");
        java.nio.file.Files.write(latin1, "mixed-port: 7890\nrules:\n  - DOMAIN,caf\u00e9.test,DIRECT\n"
                .getBytes(java.nio.charset.StandardCharsets.ISO_8859_1));
        ConfigException e = assertThrows(ConfigException.class, () -> ConfigLoader.load(latin1, dir));
        assertEquals(latin1 + ":3:15: not UTF-8: byte 0xE9 at offset 38 cannot be decoded; save it as UTF-8",
                e.getMessage());
    }

    @Test
    void asciiAndUtf8TextDecodeAsAUtf8DecoderReadsThem() throws Exception {
        // Plain ASCII takes a shorter way than text with other characters; both must give what UTF-8 says.
        for (String text : new String[] {"", "payload:\n  - '+.example.com'\n", "rules:\n  - DOMAIN,caf\u00e9.test,DIRECT # \u4e2d\ud83d\ude00\n",
                "\u007f~\t\r\n"}) {
            byte[] utf8 = text.getBytes(java.nio.charset.StandardCharsets.UTF_8);
            assertEquals(text, ConfigLoader.decode(utf8, "t.yaml"));
        }
    }

    @Test
    void aByteThatIsNotUtf8AfterAnAsciiStartIsStillNamed() {
        byte[] bytes = "payload:\n  - 'a.test'\n  - 'b\u00ff.test'\n".getBytes(java.nio.charset.StandardCharsets.ISO_8859_1);
        ConfigException e = assertThrows(ConfigException.class, () -> ConfigLoader.decode(bytes, "p.yaml"));
        assertEquals("p.yaml:3:7: not UTF-8: byte 0xFF at offset 28 cannot be decoded; save it as UTF-8", e.getMessage());
    }

    @Test
    void readFileReturnsEveryByteOfAFileLargerThanOneRead(@TempDir Path dir) throws Exception {
        byte[] bytes = new byte[3 * 1024 * 1024 + 7];
        new java.util.Random(7).nextBytes(bytes);
        Path file = java.nio.file.Files.write(dir.resolve("big.bin"), bytes);
        org.junit.jupiter.api.Assertions.assertArrayEquals(bytes, ConfigLoader.readFile(file));
        org.junit.jupiter.api.Assertions.assertArrayEquals(new byte[0],
                ConfigLoader.readFile(java.nio.file.Files.write(dir.resolve("empty"), new byte[0])));
        // A missing file is told from an unreadable one as Files.readAllBytes tells it (the fake-IP cache relies on it).
        assertThrows(java.nio.file.NoSuchFileException.class, () -> ConfigLoader.readFile(dir.resolve("absent")));
        assertThrows(java.io.IOException.class, () -> ConfigLoader.readFile(dir));
    }

    @Test
    void readFileLeavesTheReadingThreadNoOffHeapCopyOfTheFile(@TempDir Path dir) throws Exception {
        // Files.readAllBytes reads through a temporary direct buffer as large as the file, and the JDK keeps it
        // cached in the reading thread: 3 MiB more off-heap for as long as the main thread lives. A fresh thread,
        // so that no buffer an earlier test cached can hide one.
        Path file = java.nio.file.Files.write(dir.resolve("rules.yaml"), new byte[3 * 1024 * 1024]);
        long[] grew = new long[1];
        Thread t = new Thread(() -> {
            try {
                long before = directBytesUsed();
                ConfigLoader.readFile(file);
                grew[0] = directBytesUsed() - before;
            } catch (java.io.IOException e) {
                grew[0] = -1;
            }
        });
        t.start();
        t.join(30_000);
        assertTrue(grew[0] >= 0 && grew[0] < 1024 * 1024, "direct memory grew by " + grew[0] + " bytes");
    }

    private static long directBytesUsed() {
        return java.lang.management.ManagementFactory.getPlatformMXBeans(java.lang.management.BufferPoolMXBean.class)
                .stream().filter(b -> b.getName().equals("direct")).mapToLong(b -> b.getMemoryUsed()).sum();
    }

    @Test
    void aBinaryFileIsCalledOneWithWhereItsFirstNulIs(@TempDir Path dir) throws Exception {
        Path binary = dir.resolve("a.out");
        java.nio.file.Files.write(binary, new byte[] {0x7f, 'E', 'L', 'F', 2, 1, 1, 0, 0, 0});
        ConfigException e = assertThrows(ConfigException.class, () -> ConfigLoader.load(binary, dir));
        assertEquals(binary + ":1:8: a NUL byte at offset 7: this is a binary file, not a YAML config", e.getMessage());
    }

    @Test
    void aPathWithANulCharacterIsAProblemAtItsPlaceNotACrash() {
        ConfigException e = assertThrows(ConfigException.class, () -> parse(String.join("\n",
                "rule-providers:",
                "  r: {type: file, behavior: domain, path: \"r\\u0000.yaml\"}",
                "proxy-providers:",
                "  p: {type: file, path: \"p\\0.yaml\"}",
                "rules: ['RULE-SET,r,DIRECT', 'MATCH,DIRECT']",
                "")));
        assertEquals(List.of(
                "t.yaml:2:43: 'r\\0.yaml' is not a path: Nul character not allowed",
                "t.yaml:4:25: 'p\\0.yaml' is not a path: Nul character not allowed"),
                e.problems().stream().map(Throwable::getMessage).toList());
    }

    @Test
    void everyProblemIsReportedInOneExceptionEachWithItsPosition() {
        ConfigException e = assertThrows(ConfigException.class, () -> parse(String.join("\n",
                "mixed-port: seventy",
                "mode: sideways",
                "proxies:",
                "  - {name: a, server: x, port: 1}",
                "  - {name: b, type: socks5, server: x, port: 1}",
                "proxy-groups:",
                "  - {name: g, type: smart, proxies: [b]}",
                "rules:",
                "  - {not: a rule}",
                "  - MATCH,DIRECT",
                "")));
        assertEquals(List.of(
                "t.yaml:1:13: 'mixed-port' must be a whole number, got 'seventy'",
                "t.yaml:2:7: 'mode' must be rule, global or direct, got 'sideways'",
                "t.yaml:4:5: missing 'type'",
                "t.yaml:7:21: group 'g': unknown group type 'smart'; expected one of select, url-test, fallback,"
                        + " load-balance, relay (smart is a mihomo fork's; mihomo itself refuses it too)",
                "t.yaml:9:5: expected a rule line such as DOMAIN-SUFFIX,example.com,PROXY, got a mapping"),
                e.problems().stream().map(Throwable::getMessage).toList());
        assertTrue(e.getMessage().startsWith("5 problems in the config:\n  t.yaml:1:13: "), e.getMessage());
        assertEquals("t.yaml:1:13", e.origin().toString());
    }

    @Test
    void tcpHalfCloseTimeoutIsADurationInSecondsOrWithAUnitAndDefaultsToThirtySeconds() throws Exception {
        assertEquals(java.time.Duration.ofSeconds(30), parse("mixed-port: 1\n").tcpHalfCloseTimeout());
        assertEquals(java.time.Duration.ofSeconds(2), parse("tcp-half-close-timeout: 2\n").tcpHalfCloseTimeout());
        assertEquals(java.time.Duration.ofSeconds(2), parse("tcp-half-close-timeout: 2s\n").tcpHalfCloseTimeout());
        assertEquals(java.time.Duration.ofMillis(500), parse("tcp-half-close-timeout: 500ms\n").tcpHalfCloseTimeout());
        assertEquals(java.time.Duration.ofMinutes(1), parse("tcp-half-close-timeout: 1m\n").tcpHalfCloseTimeout());
        assertTrue(parse("tcp-half-close-timeout: 2s\n").warnings().isEmpty(), "a key Turnout knows");
    }

    @Test
    void aBadTcpHalfCloseTimeoutIsAnErrorAtItsValue() {
        ConfigException e = assertThrows(ConfigException.class, () -> parse("mixed-port: 1\ntcp-half-close-timeout: soon\n"));
        assertEquals("t.yaml:2:25: 'tcp-half-close-timeout' must be a positive duration such as 30, 30s, 500ms or 1m, "
                + "got 'soon'", e.getMessage());
        ConfigException zero = assertThrows(ConfigException.class, () -> parse("tcp-half-close-timeout: 0\n"));
        assertTrue(zero.getMessage().startsWith("t.yaml:1:25: "), zero.getMessage());
    }

    @Test
    void findProcessModeIsMihomosAlwaysStrictOrOffAndDefaultsToStrict() throws Exception {
        assertEquals("strict", parse("mixed-port: 1\n").findProcessMode());
        assertEquals("always", parse("find-process-mode: Always\n").findProcessMode());
        assertTrue(parse("find-process-mode: off\n").warnings().isEmpty(), "a key Turnout acts on");
        ConfigException e = assertThrows(ConfigException.class, () -> parse("mixed-port: 1\nfind-process-mode: lazy\n"));
        assertEquals("t.yaml:2:20: 'find-process-mode' must be always, strict or off, got 'lazy'", e.getMessage());
    }

    /** mihomo's TUNStack: gvisor (its default), system and mixed in any case; anything else refuses the config. */
    @Test
    void aTunStackIsCheckedAsMihomoChecksItAndOneNotRunIsSaidAtItsLine() throws Exception {
        assertEquals(List.of("t.yaml:1:28: tun: stack 'gVisor' is not implemented by Turnout; the system stack is"
                + " used (the kernel's TCP)"), parse("tun: {enable: true, stack: gVisor}\n").warnings());
        assertEquals(List.of("t.yaml:2:10: tun: stack 'mixed' is not implemented by Turnout; the system stack is"
                + " used (the kernel's TCP)"), parse("tun:\n  stack: mixed\n").warnings());
        assertEquals(List.of(), parse("tun: {enable: true, stack: System}\n").warnings());
        ConfigException e = assertThrows(ConfigException.class, () -> parse("tun:\n  enable: false\n  stack: vpn\n"));
        assertEquals("t.yaml:3:10: tun: invalid stack 'vpn': expected gvisor, system or mixed", e.getMessage());
    }

    /** A mixed or socks listener's udp (mihomo's default true); on a tproxy listener Turnout takes UDP anyway. */
    @Test
    void aListenersUdpIsRead() throws Exception {
        Config c = parse("listeners:\n  - {name: m1, type: mixed, port: 27896, udp: false}\n"
                + "  - {name: s1, type: socks, port: 27897}\n  - {name: t1, type: tproxy, port: 27898, udp: false}\n");
        assertEquals(List.of(false, true), c.listeners().stream().filter(l -> !l.type().equals("tproxy"))
                .map(ListenerEntry::udp).toList());
        assertEquals(List.of("t.yaml:4:48: listener 't1': 'udp: false' is not supported on a tproxy listener:"
                + " Turnout takes its UDP all the same"), c.warnings());
    }
}
