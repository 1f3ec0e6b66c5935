package dev.turnout.host.outbound;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The recent health-check results of every outbound and group, by name. Kept across reloads (names are what
 * users recognise), bounded to the last {@link #KEEP} results per name and to {@link #MAX_NAMES} names.
 */
public final class HealthBook {

    /** Clash keeps ten; dashboards draw them as a history. */
    public static final int KEEP = 10;
    static final int MAX_NAMES = 4096;

    /**
     * One check: when it ended, how long it took (0 when it failed) and the URL it fetched ({@code null} when not
     * known), which mihomo's dashboards use to show a node's delay per test URL.
     */
    public record Check(long epochMillis, int delayMillis, String url) {
        public boolean ok() {
            return delayMillis > 0;
        }
    }

    private final ConcurrentHashMap<String, Deque<Check>> byName = new ConcurrentHashMap<>();

    /** Records a result; {@code delayMillis} 0 means the check failed. */
    public void record(String name, int delayMillis) {
        record(name, null, delayMillis);
    }

    /** Records a result of a check that fetched {@code url}. */
    public void record(String name, String url, int delayMillis) {
        if (!byName.containsKey(name) && byName.size() >= MAX_NAMES) {
            return;
        }
        Deque<Check> d = byName.computeIfAbsent(name, n -> new ArrayDeque<>());
        synchronized (d) {
            d.addLast(new Check(System.currentTimeMillis(), Math.max(0, delayMillis), url));
            while (d.size() > KEEP) {
                d.removeFirst();
            }
        }
    }

    public List<Check> history(String name) {
        Deque<Check> d = byName.get(name);
        if (d == null) {
            return List.of();
        }
        synchronized (d) {
            return new ArrayList<>(d);
        }
    }

    /** Alive unless the last check failed: an outbound nobody has checked yet is given the benefit of the doubt. */
    public boolean alive(String name) {
        Check last = last(name);
        return last == null || last.ok();
    }

    /** The last measured delay, or 0 when never measured or the last check failed. */
    public int lastDelay(String name) {
        Check last = last(name);
        return last == null ? 0 : last.delayMillis();
    }

    private Check last(String name) {
        Deque<Check> d = byName.get(name);
        if (d == null) {
            return null;
        }
        synchronized (d) {
            return d.peekLast();
        }
    }
}
