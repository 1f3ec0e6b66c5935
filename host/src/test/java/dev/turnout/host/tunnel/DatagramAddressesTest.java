package dev.turnout.host.tunnel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;

import dev.turnout.api.Destination;
import dev.turnout.api.Metadata;
import dev.turnout.api.Network;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

class DatagramAddressesTest {

    /** Fake addresses 198.18.0.N for the names given; counts what is pinned. */
    private static final class Fakes implements FakeIps {
        final Map<InetAddress, String> names = new HashMap<>();
        final Map<InetAddress, Integer> pinned = new HashMap<>();

        Fakes name(String fake, String name) {
            names.put(address(fake), name);
            return this;
        }

        @Override
        public Metadata restore(Metadata flow) {
            InetAddress a = flow.destination().address();
            if (a == null || !a.getHostAddress().startsWith("198.18.")) {
                return flow;
            }
            String name = names.get(a);
            if (name == null) {
                return null;
            }
            pinned.merge(a, 1, Integer::sum);
            return flow.withDestination(Destination.ofHost(name, flow.destination().port()));
        }

        @Override
        public void release(Metadata original) {
            pinned.merge(original.destination().address(), -1, Integer::sum);
        }

        int pins() {
            return pinned.values().stream().mapToInt(Integer::intValue).sum();
        }
    }

    private static InetAddress address(String literal) {
        try {
            return InetAddress.getByName(literal);
        } catch (UnknownHostException e) {
            throw new IllegalArgumentException(e);
        }
    }

    private static Destination to(String address, int port) {
        return Destination.ofAddress(address(address), port);
    }

    private static InetSocketAddress from(String address, int port) {
        return new InetSocketAddress(address(address), port);
    }

    private static Metadata flow(Destination written) {
        return new Metadata(Network.UDP, written, from("198.18.0.1", 40000), "tun", null);
    }

    /** A socket that first wrote to stun.test's fake address, its session routed for the name. */
    private final Fakes fakes = new Fakes().name("198.18.0.5", "stun.test").name("198.18.0.6", "peer.test");
    private final DatagramAddresses addresses = new DatagramAddresses(fakes, flow(to("198.18.0.5", 3478)),
            Destination.ofHost("stun.test", 3478));

    @Test
    void theFirstDestinationGoesWhereTheSessionWasRouted() {
        assertEquals(Destination.ofHost("stun.test", 3478), addresses.toOutbound(to("198.18.0.5", 3478)));
    }

    @Test
    void aLaterFakeDestinationGoesToItsOwnNamePinnedUntilRelease() {
        assertEquals(Destination.ofHost("peer.test", 9000), addresses.toOutbound(to("198.18.0.6", 9000)));
        assertEquals(Destination.ofHost("peer.test", 9000), addresses.toOutbound(to("198.18.0.6", 9000)));
        assertEquals(1, fakes.pins(), "pinned once, however many datagrams");
        addresses.release();
        assertEquals(0, fakes.pins());
    }

    @Test
    void aFakeAddressThatNamesNothingGoesNowhere() {
        assertNull(addresses.toOutbound(to("198.18.0.99", 9000)));
    }

    @Test
    void aRealAddressGoesAsWritten() {
        assertEquals(to("203.0.113.9", 3478), addresses.toOutbound(to("203.0.113.9", 3478)));
        assertEquals(0, fakes.pins());
    }

    @Test
    void aReplyFromTheNamesPortShowsTheFakeAddressWritten() {
        // The name's address is the outbound's business (DIRECT resolved it, a proxy's server may have): the port
        // is what ties the reply to the name.
        assertEquals(from("198.18.0.5", 3478), addresses.toApplication(from("203.0.113.5", 3478)));
        addresses.toOutbound(to("198.18.0.6", 9000));
        assertEquals(from("198.18.0.6", 9000), addresses.toApplication(from("203.0.113.6", 9000)));
    }

    @Test
    void aSenderHeardBeforeItsNameWasWrittenToIsTheNamesAfter() {
        InetSocketAddress peer = from("203.0.113.6", 9000);
        assertSame(peer, addresses.toApplication(peer), "a stranger, before");
        addresses.toOutbound(to("198.18.0.6", 9000));
        assertEquals(from("198.18.0.6", 9000), addresses.toApplication(from("203.0.113.6", 9000)));
    }

    @Test
    void anOutboundThatReportsTheNameAsked() {
        addresses.toOutbound(to("198.18.0.6", 9000));
        assertEquals(from("198.18.0.5", 3478),
                addresses.toApplication(InetSocketAddress.createUnresolved("stun.test", 3478)));
        assertEquals(from("198.18.0.6", 9000),
                addresses.toApplication(InetSocketAddress.createUnresolved("peer.test", 9000)));
        InetSocketAddress other = InetSocketAddress.createUnresolved("other.test", 9000);
        assertSame(other, addresses.toApplication(other));
    }

    @Test
    void aStrangerIsHeardFromItsOwnAddress() {
        // RFC 5780's filtering test: a reply from the alternate address and port, never written to.
        InetSocketAddress stranger = from("203.0.113.7", 3479);
        assertSame(stranger, addresses.toApplication(stranger));
    }

    @Test
    void anAddressWrittenToIsItselfEvenOnANamesPort() {
        InetSocketAddress alternate = from("203.0.113.7", 3478);
        assertEquals(from("198.18.0.5", 3478), addresses.toApplication(alternate), "before it was written to");
        addresses.toOutbound(to("203.0.113.7", 3478));
        assertEquals(alternate, addresses.toApplication(from("203.0.113.7", 3478)), "after");
    }

    @Test
    void aSessionWrittenByAddressShowsEveryReplyAsItsSender() {
        DatagramAddresses byAddress = new DatagramAddresses(fakes, flow(to("203.0.113.5", 4000)),
                to("203.0.113.5", 4000));
        InetSocketAddress peer = from("203.0.113.5", 4000);
        assertSame(peer, byAddress.toApplication(peer));
        InetSocketAddress elsewhere = from("192.0.2.2", 4000);
        assertSame(elsewhere, byAddress.toApplication(elsewhere));
    }

    @Test
    void fakeDestinationsBeyondTheLimitAreDropped() {
        Fakes many = new Fakes();
        for (int i = 0; i <= DatagramAddresses.MAX_DESTINATIONS + 1; i++) {
            many.name("198.18.1." + i, "n" + i + ".test");
        }
        DatagramAddresses a = new DatagramAddresses(many, flow(to("198.18.1.0", 53)), Destination.ofHost("n0.test", 53));
        for (int i = 1; i <= DatagramAddresses.MAX_DESTINATIONS; i++) {
            assertEquals(Destination.ofHost("n" + i + ".test", 53), a.toOutbound(to("198.18.1." + i, 53)));
        }
        assertNull(a.toOutbound(to("198.18.1." + (DatagramAddresses.MAX_DESTINATIONS + 1), 53)));
        assertEquals(DatagramAddresses.MAX_DESTINATIONS, many.pins(), "the one refused was let go at once");
        a.release();
        assertEquals(0, many.pins());
    }
}
