package dev.turnout.host.inbound.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.handler.codec.http.DefaultHttpRequest;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpVersion;
import java.util.Set;
import org.junit.jupiter.api.Test;

class HopByHopTest {

    private static HttpRequest request(String... headers) {
        HttpRequest r = new DefaultHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.POST, "/");
        for (int i = 0; i < headers.length; i += 2) {
            r.headers().add(headers[i], headers[i + 1]);
        }
        return r;
    }

    @Test
    void connectionAndWhatItNamesProxyHeadersKeepAliveTeTrailerAndUpgradeGo() {
        HttpRequest r = request("Host", "a.test", "Connection", "keep-alive, X-Hop", "X-Hop", "secret",
                "Proxy-Connection", "keep-alive", "Proxy-Authorization", "Basic eA==", "Keep-Alive", "timeout=5",
                "TE", "trailers", "Trailer", "X-Sum", "Upgrade", "h2c", "Accept", "*/*");
        HopByHop.strip(r, false);
        assertEquals(Set.of("Host", "Accept"), Set.copyOf(r.headers().names()));
    }

    @Test
    void framingAndHostStayWhateverConnectionNames() {
        HttpRequest r = request("Host", "a.test", "Content-Length", "5", "Connection", "Content-Length, Host");
        HopByHop.strip(r, false);
        assertEquals("5", r.headers().get("Content-Length"));
        assertEquals("a.test", r.headers().get("Host"));
        assertFalse(r.headers().contains("Connection"));
    }

    @Test
    void anUpgradeKeepsUpgradeAndConnectionUpgrade() {
        HttpRequest r = request("Host", "a.test", "Connection", "Upgrade, X-Hop", "Upgrade", "websocket", "X-Hop", "1");
        assertTrue(HopByHop.isUpgrade(r));
        HopByHop.strip(r, true);
        assertEquals("websocket", r.headers().get("Upgrade"));
        assertEquals("upgrade", r.headers().get("Connection"));
        assertFalse(r.headers().contains("X-Hop"));
    }
}
