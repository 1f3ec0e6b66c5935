package dev.turnout.plugins.socks5;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.turnout.api.OptionException;
import dev.turnout.api.testing.TestOptions;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class Socks5OptionsTest {

    private static Socks5Options parse(Object... keyValues) throws OptionException {
        return Socks5Options.from(TestOptions.of("socks5", keyValues), TestOptions.WARNINGS_IGNORED);
    }

    private static void assertRejects(String key, String fragment, Object... keyValues) {
        TestOptions.assertRejects(() -> parse(keyValues), key, fragment);
    }

    @Test
    void acceptsAClashEntry() throws Exception {
        Socks5Options o = parse("server", "proxy.example", "port", 1080, "username", "u", "password", "p", "udp", true);
        assertEquals("proxy.example", o.server().host());
        assertEquals(1080, o.server().port());
        assertTrue(o.udp());
        assertEquals(Socks5Options.DEFAULT_TIMEOUT_MILLIS, o.timeoutMillis());
        assertEquals("u", new String(o.credentials().username()));
    }

    @Test
    void takesAddressLiteralsAsAddresses() throws Exception {
        assertEquals("192.0.2.1", parse("server", "192.0.2.1", "port", 1080).server().address().getHostAddress());
        assertNull(parse("server", "[2001:db8::1]", "port", 1080).server().host());
    }

    @Test
    void rejectsMissingServer() {
        assertRejects("server", "required", "port", 1080);
    }

    @Test
    void rejectsMissingOrBadPort() {
        assertRejects("port", "required", "server", "a.example");
        assertRejects("port", "1 to 65535", "server", "a.example", "port", 70000);
        assertRejects("port", "whole number", "server", "a.example", "port", "ten");
    }

    @Test
    void rejectsAServerThatIsNoHost() {
        assertRejects("server", "neither a host name", "server", "a b", "port", 1);
    }

    @Test
    void aUsernameWithoutPasswordIsSentWithAnEmptyOneAsMihomoSendsIt() throws Exception {
        Socks5Options o = parse("server", "a.example", "port", 1, "username", "u");
        assertArrayEquals("u".getBytes(StandardCharsets.UTF_8), o.credentials().username());
        assertArrayEquals(new byte[0], o.credentials().password());
    }

    @Test
    void aPasswordWithoutUsernameSendsNoCredentialsWithAWarningAtThePassword() throws Exception {
        // mihomo offers RFC 1929 only when the username is not empty; subscriptions write such nodes.
        List<String> warnings = new ArrayList<>();
        Socks5Options o = Socks5Options.from(TestOptions.of("socks5", "server", "a.example", "port", 1,
                "password", "p"), (key, message) -> warnings.add(key + ": " + message));
        assertNull(o.credentials());
        assertEquals(List.of("password: 'password' is not used without a 'username': no credentials are sent, as"
                + " mihomo sends none"), warnings);
        warnings.clear();
        assertNull(Socks5Options.from(TestOptions.of("socks5", "server", "a.example", "port", 1, "username", "",
                "password", ""), (key, message) -> warnings.add(message)).credentials());
        assertEquals(List.of(), warnings, "both empty, as templates write them: nothing is left unused");
    }

    @Test
    void rejectsCredentialsLongerThanSocks5Allows() throws Exception {
        assertRejects("username", "255", "server", "a.example", "port", 1, "username", "u".repeat(256), "password", "p");
        assertEquals(255, parse("server", "a.example", "port", 1, "username", "u".repeat(255), "password", "p")
                .credentials().username().length);
    }

    @Test
    void readsTimeoutsWithUnits() throws Exception {
        assertEquals(300, parse("server", "a.example", "port", 1, "timeout", "300ms").timeoutMillis());
        assertEquals(5000, parse("server", "a.example", "port", 1, "timeout", "5s").timeoutMillis());
        assertEquals(750, parse("server", "a.example", "port", 1, "timeout", 750).timeoutMillis());
        assertRejects("timeout", "duration", "server", "a.example", "port", 1, "timeout", "soon");
        assertRejects("timeout", "duration", "server", "a.example", "port", 1, "timeout", 0);
        assertEquals(600_000, parse("server", "a.example", "port", 1, "timeout", "600s").timeoutMillis());
        assertRejects("timeout", "duration", "server", "a.example", "port", 1, "timeout", "600001ms");
    }

    @Test
    void tlsTakesSniAndSkipCertVerifyAndRefusesABadFingerprint() throws Exception {
        assertEquals(null, parse("server", "a.example", "port", 1, "sni", "b.example").tls());
        var tls = parse("server", "a.example", "port", 1, "tls", true).tls();
        assertEquals("a.example", tls.serverName());
        var named = parse("server", "192.0.2.1", "port", 1, "tls", true, "sni", "b.example", "skip-cert-verify", true).tls();
        assertEquals("b.example", named.serverName());
        assertEquals(true, named.skipCertVerify());
        assertRejects("fingerprint", "SHA-256", "server", "a.example", "port", 1, "tls", true, "fingerprint", "chrome");
    }

    @Test
    void rejectsANonBooleanUdp() {
        assertRejects("udp", "true or false", "server", "a.example", "port", 1, "udp", "yes");
    }
}
