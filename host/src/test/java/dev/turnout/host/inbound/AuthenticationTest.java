package dev.turnout.host.inbound;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.List;
import org.junit.jupiter.api.Test;

class AuthenticationTest {

    private final Authentication auth = Authentication.of(List.of("alice:s3cret:x", "bob:pw"), Authentication.LOOPBACK);

    private static String basic(String userColonPassword) {
        return "Basic " + Base64.getEncoder().encodeToString(userColonPassword.getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void asksEveryoneButThisMachineAndNobodyWithoutUsers() {
        assertTrue(auth.asks(new InetSocketAddress("192.0.2.7", 5000)));
        assertFalse(auth.asks(new InetSocketAddress("127.0.0.1", 5000)));
        assertFalse(auth.asks(new InetSocketAddress("::1", 5000)));
        assertTrue(auth.asks(new InetSocketAddress("2001:db8::7", 5000)));
        assertFalse(Authentication.NONE.asks(new InetSocketAddress("192.0.2.7", 5000)));
        assertTrue(Authentication.of(List.of("a:b"), List.of()).asks(new InetSocketAddress("127.0.0.1", 1)),
                "skip-auth-prefixes: [] asks everyone");
    }

    @Test
    void acceptsOnlyAUserWithItsOwnPassword() {
        assertTrue(auth.accepts("alice", "s3cret:x"));
        assertTrue(auth.accepts("bob", "pw"));
        assertFalse(auth.accepts("alice", "pw"), "another user's password");
        assertFalse(auth.accepts("alice", "s3cret"));
        assertFalse(auth.accepts("carol", "pw"));
        assertFalse(auth.accepts(null, null));
        assertEquals("alice", auth.userOfBasic(basic("alice:s3cret:x")));
        assertEquals("bob", auth.userOfBasic("basic " + basic("bob:pw").substring(6)), "the scheme is case-insensitive");
        assertNull(auth.userOfBasic(basic("alice:wrong")));
        assertNull(auth.userOfBasic("Bearer abc"));
        assertNull(auth.userOfBasic("Basic !!!not-base64"));
        assertNull(auth.userOfBasic(null));
        assertFalse(auth.toString().contains("s3cret"), "never prints a password");
    }
}
