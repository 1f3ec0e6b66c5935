package dev.turnout.plugins.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import dev.turnout.api.OptionException;
import dev.turnout.api.testing.TestOptions;
import org.junit.jupiter.api.Test;

class HttpConnectOptionsTest {

    private static HttpConnectOptions parse(Object... keyValues) throws OptionException {
        return HttpConnectOptions.from(TestOptions.of("http", keyValues));
    }

    private static void assertRejects(String key, String fragment, Object... keyValues) {
        TestOptions.assertRejects(() -> parse(keyValues), key, fragment);
    }

    @Test
    void acceptsAClashEntry() throws Exception {
        HttpConnectOptions o = parse("server", "proxy.example", "port", "3128", "username", "u", "password", "p");
        assertEquals("proxy.example", o.server().host());
        assertEquals(3128, o.server().port());
        assertEquals("Basic dTpw", o.authorization());
        assertEquals(HttpConnectOptions.DEFAULT_TIMEOUT_MILLIS, o.timeoutMillis());
    }

    @Test
    void needsNoCredentials() throws Exception {
        assertNull(parse("server", "192.0.2.1", "port", 8080).authorization());
    }

    @Test
    void rejectsMissingServerAndBadPort() {
        assertRejects("server", "required", "port", 8080);
        assertRejects("port", "required", "server", "a.example");
        assertRejects("port", "1 to 65535", "server", "a.example", "port", 0);
    }

    @Test
    void rejectsAPasswordWithoutUsernameAndAColonInTheUsername() {
        assertRejects("username", "required", "server", "a.example", "port", 1, "password", "p");
        assertRejects("username", "':'", "server", "a.example", "port", 1, "username", "a:b", "password", "p");
    }

    @Test
    void rejectsTlsAndBadTimeouts() {
        assertRejects("tls", "not supported", "server", "a.example", "port", 1, "tls", true);
        assertRejects("timeout", "duration", "server", "a.example", "port", 1, "timeout", "-1");
    }

    @Test
    void rejectsAServerThatIsNoHost() {
        assertRejects("server", "neither a host name", "server", "http://a.example", "port", 1);
    }
}
