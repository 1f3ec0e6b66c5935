package dev.turnout.rules;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** Small helpers for building rule sets and queries in tests. */
final class Rules {

    static final Set<String> TARGETS = Set.of("PROXY", "GROUP");

    private Rules() {
    }

    static RuleSet compile(String... lines) throws RuleException {
        return compile(Map.of(), lines);
    }

    static RuleSet compile(Map<String, ProviderSource> providers, String... lines) throws RuleException {
        return RuleSet.compile(lines(lines), providers, TARGETS);
    }

    static List<RuleLine> lines(String... lines) {
        List<RuleLine> out = new ArrayList<>();
        for (int i = 0; i < lines.length; i++) {
            out.add(new RuleLine(lines[i], new Origin("config.yaml", 10 + i, 5)));
        }
        return out;
    }

    static ProviderSource text(String name, Behavior behavior, String content) {
        return new ProviderSource(name, behavior, ProviderFormat.TEXT, content, name + ".txt",
                new Origin("config.yaml", 3, 3));
    }

    static ProviderSource yaml(String name, Behavior behavior, String content) {
        return new ProviderSource(name, behavior, ProviderFormat.YAML, content, name + ".yaml",
                new Origin("config.yaml", 3, 3));
    }

    static Query domain(String domain) {
        return new Query(Network.TCP, domain, null, 443, null, 0, null);
    }

    static Query ip(String ip) {
        return new Query(Network.TCP, null, addr(ip), 443, null, 0, null);
    }

    static InetAddress addr(String ip) {
        try {
            return InetAddress.getByName(ip);
        } catch (UnknownHostException e) {
            throw new AssertionError(e);
        }
    }
}
