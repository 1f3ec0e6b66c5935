package dev.turnout.rules;

import static dev.turnout.rules.Rules.compile;
import static dev.turnout.rules.Rules.text;
import static dev.turnout.rules.Rules.yaml;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;
import org.junit.jupiter.api.Test;

/** A bad entry in a rule provider's file is reported at that file's line and column, as config errors are. */
class ProviderErrorPositionsTest {

    private static String error(ProviderSource p) {
        return assertThrows(RuleException.class, () -> compile(Map.of(p.name(), p), "RULE-SET," + p.name() + ",PROXY"))
                .getMessage();
    }

    /** The warning a skipped entry gives (mihomo skips a bad entry and keeps the rest). */
    private static String skipped(ProviderSource p) throws RuleException {
        return compile(Map.of(p.name(), p), "RULE-SET," + p.name() + ",PROXY").warnings().get(0);
    }

    @Test
    void aTextFileNamesTheLineAndTheColumnAfterTheIndentAndSkipsAByteOrderMark() throws Exception {
        String m = skipped(text("ips", Behavior.IPCIDR, "\uFEFF192.0.2.0/24\n// comment\n# comment\n\n   300.1.2.3/8\n"));
        assertTrue(m.startsWith("ips.txt:5:4: ") && m.contains("bad CIDR"), m);
        String d = skipped(text("names", Behavior.DOMAIN, "\uFEFFexample.com\n\t+.a..com\n"));
        assertTrue(d.startsWith("names.txt:2:2: ") && d.contains("bad domain entry"), d);
    }

    @Test
    void aYamlFileNamesTheLineAndColumnOfTheEntry() {
        String m = error(yaml("c", Behavior.CLASSICAL, "payload:\n  - DOMAIN,a.com\n  - [x, y]\n"));
        assertTrue(m.startsWith("c.yaml:3:5: ") && m.contains("payload entries must be strings"), m);
        String notList = error(yaml("c", Behavior.CLASSICAL, "payload:\n  key: value\n"));
        assertTrue(notList.startsWith("c.yaml:2:3: ") && notList.contains("'payload' must be a list"), notList);
        String bad = error(yaml("c", Behavior.CLASSICAL, "payload:\n  - DOMAIN,a.com\n  - 'unclosed\n"));
        assertTrue(bad.startsWith("c.yaml:") && bad.contains("bad YAML"), bad);
    }

    @Test
    void aYamlFileWithASecondDocumentIsReadToItsFirstAsMihomoReadsItWithAWarningAtTheSecond() throws Exception {
        // go-yaml's Unmarshal, mihomo's reader, decodes the first document and never parses the rest.
        RuleSet s = compile(Map.of("c", yaml("c", Behavior.CLASSICAL,
                "payload:\n  - DOMAIN,a.com\n---\npayload: [unclosed\n")), "RULE-SET,c,PROXY");
        assertEquals(0, s.decide(Rules.domain("a.com"), NameResolver.NONE).index());
        assertTrue(s.warnings().contains("c.yaml:3:1: a second YAML document begins here; only the first is read, as"
                + " mihomo reads only the first"), s.warnings().toString());
        // Positions in the first document are the file's own.
        String m = error(yaml("c", Behavior.CLASSICAL, "payload:\n  - DOMAIN,a.com\n  - [x, y]\n---\npayload: []\n"));
        assertTrue(m.startsWith("c.yaml:3:5: ") && m.contains("payload entries must be strings"), m);
    }

    @Test
    void anUnquotedStarIsExplainedOnOneLine() {
        String star = error(yaml("c", Behavior.DOMAIN, "payload:\n  - *.google.com\n"));
        assertEquals("c.yaml:2:6: bad YAML: while scanning an alias, unexpected character found .(46)"
                + " ('*' and '&' begin a YAML alias or anchor; quote a plain star: '*')", star);
        String bare = error(yaml("c", Behavior.CLASSICAL, "payload:\n  - DOMAIN,a.com\n  - *\n  x: [\n"));
        assertTrue(bare.startsWith("c.yaml:3:6: bad YAML: while scanning an alias, unexpected character found \\n(10) ("), bare);
    }

    @Test
    void unsupportedEntriesAreNamedUpToFiveThenCounted() throws Exception {
        StringBuilder b = new StringBuilder("DOMAIN,a.com\n");
        for (int i = 0; i < 7; i++) {
            b.append("URL-REGEX,^http://").append(i).append('\n');
        }
        RuleSet s = compile(Map.of("c", text("c", Behavior.CLASSICAL, b.toString())), "RULE-SET,c,PROXY");
        assertEquals(5, s.warnings().stream().filter(w -> w.contains("unsupported entry")).count(), s.warnings()
                .toString());
        assertTrue(s.warnings().stream().anyMatch(w -> w.contains("c.txt:2:1") && w.contains("URL-REGEX")));
        assertTrue(s.warnings().stream().anyMatch(w -> w.contains("7 unsupported entries skipped in all")),
                s.warnings().toString());
    }
}
