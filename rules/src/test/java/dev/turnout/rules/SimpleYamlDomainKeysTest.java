package dev.turnout.rules;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The YAML fast path hands plain lower-case domains on as table keys without the provider parser's own checks:
 * every entry must still become the rule the parser makes of it as text, and a bad one the same error.
 */
class SimpleYamlDomainKeysTest {

    private static ProviderParser.Parsed parse(ProviderFormat format, String content) throws RuleException {
        return ProviderParser.parse(new ProviderSource("p", Behavior.DOMAIN, format, content, "p.yaml",
                new Origin("c", 1, 1)), w -> { });
    }

    @Test
    void everyEntryBecomesTheRuleTheParserMakesOfItsText() throws RuleException {
        String[] entries = {
            "a.com", "+.a.com", "A.Com", "+.B.com", "a_b-c.d9.com", "+.*.a.com", "*.a.com", ".a.com", "a.com.",
            "+.a.com.", "xn--fiqs8s.cn", "\u00e9.com", "+.\u00c9.com", "localhost", "+.cn", "it's.com", "x",
        };
        StringBuilder yaml = new StringBuilder("payload:\n");
        StringBuilder text = new StringBuilder();
        for (String e : entries) {
            yaml.append("  - '").append(e.replace("'", "''")).append("'\n");
            text.append(e).append('\n');
        }
        ProviderParser.Parsed fast = parse(ProviderFormat.YAML, yaml.toString());
        List<Rule> expected = parse(ProviderFormat.TEXT, text.toString()).entries();
        assertEquals(expected, fast.entries());
        List<Origin> lines = new ArrayList<>();
        for (int i = 0; i < entries.length; i++) {
            lines.add(new Origin("p.yaml", i + 2, 5));
        }
        assertEquals(lines, new ArrayList<>(fast.origins()));
    }

    @Test
    void aKeysLineAndColumnAreWhereAYamlParserFindsTheEntry() throws RuleException {
        // Keys keep no position; it is found again in the bytes. Any other top-level key sends the same entries
        // through SnakeYAML, whose positions are the reference.
        String payload = "# lists\r\npayload:\r\n  - 'a.com'\r\n  -   \"b.com\"\r\n  - c.com\r\n  - '  d.com  '\r\n"
                + "\r\n  -    +.e.com\r\n  - '+.f.com'\r\n# between\r\n  - g.com   \r\n  - 'h.\u00e9.com'\r\n"
                + "  - '+.i.com'\r\n";
        ProviderParser.Parsed fast = parse(ProviderFormat.YAML, payload);
        ProviderParser.Parsed snake = parse(ProviderFormat.YAML, payload + "other: 1\r\n");
        assertEquals(snake.entries(), new ArrayList<>(fast.entries()));
        assertEquals(new ArrayList<>(snake.origins()), new ArrayList<>(fast.origins()));
        // Backwards too, and from a fresh start: each position stands on its own.
        for (int i = fast.origins().size() - 1; i >= 0; i--) {
            assertEquals(snake.origins().get(i), fast.origins().get(i), "entry " + i);
        }
        assertEquals(new Origin("p.yaml", 8, 8), fast.origins().get(4));
    }

    @Test
    void aBadEntryIsSkippedWithAWarningAtItsLineAndColumnAndTheOthersKept() throws RuleException {
        for (String bad : new String[] {"a..com", "+..a.com", "+.", ".", "a,b.com", "a/b.com", "a+b.com"}) {
            String yaml = "payload:\n  - 'ok.com'\n  - '" + bad + "'\n  - '+.b.com'\n";
            List<String> warnings = new ArrayList<>();
            ProviderParser.Parsed p = ProviderParser.parse(new ProviderSource("p", Behavior.DOMAIN,
                    ProviderFormat.YAML, yaml, "p.yaml", new Origin("c", 1, 1)), warnings::add);
            assertEquals(List.of("p.yaml:3:5: bad domain entry '" + bad + "': provider 'p': entry '" + bad
                    + "' skipped, as mihomo skips it"), warnings, bad);
            assertEquals(List.of(new Rule.Exact("ok.com"), new Rule.Suffix("b.com")), new ArrayList<>(p.entries()));
            assertEquals(List.of(new Origin("p.yaml", 2, 5), new Origin("p.yaml", 4, 5)),
                    new ArrayList<>(p.origins()), bad);
        }
    }

    @Test
    void theEntriesReadAsAListAreAnOrdinaryList() throws RuleException {
        List<Rule> entries = parse(ProviderFormat.YAML, "payload:\n  - 'a.com'\n  - '+.b.com'\n  - '*.c.com'\n")
                .entries();
        assertEquals(List.of(new Rule.Exact("a.com"), new Rule.Suffix("b.com"), new Rule.Wildcard("*.c.com")),
                new ArrayList<>(entries));
        assertEquals(3, entries.size());
        assertThrows(IndexOutOfBoundsException.class, () -> entries.get(3));
        assertThrows(IndexOutOfBoundsException.class, () -> entries.get(-1));
        List<Rule> keys = parse(ProviderFormat.YAML, "payload:\n  - 'a.com'\n  - '+.b.com'\n").entries();
        assertEquals(List.of(new Rule.Exact("a.com"), new Rule.Suffix("b.com")), new ArrayList<>(keys));
        assertThrows(IndexOutOfBoundsException.class, () -> keys.get(2));
        assertThrows(IndexOutOfBoundsException.class, () -> keys.get(-1));
    }
}
