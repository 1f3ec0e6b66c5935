package dev.turnout.plugins.http;

import static dev.turnout.api.testing.TestOptions.WARNINGS_IGNORED;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import dev.turnout.api.OptionException;
import dev.turnout.api.testing.TestOptions;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class HttpConnectOptionsTest {

    private static HttpConnectOptions parse(Object... keyValues) throws OptionException {
        return HttpConnectOptions.from(TestOptions.of("http", keyValues), WARNINGS_IGNORED);
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
    void rejectsAColonInTheUsername() {
        assertRejects("username", "':'", "server", "a.example", "port", 1, "username", "a:b", "password", "p");
    }

    @Test
    void aPasswordWithoutUsernameSendsNoProxyAuthorizationWithAWarningAtThePassword() throws Exception {
        // mihomo sends Proxy-Authorization only with a username; subscriptions write such nodes.
        List<String> warnings = new ArrayList<>();
        HttpConnectOptions o = HttpConnectOptions.from(TestOptions.of("http", "server", "a.example", "port", 1,
                "password", "p"), (key, message) -> warnings.add(key + ": " + message));
        assertNull(o.authorization());
        assertEquals(List.of("password: 'password' is not used without a 'username': no Proxy-Authorization is sent,"
                + " as mihomo sends none"), warnings);
        warnings.clear();
        assertNull(HttpConnectOptions.from(TestOptions.of("http", "server", "a.example", "port", 1, "username", "",
                "password", ""), (key, message) -> warnings.add(message)).authorization());
        assertEquals(List.of(), warnings, "both empty, as templates write them: nothing is left unused");
    }

    @Test
    void readsTlsAndRejectsBadFingerprintsAndTimeouts() throws Exception {
        assertEquals("a.example", parse("server", "a.example", "port", 1, "tls", true).tls().serverName());
        assertEquals(null, parse("server", "a.example", "port", 1).tls());
        assertRejects("fingerprint", "SHA-256", "server", "a.example", "port", 1, "tls", true, "fingerprint", "zz");
        assertRejects("timeout", "duration", "server", "a.example", "port", 1, "timeout", "-1");
    }

    @Test
    void rejectsAServerThatIsNoHost() {
        assertRejects("server", "neither a host name", "server", "http://a.example", "port", 1);
    }

    @Test
    void aColonAnywhereInTheUsernameIsRefusedAndAUsernameAloneHasAnEmptyPassword() throws Exception {
        assertRejects("username", "':'", "server", "a.example", "port", 1, "username", ":b", "password", "p");
        assertEquals("Basic dTo=", parse("server", "a.example", "port", 1, "username", "u").authorization());
    }

    @Test
    void takesBracketedAndBareIpv6LiteralsAsAddresses() throws Exception {
        assertEquals("2001:db8:0:0:0:0:0:1",
                parse("server", "[2001:db8::1]", "port", 1).server().address().getHostAddress());
        assertNull(parse("server", "2001:db8::1", "port", 1).server().host());
    }

    @Test
    void aServerWithSpaceControlOrBracketCharactersIsNoHost() {
        for (String bad : new String[] {"a b", "a\tb", "a[b", "a]b", "[a.example]", ""}) {
            assertRejects("server", "", "server", bad, "port", 1);
        }
    }

    @Test
    void timeoutsRunFromOneMillisecondToTenMinutesInMillisecondsOrSeconds() throws Exception {
        assertEquals(1, parse("server", "a.example", "port", 1, "timeout", "1ms").timeoutMillis());
        assertEquals(2000, parse("server", "a.example", "port", 1, "timeout", "2s").timeoutMillis());
        assertEquals(600_000, parse("server", "a.example", "port", 1, "timeout", "600s").timeoutMillis());
        assertEquals(250, parse("server", "a.example", "port", 1, "timeout", 250).timeoutMillis());
        assertRejects("timeout", "duration", "server", "a.example", "port", 1, "timeout", "601s");
        assertRejects("timeout", "duration", "server", "a.example", "port", 1, "timeout", "0ms");
    }
}
