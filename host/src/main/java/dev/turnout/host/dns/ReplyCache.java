package dev.turnout.host.dns;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Upstream answers by (type, name), each kept for its TTL; bounded, least recently used evicted first. An answer
 * given from here carries the time its records have left, as mihomo's cache gives it: replayed with the TTLs upstream
 * gave when it was stored, a downstream cache would keep it for up to twice its lifetime.
 */
final class ReplyCache {

    private record Entry(UpstreamReply reply, long storedNanos, long expiresNanos) {
    }

    /** Upper bound on how long anything is kept, whatever TTL upstream sent. */
    private static final long MAX_TTL_SECONDS = 3600;

    private final LinkedHashMap<String, Entry> map;

    ReplyCache(int maxEntries) {
        this.map = new LinkedHashMap<>(16, 0.75f, true) {
            @Override
            protected boolean removeEldestEntry(Map.Entry<String, Entry> eldest) {
                return size() > maxEntries;
            }
        };
    }

    synchronized UpstreamReply get(String key, long nowNanos) {
        Entry e = map.get(key);
        if (e == null) {
            return null;
        }
        if (nowNanos - e.expiresNanos >= 0) {
            map.remove(key);
            return null;
        }
        // Rounded up, so that no record outlives the entry: 0.4 s after storing, 300 s is 299 s.
        long age = (nowNanos - e.storedNanos + 999_999_999L) / 1_000_000_000L;
        return e.reply.aged(age);
    }

    synchronized void put(String key, UpstreamReply reply, long nowNanos) {
        long ttl = Math.min(reply.ttlSeconds(), MAX_TTL_SECONDS);
        if (ttl <= 0) {
            return;
        }
        map.put(key, new Entry(reply, nowNanos, nowNanos + ttl * 1_000_000_000L));
    }

    synchronized int size() {
        return map.size();
    }

    synchronized void clear() {
        map.clear();
    }
}
