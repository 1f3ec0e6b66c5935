package dev.turnout.plugins.trojan;

import static dev.turnout.api.testing.TestOptions.WARNINGS_IGNORED;
import static dev.turnout.api.testing.TestOptions.assertNotImplemented;
import static dev.turnout.api.testing.TestOptions.assertRejects;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.turnout.api.testing.TestOptions;
import java.util.ArrayList;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** A {@code trojan} entry's keys as Clash and mihomo read them, and the ones Turnout refuses rather than ignores. */
class TrojanOptionsTest {

    private static TrojanOptions parse(Object... keyValues) throws Exception {
        Object[] all = new Object[keyValues.length + 6];
        System.arraycopy(new Object[] {"server", "trojan.example", "port", 443, "password", "secret"}, 0, all, 0, 6);
        System.arraycopy(keyValues, 0, all, 6, keyValues.length);
        return TrojanOptions.from(TestOptions.of("trojan", all), WARNINGS_IGNORED);
    }

    @Test
    void defaultsAreMihomos() throws Exception {
        TrojanOptions o = parse();
        assertFalse(o.udp(), "udp is off unless set");
        assertEquals("trojan.example", o.tls().serverName(), "the server's name is the SNI");
        assertFalse(o.tls().skipCertVerify());
        assertEquals(List.of("h2", "http/1.1"), o.tls().alpn());
        assertNull(o.webSocket());
    }

    @Test
    void sniAlpnAndUdpAreTaken() throws Exception {
        TrojanOptions o = parse("sni", "front.example", "alpn", List.of("http/1.1"), "udp", true, "skip-cert-verify", true);
        assertEquals("front.example", o.tls().serverName());
        assertEquals(List.of("http/1.1"), o.tls().alpn());
        assertTrue(o.udp());
        assertTrue(o.tls().skipCertVerify());
    }

    @Test
    void aWebSocketTakesItsPathAndHeadersAndOffersOnlyHttp11() throws Exception {
        TrojanOptions o = parse("network", "ws", "ws-opts", Map.of("path", "/tj", "headers", Map.of("Host", "cdn.example")));
        assertEquals("/tj", o.webSocket().path());
        assertEquals(Map.of("Host", "cdn.example"), o.webSocket().headers());
        assertEquals(List.of("http/1.1"), o.tls().alpn());
        assertEquals("trojan.example", o.webSocketHost());
    }

    @Test
    void anIpServerIsAnAddress() throws Exception {
        TrojanOptions o = TrojanOptions.from(TestOptions.of("trojan", "server", "[2001:db8::1]", "port", 443, "password", "p"), WARNINGS_IGNORED);
        assertTrue(o.server().hasAddress());
        assertEquals("2001:db8::1", o.tls().serverName(), "the literal without brackets, checked against the certificate's IP");
    }

    @Test
    void grpcTakesItsServiceNameAndAsksTlsForHttp2WhateverAlpnSays() throws Exception {
        TrojanOptions o = parse("network", "grpc", "grpc-opts", Map.of("grpc-service-name", "tj.Gun"),
                "alpn", List.of("http/1.1"));
        assertEquals("/tj.Gun/Tun", o.grpc().path());
        assertEquals(List.of("h2"), o.tls().alpn());
        assertNull(o.webSocket());
        assertEquals("GunService", parse("network", "grpc").grpc().serviceName(), "V2Ray's default service");
        assertNull(parse().grpc());
        assertRejects(() -> parse("network", "grpc", "grpc-opts", Map.of("grpc-service-name", "a b")), "grpc-opts",
                "without spaces");
    }

    @Test
    void tlsFalseIsIgnoredWithAWarningAsMihomoSpeaksTlsWhateverItSays() throws Exception {
        // ermaozi/get_subscribe's free-node lists write tls: false on trojan nodes; mihomo has no such key.
        java.util.List<String> said = new java.util.ArrayList<>();
        TrojanOptions o = TrojanOptions.from(TestOptions.of("trojan", "server", "trojan.example", "port", 443, "password",
                "secret", "tls", false), (key, warning) -> said.add(key + ": " + warning));
        assertEquals(java.util.List.of("tls: 'tls: false' is ignored: the trojan type always uses TLS, as in mihomo"),
                said);
        assertEquals("trojan.example:443", o.server().toString());
    }

    @Test
    void refusesWhatItCannotDo() {
        assertRejects(() -> parse("network", "h2"), "network", "must be tcp, ws or grpc");
        assertNotImplemented(() -> parse("reality-opts", Map.of("public-key", "k")), "reality-opts", "not implemented");
        assertNotImplemented(() -> parse("ss-opts", Map.of("enabled", true)), "ss-opts", "not implemented");
        assertNotImplemented(() -> parse("certificate", "c.pem"), "certificate", "not implemented");
        assertRejects(() -> parse("network", "ws", "ws-opts", Map.of("path", List.of("/a"))), "ws-opts", "must be a path");
        assertRejects(() -> parse("fingerprint", "abc"), "fingerprint", "SHA-256");
        assertRejects(() -> TrojanOptions.from(TestOptions.of("trojan", "server", "s", "port", 443), WARNINGS_IGNORED), "password", "required");
        assertRejects(() -> parse("server", "a b"), "server", "neither a host name");
    }

    @Test
    void describesServerTransportAndUdpForTheLogs() throws Exception {
        assertEquals("trojan trojan.example:443", parse().toString());
        assertEquals("trojan trojan.example:443 over ws /chat with udp",
                parse("udp", true, "network", "ws", "ws-opts", Map.of("path", "/chat")).toString());
    }

    @Test
    void neverShowsThePasswordOrItsKey() throws Exception {
        TrojanOptions o = parse();
        String shown = o.toString();
        assertFalse(shown.contains("secret"), shown);
        assertFalse(shown.contains(new String(o.key(), StandardCharsets.US_ASCII)), shown);
        assertFalse(new TrojanOutbound("n", o, null).toString().contains("secret"));
    }

    @Test
    void keysThatDoNothingHereAreSaidOnceEach() throws Exception {
        List<String> said = new ArrayList<>();
        TrojanOptions.from(TestOptions.of("trojan", "server", "trojan.example", "port", 443, "password", "secret",
                "client-fingerprint", "chrome", "ws-opts", java.util.Map.of("path", "/x")),
                (key, message) -> said.add(key + ": " + message));
        assertEquals(List.of("client-fingerprint: 'client-fingerprint' is ignored: Turnout sends the JDK's own TLS"
                + " ClientHello", "ws-opts: 'ws-opts' is ignored without 'network: ws'"), said);
    }
}
