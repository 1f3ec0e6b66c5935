package dev.turnout.host.inbound.http;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.netty.handler.codec.http.DefaultHttpHeaders;
import io.netty.handler.codec.http.HttpHeaders;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class HostFromTheUriTest {

    private static List<String> lines(HttpHeaders h) {
        return h.entries().stream().map(e -> e.getKey() + ": " + e.getValue()).toList();
    }

    @Test
    void anotherHostIsReplacedByTheUrisAndGoesFirst() {
        HttpHeaders h = new DefaultHttpHeaders().add("Accept", "*/*").add("host", "blocked.test")
                .add("X-A", "1").add("X-A", "2");
        HttpProxyHandler.hostFromTheUri(h, "allowed.test:8080");
        assertEquals(List.of("Host: allowed.test:8080", "Accept: */*", "X-A: 1", "X-A: 2"), lines(h));
    }

    @Test
    void twoHostsAreOne() {
        HttpHeaders h = new DefaultHttpHeaders().add("Host", "a.test").add("Host", "b.test");
        HttpProxyHandler.hostFromTheUri(h, "a.test");
        assertEquals(List.of("Host: a.test"), lines(h));
    }

    @Test
    void theSameHostIsLeftAsTheClientSentIt() {
        HttpHeaders h = new DefaultHttpHeaders().add("User-Agent", "curl").add("HOST", "a.test");
        HttpProxyHandler.hostFromTheUri(h, "a.test");
        assertEquals(List.of("User-Agent: curl", "HOST: a.test"), lines(h));
    }

    @Test
    void aRequestWithoutHostGetsTheUris() {
        HttpHeaders h = new DefaultHttpHeaders().add("Accept", "*/*");
        HttpProxyHandler.hostFromTheUri(h, "[2001:db8::1]:81");
        assertEquals(Map.entry("Host", "[2001:db8::1]:81"), h.entries().get(0));
    }
}
