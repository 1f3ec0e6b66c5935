package dev.turnout.host.inbound.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class ProxyTargetTest {

    @Test
    void connectTakesHostAndPort() throws Exception {
        assertEquals("example.org:443", ProxyTarget.connect("Example.ORG:443").destination().toString());
    }

    @Test
    void connectToAnIpv6LiteralKeepsTheAddress() throws Exception {
        ProxyTarget t = ProxyTarget.connect("[2001:db8::1]:8443");
        assertTrue(t.destination().hasAddress());
        assertFalse(t.destination().hasHost());
        assertEquals(8443, t.destination().port());
    }

    @Test
    void absoluteUriGivesDestinationAndOriginForm() throws Exception {
        ProxyTarget t = ProxyTarget.absolute("http://user@a.test:8080/p/q?x=1");
        assertEquals("a.test:8080", t.destination().toString());
        assertEquals("/p/q?x=1", t.originForm());
        assertEquals("a.test:8080", t.hostHeader());
    }

    @Test
    void theHostHeaderIsTheUrisAuthorityAsWrittenWithoutUserInformation() throws Exception {
        assertEquals("a.test", ProxyTarget.absolute("http://a.test").hostHeader());
        assertEquals("/", ProxyTarget.absolute("http://a.test").originForm());
        assertEquals("[2001:db8::1]:81", ProxyTarget.absolute("http://[2001:db8::1]:81/").hostHeader());
        // Routed as a.test and 192.0.2.1, but the server is told what the client asked for.
        assertEquals("A.Test.:80", ProxyTarget.absolute("http://u:p@A.Test.:80/x").hostHeader());
        assertEquals("[::ffff:192.0.2.1]:8080", ProxyTarget.absolute("http://[::ffff:192.0.2.1]:8080/").hostHeader());
    }

    @Test
    void badTargetsCarryTheirStatus() {
        for (String uri : new String[] {"/", "https://a.test/", "http://", "http://a.test:99999/", "http://a.test:x/"}) {
            ProxyTarget.BadRequest e = assertThrows(ProxyTarget.BadRequest.class, () -> ProxyTarget.absolute(uri), uri);
            assertEquals(400, e.status, uri);
        }
        for (String authority : new String[] {"a.test", "a.test:99999", "[2001:db8::1", "3405803781:80",
                "0203.0.113.5:80"}) {
            ProxyTarget.BadRequest e = assertThrows(ProxyTarget.BadRequest.class, () -> ProxyTarget.connect(authority), authority);
            assertEquals(400, e.status, authority);
        }
    }

    @Test
    void anAddressWrittenAsANameIsTheAddress() throws Exception {
        assertFalse(ProxyTarget.connect("203.0.113.5:443").destination().hasHost());
        assertEquals("203.0.113.5:80", ProxyTarget.absolute("http://203.0.113.5/").destination().toString());
        assertEquals(400, assertThrows(ProxyTarget.BadRequest.class,
                () -> ProxyTarget.absolute("http://3405803781/")).status, "the JDK would dial 203.0.113.5");
    }
}
