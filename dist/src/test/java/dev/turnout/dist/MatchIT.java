package dev.turnout.dist;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.turnout.api.testing.Required;
import dev.turnout.dist.testing.Daemons;
import dev.turnout.dist.testing.Netns;
import dev.turnout.rules.Acl4ssr;
import dev.turnout.rules.RuleLine;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.yaml.snakeyaml.DumperOptions;
import org.yaml.snakeyaml.Yaml;

/**
 * {@code turnout match} on the real public rule sets: Loyalsoldier's recommended config (its providers rewritten
 * to the local files) and ACL4SSR's full template expanded inline as subconverter does. It runs inside an
 * empty namespace, so a name an IP rule must resolve fails to resolve (as offline) and never leaves the machine.
 */
class MatchIT {

    static final Path DIST = Path.of(System.getProperty("turnout.dist"));
    static final Path SHARED = Path.of(System.getProperty("turnout.repo")).resolve("../shared/rulesets").normalize();

    @TempDir
    Path dir;

    private List<String> match(Path config, String input, String javaOpts) throws Exception {
        String why = Netns.unavailableReason();
        Required.nothingMissing(why);
        Path in = dir.resolve("queries.txt");
        Path out = dir.resolve("decisions.tsv");
        Files.writeString(in, input, StandardCharsets.UTF_8);
        try (Netns ns = Netns.create("tmatch")) {
            Netns.Result r = ns.run(Duration.ofSeconds(300), "env", "TURNOUT_JAVA_OPTS=" + javaOpts, "bash", "-c",
                    "\"$0\" match -c \"$1\" < \"$2\" > \"$3\"", DIST.resolve("bin/turnout").toString(), config.toString(),
                    in.toString(), out.toString());
            assertEquals(0, r.exitCode(), r.stderr());
        }
        return Files.readAllLines(out, StandardCharsets.UTF_8);
    }

    @Test
    void aNameAnIpRuleMustResolveIsLookedUpWithTheConfigsNameserversAsRunDoes() throws Exception {
        Required.nothingMissing(Netns.unavailableReason());
        Path config = dir.resolve("dns.yaml");
        Files.writeString(config, String.join("\n", "dns:", "  enable: true", "  nameserver: [127.0.0.1:5353]",
                "rules:", "  - IP-CIDR,203.0.113.0/24,DIRECT", "  - MATCH,REJECT", ""));
        try (Netns ns = Netns.create("tmatchdns")) {
            // The system's resolver answers a fake address, as a running Turnout with fake-IP DNS would.
            ns.resolver("127.0.0.53");
            Daemons.dnsmasq(ns, dir.resolve("stub.log"), "127.0.0.53", 53, "--address=/cn-name.test/198.18.0.9");
            Daemons.dnsmasq(ns, dir.resolve("dnsmasq.log"), "127.0.0.1", 5353, "--address=/cn-name.test/203.0.113.7");
            ns.awaitUdpPort(53, Duration.ofSeconds(20));
            ns.awaitUdpPort(5353, Duration.ofSeconds(20));
            Path in = dir.resolve("names.txt");
            Files.writeString(in, "cn-name.test 443\n");
            Netns.Result r = ns.run(Duration.ofSeconds(120), "bash", "-c", "\"$0\" match -c \"$1\" < \"$2\"",
                    DIST.resolve("bin/turnout").toString(), config.toString(), in.toString());
            assertEquals(0, r.exitCode(), r.stderr());
            assertEquals("cn-name.test 443\tDIRECT\tIP-CIDR,203.0.113.0/24", r.stdout().strip(), r.stderr());
        }
    }

    /**
     * A name in the system's hosts file has its address before the first rule, as in a run (and in mihomo, whose
     * tunnel asks its hosts, the system's included, first): no-resolve IP rules match it.
     */
    /**
     * A UDP query goes past a rule whose target carries no UDP (an http proxy), as run routes the flow and mihomo's
     * tunnel.match skips it; a TCP one stops there. Before, match answered the http proxy for both (readme tester F8).
     */
    @Test
    void aUdpQueryGoesPastARuleWhoseTargetCarriesNoUdpAsRunRoutesIt() throws Exception {
        Path config = dir.resolve("udp.yaml");
        Files.writeString(config, String.join("\n", "proxies:", "  - {name: h, type: http, server: 192.0.2.9, port: 3128}",
                "rules:", "  - DOMAIN,u.test,h", "  - DOMAIN,u.test,REJECT", "  - MATCH,DIRECT", ""));
        assertEquals(List.of("u.test 9999 udp\tREJECT\tDOMAIN,u.test", "u.test 9999 tcp\th\tDOMAIN,u.test"),
                match(config, "u.test 9999 udp\nu.test 9999 tcp\n", ""));
    }

    @Test
    void aNameInTheSystemsHostsFileHasItsAddressBeforeTheRulesAsInARun() throws Exception {
        Required.nothingMissing(Netns.unavailableReason());
        Path config = dir.resolve("sys-hosts.yaml");
        Files.writeString(config, String.join("\n", "dns:", "  enable: true", "  nameserver: [127.0.0.1:5353]",
                "rules:", "  - IP-CIDR,198.51.100.0/24,REJECT,no-resolve", "  - MATCH,DIRECT", ""));
        Path off = dir.resolve("sys-hosts-off.yaml");
        Files.writeString(off, Files.readString(config).replace("  nameserver:", "  use-system-hosts: false\n  nameserver:"));
        try (Netns ns = Netns.create("tmatchhosts")) {
            ns.hosts(Map.of("sys-h.test", "198.51.100.77"));
            Path in = dir.resolve("names.txt");
            Files.writeString(in, "sys-h.test 80\n");
            for (Path c : List.of(config, off)) {
                Netns.Result r = ns.run(Duration.ofSeconds(120), "bash", "-c", "\"$0\" match -c \"$1\" < \"$2\"",
                        DIST.resolve("bin/turnout").toString(), c.toString(), in.toString());
                assertEquals(0, r.exitCode(), r.stderr());
                assertEquals(c == config ? "sys-h.test 80\tREJECT\tIP-CIDR,198.51.100.0/24"
                        : "sys-h.test 80\tDIRECT\tMATCH", r.stdout().strip(), r.stderr());
            }
        }
    }

    @Test
    void anAddressWrittenAsANameIsMatchedAsTheAddressAndANameRunRefusesIsSaidSo() throws Exception {
        Required.nothingMissing(Netns.unavailableReason());
        Path config = dir.resolve("ip.yaml");
        Files.writeString(config, String.join("\n", "rules:", "  - IP-CIDR,203.0.113.0/24,REJECT,no-resolve",
                "  - MATCH,DIRECT", ""));
        Path in = dir.resolve("lines.txt");
        Files.writeString(in, "[2001:db8::1] 443\n203.0.113.5 80\n3405803781 80\n");
        try (Netns ns = Netns.create("tmatchip")) {
            Netns.Result r = ns.run(Duration.ofSeconds(120), "bash", "-c", "\"$0\" match -c \"$1\" < \"$2\"",
                    DIST.resolve("bin/turnout").toString(), config.toString(), in.toString());
            // As run decides: the literal meets the IP rule; the number is refused (match said DIRECT for it).
            assertEquals(1, r.exitCode(), r.stdout() + r.stderr());
            assertEquals(List.of("[2001:db8::1] 443\tDIRECT\tMATCH", "203.0.113.5 80\tREJECT\tIP-CIDR,203.0.113.0/24"),
                    r.stdout().lines().toList(), r.stderr());
            assertTrue(r.stderr().contains("'3405803781' ends in a number but is not an IPv4 address"), r.stderr());
        }
    }

    @Test
    @SuppressWarnings("unchecked")
    void loyalsoldiersConfigGivesClashsDecisions() throws Exception {
        Path sets = SHARED.resolve("loyalsoldier-clash-rules");
        assumeTrue(Files.exists(sets), () -> "skipped: " + sets + " is not here");
        Map<String, Object> config = new Yaml().load(Files.readString(sets.resolve("example-config.yaml")));
        Map<String, Object> local = new LinkedHashMap<>();
        Map<String, Object> providers = new LinkedHashMap<>();
        for (var e : ((Map<String, Map<String, Object>>) config.get("rule-providers")).entrySet()) {
            String url = (String) e.getValue().get("url");
            Path file = sets.resolve(url.substring(url.lastIndexOf('/') + 1));
            if (!Files.exists(file)) {
                file = dir.resolve(e.getKey() + ".yaml"); // reject.txt is not carried: an empty set
                Files.writeString(file, "payload: []\n");
            }
            providers.put(e.getKey(), Map.of("type", "file", "behavior", e.getValue().get("behavior"), "path", file.toString()));
        }
        local.put("proxy-groups", List.of(Map.of("name", "PROXY", "type", "select", "proxies", List.of("DIRECT"))));
        local.put("rule-providers", providers);
        local.put("rules", config.get("rules"));
        Path file = dir.resolve("loyalsoldier.yaml");
        Files.writeString(file, new Yaml().dump(local));
        String queries = String.join("\n",
                "www.google.com 443",
                "adservice.google.com",
                "WWW.Baidu.COM. 80 tcp",
                "www.icloud.com 443",
                "clash.razord.top",
                "192.168.1.1",
                "1.0.1.1 53 udp",
                "91.108.4.1 443",
                "unlisted-name.org 80",
                "") ;
        List<String> out = match(file, queries, "-Xmx256m");
        assertEquals(List.of(
                "www.google.com 443\tPROXY\tRULE-SET,proxy",
                "adservice.google.com\tPROXY\tRULE-SET,google",
                "WWW.Baidu.COM. 80 tcp\tDIRECT\tRULE-SET,direct",
                "www.icloud.com 443\tPROXY\tDOMAIN,www.icloud.com",
                "clash.razord.top\tDIRECT\tDOMAIN,clash.razord.top",
                "192.168.1.1\tDIRECT\tRULE-SET,lancidr",
                "1.0.1.1 53 udp\tDIRECT\tRULE-SET,cncidr",
                "91.108.4.1 443\tPROXY\tRULE-SET,telegramcidr",
                "unlisted-name.org 80\tPROXY\tMATCH"), out);
    }

    @Test
    void acl4ssrFullTemplateExpandedInlineGivesItsGroups() throws Exception {
        Path sets = SHARED.resolve("acl4ssr");
        assumeTrue(Files.exists(sets), () -> "skipped: " + sets + " is not here");
        Acl4ssr.Expansion expansion = Acl4ssr.expand(sets);
        List<Map<String, Object>> groups = new ArrayList<>();
        for (String g : expansion.groups()) {
            groups.add(Map.of("name", g, "type", "select", "proxies", List.of("DIRECT")));
        }
        Map<String, Object> config = new LinkedHashMap<>();
        config.put("proxy-groups", groups);
        config.put("rules", expansion.rules().stream().map(RuleLine::text).toList());
        DumperOptions options = new DumperOptions();
        options.setAllowUnicode(true);
        Path file = dir.resolve("acl4ssr.yaml");
        Files.writeString(file, new Yaml(options).dump(config), StandardCharsets.UTF_8);
        List<String> out = match(file, "www.google.com 443\nwww.baidu.com 80\n192.168.1.1\ndoubleclick.net\nt.me 443\n", "-Xmx256m");
        assertEquals(List.of(
                "www.google.com 443\t🚀 节点选择\tDOMAIN-KEYWORD,google",
                "www.baidu.com 80\t🎯 全球直连\tDOMAIN-SUFFIX,baidu.com",
                "192.168.1.1\t🎯 全球直连\tIP-CIDR,192.168.0.0/16",
                "doubleclick.net\t🍃 应用净化\tDOMAIN-SUFFIX,doubleclick.net",
                "t.me 443\t📲 电报消息\tDOMAIN-SUFFIX,t.me"), out);
    }

    @Test
    void aMillionLinesStreamThroughASmallHeap() throws Exception {
        Path file = dir.resolve("small.yaml");
        Files.writeString(file, "rules:\n  - IP-CIDR,198.51.100.0/24,REJECT\n  - DST-PORT,53,REJECT\n  - MATCH,DIRECT\n");
        StringBuilder sb = new StringBuilder(20 * 1_000_000);
        for (int i = 0; i < 1_000_000; i++) {
            sb.append(i % 2 == 0 ? "198.51.100." : "203.0.113.").append(i % 256).append(' ').append(i % 7 == 0 ? 53 : 443).append('\n');
        }
        // 1,000,000 lines are ~22 MB of text and far more as Java strings: a 48 MB heap only works when streaming.
        List<String> out = match(file, sb.toString(), "-Xmx48m");
        assertEquals(1_000_000, out.size());
        assertEquals("198.51.100.0 53\tREJECT\tIP-CIDR,198.51.100.0/24", out.get(0));
        assertEquals("203.0.113.1 443\tDIRECT\tMATCH", out.get(1));
        assertEquals("203.0.113.7 53\tREJECT\tDST-PORT,53", out.get(7));
    }
}
