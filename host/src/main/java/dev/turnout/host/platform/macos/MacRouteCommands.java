package dev.turnout.host.platform.macos;

import dev.turnout.host.platform.IpPrefix;
import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

/**
 * The {@code ifconfig} and {@code route} command lines that configure a utun device and its routes: pure
 * string building, so the tests compare them with the exact lines a user would type.
 *
 * <h2>The IPv4 split: ClashX's table, not 0/1 + 128/1</h2>
 * auto-route installs {@code 1/8, 2/7, 4/6, 8/5, 16/4, 32/3, 64/2, 128/1} through the utun, the table ClashX
 * Pro installs (it shows in {@code netstat -rn} as {@code 1, 2/7, 4/6, ... 128.0/1}); {@code ::/1} and
 * {@code 8000::/1} for IPv6. Together they cover every IPv4 address except {@code 0.0.0.0/8}, which is "this
 * network" (RFC 1122) and never a destination, so nothing is lost; in exchange no TUN route ever matches the
 * address {@code 0.0.0.0} itself, which is the key of the default route: a longest-match lookup of
 * {@code 0.0.0.0} (as tools that probe "the default route" do) still finds the real default, and the
 * user's {@code netstat -rn} looks like ClashX's. ({@code wg-quick} on macOS uses {@code 0.0.0.0/1} and
 * {@code 128.0.0.0/1}, which also works; the choice is about matching ClashX and keeping 0.0.0.0 clear.)
 * Every route names the interface ({@code -interface utunN}) rather than the gateway {@code 198.18.0.1}:
 * the route then cannot land on another interface that happens to hold the same address (another TUN
 * app), and it disappears with the device.
 *
 * <h2>Route records</h2>
 * A record, as kept in the {@link dev.turnout.host.platform.RouteState} file, is the argument list after
 * {@code route -n add} / {@code route -n delete}, e.g. {@code -net 1.0.0.0/8 -interface utun5}. Records read
 * back from a file are checked against a strict pattern before they reach {@code route}, since cleanup runs
 * as root.
 */
final class MacRouteCommands {

    /** ClashX's IPv4 split, in installation order. */
    static final List<String> SPLIT4 = List.of(
            "1.0.0.0/8", "2.0.0.0/7", "4.0.0.0/6", "8.0.0.0/5",
            "16.0.0.0/4", "32.0.0.0/3", "64.0.0.0/2", "128.0.0.0/1");
    static final List<String> SPLIT6 = List.of("::/1", "8000::/1");

    private static final Pattern RECORD = Pattern.compile(
            "(-net [0-9.]+/[0-9]{1,2}|-inet6 -net [0-9a-f:]+/[0-9]{1,3}) -interface utun[0-9]{1,6}");

    private MacRouteCommands() {
    }

    /**
     * Assigns {@code addresses}, sets the MTU and brings {@code device} up. The first IPv4 address is the
     * point-to-point pair {@code A A} (utun is point-to-point; its peer is itself, as ClashX does); further
     * ones are aliases. A utun gets no route for its own subnet (only a host route to the peer), so each
     * prefix shorter than a host gets one through the device: the system stack's second address
     * ({@code 198.18.0.2}) must lead into the TUN even without auto-route.
     */
    static List<List<String>> configure(String device, List<IpPrefix> addresses, int mtu) {
        checkDevice(device);
        if (mtu < 1280 || mtu > 65535) {
            throw new IllegalArgumentException("mtu out of range (1280..65535): " + mtu);
        }
        List<List<String>> cmds = new ArrayList<>();
        List<List<String>> routes = new ArrayList<>();
        boolean upDone = false;
        for (IpPrefix a : addresses) {
            if (a.version() == 4) {
                String ip = a.address().getHostAddress();
                List<String> cmd = new ArrayList<>(List.of("ifconfig", device, "inet", ip, ip, "netmask", netmask4(a.prefixLength())));
                if (!upDone) {
                    cmd.addAll(List.of("mtu", Integer.toString(mtu), "up"));
                    upDone = true;
                } else {
                    cmd.add("alias");
                }
                cmds.add(cmd);
                if (a.prefixLength() < 32) {
                    routes.add(List.of("route", "-n", "add", "-net", network(a), "-interface", device));
                }
            }
        }
        if (!upDone) {
            cmds.add(List.of("ifconfig", device, "mtu", Integer.toString(mtu), "up"));
        }
        for (IpPrefix a : addresses) {
            if (a.version() == 6) {
                cmds.add(List.of("ifconfig", device, "inet6", text(a.address()), "prefixlen",
                        Integer.toString(a.prefixLength()), "alias"));
                if (a.prefixLength() < 128) {
                    routes.add(List.of("route", "-n", "add", "-inet6", "-net", network(a), "-interface", device));
                }
            }
        }
        cmds.addAll(routes);
        return cmds;
    }

    /** The split-route records for {@code families} (4 and/or 6), IPv4 first, in installation order. */
    static List<String> splitRouteRecords(String device, List<Integer> families) {
        return splitRouteRecords(device, dev.turnout.host.platform.RoutePlan.all(families));
    }

    /** The route records {@code plan} asks for, IPv4 first, in installation order. */
    static List<String> splitRouteRecords(String device, dev.turnout.host.platform.RoutePlan plan) {
        checkDevice(device);
        List<Integer> families = plan.families();
        List<String> records = new ArrayList<>();
        if (families.contains(4)) {
            for (IpPrefix p : plan.prefixes(4, SPLIT4.stream().map(IpPrefix::parse).toList())) {
                records.add("-net " + network(p) + " -interface " + device);
            }
        }
        if (families.contains(6)) {
            for (IpPrefix p : plan.prefixes(6, SPLIT6.stream().map(IpPrefix::parse).toList())) {
                records.add("-inet6 -net " + network(p) + " -interface " + device);
            }
        }
        for (int f : families) {
            if (f != 4 && f != 6) {
                throw new IllegalArgumentException("IP version must be 4 or 6: " + f);
            }
        }
        return records;
    }

    static List<String> add(String record) {
        return command("add", record);
    }

    static List<String> delete(String record) {
        return command("delete", record);
    }

    private static List<String> command(String verb, String record) {
        if (!RECORD.matcher(record).matches()) {
            throw new IllegalArgumentException("not a route record Turnout writes on macOS: '" + record + "'");
        }
        List<String> cmd = new ArrayList<>(List.of("route", "-n", verb));
        cmd.addAll(List.of(record.split(" ")));
        return cmd;
    }

    private static void checkDevice(String device) {
        if (device == null || !device.matches("utun[0-9]{1,6}")) {
            throw new IllegalArgumentException("not a utun device name: " + device);
        }
    }

    static String netmask4(int prefixLength) {
        long mask = prefixLength == 0 ? 0 : (0xFFFFFFFFL << (32 - prefixLength)) & 0xFFFFFFFFL;
        return (mask >>> 24) + "." + ((mask >>> 16) & 0xFF) + "." + ((mask >>> 8) & 0xFF) + "." + (mask & 0xFF);
    }

    /** {@code 198.18.0.1/30} to {@code 198.18.0.0/30}. */
    static String network(IpPrefix p) {
        byte[] a = p.address().getAddress();
        int bits = p.prefixLength();
        for (int i = 0; i < a.length; i++, bits -= 8) {
            if (bits <= 0) {
                a[i] = 0;
            } else if (bits < 8) {
                a[i] &= (byte) (0xFF << (8 - bits));
            }
        }
        try {
            return text(InetAddress.getByAddress(a)) + "/" + p.prefixLength();
        } catch (java.net.UnknownHostException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Dotted quad, or the RFC 5952 short IPv6 form ({@code fdfe:dcba:9876::1}), never with a scope. */
    static String text(InetAddress address) {
        if (address instanceof Inet4Address) {
            return address.getHostAddress();
        }
        if (!(address instanceof Inet6Address)) {
            throw new IllegalArgumentException("not an IP address: " + address);
        }
        byte[] a = address.getAddress();
        int[] g = new int[8];
        for (int i = 0; i < 8; i++) {
            g[i] = ((a[2 * i] & 0xFF) << 8) | (a[2 * i + 1] & 0xFF);
        }
        int bestStart = -1;
        int bestLen = 1; // a single zero group is not shortened (RFC 5952 4.2.2)
        for (int i = 0; i < 8; ) {
            if (g[i] != 0) {
                i++;
                continue;
            }
            int j = i;
            while (j < 8 && g[j] == 0) {
                j++;
            }
            if (j - i > bestLen) {
                bestStart = i;
                bestLen = j - i;
            }
            i = j;
        }
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < 8; i++) {
            if (i == bestStart) {
                sb.append("::");
                i += bestLen - 1;
                continue;
            }
            if (sb.length() > 0 && sb.charAt(sb.length() - 1) != ':') {
                sb.append(':');
            }
            sb.append(Integer.toHexString(g[i]));
        }
        return sb.toString();
    }
}
