package dev.turnout.plugins.v2ray;

import static dev.turnout.api.testing.TestOptions.assertNotImplemented;
import static dev.turnout.api.testing.TestOptions.assertRejects;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import dev.turnout.api.testing.TestOptions;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Clash's network and tls keys for vmess and vless: tcp, ws or grpc, each with or without tls; others refused by name. */
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
    void tlsUnderAWebSocketOffersHttp11AloneAndIsNamedByTheHostHeaderWithoutAServername() throws Exception {
        Map<String, Object> wsOpts = Map.of("path", "/v", "headers", Map.of("host", "site.example"));
        Transport cdn = Transport.from(TestOptions.of("vmess", "server", "192.0.2.1", "network", "ws", "tls", true,
                "alpn", List.of("h2", "http/1.1"), "ws-opts", wsOpts), "192.0.2.1");
        assertEquals("site.example", cdn.tls().serverName(), "the Host header, as mihomo");
        assertEquals(List.of("http/1.1"), cdn.tls().alpn(), "h2 would drop the upgrade");
        Transport named = Transport.from(TestOptions.of("vless", "server", "192.0.2.1", "network", "ws", "tls", true,
                "servername", "front.example", "ws-opts", wsOpts), "192.0.2.1");
        assertEquals("front.example", named.tls().serverName(), "servername first");
        Transport tcp = Transport.from(TestOptions.of("vmess", "server", "192.0.2.1", "tls", true,
                "alpn", List.of("h2")), "192.0.2.1");
        assertEquals(List.of("h2"), tcp.tls().alpn(), "alpn as written without a WebSocket");
    }

    @Test
    void grpcAsMihomoDialsIt() throws Exception {
        // TLS must agree on HTTP/2 whatever alpn says; the authority is servername, else the server's host:port.
        Transport t = Transport.from(TestOptions.of("vless", "server", "s.example", "port", 8443, "network", "grpc",
                "tls", true, "alpn", List.of("http/1.1"), "grpc-opts", Map.of("grpc-service-name", "a.B")), "s.example");
        assertEquals("/a.B/Tun", t.grpc().path());
        assertEquals(List.of("h2"), t.tls().alpn());
        assertEquals("s.example:8443", t.grpcAuthority());
        assertEquals("grpc+tls", t.describe());
        Transport named = Transport.from(TestOptions.of("vmess", "server", "192.0.2.1", "port", 443, "network", "grpc",
                "tls", true, "servername", "front.example"), "192.0.2.1");
        assertEquals("front.example", named.grpcAuthority());
        assertEquals("front.example", named.tls().serverName());
        assertEquals("/GunService/Tun", named.grpc().path(), "V2Ray's default service");
        Transport clear = Transport.from(TestOptions.of("vless", "server", "2001:db8::1", "port", 80, "network",
                "grpc"), "2001:db8::1");
        assertNull(clear.tls());
        assertEquals("[2001:db8::1]:80", clear.grpcAuthority());
        assertEquals("grpc", clear.describe());
        assertNull(Transport.from(TestOptions.of("vless", "network", "ws"), "s").grpc());
    }

    @Test
    void h2AsMihomoDialsItAlwaysOverTls() throws Exception {
        Transport t = Transport.from(TestOptions.of("vmess", "network", "h2", "h2-opts",
                Map.of("host", List.of("a.example", "b.example"), "path", "/up")), "s.example");
        assertEquals(List.of("a.example", "b.example"), t.h2().hosts());
        assertEquals("/up", t.h2().path());
        assertEquals("s.example", t.tls().serverName(), "TLS without tls: true, as mihomo");
        assertEquals(List.of("h2"), t.tls().alpn());
        assertEquals("h2+tls", t.describe());
        Transport bare = Transport.from(TestOptions.of("vless", "network", "h2"), "s");
        assertEquals(List.of("www.example.com"), bare.h2().hosts(), "mihomo's host when none is given");
        assertEquals("/", bare.h2().path());
        assertRejects(() -> Transport.from(TestOptions.of("vless", "network", "h2", "h2-opts", Map.of("path", "x")),
                "s"), "h2-opts", "starting with '/'");
    }

    @Test
    void httpIsTcpInAnHttpDisguiseWithMihomosDefaults() throws Exception {
        Transport t = Transport.from(TestOptions.of("vmess", "server", "s.example", "network", "http", "http-opts",
                Map.of("method", "POST", "path", List.of("/a", "/b"), "headers",
                        Map.of("host", List.of("h.example"), "x-one", "1"))), "s.example");
        assertEquals("POST", t.http().method());
        assertEquals(List.of("/a", "/b"), t.http().paths());
        assertEquals(Map.of("Host", List.of("h.example"), "X-One", List.of("1")), t.http().headers(),
                "names in Go's canonical form, a single value as a list of one");
        assertEquals("http", t.describe());
        Transport bare = Transport.from(TestOptions.of("vless", "server", "s.example", "network", "http", "tls", true),
                "s.example");
        assertEquals("GET", bare.http().method());
        assertEquals(List.of("/"), bare.http().paths());
        assertEquals("s.example", bare.http().serverHost());
        assertEquals("http+tls", bare.describe());
        assertRejects(() -> Transport.from(TestOptions.of("vmess", "server", "s", "network", "http", "http-opts",
                Map.of("path", List.of("nope"))), "s"), "http-opts", "starting with '/'");
        assertRejects(() -> Transport.from(TestOptions.of("vmess", "server", "s", "network", "http", "http-opts",
                Map.of("headers", Map.of("X-A", "1\r\nX-B: 2"))), "s"), "http-opts", "line break");
        assertRejects(() -> Transport.from(TestOptions.of("vmess", "server", "s", "network", "http", "http-opts",
                Map.of("method", "GE T")), "s"), "http-opts", "HTTP method");
    }

    @Test
    void clashsOtherNetworksAreRefusedByNameAndUnknownOnesAsNotTcpHttpWsGrpcOrH2() {
        for (String n : new String[] {"quic", "kcp", "httpupgrade", "splithttp", "xhttp"}) {
            assertNotImplemented(() -> Transport.from(TestOptions.of("vmess", "network", n), "s"), "network",
                    "'network: " + n + "' is not implemented by the vmess plugin");
        }
        assertRejects(() -> Transport.from(TestOptions.of("vless", "network", "udp"), "s"), "network",
                "must be tcp, http, ws, grpc or h2, got udp");
    }

    @Test
    void realityIsRefusedRatherThanSentAsPlainTls() {
        assertNotImplemented(() -> Transport.from(TestOptions.of("vless", "tls", true, "reality-opts",
                Map.of("public-key", "k")), "s"), "reality-opts", "REALITY");
    }

    @Test
    void realityOptsWithoutAPublicKeyIsPlainTlsAsMihomo() throws Exception {
        for (Map<String, Object> empty : List.<Map<String, Object>>of(Map.of(), Map.of("public-key", ""),
                Map.of("short-id", "ab"))) {
            Transport t = Transport.from(TestOptions.of("vless", "tls", true, "servername", "srv.test", "reality-opts",
                    empty), "s");
            assertEquals("srv.test", t.tls().serverName(), empty.toString());
            assertEquals("tcp+tls", t.describe());
        }
    }
}
