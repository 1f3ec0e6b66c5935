package dev.turnout.rules;

import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.TreeMap;

/**
 * {@code IP-SUFFIX} entries: for each distinct suffix length of a family, the masked values sorted, each with the
 * lowest rule index. A lookup masks the address once per distinct length and binary-searches: its cost grows with
 * the number of distinct lengths (at most 33 or 129) and the log of the entries, never with the number of rules.
 */
final class SuffixTable {

    /** One suffix length: sorted unsigned (hi, lo) keys and the lowest rule index of each. */
    private record Level(int bits, long[] hi, long[] lo, int[] index) {
    }

    private final TreeMap<Integer, List<long[]>> pendingV4 = new TreeMap<>(); // bits -> {hi, lo, index}
    private final TreeMap<Integer, List<long[]>> pendingV6 = new TreeMap<>();
    private Level[] v4 = new Level[0];
    private Level[] v6 = new Level[0];

    /** Parses mihomo's {@code ADDRESS/BITS}: the address's last BITS bits are what must match. */
    static Rule.IpSuffix parse(String text, boolean source, boolean noResolve) {
        int slash = text.indexOf('/');
        if (slash < 0) {
            throw new IllegalArgumentException("expected ADDRESS/BITS (the last BITS bits must match), got '" + text
                    + "'");
        }
        String lenText = text.substring(slash + 1);
        byte[] bytes = Addresses.parseLiteral(text.substring(0, slash));
        if (bytes == null) {
            throw new IllegalArgumentException("bad address in '" + text + "'");
        }
        boolean v6 = bytes.length == 16;
        if (lenText.isEmpty() || lenText.length() > 3 || !lenText.chars().allMatch(c -> c >= '0' && c <= '9')
                || Integer.parseInt(lenText) > (v6 ? 128 : 32)) {
            throw new IllegalArgumentException("bad suffix length in '" + text + "' (0 to " + (v6 ? 128 : 32) + ")");
        }
        int bits = Integer.parseInt(lenText);
        long hi = v6 ? Addresses.hi(bytes) : 0;
        long lo = v6 ? Addresses.lo(bytes) : Addresses.v4Bits(bytes) >>> 32;
        return new Rule.IpSuffix(v6, hi & hiMask(bits), lo & loMask(bits), bits, source, noResolve);
    }

    void add(Rule.IpSuffix s, int index) {
        (s.v6() ? pendingV6 : pendingV4).computeIfAbsent(s.bits(), b -> new ArrayList<>())
                .add(new long[] {s.hi(), s.lo(), index});
    }

    void build() {
        v4 = levels(pendingV4);
        v6 = levels(pendingV6);
        pendingV4.clear();
        pendingV6.clear();
    }

    /** The lowest rule index whose suffix the address ends with, or NONE. IPv4-mapped IPv6 counts as IPv4. */
    int lookup(InetAddress ip) {
        if (ip instanceof Inet4Address) {
            return lookup(v4, 0, ip.hashCode() & 0xffffffffL);
        }
        if (ip instanceof Inet6Address) {
            byte[] b = ip.getAddress();
            long hi = Addresses.hi(b);
            long lo = Addresses.lo(b);
            if (Addresses.isMappedV4(hi, lo)) {
                return lookup(v4, 0, lo & 0xffffffffL);
            }
            return lookup(v6, hi, lo);
        }
        return Index.NONE;
    }

    private static int lookup(Level[] levels, long hi, long lo) {
        int best = Index.NONE;
        for (Level level : levels) {
            long h = hi & hiMask(level.bits);
            long l = lo & loMask(level.bits);
            int low = 0;
            int high = level.lo.length - 1;
            while (low <= high) {
                int mid = (low + high) >>> 1;
                int c = compare(level.hi[mid], level.lo[mid], h, l);
                if (c < 0) {
                    low = mid + 1;
                } else if (c > 0) {
                    high = mid - 1;
                } else {
                    best = Math.min(best, level.index[mid]);
                    break;
                }
            }
        }
        return best;
    }

    private static Level[] levels(TreeMap<Integer, List<long[]>> pending) {
        List<Level> out = new ArrayList<>();
        pending.forEach((bits, entries) -> {
            entries.sort((a, b) -> {
                int c = compare(a[0], a[1], b[0], b[1]);
                return c != 0 ? c : Long.compare(a[2], b[2]);
            });
            long[] hi = new long[entries.size()];
            long[] lo = new long[entries.size()];
            int[] index = new int[entries.size()];
            int n = 0;
            for (long[] e : entries) {
                if (n > 0 && hi[n - 1] == e[0] && lo[n - 1] == e[1]) {
                    continue; // sorted by index within equal keys: the first is the lowest
                }
                hi[n] = e[0];
                lo[n] = e[1];
                index[n] = (int) e[2];
                n++;
            }
            out.add(new Level(bits, Arrays.copyOf(hi, n), Arrays.copyOf(lo, n), Arrays.copyOf(index, n)));
        });
        return out.toArray(Level[]::new);
    }

    private static int compare(long hiA, long loA, long hiB, long loB) {
        int c = Long.compareUnsigned(hiA, hiB);
        return c != 0 ? c : Long.compareUnsigned(loA, loB);
    }

    /** The low {@code bits} bits of a 128-bit value's low half (IPv4 values live there too). */
    private static long loMask(int bits) {
        return bits >= 64 ? -1L : (1L << bits) - 1;
    }

    private static long hiMask(int bits) {
        return bits <= 64 ? 0 : bits >= 128 ? -1L : (1L << (bits - 64)) - 1;
    }
}
