package dev.turnout.host.dns;

import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Clash's {@code hosts:}: fixed addresses for names, with the same wildcard patterns as the fake-IP filter
 * ({@code *.x}, {@code +.x}, {@code .x}). Consulted before any fake or upstream answer.
 */
public final class HostsTable {

    /** One name's addresses, split by family once so answering needs no filtering. */
    record Entry(List<InetAddress> all, List<InetAddress> v4, List<InetAddress> v6) {
    }

    private static final HostsTable EMPTY = new HostsTable(Map.of());

    private final DomainTrie<Entry> trie = new DomainTrie<>();

    public HostsTable(Map<String, List<InetAddress>> hosts) {
        hosts.forEach((pattern, addresses) -> {
            List<InetAddress> v4 = new ArrayList<>();
            List<InetAddress> v6 = new ArrayList<>();
            for (InetAddress a : addresses) {
                if (a instanceof Inet4Address) {
                    v4.add(a);
                } else if (a instanceof Inet6Address) {
                    v6.add(a);
                }
            }
            trie.insert(pattern, new Entry(List.copyOf(addresses), List.copyOf(v4), List.copyOf(v6)));
        });
    }

    public static HostsTable empty() {
        return EMPTY;
    }

    public boolean isEmpty() {
        return trie.size() == 0;
    }

    /** All addresses configured for {@code name}, or an empty list when it has no entry. */
    public List<InetAddress> lookup(String name) {
        Entry e = trie.match(name);
        return e == null ? List.of() : e.all();
    }

    Entry entry(String name) {
        return trie.size() == 0 ? null : trie.match(name);
    }
}
