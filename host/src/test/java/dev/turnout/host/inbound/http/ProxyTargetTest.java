package dev.turnout.host.inbound.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class ProxyRequestHeadTest {

    @Test
    void connectTakesHostAndPort() throws Exception {
        ProxyRequestHead h = ProxyRequestHead.parse("CONNECT Example.ORG:443 HTTP/1.1\r\nHost: example.org:443");
        assertTrue(h.isConnect());
        assertEquals("example.org:443", h.destination().toString());
    }

    @Test
    void connectToAnIpv6LiteralKeepsTheAddress() throws Exception {
        ProxyRequestHead h = ProxyRequestHead.parse("CONNECT [2001:db8::1]:8443 HTTP/1.1");
        assertTrue(h.destination().hasAddress());
        assertFalse(h.destination().hasHost());
        assertEquals(8443, h.destination().port());
    }

    @Test
    void absoluteUriIsRewrittenToOriginFormWithoutProxyHeaders() throws Exception {
        ProxyRequestHead h = ProxyRequestHead.parse("GET http://a.test:8080/p/q?x=1 HTTP/1.1\r\nHost: a.test:8080\r\n"
                + "Proxy-Connection: keep-alive\r\nProxy-Authorization: Basic eA==\r\nAccept: */*");
        assertEquals("a.test:8080", h.destination().toString());
        assertEquals("GET /p/q?x=1 HTTP/1.1\r\nHost: a.test:8080\r\nAccept: */*\r\nConnection: close\r\n\r\n",
                h.rewrittenForOrigin());
    }

    @Test
    void missingHostHeaderIsAdded() throws Exception {
        ProxyRequestHead h = ProxyRequestHead.parse("GET http://a.test HTTP/1.0");
        assertEquals("GET / HTTP/1.0\r\nHost: a.test\r\nConnection: close\r\n\r\n", h.rewrittenForOrigin());
    }

    @Test
    void badRequestsCarryTheirStatus() {
        for (String head : new String[] {"GARBAGE", "GET / HTTP/1.1", "GET https://a.test/ HTTP/1.1",
                "CONNECT a.test HTTP/1.1", "CONNECT a.test:99999 HTTP/1.1", "GET http://a.test/ HTTP/1.1\r\nno colon",
                "GET http:// HTTP/1.1"}) {
            ProxyRequestHead.BadRequest e = assertThrows(ProxyRequestHead.BadRequest.class, () -> ProxyRequestHead.parse(head), head);
            assertEquals(400, e.status, head);
        }
    }
}
