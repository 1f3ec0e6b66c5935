package dev.turnout.plugins.v2ray;

import static dev.turnout.api.testing.TestOptions.assertRejects;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import dev.turnout.api.testing.TestOptions;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Clash's network and tls keys for vmess and vless: tcp or ws, each with or without tls; others refused by name. */
class TransportTest {

    @Test
    void withoutNetworkOrTlsItIsPlainTcp() throws Exception {
        Transport t = Transport.from(TestOptions.of("vmess"), "s.example");
        assertNull(t.tls());
        assertNull(t.webSocket());
        assertEquals("tcp", t.describe());
        assertEquals("tcp", Transport.from(TestOptions.of("vmess", "network", " "), "s").describe());
    }

    @Test
    void wsInAnyCaseTakesItsPathAndTlsTakesTheServersNameUnlessOneIsGiven() throws Exception {
        Transport ws = Transport.from(TestOptions.of("vless", "network", " WS ", "ws-opts", Map.of("path", "/x")), "s");
        assertEquals("/x", ws.webSocket().path());
        assertEquals("ws", ws.describe());
        Transport wsTls = Transport.from(TestOptions.of("vless", "network", "ws", "tls", true), "s.example");
        assertEquals("s.example", wsTls.tls().serverName());
        assertEquals("ws+tls", wsTls.describe());
        Transport tcpTls = Transport.from(TestOptions.of("vless", "tls", true, "servername", "n.example"), "s");
        assertEquals("n.example", tcpTls.tls().serverName());
        assertNull(tcpTls.webSocket());
        assertEquals("tcp+tls", tcpTls.describe());
        assertNull(Transport.from(TestOptions.of("vless", "tls", false), "s").tls());
    }

    @Test
    void clashsOtherNetworksAreRefusedByNameAndUnknownOnesAsNotTcpOrWs() {
        for (String n : new String[] {"http", "h2", "grpc", "quic", "kcp", "httpupgrade", "splithttp", "xhttp"}) {
            assertRejects(() -> Transport.from(TestOptions.of("vmess", "network", n), "s"), "network",
                    "'network: " + n + "' is not supported by the vmess plugin");
        }
        assertRejects(() -> Transport.from(TestOptions.of("vless", "network", "udp"), "s"), "network",
                "must be tcp or ws, got udp");
    }

    @Test
    void realityIsRefusedRatherThanSentAsPlainTls() {
        assertRejects(() -> Transport.from(TestOptions.of("vless", "tls", true, "reality-opts",
                Map.of("public-key", "k")), "s"), "reality-opts", "REALITY");
    }
}
