package dev.turnout.rules;

import static dev.turnout.rules.Rules.compile;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * An option a rule does not know is told, not silently dropped (mihomo knows only no-resolve and src for these),
 * and an error inside a provider's logical entry names the provider's file and line, line and column within the entry.
 */
class RuleOptionsAndEntryPositionsTest {

    @Test
    void anUnknownOptionIsIgnoredWithAWarningNamingTheLine() throws Exception {
        RuleSet s = compile("DOMAIN,a.example,PROXY,no-resolve", "IP-CIDR,192.0.2.0/24,PROXY,NO-RESOLVE,srcx");
        assertEquals(List.of("config.yaml:11:5: option 'srcx' ignored"), s.warnings());
    }

    @Test
    void anErrorInsideALogicalEntryOfAProviderNamesItsFileAndLine() throws Exception {
        Map<String, ProviderSource> p = Map.of("c", Rules.text("c", Behavior.CLASSICAL,
                "DOMAIN,ok.example\nAND,((DOMAIN,bad..example),(NETWORK,tcp))\n"));
        assertEquals(List.of("c.txt:2:14: bad domain 'bad..example': provider 'c': entry "
                + "'AND,((DOMAIN,bad..example),(NETWORK,tcp))' skipped, as mihomo skips it"),
                compile(p, "RULE-SET,c,PROXY").warnings());
    }
}
