package dev.turnout.host.config;

import java.util.ArrayList;
import java.util.List;

/**
 * mihomo's {@code expected-status}: which HTTP statuses make a delay check count as up. {@code *} or nothing is
 * any status; otherwise codes and ranges separated by {@code /} or {@code ,}: {@code 204}, {@code 200/302},
 * {@code 200/204/401-429/501-503} (at most 28 of them, as in mihomo).
 */
public final class StatusRanges {

    public static final StatusRanges ANY = new StatusRanges("*", new int[0]);
    static final int MAX_RANGES = 28;

    private final String written;
    /** Pairs of inclusive bounds; empty means any status. */
    private final int[] bounds;

    private StatusRanges(String written, int[] bounds) {
        this.written = written;
        this.bounds = bounds;
    }

    /** Reads {@code text}; throws {@link IllegalArgumentException} with a message fit for the user. */
    public static StatusRanges parse(String text) {
        String t = text == null ? "" : text.trim();
        if (t.isEmpty() || t.equals("*")) {
            return ANY;
        }
        String[] parts = t.replace(',', '/').split("/", -1);
        if (parts.length > MAX_RANGES) {
            throw new IllegalArgumentException("at most " + MAX_RANGES + " statuses or ranges, got " + parts.length);
        }
        List<int[]> ranges = new ArrayList<>();
        for (String part : parts) {
            if (part.isEmpty()) {
                continue;
            }
            String[] ends = part.split("-", -1);
            if (ends.length > 2) {
                throw new IllegalArgumentException("'" + part + "' is not a status or a range such as 200-299");
            }
            int start = status(ends[0], part);
            int end = ends.length == 2 ? status(ends[1], part) : start;
            ranges.add(new int[] {start, end});
        }
        int[] bounds = new int[ranges.size() * 2];
        for (int i = 0; i < ranges.size(); i++) {
            bounds[2 * i] = ranges.get(i)[0];
            bounds[2 * i + 1] = ranges.get(i)[1];
        }
        return new StatusRanges(t, bounds);
    }

    private static int status(String text, String part) {
        String s = text.replace("[", "").replace("]", "").trim();
        try {
            int v = Integer.parseInt(s);
            if (v >= 0 && v <= 65535) {
                return v;
            }
        } catch (NumberFormatException e) {
            // below
        }
        throw new IllegalArgumentException("'" + part + "' is not a status or a range such as 200-299");
    }

    public boolean accepts(int status) {
        if (bounds.length == 0) {
            return true;
        }
        for (int i = 0; i < bounds.length; i += 2) {
            if (status >= bounds[i] && status <= bounds[i + 1]) {
                return true;
            }
        }
        return false;
    }

    @Override
    public String toString() {
        return written;
    }
}
