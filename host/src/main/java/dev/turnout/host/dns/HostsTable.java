package dev.turnout.host.dns;

import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Clash's {@code hosts:}: fixed addresses for names, with the same wildcard patterns as the fake-IP filter
 * ({@code *.x}, {@code +.x}, {@code .x}), then, with mihomo's {@code dns.use-system-hosts}, the system's hosts
 * file. Consulted before any fake or upstream answer.
 */
public final class HostsTable {

    /** One name's addresses, split by family once so answering needs no filtering. */
    record Entry(List<InetAddress> all, List<InetAddress> v4, List<InetAddress> v6) {

        /** {@code addresses} as written, and split by family. */
        static Entry of(List<InetAddress> addresses) {
            List<InetAddress> v4 = new ArrayList<>();
            List<InetAddress> v6 = new ArrayList<>();
            for (InetAddress a : addresses) {
                if (a instanceof Inet4Address) {
                    v4.add(a);
                } else if (a instanceof Inet6Address) {
                    v6.add(a);
                }
            }
            return new Entry(List.copyOf(addresses), List.copyOf(v4), List.copyOf(v6));
        }
    }

    private static final HostsTable EMPTY = new HostsTable(Map.of());

    /** The config's entries; replaced whole when a reload changes {@code hosts:}. */
    private volatile DomainTrie<Entry> trie;
    /** The system's hosts file after the config's entries, or {@code null}; a reload may switch it. */
    private volatile SystemHosts system;

    public HostsTable(Map<String, List<InetAddress>> hosts) {
        this(hosts, null);
    }

    /** @param system the system's hosts file, asked for names the config's entries do not cover; {@code null}: none */
    public HostsTable(Map<String, List<InetAddress>> hosts, SystemHosts system) {
        this.system = system;
        this.trie = trieOf(hosts);
    }

    private static DomainTrie<Entry> trieOf(Map<String, List<InetAddress>> hosts) {
        DomainTrie<Entry> trie = new DomainTrie<>();
        hosts.forEach((pattern, addresses) -> trie.insert(pattern, Entry.of(addresses)));
        return trie;
    }

    /**
     * Answers from {@code hosts} from now on, in place of the entries it was made with (a reload changed
     * {@code hosts:}); the system's hosts file stays after them.
     *
     * @throws IllegalArgumentException for a pattern the table cannot hold, and then nothing changed
     */
    public void useHosts(Map<String, List<InetAddress>> hosts) {
        if (this == EMPTY) {
            throw new IllegalStateException("the shared empty table never changes");
        }
        this.trie = trieOf(hosts);
    }

    /**
     * Asks {@code next} after the config's entries from now on ({@code null}: no hosts file), as a reload that changed
     * {@code dns.use-system-hosts} does.
     */
    public void useSystemHosts(SystemHosts next) {
        if (this == EMPTY) {
            throw new IllegalStateException("the shared empty table never changes");
        }
        this.system = next;
    }

    public static HostsTable empty() {
        return EMPTY;
    }

    public boolean isEmpty() {
        return trie.size() == 0 && system == null;
    }

    /** All addresses configured for {@code name}, or an empty list when it has no entry. */
    public List<InetAddress> lookup(String name) {
        Entry e = entry(DomainTrie.normalize(name));
        return e == null ? List.of() : e.all();
    }

    /** {@code name}'s entry (lower case, no trailing dot), or {@code null}. */
    Entry entry(String name) {
        DomainTrie<Entry> config = trie;
        Entry written = config.size() == 0 ? null : config.match(name);
        SystemHosts file = system;
        return written != null || file == null ? written : file.entry(name);
    }
}
