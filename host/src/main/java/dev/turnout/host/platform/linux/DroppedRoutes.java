package dev.turnout.host.platform.linux;

import dev.turnout.host.platform.IpPrefix;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.List;
import java.util.Set;

/**
 * Which recorded routes of the main table the kernel no longer has: it deletes a device's routes when the device is
 * set down (a network applet, {@code ip link set down}) and never puts them back when it comes up again, so capture
 * stopped without a word. Read from {@code /proc/net/route} and {@code /proc/net/ipv6_route}, which costs no
 * process: this runs every few seconds.
 */
final class DroppedRoutes {

    private final Path route4;
    private final Path route6;

    DroppedRoutes(Path route4, Path route6) {
        this.route4 = route4;
        this.route6 = route6;
    }

    static DroppedRoutes system() {
        return new DroppedRoutes(Path.of("/proc/net/route"), Path.of("/proc/net/ipv6_route"));
    }

    /**
     * The routes of {@code recorded} ({@code -4 PREFIX dev DEVICE}, as installed) missing from the main table; routes
     * of other tables, and {@code default}, are not looked at (the proc files show the main table alone).
     */
    List<String> missing(List<String> recorded) throws IOException {
        Set<String> have = null;
        List<String> missing = new ArrayList<>();
        for (String route : recorded) {
            String[] w = route.trim().split("\\s+");
            if (w.length != 4 || !w[2].equals("dev") || !w[1].contains("/")) {
                continue; // a table's route, or default
            }
            if (have == null) {
                have = present();
            }
            IpPrefix prefix = IpPrefix.parse(w[1]);
            if (!have.contains(key(prefix, w[3]))) {
                missing.add(route);
            }
        }
        return missing;
    }

    /** {@code PREFIX DEVICE} for each route the two files list. */
    private Set<String> present() throws IOException {
        Set<String> keys = new HashSet<>();
        if (Files.isReadable(route4)) {
            for (String line : Files.readAllLines(route4)) {
                // Iface Destination Gateway Flags RefCnt Use Metric Mask ...: addresses as little-endian hex
                String[] c = line.trim().split("\\s+");
                if (c.length >= 8 && !c[0].equals("Iface")) {
                    int dest = Integer.reverseBytes(Integer.parseUnsignedInt(c[1], 16));
                    int mask = Integer.reverseBytes(Integer.parseUnsignedInt(c[7], 16));
                    byte[] a = {(byte) (dest >>> 24), (byte) (dest >>> 16), (byte) (dest >>> 8), (byte) dest};
                    keys.add(key(new IpPrefix(java.net.InetAddress.getByAddress(a), Integer.bitCount(mask)), c[0]));
                }
            }
        }
        if (Files.isReadable(route6)) {
            for (String line : Files.readAllLines(route6)) {
                // destination (32 hex), its prefix length (hex), source, its length, next hop, metric, ..., device
                String[] c = line.trim().split("\\s+");
                if (c.length >= 10) {
                    byte[] a = HexFormat.of().parseHex(c[0]);
                    keys.add(key(new IpPrefix(java.net.InetAddress.getByAddress(a), Integer.parseInt(c[1], 16)),
                            c[c.length - 1]));
                }
            }
        }
        return keys;
    }

    private static String key(IpPrefix prefix, String device) {
        return prefix + " " + device;
    }
}
