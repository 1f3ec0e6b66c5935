package dev.turnout.host.platform.linux;

import java.util.List;
import java.util.Optional;

/**
 * Reads the default route's interface from {@code /proc/net/route} and {@code /proc/net/ipv6_route}: no
 * process to start, so polling it every few seconds costs next to nothing.
 */
final class ProcRoutes {

    private static final int RTF_UP = 0x1;

    private ProcRoutes() {
    }

    /**
     * {@code Iface Destination Gateway Flags RefCnt Use Metric Mask ...}, hex fields; the default route has
     * destination and mask 0; the lowest metric wins.
     */
    static Optional<String> defaultInterface4(List<String> lines, List<String> ignoring) {
        String best = null;
        long bestMetric = Long.MAX_VALUE;
        for (int i = 1; i < lines.size(); i++) {
            String[] f = lines.get(i).trim().split("\\s+");
            if (f.length < 8 || ignoring.contains(f[0])) {
                continue;
            }
            try {
                if (Long.parseLong(f[1], 16) != 0 || Long.parseLong(f[7], 16) != 0
                        || (Integer.parseInt(f[3], 16) & RTF_UP) == 0) {
                    continue;
                }
                long metric = Long.parseLong(f[6]);
                if (metric < bestMetric) {
                    bestMetric = metric;
                    best = f[0];
                }
            } catch (NumberFormatException e) {
                // a line we do not understand is not a default route
            }
        }
        return Optional.ofNullable(best);
    }

    /**
     * {@code dest destlen src srclen nexthop metric refcnt use flags iface}; the default route has an all-zero
     * destination with length 0. {@code lo} carries unreachable defaults and never counts.
     */
    static Optional<String> defaultInterface6(List<String> lines, List<String> ignoring) {
        String best = null;
        long bestMetric = Long.MAX_VALUE;
        for (String line : lines) {
            String[] f = line.trim().split("\\s+");
            if (f.length < 10 || ignoring.contains(f[9]) || "lo".equals(f[9])) {
                continue;
            }
            try {
                if (!f[0].chars().allMatch(c -> c == '0') || Integer.parseInt(f[1], 16) != 0
                        || (Long.parseLong(f[8], 16) & RTF_UP) == 0) {
                    continue;
                }
                long metric = Long.parseLong(f[5], 16);
                if (metric < bestMetric) {
                    bestMetric = metric;
                    best = f[9];
                }
            } catch (NumberFormatException e) {
                // ignore
            }
        }
        return Optional.ofNullable(best);
    }

    /**
     * The IPv6 default routes of every table in {@code ipv6Route}, each as its next hop, metric, flags and device
     * (not its reference and use counts, which change with traffic), for telling whether they changed; empty when the
     * file cannot be read.
     */
    static String defaults6(java.nio.file.Path ipv6Route) {
        List<String> lines;
        try {
            lines = java.nio.file.Files.readAllLines(ipv6Route);
        } catch (java.io.IOException e) {
            return "";
        }
        StringBuilder sb = new StringBuilder();
        for (String line : lines) {
            String[] f = line.trim().split("\\s+");
            if (f.length >= 10 && f[0].chars().allMatch(c -> c == '0') && f[1].equals("00")) {
                sb.append(f[4]).append(' ').append(f[5]).append(' ').append(f[8]).append(' ').append(f[9]).append(';');
            }
        }
        return sb.toString();
    }
}
