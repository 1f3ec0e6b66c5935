package dev.turnout.host.tun;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The destinations of {@code dns-hijack} for one transport, as Clash writes them: {@code any:53},
 * {@code 198.18.0.2:53}, {@code [2001:db8::1]:53}. A plain entry applies to UDP and TCP, one prefixed
 * {@code udp://} or {@code tcp://} to that transport only; every entry is checked, whichever side is asked for,
 * so a mistake is a config error. Matched against a packet's destination without creating objects.
 */
public final class HijackTargets {

    private final int[] ports;
    private final byte[] family; // 0 = any address
    private final long[] hi;
    private final long[] lo;

    private HijackTargets(List<long[]> entries) {
        int n = entries.size();
        ports = new int[n];
        family = new byte[n];
        hi = new long[n];
        lo = new long[n];
        for (int i = 0; i < n; i++) {
            long[] e = entries.get(i);
            family[i] = (byte) e[0];
            hi[i] = e[1];
            lo[i] = e[2];
            ports[i] = (int) e[3];
        }
    }

    /** The entries that apply to UDP: plain ones and {@code udp://} ones. */
    public static HijackTargets udp(List<String> specs) {
        return parse(specs, "udp://");
    }

    /** The entries that apply to TCP: plain ones and {@code tcp://} ones. */
    public static HijackTargets tcp(List<String> specs) {
        return parse(specs, "tcp://");
    }

    private static HijackTargets parse(List<String> specs, String scheme) {
        List<long[]> entries = new ArrayList<>();
        for (String raw : specs == null ? List.<String>of() : specs) {
            String s = raw.trim().toLowerCase(Locale.ROOT);
            boolean applies = true;
            if (s.startsWith("udp://") || s.startsWith("tcp://")) {
                applies = s.startsWith(scheme);
                s = s.substring(6);
            }
            long[] entry = entry(raw, s);
            if (applies) {
                entries.add(entry);
            }
        }
        return new HijackTargets(entries);
    }

    /** {family (0 = any), high, low, port} of one entry, its scheme removed; throws on a bad one. */
    private static long[] entry(String raw, String s) {
        int colon = s.lastIndexOf(':');
        if (colon <= 0) {
            throw new IllegalArgumentException("dns-hijack entry needs host:port: " + raw);
        }
        String host = s.substring(0, colon);
        int port;
        try {
            port = Integer.parseInt(s.substring(colon + 1));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("bad port in dns-hijack entry " + raw, e);
        }
        if (port < 1 || port > 65535) {
            throw new IllegalArgumentException("bad port in dns-hijack entry " + raw);
        }
        if (host.startsWith("[") && host.endsWith("]")) {
            host = host.substring(1, host.length() - 1);
        }
        if (host.equals("any") || host.equals("0.0.0.0") || host.equals("::")) {
            return new long[] {0, 0, 0, port};
        }
        if (!(host.indexOf(':') >= 0 || host.chars().allMatch(c -> c == '.' || Character.isDigit(c)))) {
            throw new IllegalArgumentException("dns-hijack entry must name an IP or 'any': " + raw);
        }
        byte[] a;
        try {
            a = InetAddress.getByName(host).getAddress();
        } catch (UnknownHostException e) {
            throw new IllegalArgumentException("bad address in dns-hijack entry " + raw, e);
        }
        long[] key = key(a);
        return new long[] {key[0], key[1], key[2], port};
    }

    /** {version, high, low} of an address as {@link #matches(int, long, long, int)} takes it. */
    private static long[] key(byte[] a) {
        if (a.length == 4) {
            return new long[] {4, 0, ((a[0] & 0xFFL) << 24) | ((a[1] & 0xFF) << 16) | ((a[2] & 0xFF) << 8) | (a[3] & 0xFF)};
        }
        long h = 0;
        long l = 0;
        for (int i = 0; i < 8; i++) {
            h = h << 8 | (a[i] & 0xFF);
            l = l << 8 | (a[8 + i] & 0xFF);
        }
        return new long[] {6, h, l};
    }

    public boolean isEmpty() {
        return ports.length == 0;
    }

    /**
     * The same for an address object, once per flow (the TCP side); a null address (a flow known only by name)
     * matches only an {@code any} entry.
     */
    public boolean matches(InetAddress address, int port) {
        if (address == null) {
            return matches(0, 0, 0, port);
        }
        long[] key = key(address.getAddress());
        return matches((int) key[0], key[1], key[2], port);
    }

    /** {@code version} 4 or 6; an IPv4 address is in the low 32 bits of {@code dstLo}, {@code dstHi} 0. */
    public boolean matches(int version, long dstHi, long dstLo, int dstPort) {
        for (int i = 0; i < ports.length; i++) {
            if (ports[i] == dstPort && (family[i] == 0 || (family[i] == version && hi[i] == dstHi && lo[i] == dstLo))) {
                return true;
            }
        }
        return false;
    }
}
