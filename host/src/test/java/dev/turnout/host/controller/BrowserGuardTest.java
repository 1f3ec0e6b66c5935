package dev.turnout.host.controller;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.turnout.host.config.ControllerCors;
import io.netty.handler.codec.http.DefaultHttpHeaders;
import io.netty.handler.codec.http.HttpHeaders;
import java.util.List;
import org.junit.jupiter.api.Test;

class BrowserGuardTest {

    private static HttpHeaders headers(String host, String origin) {
        HttpHeaders h = new DefaultHttpHeaders();
        if (host != null) {
            h.set("Host", host);
        }
        if (origin != null) {
            h.set("Origin", origin);
        }
        return h;
    }

    @Test
    void loopbackNamesAndAddressesWithOrWithoutPortAreLoopbackHosts() {
        for (String h : List.of("localhost", "LOCALHOST:9090", "localhost.", "127.0.0.1", "127.0.0.1:9090", "127.1.2.3:80",
                "[::1]", "[::1]:9090", "::1", "[0:0:0:0:0:0:0:1]:9090")) {
            assertTrue(BrowserGuard.isLoopbackHost(h), h);
        }
        for (String h : List.of("rebind.test", "rebind.test:9090", "127.0.0.1.nip.io", "10.0.0.1:9090", "[::2]:9090",
                "localhost.evil.test", "127.0.0.1:90x", "[::1]x", "", "0.0.0.0:9090")) {
            assertFalse(BrowserGuard.isLoopbackHost(h), h);
        }
    }

    @Test
    void onLoopbackAForeignHostIsRefusedWithItsName() {
        BrowserGuard g = new BrowserGuard(true, false, ControllerCors.UNSET);
        assertEquals("Host 'rebind.test:9090' is not a loopback address; this controller listens on loopback only",
                g.refusal(headers("rebind.test:9090", null)));
        assertNull(g.refusal(headers("127.0.0.1:9090", null)));
        // Bound to every interface (a secret is then required), names are the user's business.
        assertNull(new BrowserGuard(false, true, ControllerCors.UNSET).refusal(headers("proxy.lan:9090", null)));
    }

    @Test
    void withoutSecretOnlySameOriginAndListedOriginsGetIn() {
        BrowserGuard unset = new BrowserGuard(true, false, ControllerCors.UNSET);
        assertNull(unset.refusal(headers("127.0.0.1:9090", "http://127.0.0.1:9090")));
        assertNull(unset.allowedOrigin("http://127.0.0.1:9090"), "same origin needs no CORS header");
        assertEquals("origin 'https://evil.test' is not allowed: list it in external-controller-cors allow-origins, or set a secret",
                unset.refusal(headers("127.0.0.1:9090", "https://evil.test")));
        assertTrue(unset.refusal(headers("localhost:9090", "http://127.0.0.1:9090")) != null, "another host is another origin");

        BrowserGuard listed = new BrowserGuard(true, false, new ControllerCors(List.of("https://yacd.example"), false));
        assertNull(listed.refusal(headers("127.0.0.1:9090", "https://yacd.example")));
        assertEquals("https://yacd.example", listed.allowedOrigin("https://yacd.example"));
        assertNull(listed.allowedOrigin("https://evil.test"));
        assertTrue(listed.refusal(headers("127.0.0.1:9090", "https://evil.test")) != null);
    }

    @Test
    void withASecretAnyOriginMayTryUnlessTheUserListedSome() {
        BrowserGuard secret = new BrowserGuard(true, true, ControllerCors.UNSET);
        assertNull(secret.refusal(headers("127.0.0.1:9090", "https://evil.test")));
        assertEquals("*", secret.allowedOrigin("https://yacd.example"));
        BrowserGuard listed = new BrowserGuard(true, true, new ControllerCors(List.of("https://yacd.example"), true));
        assertNull(listed.allowedOrigin("https://evil.test"));
        assertTrue(listed.allowPrivateNetwork());
        assertFalse(secret.allowPrivateNetwork());
    }

    @Test
    void aRefusedOriginIsSaidInTheLogOnceSinceTheBrowserHidesTheAnswerFromThePage() {
        BrowserGuard g = new BrowserGuard(true, false, ControllerCors.UNSET);
        try (dev.turnout.host.testing.CapturedLog logged = new dev.turnout.host.testing.CapturedLog()) {
            for (int i = 0; i < 3; i++) {
                g.refusal(headers("127.0.0.1:9090", "http://127.0.0.1:8000"));
                g.refusal(headers("rebind.test:9090", null));
            }
            for (int i = 0; i < 100; i++) {
                g.refusal(headers("127.0.0.1:9090", "http://page" + i + ".test"));
            }
            List<String> said = logged.warnings(BrowserGuard.class.getName());
            assertEquals("controller: refused a browser's request: origin 'http://127.0.0.1:8000' is not allowed: "
                    + "list it in external-controller-cors allow-origins, or set a secret", said.get(0));
            assertEquals("controller: refused a browser's request: Host 'rebind.test:9090' is not a loopback "
                    + "address; this controller listens on loopback only", said.get(1));
            assertEquals(32, said.size(), "a page trying many origins says a few dozen lines, not one each");
        }
    }
}
