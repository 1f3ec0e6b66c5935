package dev.turnout.host.tunnel;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.turnout.api.Destination;
import dev.turnout.api.Metadata;
import dev.turnout.api.Network;
import dev.turnout.host.dns.EnhancedMode;
import java.net.InetAddress;
import org.junit.jupiter.api.Test;

/** The {@code dnsMode} /connections shows, as mihomo's preHandleMetadata sets it. */
class FakeIpsTest {

    private static final Metadata TO_REAL = Metadata.internal(Network.TCP,
            Destination.ofAddress(address("203.0.113.10"), 443));

    private static InetAddress address(String literal) {
        try {
            return InetAddress.getByName(literal);
        } catch (java.net.UnknownHostException e) {
            throw new AssertionError(e);
        }
    }

    /**
     * A real address the DNS answered for a name (a fake-ip-filter's name, answered for real) while fake-ip mode is on:
     * mihomo calls it "fake-ip" (any name FindHostByIP found, with FakeIPEnabled), "redir-host" only in that mode.
     */
    @Test
    void aMappedRealAddressIsFakeIpWhileTheDnsRunsFakeIpAndRedirHostOnlyInRedirHostMode() {
        Metadata named = TO_REAL.withDestination(new Destination("real.test", address("203.0.113.10"), 443));
        assertEquals(EnhancedMode.FAKE_IP, FakeIps.dnsMode(TO_REAL, named, EnhancedMode.FAKE_IP));
        assertEquals(EnhancedMode.REDIR_HOST, FakeIps.dnsMode(TO_REAL, named, EnhancedMode.REDIR_HOST));
        Metadata fake = Metadata.internal(Network.TCP, Destination.ofAddress(address("198.18.0.5"), 443));
        Metadata restored = fake.withDestination(Destination.ofHost("fake.test", 443));
        assertEquals(EnhancedMode.FAKE_IP, FakeIps.dnsMode(fake, restored, EnhancedMode.FAKE_IP));
        assertEquals(EnhancedMode.FAKE_IP, FakeIps.dnsMode(fake, restored, EnhancedMode.REDIR_HOST),
                "a fake address's flow, after a reload out of fake-ip mode");
        assertEquals(EnhancedMode.NORMAL, FakeIps.dnsMode(TO_REAL, TO_REAL, EnhancedMode.FAKE_IP));
    }
}
