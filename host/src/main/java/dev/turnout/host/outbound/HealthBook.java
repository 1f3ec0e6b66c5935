package dev.turnout.host.outbound;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The recent health-check results of every outbound and group, by name, and within a name by test URL, as mihomo
 * keeps them ({@code extra}): a group judges its members by the checks with its own URL, so a dashboard's test
 * with another URL shows in the delays but never moves a group. Kept across reloads (names are what users
 * recognise), bounded to the last {@link #KEEP} results per name and per URL, {@link #MAX_URLS} URLs per name and
 * {@link #MAX_NAMES} names.
 */
public final class HealthBook {

    /** Clash keeps ten; dashboards draw them as a history. */
    public static final int KEEP = 10;
    static final int MAX_NAMES = 4096;
    /** A dashboard may test with any URL it likes; those used least recently go first. */
    static final int MAX_URLS = 16;

    /**
     * One check: when it ended, how long it took (0 when it failed) and the URL it fetched ({@code null} when not
     * known), which mihomo's dashboards use to show a node's delay per test URL.
     */
    public record Check(long epochMillis, int delayMillis, String url) {
        public boolean ok() {
            return delayMillis > 0;
        }
    }

    /** One name's checks: all of them in order, and per URL. Guarded by itself. */
    private static final class Checks {
        final Deque<Check> all = new ArrayDeque<>();
        final Map<String, Deque<Check>> byUrl = new LinkedHashMap<>(4, 0.75f, true) {
            @Override
            protected boolean removeEldestEntry(Map.Entry<String, Deque<Check>> eldest) {
                return size() > MAX_URLS;
            }
        };
    }

    private final ConcurrentHashMap<String, Checks> byName = new ConcurrentHashMap<>();

    /** Records a result; {@code delayMillis} 0 means the check failed. */
    public void record(String name, int delayMillis) {
        record(name, null, delayMillis);
    }

    /** Records a result of a check that fetched {@code url}. */
    public void record(String name, String url, int delayMillis) {
        if (!byName.containsKey(name) && byName.size() >= MAX_NAMES) {
            return;
        }
        Checks c = byName.computeIfAbsent(name, n -> new Checks());
        Check check = new Check(System.currentTimeMillis(), Math.max(0, delayMillis), url);
        synchronized (c) {
            keep(c.all, check);
            if (url != null) {
                keep(c.byUrl.computeIfAbsent(url, u -> new ArrayDeque<>()), check);
            }
        }
    }

    private static void keep(Deque<Check> d, Check check) {
        d.addLast(check);
        while (d.size() > KEEP) {
            d.removeFirst();
        }
    }

    public List<Check> history(String name) {
        Checks c = byName.get(name);
        if (c == null) {
            return List.of();
        }
        synchronized (c) {
            return new ArrayList<>(c.all);
        }
    }

    /** mihomo's {@code extra}: the checks of {@code name} by the URL they fetched. */
    public Map<String, List<Check>> historyByUrl(String name) {
        Checks c = byName.get(name);
        if (c == null) {
            return Map.of();
        }
        Map<String, List<Check>> out = new LinkedHashMap<>();
        synchronized (c) {
            // a copy, in a plain iteration: reading it through get() would reorder the access-ordered map
            c.byUrl.forEach((url, d) -> out.put(url, new ArrayList<>(d)));
        }
        return out;
    }

    /** Alive unless the last check failed: an outbound nobody has checked yet is given the benefit of the doubt. */
    public boolean alive(String name) {
        Check last = last(name, null);
        return last == null || last.ok();
    }

    /**
     * mihomo's {@code AliveForTestUrl}: as the last check with {@code url} said; with none, as the last check at all
     * said (a provider's check of its nodes, with the provider's URL, speaks for the groups holding them).
     */
    public boolean alive(String name, String url) {
        Check last = last(name, url);
        return last == null || last.ok();
    }

    /** The last measured delay, or 0 when never measured or the last check failed. */
    public int lastDelay(String name) {
        Check last = last(name, null);
        return last == null ? 0 : last.delayMillis();
    }

    /** As {@link #lastDelay(String)}, by the checks with {@code url} (the last check at all when none was). */
    public int lastDelay(String name, String url) {
        Check last = last(name, url);
        return last == null ? 0 : last.delayMillis();
    }

    private Check last(String name, String url) {
        Checks c = byName.get(name);
        if (c == null) {
            return null;
        }
        synchronized (c) {
            Deque<Check> d = url == null ? null : c.byUrl.get(url);
            return d != null && !d.isEmpty() ? d.peekLast() : c.all.peekLast();
        }
    }
}
