package dev.turnout.host.dns;

import java.net.InetAddress;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.LongSupplier;

/**
 * The names the DNS server gave real addresses for, by address: mihomo's redir-host mapping ({@code withMapping},
 * {@code FindHostByIP}), so that a TUN flow to an answered address is routed by its name. As in mihomo, each
 * address keeps the last name answered with it until the answer's TTL (1 s at least) runs out, and the table
 * holds the {@value #CAPACITY} addresses used last (an LRU cache): its memory stays bounded whatever is asked.
 *
 * <p>Thread-safe; one lookup a flow, one record an answered address.
 */
public final class AnsweredNames {

    /** mihomo's size ({@code dns/enhancer.go}: {@code lru.WithSize(4096)}). */
    static final int CAPACITY = 4096;

    private record Answer(String name, long expiresNanos) {
    }

    private final int capacity;
    private final LongSupplier nanoClock;
    private final Map<InetAddress, Answer> byAddress;

    public AnsweredNames() {
        this(CAPACITY, System::nanoTime);
    }

    AnsweredNames(int capacity, LongSupplier nanoClock) {
        this.capacity = capacity;
        this.nanoClock = nanoClock;
        this.byAddress = new LinkedHashMap<>(64, 0.75f, true) {
            @Override
            protected boolean removeEldestEntry(Map.Entry<InetAddress, Answer> eldest) {
                return size() > AnsweredNames.this.capacity;
            }
        };
    }

    /** {@code address} was answered for {@code name}, good for {@code ttlSeconds} (less than 1: 1, as mihomo). */
    public void record(InetAddress address, String name, long ttlSeconds) {
        long ttl = Math.min(Math.max(ttlSeconds, 1), 7L * 24 * 3600);
        long expires = nanoClock.getAsLong() + ttl * 1_000_000_000L;
        synchronized (this) {
            byAddress.put(address, new Answer(name, expires));
        }
    }

    /** The name last answered with {@code address}, or {@code null} when none is, or its TTL has run out. */
    public String nameOf(InetAddress address) {
        long now = nanoClock.getAsLong();
        synchronized (this) {
            Answer a = byAddress.get(address);
            if (a == null) {
                return null;
            }
            if (now - a.expiresNanos() >= 0) {
                byAddress.remove(address);
                return null;
            }
            return a.name();
        }
    }

    /** Forgets every answer (the DNS left the modes that map). */
    public synchronized void clear() {
        byAddress.clear();
    }

    synchronized int size() {
        return byAddress.size();
    }
}
