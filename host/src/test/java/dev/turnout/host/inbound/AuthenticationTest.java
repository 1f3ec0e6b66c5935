package dev.turnout.host.inbound;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetAddress;
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
    void lanListsChooseWhichClientsAreServedAndThisMachineIsAlways() throws Exception {
        InetSocketAddress lan = new InetSocketAddress("192.168.1.20", 5000);
        InetSocketAddress guest = new InetSocketAddress("192.168.9.7", 5000);
        InetSocketAddress other = new InetSocketAddress("10.0.0.5", 5000);
        assertTrue(auth.admits(other), "no lists: everyone");
        Authentication only = auth.withLan(List.of(dev.turnout.host.dns.Cidr.parse("192.168.0.0/16")),
                List.of(dev.turnout.host.dns.Cidr.parse("192.168.9.0/24")));
        assertTrue(only.admits(lan));
        assertFalse(only.admits(guest), "allowed, but also disallowed");
        assertFalse(only.admits(other), "not allowed");
        assertTrue(only.admits(new InetSocketAddress("127.0.0.1", 5000)), "this machine");
        assertTrue(only.admits(new InetSocketAddress("::1", 5000)), "this machine");
        assertTrue(auth.withLan(Authentication.EVERYWHERE, List.of(dev.turnout.host.dns.Cidr.parse("192.168.9.0/24")))
                .admits(other), "only a disallowed list: everyone else");
        Authentication shut = auth.withLan(List.of(), List.of());
        assertFalse(shut.admits(other), "an empty allowed list: no LAN client, as in mihomo");
        assertTrue(shut.admits(new InetSocketAddress("127.0.0.1", 5000)), "this machine still");
        InetAddress own = ownNonLoopbackAddress();
        org.junit.jupiter.api.Assumptions.assumeTrue(own != null, "this machine has no address but loopback");
        assertTrue(shut.admits(new InetSocketAddress(own, 5000)), "this machine by its LAN address: " + own);
        assertEquals("no LAN client served (lan-allowed-ips is empty)", shut.lanServed());
        assertEquals("LAN clients served only from [192.168.0.0/16], never from [192.168.9.0/24]", only.lanServed());
        assertEquals("", auth.lanServed(), "everyone: nothing to say");
        assertEquals(only.users(), auth.users());
    }

    private static InetAddress ownNonLoopbackAddress() throws Exception {
        for (java.net.NetworkInterface ni : java.util.Collections.list(java.net.NetworkInterface.getNetworkInterfaces())) {
            for (InetAddress a : java.util.Collections.list(ni.getInetAddresses())) {
                if (!a.isLoopbackAddress() && !a.isLinkLocalAddress()) {
                    return a;
                }
            }
        }
        return null;
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
