package dev.turnout.api;

import static dev.turnout.api.testing.TestOptions.assertNotImplemented;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.turnout.api.testing.TestOptions;
import java.util.Map;
import org.junit.jupiter.api.Test;

class WebSocketOptionsTest {

    @Test
    void pathAndHeadersAreRead() throws Exception {
        WebSocketOptions ws = WebSocketOptions.from(TestOptions.of("vmess", "ws-opts",
                Map.of("path", "/ray?ed=2048", "headers", Map.of("Host", "cdn.example"), "v2ray-http-upgrade", false)));
        assertEquals("/ray?ed=2048", ws.path());
        assertEquals(Map.of("Host", "cdn.example"), ws.headers());
    }

    @Test
    void aPathWrittenWithoutItsSlashGetsOneAsMihomoGivesIt() throws Exception {
        // Public lists write 'bec1ba6b' and '?ed=2048'; mihomo's dialer puts the '/' in front, Turnout refused them.
        assertEquals("/bec1ba6b", WebSocketOptions.from(TestOptions.of("vless", "ws-opts",
                Map.of("path", "bec1ba6b"))).path());
        assertEquals("/?ed=2048", WebSocketOptions.from(TestOptions.of("vmess", "ws-opts",
                Map.of("path", "?ed=2048"))).path());
        assertEquals("/", WebSocketOptions.from(TestOptions.of("vmess", "ws-opts", Map.of("path", ""))).path());
    }

    @Test
    void httpUpgradeIsRefusedRatherThanSpokenAsAWebSocket() {
        assertNotImplemented(() -> WebSocketOptions.from(TestOptions.of("vless", "ws-opts",
                Map.of("path", "/up", "v2ray-http-upgrade", true))), "ws-opts", "HTTPUpgrade transport) is not implemented");
        assertNotImplemented(() -> WebSocketOptions.from(TestOptions.of("vless", "ws-opts",
                Map.of("v2ray-http-upgrade-fast-open", "true"))), "ws-opts", "v2ray-http-upgrade-fast-open");
    }
}
