package dev.turnout.host.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Every section of a Clash config reaches the parsed config, and the YAML a config may not use (a key twice, a name
 * twice, an alias bomb) is refused at its position rather than read one way or another.
 */
class ConfigSectionsReadTest {

    private static Config parse(String yaml) throws ConfigException {
        return ConfigLoader.parse(yaml, "t.yaml", Path.of("t.yaml"), Path.of("/base"));
    }

    @Test
    void everySectionAClashConfigHasIsRead() throws Exception {
        Config c = parse(String.join("\n",
                "proxies:",
                "  - {name: a, type: socks5, server: 192.0.2.1, port: 1080}",
                "proxy-providers:",
                "  sub: {type: http, url: 'http://192.0.2.80/sub', path: ./sub.yaml}",
                "proxy-groups:",
                "  - {name: G, type: select, proxies: [a]}",
                "rule-providers:",
                "  lan: {type: file, behavior: ipcidr, path: ./lan.txt}",
                "sub-rules:",
                "  inner:",
                "    - DOMAIN,x.test,a",
                "hosts:",
                "  router.lan: 192.0.2.1",
                "rules:",
                "  - RULE-SET,lan,DIRECT",
                "  - SUB-RULE,(NETWORK,TCP),inner",
                "  - MATCH,G",
                ""));
        assertEquals(List.of("a"), c.proxies().stream().map(ProxyEntry::name).toList());
        assertEquals(List.of("sub"), List.copyOf(c.proxyProviders().keySet()));
        assertEquals(List.of("G"), c.groups().stream().map(GroupEntry::name).toList());
        assertEquals(List.of("lan"), List.copyOf(c.providers().keySet()));
        assertEquals(List.of("inner"), List.copyOf(c.subRules().keySet()));
        assertEquals(1, c.subRules().get("inner").size());
        assertEquals(List.of("192.0.2.1"), c.hosts().get("router.lan"));
        assertEquals(3, c.rules().size());
        assertEquals(List.of(), c.warnings());
    }

    @Test
    void aKeyGivenTwiceIsRefusedAtItsSecondPlace() {
        ConfigException e = assertThrows(ConfigException.class, () -> parse("mixed-port: 7890\nmixed-port: 7891\n"));
        assertTrue(e.getMessage().startsWith("t.yaml:2:1: ") && e.getMessage().contains("duplicate key"), e.getMessage());
        ConfigException nested = assertThrows(ConfigException.class,
                () -> parse("proxies:\n  - {name: a, type: socks5, server: x, port: 1, port: 2}\n"));
        assertTrue(nested.getMessage().contains("duplicate key") && nested.getMessage().contains("port"),
                nested.getMessage());
    }

    @Test
    void aProxyOrGroupNameGivenTwiceIsRefusedWhereItIsRepeated() {
        ConfigException e = assertThrows(ConfigException.class, () -> parse(String.join("\n",
                "proxies:",
                "  - {name: a, type: socks5, server: 192.0.2.1, port: 1080}",
                "  - {name: a, type: http, server: 192.0.2.2, port: 3128}",
                "proxy-groups:",
                "  - {name: DIRECT, type: select, proxies: [a]}",
                "")));
        List<String> problems = e.problems().stream().map(Throwable::getMessage).toList();
        assertTrue(problems.stream().anyMatch(p -> p.startsWith("t.yaml:3:") && p.contains("'a' is used twice")),
                problems.toString());
        assertTrue(problems.stream().anyMatch(p -> p.startsWith("t.yaml:5:") && p.contains("'DIRECT' is used twice")),
                problems.toString());
    }

    @Test
    void anAliasBombIsRefusedInsteadOfExpanded() {
        StringBuilder yaml = new StringBuilder("a: &a [x, x, x, x, x, x, x, x, x, x]\n");
        char prev = 'a';
        for (char k = 'b'; k <= 'j'; k++, prev++) {
            yaml.append(k).append(": &").append(k).append(" [");
            for (int i = 0; i < 10; i++) {
                yaml.append(i == 0 ? "" : ", ").append('*').append(prev);
            }
            yaml.append("]\n");
        }
        ConfigException e = assertThrows(ConfigException.class, () -> parse(yaml.toString()));
        assertTrue(e.getMessage().startsWith("t.yaml:"), e.getMessage());
        assertTrue(e.getMessage().toLowerCase(java.util.Locale.ROOT).contains("alias"), e.getMessage());
    }
}
