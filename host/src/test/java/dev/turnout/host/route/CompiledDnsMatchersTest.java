package dev.turnout.host.route;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.turnout.host.config.Config;
import dev.turnout.host.config.ConfigException;
import dev.turnout.host.config.ConfigLoader;
import dev.turnout.host.files.Downloads;
import dev.turnout.host.geo.GeoFiles;
import dev.turnout.host.outbound.HostDirect;
import dev.turnout.host.outbound.OutboundFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The {@code geosite:} and {@code rule-set:} entries of {@code fake-ip-filter} and {@code nameserver-policy}, compiled
 * with the rules from a real GeoSite.dat and rule provider files: a name is in a set exactly when the rule would
 * match it, and each mistake is reported at the key that made it.
 */
class CompiledDnsMatchersTest {

    @TempDir
    Path dir;

    @BeforeEach
    void databases() throws Exception {
        Files.write(dir.resolve("GeoSite.dat"), GeoFiles.geosite(Map.of(
                "PRIVATE", List.of(new GeoFiles.Domain(2, "lan"), new GeoFiles.Domain(3, "router.example")),
                "CN", List.of(new GeoFiles.Domain(2, "cn.example"), new GeoFiles.Domain(0, "baidu")))));
        Files.writeString(dir.resolve("corp.txt"), "+.corp.example\nintranet.example\n");
        Files.writeString(dir.resolve("mixed.yaml"), "payload:\n  - DOMAIN-SUFFIX,mixed.example\n"
                + "  - IP-CIDR,192.0.2.0/24\n  - DST-PORT,53\n");
        Files.writeString(dir.resolve("ips.txt"), "192.0.2.0/24\n");
    }

    private RoutingCompiler.Compiled compile(String dns, String rules) throws ConfigException {
        String yaml = String.join("\n",
                "rule-providers:",
                "  corp: {type: file, behavior: domain, format: text, path: ./corp.txt}",
                "  mixed: {type: file, behavior: classical, path: ./mixed.yaml}",
                "  ips: {type: file, behavior: ipcidr, format: text, path: ./ips.txt}",
                "dns:",
                "  enable: true",
                "  enhanced-mode: fake-ip",
                "  nameserver: [192.0.2.53]",
                dns,
                "rules:",
                rules,
                "");
        Config config = ConfigLoader.parse(yaml, "c.yaml", dir.resolve("c.yaml"), dir);
        return new RoutingCompiler(new OutboundFactory(HostDirect.types(), null, (dev.turnout.api.Resolver) null))
                .compile(config, Downloads.NONE);
    }

    /** The sniffer's force-domain and skip-domain take the same entries, with the DNS off too. */
    @Test
    void theSniffersSetEntriesAreCompiledToo() throws Exception {
        String yaml = String.join("\n",
                "rule-providers:",
                "  corp: {type: file, behavior: domain, format: text, path: ./corp.txt}",
                "sniffer:",
                "  enable: true",
                "  sniff: {TLS: {ports: [443]}}",
                "  force-domain: ['rule-set:corp']",
                "  skip-domain: ['geosite:private', 'rule-set:nope']",
                "rules:",
                "  - MATCH,DIRECT",
                "");
        Config config = ConfigLoader.parse(yaml, "c.yaml", dir.resolve("c.yaml"), dir);
        ConfigException e = assertThrows(ConfigException.class, () -> new RoutingCompiler(new OutboundFactory(
                HostDirect.types(), null, (dev.turnout.api.Resolver) null)).compile(config, Downloads.NONE));
        assertTrue(e.getMessage().contains("c.yaml:7:16: sniffer: skip-domain 'rule-set:nope': "), e.getMessage());
        Config fixed = ConfigLoader.parse(yaml.replace(", 'rule-set:nope'", ""), "c.yaml", dir.resolve("c.yaml"), dir);
        CompiledDnsMatchers sets = new RoutingCompiler(new OutboundFactory(HostDirect.types(), null,
                (dev.turnout.api.Resolver) null)).compile(fixed, Downloads.NONE).routing().dnsMatchers();
        assertEquals(Set.of("rule-set:corp", "geosite:private"), sets.keys());
        assertTrue(sets.contains("rule-set:corp", "git.corp.example"));
        assertTrue(sets.contains("geosite:private", "printer.lan"));
    }

    @Test
    void theSniffersAddressSetsHoldTheirProvidersAddressesAndACountrys() throws Exception {
        GeoFiles.mmdb(dir.resolve("Country.mmdb"), "GeoIP2-Country", Map.of("198.51.100.0/24",
                "{ country => { iso_code => 'CN' } }"));
        String yaml = String.join("\n",
                "rule-providers:",
                "  ips: {type: file, behavior: ipcidr, format: text, path: ./ips.txt}",
                "  mixed: {type: file, behavior: classical, path: ./mixed.yaml}",
                "  corp: {type: file, behavior: domain, format: text, path: ./corp.txt}",
                "sniffer:",
                "  enable: true",
                "  sniff: {TLS: {ports: [443]}}",
                "  skip-src-address: ['rule-set:ips,mixed']",
                "  skip-dst-address: ['geoip:cn', 203.0.113.0/24]",
                "rules:",
                "  - MATCH,DIRECT",
                "");
        Config config = ConfigLoader.parse(yaml, "c.yaml", dir.resolve("c.yaml"), dir);
        CompiledDnsMatchers sets = new RoutingCompiler(new OutboundFactory(HostDirect.types(), null,
                (dev.turnout.api.Resolver) null)).compile(config, Downloads.NONE).routing().dnsMatchers();
        assertEquals(Set.of("rule-set:ips", "rule-set:mixed", "geoip:CN"), sets.addressKeys());
        assertTrue(sets.containsAddress("rule-set:ips", address("192.0.2.77")));
        assertFalse(sets.containsAddress("rule-set:ips", address("203.0.113.1")));
        assertTrue(sets.containsAddress("rule-set:mixed", address("192.0.2.5")), "its IP-CIDR,192.0.2.0/24");
        assertTrue(sets.containsAddress("geoip:CN", address("198.51.100.9")));
        assertFalse(sets.containsAddress("geoip:CN", address("203.0.113.9")));
        ConfigException wrong = assertThrows(ConfigException.class, () -> new RoutingCompiler(new OutboundFactory(
                HostDirect.types(), null, (dev.turnout.api.Resolver) null)).compile(ConfigLoader.parse(
                yaml.replace("'rule-set:ips,mixed'", "'rule-set:corp'"), "c.yaml", dir.resolve("c.yaml"), dir),
                Downloads.NONE));
        assertEquals("c.yaml:8:21: sniffer: skip-src-address 'rule-set:corp': rule provider 'corp' has behavior"
                + " domain: it lists names, and this list holds addresses (give an ipcidr or classical provider)",
                wrong.getMessage());
    }

    @Test
    void aNameIsInASetExactlyWhenItsRuleWouldMatchIt() throws Exception {
        RoutingCompiler.Compiled c = compile(String.join("\n",
                "  fake-ip-filter: ['geosite:private,cn', '+.local']",
                "  nameserver-policy: {'rule-set:corp': 192.0.2.54, 'rule-set:mixed': 192.0.2.55}"),
                "  - RULE-SET,ips,DIRECT\n  - MATCH,DIRECT");
        CompiledDnsMatchers sets = c.routing().dnsMatchers();
        assertEquals(Set.of("geosite:private", "geosite:cn", "rule-set:corp", "rule-set:mixed"), sets.keys());
        assertTrue(sets.contains("geosite:private", "printer.lan"));
        assertTrue(sets.contains("geosite:private", "router.example"));
        assertFalse(sets.contains("geosite:private", "a.router.example"), "a full: entry is that name only");
        assertTrue(sets.contains("geosite:cn", "www.cn.example"));
        assertTrue(sets.contains("geosite:cn", "map.baidu.test"), "a plain: entry is a keyword");
        assertFalse(sets.contains("geosite:cn", "printer.lan"));
        assertTrue(sets.contains("rule-set:corp", "corp.example"));
        assertTrue(sets.contains("rule-set:corp", "git.corp.example"));
        assertTrue(sets.contains("rule-set:corp", "intranet.example"));
        assertFalse(sets.contains("rule-set:corp", "www.intranet.example"));
        assertTrue(sets.contains("rule-set:mixed", "a.mixed.example"));
        assertFalse(sets.contains("rule-set:mixed", "other.example"),
                "a classical provider's address and port rules do not match a name (its DST-PORT,53 would)");
        assertFalse(sets.contains("rule-set:nosuch", "corp.example"), "a set the config does not name");
        assertTrue(c.notes().stream().anyMatch(n -> n.startsWith("c.yaml:10:22: dns: nameserver-policy"
                + " 'rule-set:mixed': rule provider 'mixed' is classical")), c.notes()::toString);
        assertFalse(c.notes().stream().anyMatch(n -> n.contains("not used by any rule")),
                "the DNS uses corp and mixed: " + c.notes());
    }

    @Test
    void eachMistakeIsReportedAtTheKeyThatMadeIt() {
        ConfigException e = assertThrows(ConfigException.class, () -> compile(String.join("\n",
                "  fake-ip-filter: ['geosite:nosuch', 'rule-set:absent']",
                "  nameserver-policy: {'rule-set:ips': 192.0.2.54}"),
                "  - MATCH,DIRECT"));
        List<String> problems = e.problems().stream().map(Throwable::getMessage).toList();
        assertEquals(List.of(
                "c.yaml:9:19: dns: fake-ip-filter 'geosite:nosuch': GEOSITE,nosuch: GeoSite.dat has no list 'nosuch'",
                "c.yaml:9:19: dns: fake-ip-filter 'rule-set:absent': there is no rule provider named 'absent'"
                        + " (rule-providers: has corp, ips, mixed)",
                "c.yaml:10:22: dns: nameserver-policy 'rule-set:ips': rule provider 'ips' has behavior ipcidr: it"
                        + " lists addresses, and the DNS chooses by name (give a domain or classical provider)"),
                problems);
    }

    @Test
    void aNegatedGeositeKeyHoldsTheNamesItsListDoesNot() throws Exception {
        CompiledDnsMatchers sets = compile("  nameserver-policy: {'geosite:!cn,!private': 192.0.2.54}", "  - MATCH,DIRECT")
                .routing().dnsMatchers();
        assertEquals(Set.of("geosite:!cn", "geosite:!private"), sets.keys());
        assertTrue(sets.contains("geosite:!cn", "www.example.org"));
        assertFalse(sets.contains("geosite:!cn", "www.cn.example"));
        assertTrue(sets.contains("geosite:!private", "www.cn.example"));
        assertFalse(sets.contains("geosite:!private", "printer.lan"));
    }

    @Test
    void ruleModesFilterIsTheFirstOfItsRulesThatMatchesTheNameOverTheSameDatabasesAndProviders() throws Exception {
        RoutingCompiler.Compiled c = compile(String.join("\n",
                "  fake-ip-filter-mode: rule",
                "  fake-ip-filter:",
                "    - DOMAIN,fake.corp.example,fake-ip",
                "    - RULE-SET,corp,real-ip",
                "    - RULE-SET,mixed,Real-IP",
                "    - GEOSITE,private,real-ip",
                "    - DOMAIN-KEYWORD,stun,real-ip",
                "    - MATCH,fake-ip"),
                "  - MATCH,DIRECT");
        CompiledDnsMatchers m = c.routing().dnsMatchers();
        assertTrue(m.realIpByRules("git.corp.example"));
        assertFalse(m.realIpByRules("fake.corp.example"), "an earlier rule says fake-ip");
        assertTrue(m.realIpByRules("A.Mixed.Example."), "any case, with the trailing dot");
        assertTrue(m.realIpByRules("printer.lan"));
        assertTrue(m.realIpByRules("stun.l.example"));
        assertFalse(m.realIpByRules("www.example.org"), "MATCH,fake-ip");
        assertTrue(m.keys().isEmpty(), "rule mode's entries are not set entries");
        assertEquals(List.of("c.yaml:4:8: provider 'ips' is not used by any rule"),
                c.notes().stream().filter(n -> n.contains("not used by any rule")).toList(),
                "the filter's rules use corp and mixed");
        assertFalse(compile("  fake-ip-filter: ['+.lan']", "  - MATCH,DIRECT").routing().dnsMatchers()
                .realIpByRules("printer.lan"), "blacklist mode has no rules");
    }

    @Test
    void ruleModesMistakesAreEachReportedAtTheirEntry() {
        ConfigException e = assertThrows(ConfigException.class, () -> compile(String.join("\n",
                "  fake-ip-filter-mode: rule",
                "  fake-ip-filter:",
                "    - '+.lan'",
                "    - RULE-SET,ips,real-ip",
                "    - GEOSITE,nosuch,real-ip",
                "    - IP-CIDR,192.0.2.0/24,real-ip",
                "    - DOMAIN,a.example,PROXY"),
                "  - MATCH,DIRECT"));
        List<String> problems = e.problems().stream().map(Throwable::getMessage).toList();
        String about = "dns: fake-ip-filter (fake-ip-filter-mode: rule): ";
        assertEquals(5, problems.size(), String.join("\n", problems));
        assertTrue(problems.get(0).startsWith("c.yaml:11:7: " + about + "malformed rule"), problems.get(0));
        assertTrue(problems.get(1).startsWith("c.yaml:12:7: " + about + "rule provider 'ips' has behavior ipcidr"),
                problems.get(1));
        assertEquals("c.yaml:13:7: " + about + "GEOSITE,nosuch: GeoSite.dat has no list 'nosuch'", problems.get(2));
        assertTrue(problems.get(3).startsWith("c.yaml:14:7: " + about + "only rules on the name"), problems.get(3));
        assertEquals("c.yaml:15:7: " + about + "'PROXY' is not an action here: write fake-ip or real-ip",
                problems.get(4));
    }

    @Test
    void fallbackFilterDistrustsAddressesAbroadAndInItsRangesAndSendsItsNamesToFallbackAlone() throws Exception {
        GeoFiles.mmdb(dir.resolve("Country.mmdb"), "GeoIP2-Country", Map.of(
                "192.0.2.0/25", "{ country => { iso_code => 'CN' } }",
                "198.51.100.0/24", "{ country => { iso_code => 'US' } }"));
        CompiledDnsMatchers m = compile(String.join("\n",
                "  fallback: [192.0.2.54]",
                "  fallback-filter: {geoip: true, geoip-code: CN, ipcidr: [192.0.2.100/30], domain: ['+.google.com'],"
                        + " geosite: [private]}"), "  - MATCH,DIRECT").routing().dnsMatchers();
        java.util.function.Predicate<String> distrusted = a -> m.distrusts(address(a));
        assertFalse(distrusted.test("192.0.2.7"), "in CN");
        assertTrue(distrusted.test("198.51.100.7"), "abroad");
        assertTrue(distrusted.test("203.0.113.7"), "no country known: not CN");
        assertFalse(distrusted.test("10.1.2.3"), "the LAN is trusted, as in mihomo");
        assertTrue(distrusted.test("192.0.2.101"), "CN, but in a listed range");
        assertTrue(m.fallbackOnly("www.google.com"));
        assertTrue(m.fallbackOnly("router.example"), "GeoSite.dat's private list");
        assertFalse(m.fallbackOnly("www.baidu.com"));
        CompiledDnsMatchers noFilter = compile("  fallback: [192.0.2.54]", "  - MATCH,DIRECT").routing().dnsMatchers();
        assertTrue(noFilter.distrusts(address("198.51.100.7")),
                "without fallback-filter, Clash's default: geoip CN");
        assertFalse(compile("  fallback: []", "  - MATCH,DIRECT").routing().dnsMatchers()
                .distrusts(address("198.51.100.7")), "no fallback: nothing is distrusted");
        ConfigException bad = assertThrows(ConfigException.class, () -> compile(String.join("\n",
                "  fallback: [192.0.2.54]", "  fallback-filter: {geoip-code: China}"), "  - MATCH,DIRECT"));
        assertEquals("c.yaml:10:20: dns: fallback-filter 'geoip-code' must be a country code such as CN, got 'China'",
                bad.getMessage());
    }

    private static java.net.InetAddress address(String literal) {
        try {
            return java.net.InetAddress.getByName(literal);
        } catch (java.net.UnknownHostException e) {
            throw new AssertionError(e);
        }
    }

    @Test
    void withoutDnsNothingIsCompiled() throws Exception {
        String yaml = "rule-providers:\n  corp: {type: file, behavior: domain, format: text, path: ./corp.txt}\n"
                + "dns: {enable: false, fake-ip-filter: ['rule-set:corp', 'geosite:nosuch']}\nrules:\n  - MATCH,DIRECT\n";
        Config config = ConfigLoader.parse(yaml, "c.yaml", dir.resolve("c.yaml"), dir);
        RoutingCompiler.Compiled c = new RoutingCompiler(new OutboundFactory(HostDirect.types(), null,
                (dev.turnout.api.Resolver) null)).compile(config, Downloads.NONE);
        assertTrue(c.routing().dnsMatchers().keys().isEmpty());
    }
}
