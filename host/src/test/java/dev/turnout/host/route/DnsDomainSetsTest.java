package dev.turnout.host.route;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.turnout.host.config.Config;
import dev.turnout.host.config.ConfigException;
import dev.turnout.host.config.ConfigLoader;
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
class DnsDomainSetsTest {

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
                .compile(config, false);
    }

    @Test
    void aNameIsInASetExactlyWhenItsRuleWouldMatchIt() throws Exception {
        RoutingCompiler.Compiled c = compile(String.join("\n",
                "  fake-ip-filter: ['geosite:private,cn', '+.local']",
                "  nameserver-policy: {'rule-set:corp': 192.0.2.54, 'rule-set:mixed': 192.0.2.55}"),
                "  - RULE-SET,ips,DIRECT\n  - MATCH,DIRECT");
        DnsDomainSets sets = c.routing().dnsSets();
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
    void withoutDnsNothingIsCompiled() throws Exception {
        String yaml = "rule-providers:\n  corp: {type: file, behavior: domain, format: text, path: ./corp.txt}\n"
                + "dns: {enable: false, fake-ip-filter: ['rule-set:corp', 'geosite:nosuch']}\nrules:\n  - MATCH,DIRECT\n";
        Config config = ConfigLoader.parse(yaml, "c.yaml", dir.resolve("c.yaml"), dir);
        RoutingCompiler.Compiled c = new RoutingCompiler(new OutboundFactory(HostDirect.types(), null,
                (dev.turnout.api.Resolver) null)).compile(config, false);
        assertTrue(c.routing().dnsSets().keys().isEmpty());
    }
}
