package dev.turnout.host.platform;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.math.BigInteger;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The routes auto-route installs, with and without mihomo's route-address and route-exclude-address. */
class RoutePlanTest {

    private static final List<IpPrefix> SPLIT4 = prefixes("0.0.0.0/1", "128.0.0.0/1");
    private static final List<IpPrefix> SPLIT6 = prefixes("::/1", "8000::/1");

    private static List<IpPrefix> prefixes(String... texts) {
        return java.util.Arrays.stream(texts).map(IpPrefix::parse).toList();
    }

    private static List<String> texts(List<IpPrefix> ps) {
        return ps.stream().map(IpPrefix::toString).toList();
    }

    /** How many addresses the prefixes cover, and whether any two overlap. */
    private static BigInteger size(List<IpPrefix> ps, int bits) {
        BigInteger total = BigInteger.ZERO;
        for (IpPrefix p : ps) {
            total = total.add(BigInteger.ONE.shiftLeft(bits - p.prefixLength()));
            for (IpPrefix q : ps) {
                if (p != q && (p.contains(q.address()) || q.contains(p.address()))) {
                    throw new AssertionError(p + " overlaps " + q);
                }
            }
        }
        return total;
    }

    @Test
    void withoutExclusionsTheSplitsAreInstalledAsTheyAre() {
        RoutePlan plan = RoutePlan.all(List.of(4, 6));
        assertEquals(SPLIT4, plan.prefixes(4, SPLIT4));
        assertEquals(SPLIT6, plan.prefixes(6, SPLIT6));
    }

    @Test
    void anExcludedPrefixIsCutOutOfTheSplitAndNothingElseIs() {
        RoutePlan plan = new RoutePlan(List.of(4), List.of(), prefixes("192.168.1.7/16", "10.0.0.0/8"));
        List<IpPrefix> routes = plan.prefixes(4, SPLIT4);
        for (String inside : List.of("192.168.0.1", "192.168.255.254", "10.1.2.3")) {
            assertEquals(0, routes.stream().filter(p -> p.contains(IpPrefix.parse(inside + "/32").address())).count(),
                    inside + " is left to the machine's other routes");
        }
        for (String outside : List.of("192.169.0.1", "192.167.255.255", "11.0.0.0", "9.255.255.255", "8.8.8.8",
                "203.0.113.1", "0.0.0.1", "255.255.255.255")) {
            assertEquals(1, routes.stream().filter(p -> p.contains(IpPrefix.parse(outside + "/32").address())).count(),
                    outside + " goes through the TUN, once");
        }
        BigInteger all = BigInteger.ONE.shiftLeft(32);
        assertEquals(all.subtract(BigInteger.ONE.shiftLeft(16)).subtract(BigInteger.ONE.shiftLeft(24)),
                size(routes, 32), "everything but the two excluded ranges");
        assertEquals(7 + 15, routes.size(), "one route per halving: /8 inside /1 and /16 inside /1");
    }

    @Test
    void routeAddressCapturesOnlyWhatItNamesAndIpv6WithoutEntriesStaysWhole() {
        RoutePlan plan = new RoutePlan(List.of(4, 6), prefixes("198.51.100.0/24", "203.0.113.0/24"),
                prefixes("203.0.113.128/25", "2001:db8::/32"));
        assertEquals(List.of("198.51.100.0/24", "203.0.113.0/25"), texts(plan.prefixes(4, SPLIT4)));
        List<IpPrefix> v6 = plan.prefixes(6, SPLIT6);
        assertEquals(BigInteger.ONE.shiftLeft(128).subtract(BigInteger.ONE.shiftLeft(96)), size(v6, 128));
        assertEquals(0, v6.stream().filter(p -> p.contains(IpPrefix.parse("2001:db8::1/128").address())).count());
    }

    @Test
    void excludingEverythingInstallsNothing() {
        assertEquals(List.of(), new RoutePlan(List.of(4), List.of(), prefixes("0.0.0.0/0")).prefixes(4, SPLIT4));
        assertEquals(List.of(), new RoutePlan(List.of(6), List.of(), prefixes("::/0")).prefixes(6, SPLIT6));
    }
}
