package dev.turnout.host.tun;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.turnout.host.platform.IpPrefix;
import dev.turnout.host.platform.RouteCleanup;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The tun section's values as the README documents them: defaults, bounds, and what each with... changes. */
class TunOptionsTest {

    @Test
    void defaultsAreTheDocumentedOnes() {
        TunOptions o = TunOptions.defaults();
        assertTrue(o.enable());
        assertEquals("system", o.stack());
        assertNull(o.device());
        assertEquals(0, o.mtu(), "0: the device's default");
        assertEquals(IpPrefix.parse("198.18.0.1/30"), o.inet4Address());
        assertNull(o.inet6Address());
        assertFalse(o.autoRoute());
        assertTrue(o.autoDetectInterface());
        assertEquals(List.of(), o.dnsHijack());
        assertEquals(RouteCleanup.defaultStateFile(), o.stateFile());
        assertEquals(60, o.udpTimeoutSeconds());
        assertEquals(64511, o.maxTcpFlows(), "every NAT port from 1024 to 65534");
        assertEquals(16384, o.maxUdpFlows());
        assertTrue(o.gso());
        assertTrue(o.strictRoute());
    }

    @Test
    void unsetOrNonPositiveNumbersTakeTheirDefaults() {
        TunOptions o = new TunOptions(true, " ", null, -5, null, null, false, false, null, null, null, -1, -1, -1,
                false, false);
        assertEquals("system", o.stack(), "a blank stack is the system stack");
        assertEquals(0, o.mtu());
        assertEquals(60, o.udpTimeoutSeconds());
        assertEquals(64511, o.maxTcpFlows());
        assertEquals(16384, o.maxUdpFlows());
        assertEquals(List.of(), o.dnsHijack());
        TunOptions set = new TunOptions(true, "gvisor", null, 1500, null, null, false, false, null, null, null, 1, 1, 1,
                false, false);
        assertEquals("gvisor", set.stack());
        assertEquals(1, set.udpTimeoutSeconds());
        assertEquals(1, set.maxTcpFlows());
        assertEquals(1, set.maxUdpFlows());
    }

    @Test
    void mtuIsZeroOrWhatAnIpLinkCarries() {
        assertEquals(0, TunOptions.checkMtu(0));
        assertEquals(1280, TunOptions.checkMtu(1280));
        assertEquals(65535, TunOptions.checkMtu(65535));
        IllegalArgumentException low = assertThrows(IllegalArgumentException.class, () -> TunOptions.checkMtu(1279));
        assertEquals("'mtu' must be 1280..65535 (or 0 for the default), got 1279", low.getMessage());
        assertThrows(IllegalArgumentException.class, () -> TunOptions.checkMtu(65536));
        assertEquals(9000, TunOptions.defaults().withMtu(9000).mtu());
        assertThrows(IllegalArgumentException.class, () -> TunOptions.defaults().withMtu(100));
    }

    @Test
    void theNatTableHoldsAtMostOneFlowPerPortAboveTheBase() {
        TunOptions max = new TunOptions(true, null, null, 0, null, null, false, false, null, null, null, 0, 64511, 0,
                false, false);
        assertEquals(64511, max.maxTcpFlows());
        IllegalArgumentException over = assertThrows(IllegalArgumentException.class, () -> new TunOptions(true, null,
                null, 0, null, null, false, false, null, null, null, 0, 64512, 0, false, false));
        assertEquals("max TCP flows above 64511: 64512", over.getMessage());
    }

    @Test
    void anAddressNeedsRoomForTheNatPeer() {
        IllegalArgumentException v4 = assertThrows(IllegalArgumentException.class,
                () -> TunOptions.defaults().withAddresses(IpPrefix.parse("198.18.0.1/32"), null));
        assertTrue(v4.getMessage().contains("tun address 198.18.0.1/32 leaves no room for the NAT address 198.18.0.2"),
                v4.getMessage());
        assertThrows(IllegalArgumentException.class,
                () -> TunOptions.defaults().withAddresses(null, IpPrefix.parse("2001:db8:ff::1/128")));
        TunOptions both = TunOptions.defaults().withAddresses(IpPrefix.parse("198.18.0.5/30"),
                IpPrefix.parse("2001:db8:ff::1/126"));
        assertEquals(IpPrefix.parse("198.18.0.5/30"), both.inet4Address());
        assertEquals(IpPrefix.parse("2001:db8:ff::1/126"), both.inet6Address());
        TunOptions v6Only = TunOptions.defaults().withAddresses(null, IpPrefix.parse("2001:db8:ff::1/126"));
        assertNull(v6Only.inet4Address(), "an IPv6-only TUN gets no IPv4 default");
        assertEquals(IpPrefix.parse(TunOptions.DEFAULT_INET4), TunOptions.defaults().withAddresses(null, null).inet4Address());
    }

    @Test
    void badDnsHijackEntriesAreRefusedWhenTheOptionsAreMade() {
        assertThrows(IllegalArgumentException.class, () -> TunOptions.defaults().withDnsHijack(List.of("dns.example:53")));
        List<String> targets = new ArrayList<>(List.of("any:53"));
        TunOptions o = TunOptions.defaults().withDnsHijack(targets);
        targets.add("198.18.0.2:53");
        assertEquals(List.of("any:53"), o.dnsHijack(), "a copy: later changes to the caller's list do not leak in");
    }

    @Test
    void eachWithChangesItsOwnValueOnly() {
        TunOptions d = TunOptions.defaults();
        Path state = Path.of("/tmp/pt-routes.state");
        assertEquals(d.withMtu(1500), new TunOptions(true, "system", null, 1500, d.inet4Address(), null, false, true,
                List.of(), null, d.stateFile(), 60, 64511, 16384, true, true));
        TunOptions routed = d.withAutoRoute(true, state);
        assertTrue(routed.autoRoute());
        assertEquals(state, routed.stateFile());
        assertEquals(d.withAutoRoute(true, state).withAutoRoute(false, d.stateFile()), d);
        assertEquals("utun9", d.withDevice("utun9").device());
        TunOptions bound = d.withInterface(false, "eth0");
        assertFalse(bound.autoDetectInterface());
        assertEquals("eth0", bound.interfaceName());
        assertFalse(d.withStrictRoute(false).strictRoute());
        assertEquals(30, d.withUdpTimeout(30).udpTimeoutSeconds());
        assertEquals(List.of("any:53"), d.withDnsHijack(List.of("any:53")).dnsHijack());
        for (TunOptions changed : List.of(d.withDevice("utun9"), bound, d.withStrictRoute(false), d.withUdpTimeout(30),
                d.withMtu(1500), routed, d.withDnsHijack(List.of("any:53")))) {
            assertEquals(d.enable(), changed.enable());
            assertEquals(d.gso(), changed.gso());
            assertEquals(d.inet4Address(), changed.inet4Address());
            assertEquals(d.maxTcpFlows(), changed.maxTcpFlows());
            assertEquals(d.maxUdpFlows(), changed.maxUdpFlows());
        }
        assertEquals(d, d.withDevice(null).withInterface(true, null).withStrictRoute(true).withUdpTimeout(60)
                .withMtu(0).withDnsHijack(List.of()));
    }
}
