package dev.turnout.rules;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.lang.reflect.Method;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/** The line-by-line YAML fast path must give exactly what SnakeYAML gives, or step aside. */
class ProviderYamlTest {

    private static ProviderSource src(String content) {
        return new ProviderSource("p", Behavior.DOMAIN, ProviderFormat.YAML, content, "p.yaml",
                new Origin("c", 1, 1));
    }

    @SuppressWarnings("unchecked")
    private static List<ProviderParser.RawEntry> snake(ProviderSource s) throws Exception {
        Method m = ProviderParser.class.getDeclaredMethod("snakeYaml", ProviderSource.class,
                java.util.function.Consumer.class);
        m.setAccessible(true);
        return (List<ProviderParser.RawEntry>) m.invoke(null, s, (java.util.function.Consumer<String>) w -> { });
    }

    @Test
    void fastPathAgreesWithSnakeYamlIncludingLinesAndColumns() throws Exception {
        String[] same = {
            "payload:\n  - 'a.com'\n  - \"b.com\"\n  - c.com\n",
            "# head\npayload:\n\n  # c\n  - 'it''s.com'\n  -   'x.com'  \n",
            "payload:\r\n  - '+.a.com'\r\n",
            "payload:\n- 'flush.com'\n",
            "payload:\n  - IP-CIDR,1.2.3.0/24,no-resolve\n",
        };
        for (String y : same) {
            List<ProviderParser.RawEntry> fast = ProviderParser.simpleYaml(src(y));
            assertNotNull(fast, y);
            assertEquals(snake(src(y)), fast, y);
        }
    }

    @Test
    void unusualYamlFallsBackToSnakeYaml() {
        String[] other = {
            "payload: ['a.com']\n", "payload:\n  - \"a\\tb\"\n", "payload:\n  - a.com # note\n",
            "other: 1\npayload:\n  - a\n", "payload:\n  - key: value\n", "---\npayload:\n  - a\n",
            "payload:\n  - |\n    a\n", "payload:\n  - a\n    - b\n",
        };
        for (String y : other) {
            assertNull(ProviderParser.simpleYaml(src(y)), y);
        }
    }

    @Test
    void realProviderFilesParseTheSameBothWays() throws Exception {
        Optional<Path> root = SharedRulesets.find();
        org.junit.jupiter.api.Assumptions.assumeTrue(root.isPresent(), "../shared/rulesets absent; skipping");
        try (Stream<Path> files = Files.list(root.get().resolve("loyalsoldier-clash-rules"))) {
            for (Path f : files.filter(p -> p.toString().endsWith(".txt")).toList()) {
                ProviderSource s = src(Files.readString(f));
                List<ProviderParser.RawEntry> fast = ProviderParser.simpleYaml(s);
                assertNotNull(fast, f.toString());
                assertEquals(snake(s), fast, f.toString());
            }
        }
    }
}
