package dev.turnout.host.provider;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.turnout.host.config.ConfigException;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.List;
import org.junit.jupiter.api.Test;

class SubscriptionTest {

    private static final String LINKS = String.join("\n",
            "ss://YWVzLTI1Ni1nY206cGFzc3dvcmQ@192.0.2.1:8388#HK%2001",
            "trojan://pw@203.0.113.5:443?sni=t.example.com#JP%2001",
            "hysteria2://pw@192.0.2.9:443#H2",
            "socks://dXNlcjpwYXNz@192.0.2.3:1080#S5",
            "");

    @Test
    void clashYamlIsReadWithEachEntryWhereItWasWritten() throws Exception {
        String yaml = "# a subscription\nproxies:\n  - {name: a, type: socks5, server: 192.0.2.1, port: 1080}\n"
                + "  - name: b\n    type: http\n    server: 192.0.2.2\n    port: 3128\n  - just a string\n";
        Subscription.Parsed p = Subscription.parse(yaml, "sub.yaml");
        assertEquals("yaml", p.format());
        assertEquals(List.of("a", "b"), p.nodes().stream().map(n -> n.name()).toList());
        assertEquals("sub.yaml:4:5", p.nodes().get(1).origin().toString());
        assertEquals(1, p.skipped().values().stream().mapToInt(Integer::intValue).sum());
    }

    @Test
    void aClashYamlWithASecondDocumentIsReadToItsFirstWithANoteAtTheSecond() throws Exception {
        // Barabama/FreeNodes' nodes/oneclash.yaml: two documents, of which mihomo reads the first.
        String yaml = "proxies:\n  - {name: a, type: socks5, server: 192.0.2.1, port: 1080}\n---\n"
                + "proxies:\n  - {name: b, type: socks5\n";
        Subscription.Parsed p = Subscription.parse(yaml, "sub.txt");
        assertEquals(List.of("a"), p.nodes().stream().map(n -> n.name()).toList());
        assertEquals("sub.txt:2:5", p.nodes().get(0).origin().toString());
        assertEquals(List.of("sub.txt:3:1: a second YAML document begins here; only the first is read, as mihomo reads"
                + " only the first"), p.notes());
    }

    @Test
    void jsonOrAQuotedProxiesKeyIsReadAsYamlAsMihomoReadsIt() throws Exception {
        String json = "{\"proxies\": [{\"name\": \"a\", \"type\": \"socks5\", \"server\": \"192.0.2.1\", "
                + "\"port\": 1080},\n {\"name\": \"b\", \"type\": \"trojan\", \"server\": \"192.0.2.2\", "
                + "\"port\": 443, \"password\": \"pw\", \"sni\": \"t.example.com\"}]}\n";
        Subscription.Parsed p = Subscription.parse(json, "sub.json");
        assertEquals("yaml", p.format());
        assertEquals(List.of("a", "b"), p.nodes().stream().map(n -> n.name()).toList());
        assertEquals("sub.json:2:2", p.nodes().get(1).origin().toString());
        String pretty = "{\n  \"port\": 7890,\n  \"proxies\": [\n    {\"name\": \"a\", \"type\": \"socks5\","
                + " \"server\": \"192.0.2.1\", \"port\": 1080}\n  ]\n}\n";
        assertEquals(List.of("a"), Subscription.parse(pretty, "sub").nodes().stream().map(n -> n.name()).toList());
        String quoted = "\"proxies\":\n  - {name: a, type: socks5, server: 192.0.2.1, port: 1080}\n";
        assertEquals(List.of("a"), Subscription.parse(quoted, "sub").nodes().stream().map(n -> n.name()).toList());
    }

    @Test
    void base64ListOfLinksIsDecodedAndUnknownSchemesCounted() throws Exception {
        String body = Base64.getEncoder().encodeToString(LINKS.getBytes(StandardCharsets.UTF_8));
        // as servers send it: wrapped at 76 columns
        String wrapped = body.replaceAll("(.{76})", "$1\n");
        Subscription.Parsed p = Subscription.parse(wrapped, "sub");
        assertEquals("base64", p.format());
        assertEquals(List.of("HK 01", "JP 01", "S5"), p.nodes().stream().map(n -> n.name()).toList());
        assertEquals(List.of("ss", "trojan", "socks5"), p.nodes().stream().map(n -> n.type()).toList());
        assertEquals(1, p.skipped().size());
        assertTrue(p.skipped().keySet().iterator().next().contains("hysteria2"));
    }

    @Test
    void plainListOfLinksWithCrLf() throws Exception {
        Subscription.Parsed p = Subscription.parse(LINKS.replace("\n", "\r\n"), "sub");
        assertEquals("links", p.format());
        assertEquals(3, p.nodes().size());
        assertEquals("sub:2:1", p.nodes().get(1).origin().toString());
    }

    @Test
    void linksThatShareANameAreAllKeptNumberedAsMihomoNumbersThem() throws Exception {
        // Free lists name every node by its country; mihomo's converter keeps them all as name, name-01, name-02.
        String links = String.join("\n",
                "ss://YWVzLTI1Ni1nY206cGFzc3dvcmQ@192.0.2.1:8388#US",
                "trojan://pw@203.0.113.5:443?sni=t.example.com#US",
                "ss://YWVzLTI1Ni1nY206cGFzc3dvcmQ@192.0.2.2:8388#JP",
                "vless://b0dd64e3-9c27-418c-a1af-c10a2c18d855@192.0.2.3:443?security=tls#US",
                "");
        Subscription.Parsed p = Subscription.parse(links, "sub");
        assertEquals(List.of("US", "US-01", "JP", "US-02"), p.nodes().stream().map(n -> n.name()).toList());
        assertEquals(0, p.skipped().size(), p.skipped().toString());
    }

    @Test
    void brokenYamlNamesLineAndColumn() {
        ConfigException e = assertThrows(ConfigException.class,
                () -> Subscription.parse("proxies:\n  - {name: a, type: socks5\n", "cache.yaml"));
        assertTrue(e.getMessage().startsWith("cache.yaml:3:1"), e.getMessage());
    }

    @Test
    void anHtmlPageIsNotASubscription() {
        ConfigException e = assertThrows(ConfigException.class,
                () -> Subscription.parse("<html><body>Login required</body></html>", "https://sub.example/x"));
        assertTrue(e.getMessage().contains("neither"), e.getMessage());
        assertThrows(ConfigException.class, () -> Subscription.parse("  \n", "empty"));
    }
}
