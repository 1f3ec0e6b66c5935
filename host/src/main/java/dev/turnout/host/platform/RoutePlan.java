package dev.turnout.host.platform;

import java.math.BigInteger;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.List;

/**
 * What auto-route sends through the TUN: for each IP version captured, the platform's split routes (which together
 * cover everything without touching the default route) or mihomo's {@code route-address}, less its
 * {@code route-exclude-address}. Excluding is done by routing less, not by routing around: the routes through the TUN
 * are cut so they no longer cover the excluded prefixes, whose destinations then take the machine's other routes.
 * Every route stays a route of the TUN device, so it still vanishes with the device if Turnout dies.
 *
 * @param families the IP versions captured: 4, 6 or both
 * @param include  {@code route-address}: what to capture instead of everything; an IP version it names nothing of
 *                 is captured whole
 * @param exclude  {@code route-exclude-address}: what never to capture
 */
public record RoutePlan(List<Integer> families, List<IpPrefix> include, List<IpPrefix> exclude) {

    public RoutePlan {
        families = List.copyOf(families);
        include = List.copyOf(include);
        exclude = List.copyOf(exclude);
    }

    /** Everything of {@code families}. */
    public static RoutePlan all(List<Integer> families) {
        return new RoutePlan(families, List.of(), List.of());
    }

    /**
     * The routes to install for {@code family}: {@code splits} (the platform's cover of everything) or the included
     * prefixes of that version, minus the excluded ones, each as the network address with its length, in address
     * order within each starting prefix.
     */
    public List<IpPrefix> prefixes(int family, List<IpPrefix> splits) {
        List<IpPrefix> own = include.stream().filter(p -> p.version() == family).toList();
        List<IpPrefix> base = own.isEmpty() ? splits : own;
        List<IpPrefix> cut = exclude.stream().filter(p -> p.version() == family).map(RoutePlan::network).toList();
        List<IpPrefix> out = new ArrayList<>();
        for (IpPrefix p : base) {
            subtract(network(p), cut, out);
        }
        return List.copyOf(out);
    }

    /** Adds to {@code out} what of {@code p} no prefix of {@code cut} covers, halving {@code p} around each cut. */
    private static void subtract(IpPrefix p, List<IpPrefix> cut, List<IpPrefix> out) {
        boolean split = false;
        for (IpPrefix c : cut) {
            if (c.prefixLength() <= p.prefixLength() && c.contains(p.address())) {
                return; // all of p is excluded
            }
            if (c.prefixLength() > p.prefixLength() && p.contains(c.address())) {
                split = true;
            }
        }
        if (!split) {
            out.add(p);
            return;
        }
        int bits = p.address().getAddress().length * 8;
        int length = p.prefixLength() + 1;
        BigInteger low = new BigInteger(1, p.address().getAddress());
        BigInteger high = low.setBit(bits - length);
        subtract(new IpPrefix(address(low, bits), length), cut, out);
        subtract(new IpPrefix(address(high, bits), length), cut, out);
    }

    /** {@code p} with the host bits cleared: {@code 192.168.1.7/16} is {@code 192.168.0.0/16}. */
    static IpPrefix network(IpPrefix p) {
        int bits = p.address().getAddress().length * 8;
        BigInteger value = new BigInteger(1, p.address().getAddress());
        BigInteger mask = BigInteger.ONE.shiftLeft(bits).subtract(BigInteger.ONE)
                .xor(BigInteger.ONE.shiftLeft(bits - p.prefixLength()).subtract(BigInteger.ONE));
        return new IpPrefix(address(value.and(mask), bits), p.prefixLength());
    }

    private static InetAddress address(BigInteger value, int bits) {
        byte[] raw = value.toByteArray();
        byte[] out = new byte[bits / 8];
        int n = Math.min(raw.length, out.length);
        System.arraycopy(raw, raw.length - n, out, out.length - n, n);
        try {
            // Inet6Address even for ::ffff:a.b.c.d, which InetAddress.getByAddress would turn into IPv4.
            return bits == 32 ? InetAddress.getByAddress(out) : java.net.Inet6Address.getByAddress(null, out, -1);
        } catch (UnknownHostException e) {
            throw new IllegalStateException(e);
        }
    }
}
