package dev.turnout.host.provider;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.turnout.host.config.Config;
import dev.turnout.host.config.ConfigException;
import dev.turnout.host.config.ConfigLoader;
import dev.turnout.host.config.ProxyEntry;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A provider's {@code override.proxy-name}: regex replacements on node names, applied as mihomo applies them. */
class ProxyNameOverrideTest {

    @TempDir
    Path home;

    private Config config(String override) throws ConfigException {
        return ConfigLoader.parse(String.join("\n",
                "proxy-providers:",
                "  sub:",
                "    type: inline",
                "    filter: 'IPLC|US'",
                "    override:",
                override,
                "    payload:",
                "      - {name: IPLC-HK-2倍, type: socks5, server: 192.0.2.1, port: 1080}",
                "      - {name: US 01 $, type: socks5, server: 192.0.2.2, port: 1080}",
                "      - {name: JP 01, type: socks5, server: 192.0.2.3, port: 1080}",
                "proxy-groups:",
                "  - {name: G, type: select, use: [sub]}",
                ""), "c.yaml", null, home);
    }

    private List<String> names(Config c) {
        List<ConfigException> errors = new ArrayList<>();
        var loaded = ProxyProviders.load(c, null, errors);
        assertEquals(List.of(), errors);
        return loaded.providers().get("sub").nodes().stream().map(ProxyEntry::name).toList();
    }

    @Test
    void aGroupWrittenInBracesBeforeADigitIsTheGroup() throws Exception {
        // mihomo's way to put a digit after group 1; Java's replaceAll threw on it and the provider was not loaded.
        Config c = config(String.join("\n",
                "      proxy-name:",
                "        - {pattern: '^(IPLC|US)\\W', target: '${1}1 '}"));
        assertEquals(List.of("IPLC1 HK-2倍", "US1 01 $"), names(c));
    }

    @Test
    void replacementsRunInOrderOnNamesTheFilterChoseThenThePrefixAndSuffix() throws Exception {
        Config c = config(String.join("\n",
                "      additional-prefix: 'P:'",
                "      additional-suffix: ' ok'",
                "      proxy-name:",
                "        - {pattern: 'IPLC-(\\w+)-(\\d)倍', target: 'iplc $1 x$2'}",
                "        - {pattern: '\\s+(?=\\d)', target: '_'}",
                "        - {pattern: '\\$$', target: 'USD$$'}"));
        assertEquals(List.of(), c.warnings(), "proxy-name is read, not warned about");
        // The filter saw the names as written ('IPLC', 'US'); JP is left out before any renaming.
        assertEquals(List.of("P:iplc HK x2 ok", "P:US_01 USD$ ok"), names(c));
    }

    @Test
    void aPatternThatIsNotARegularExpressionNamesItsLineAndColumn() {
        ConfigException e = assertThrows(ConfigException.class, () -> config(String.join("\n",
                "      proxy-name:",
                "        - {pattern: 'HK(', target: x}")));
        assertTrue(e.getMessage().startsWith("c.yaml:7:21: 'pattern' in 'proxy-name' of proxy provider 'sub'"),
                e.getMessage());
    }
}
