package dev.turnout.rules;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import org.yaml.snakeyaml.Yaml;

/**
 * Loads Loyalsoldier's {@code example-config.yaml} with its http providers rewritten to the local files named
 * by each URL's last segment. A provider whose file is absent (the shared set has no {@code reject.txt}) is
 * loaded empty and noted in {@link Config#missing()}.
 */
public final class Loyalsoldier {

    public record Config(List<RuleLine> rules, Map<String, ProviderSource> providers, Set<String> targets,
                         List<String> missing) {
    }

    private Loyalsoldier() {
    }

    @SuppressWarnings("unchecked")
    public static Config load(Path dir) throws IOException {
        Path configFile = dir.resolve("example-config.yaml");
        Map<String, Object> config = new Yaml().load(Files.readString(configFile, StandardCharsets.UTF_8));
        List<String> configLines = Files.readAllLines(configFile, StandardCharsets.UTF_8);
        Set<String> targets = new LinkedHashSet<>();
        for (Map<String, Object> g : (List<Map<String, Object>>) config.get("proxy-groups")) {
            targets.add((String) g.get("name"));
        }
        Map<String, ProviderSource> providers = new LinkedHashMap<>();
        List<String> missing = new ArrayList<>();
        var declared = (Map<String, Map<String, Object>>) config.get("rule-providers");
        for (var e : declared.entrySet()) {
            String url = (String) e.getValue().get("url");
            Path file = dir.resolve(url.substring(url.lastIndexOf('/') + 1));
            String content = "payload:\n";
            if (Files.exists(file)) {
                content = Files.readString(file, StandardCharsets.UTF_8);
            } else {
                missing.add(e.getKey() + " (" + file.getFileName() + ")");
            }
            Behavior behavior = Behavior.valueOf(((String) e.getValue().get("behavior")).toUpperCase(Locale.ROOT));
            providers.put(e.getKey(), new ProviderSource(e.getKey(), behavior, ProviderFormat.YAML, content,
                    file.getFileName().toString(), new Origin(configFile.getFileName().toString(),
                    lineOf(configLines, "  " + e.getKey() + ":"), 3)));
        }
        List<RuleLine> rules = new ArrayList<>();
        int start = lineOf(configLines, "rules:");
        for (String rule : (List<String>) config.get("rules")) {
            int line = start;
            for (int i = start; i < configLines.size(); i++) {
                if (configLines.get(i).strip().equals("- " + rule)) {
                    line = i + 1;
                    break;
                }
            }
            rules.add(new RuleLine(rule, new Origin(configFile.getFileName().toString(), line, 5)));
        }
        return new Config(rules, providers, targets, missing);
    }

    private static int lineOf(List<String> lines, String prefix) {
        for (int i = 0; i < lines.size(); i++) {
            if (lines.get(i).startsWith(prefix)) {
                return i + 1;
            }
        }
        return 0;
    }
}
