package dev.turnout.rules.bench;

import dev.turnout.rules.Acl4ssr;
import dev.turnout.rules.GeoData;
import dev.turnout.rules.Loyalsoldier;
import dev.turnout.rules.Network;
import dev.turnout.rules.Origin;
import dev.turnout.rules.ProviderSource;
import dev.turnout.rules.Query;
import dev.turnout.rules.RuleException;
import dev.turnout.rules.RuleLine;
import dev.turnout.rules.RuleSet;
import dev.turnout.rules.SharedRulesets;
import java.io.IOException;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;

/** The three configurations the benchmarks compare, and one mixed query set shared by all of them. */
final class BenchConfigs {

    static final String[] TEN = {
        "DOMAIN-SUFFIX,google.com,PROXY", "DOMAIN-SUFFIX,youtube.com,PROXY", "DOMAIN,www.baidu.com,DIRECT",
        "DOMAIN-KEYWORD,adservice,REJECT", "DOMAIN-SUFFIX,cn,DIRECT", "IP-CIDR,192.168.0.0/16,DIRECT,no-resolve",
        "IP-CIDR,10.0.0.0/8,DIRECT,no-resolve", "IP-CIDR,1.0.1.0/24,DIRECT", "DST-PORT,25,REJECT", "MATCH,PROXY",
    };

    /** A config name's suffix for {@link Loaded#udpLess}. */
    static final String UDP_LESS = "-udpless";

    private BenchConfigs() {
    }

    static Path rulesets() {
        return SharedRulesets.find().orElseThrow(() -> new IllegalStateException(
                "../shared/rulesets not found; run with -Dturnout.repo=/path/to/repo"));
    }

    /**
     * What {@link RuleSet#compile} is given: the rule lines, the providers' contents, the target names, and those a
     * rule may be passed at ({@code skippable}: the host's Outbounds.skippable, groups that may lead to PASS or hold
     * a node without UDP).
     */
    record Loaded(List<RuleLine> rules, Map<String, ProviderSource> providers, Set<String> targets,
                  Set<String> skippable) {

        Loaded(List<RuleLine> rules, Map<String, ProviderSource> providers, Set<String> targets) {
            this(rules, providers, targets, Set.of());
        }

        RuleSet compile() throws RuleException {
            return RuleSet.compile(rules, providers, targets, Map.of(), GeoData.NONE, Set.of(), skippable);
        }

        /** The same, with every target but the built-in ones skippable. */
        Loaded udpLess() {
            Set<String> all = new java.util.HashSet<>(targets);
            all.removeAll(Set.of("DIRECT", "REJECT", "REJECT-DROP", "PASS"));
            return new Loaded(rules, providers, targets, Set.copyOf(all));
        }
    }

    /** Reads the config's files and compiles it: what a start or a reload costs. */
    static RuleSet loadAndCompile(String name) throws IOException, RuleException {
        return load(name).compile();
    }

    /**
     * Reads the config's files (the config with snakeyaml, the providers as text): what the host's config loading
     * does before the rule engine is asked.
     */
    static Loaded load(String name) throws IOException {
        if (name.endsWith(UDP_LESS)) {
            // A subscription's ss nodes without `udp: true` (or one http node) make every group holding them one a
            // UDP flow goes past, and the host compiles the rules with those groups skippable.
            return load(name.substring(0, name.length() - UDP_LESS.length())).udpLess();
        }
        switch (name) {
            case "loyalsoldier": {
                Loyalsoldier.Config c = Loyalsoldier.load(rulesets().resolve("loyalsoldier-clash-rules"));
                return new Loaded(c.rules(), c.providers(), c.targets());
            }
            case "acl4ssr": {
                Acl4ssr.Expansion e = Acl4ssr.expand(rulesets().resolve("acl4ssr"));
                return new Loaded(e.rules(), Map.of(), e.groups());
            }
            case "ten": {
                List<RuleLine> lines = new ArrayList<>();
                for (int i = 0; i < TEN.length; i++) {
                    lines.add(new RuleLine(TEN[i], new Origin("ten.yaml", i + 1, 5)));
                }
                return new Loaded(lines, Map.of(), Set.of("PROXY"));
            }
            default:
                throw new IllegalArgumentException(name);
        }
    }

    /**
     * 1024 queries: 40% names taken from the Loyalsoldier and ACL4SSR lists (hits), 35% made-up names (misses,
     * which reach IP rules and resolution), 25% IPv4 literals (Chinese ranges, LAN, elsewhere). Seeded.
     */
    static Query[] queries() throws IOException {
        Path root = rulesets();
        List<String> listed = new ArrayList<>();
        for (String f : new String[] {"direct.txt", "proxy.txt", "gfw.txt", "google.txt", "apple.txt"}) {
            for (String line : Files.readAllLines(root.resolve("loyalsoldier-clash-rules").resolve(f))) {
                String t = line.strip();
                if (t.startsWith("- '")) {
                    listed.add(t.substring(3, t.length() - 1).replace("+.", "www."));
                }
            }
        }
        for (String line : Files.readAllLines(root.resolve("acl4ssr").resolve("ProxyGFWlist.list"))) {
            if (line.startsWith("DOMAIN-SUFFIX,")) {
                listed.add("cdn." + line.substring("DOMAIN-SUFFIX,".length()).strip());
            }
        }
        List<String> cnIps = new ArrayList<>();
        for (String line : Files.readAllLines(root.resolve("loyalsoldier-clash-rules").resolve("cncidr.txt"))) {
            String t = line.strip();
            if (t.startsWith("- '") && t.indexOf(':') < 0) {
                cnIps.add(t.substring(3, t.indexOf('/')));
            }
        }
        Random rnd = new Random(20241125);
        Query[] out = new Query[1024];
        for (int i = 0; i < out.length; i++) {
            int kind = rnd.nextInt(100);
            if (kind < 40) {
                out[i] = new Query(Network.TCP, listed.get(rnd.nextInt(listed.size())), null, 443, null, 0, null);
            } else if (kind < 75) {
                String name = "h" + rnd.nextInt(1_000_000) + ".example" + rnd.nextInt(100) + ".org";
                out[i] = new Query(Network.TCP, name, null, 443, null, 0, null);
            } else {
                int which = rnd.nextInt(3);
                String ip = which == 0 ? cnIps.get(rnd.nextInt(cnIps.size())).replaceFirst("\\.0$", ".7")
                        : which == 1 ? "192.168." + rnd.nextInt(256) + "." + rnd.nextInt(256)
                        : (20 + rnd.nextInt(200)) + "." + rnd.nextInt(256) + ".1." + rnd.nextInt(256);
                out[i] = new Query(Network.UDP, null, literal(ip), 443, null, 0, null);
            }
        }
        return out;
    }

    /** What the fake resolver answers for a name: a fixed address derived from it, like a warm DNS cache. */
    static List<InetAddress> answer(String domain) {
        int h = domain.hashCode();
        return List.of(literal((h & 1) == 0 ? "1.0.1." + (h >>> 24) : "203.0.113." + (h >>> 24)));
    }

    static InetAddress literal(String ip) {
        try {
            return InetAddress.getByName(ip);
        } catch (UnknownHostException e) {
            throw new IllegalArgumentException(ip, e);
        }
    }
}
