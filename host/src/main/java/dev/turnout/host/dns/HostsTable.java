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

    /**
     * One name's addresses, split by family once so answering needs no filtering; or, for a name written as another
     * name that has no addresses here, that name ({@code alias}; the lists are then empty).
     */
    record Entry(List<InetAddress> all, List<InetAddress> v4, List<InetAddress> v6, String alias) {

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
            return new Entry(List.copyOf(addresses), List.copyOf(v4), List.copyOf(v6), null);
        }

        static Entry aliasOf(String name) {
            return new Entry(List.of(), List.of(), List.of(), name);
        }
    }

    private static final HostsTable EMPTY = new HostsTable(Map.of());

    /** The config's entries (names written as other names among them); replaced whole when a reload changes them. */
    private volatile DomainTrie<Entry> trie;
    /** The system's hosts file after the config's entries, or {@code null}; a reload may switch it. */
    private volatile SystemHosts system;

    public HostsTable(Map<String, List<InetAddress>> hosts) {
        this(hosts, null);
    }

    /** @param system the system's hosts file, asked for names the config's entries do not cover; {@code null}: none */
    public HostsTable(Map<String, List<InetAddress>> hosts, SystemHosts system) {
        this(hosts, Map.of(), system);
    }

    /**
     * @param aliases names written as other names that {@code hosts} does not give addresses ({@link WrittenHosts}):
     *                only the DNS follows them ({@link Entry#alias})
     */
    public HostsTable(Map<String, List<InetAddress>> hosts, Map<String, String> aliases, SystemHosts system) {
        this.system = system;
        this.trie = trieOf(hosts, aliases);
    }

    private static DomainTrie<Entry> trieOf(Map<String, List<InetAddress>> hosts, Map<String, String> aliases) {
        DomainTrie<Entry> trie = new DomainTrie<>();
        hosts.forEach((pattern, addresses) -> trie.insert(pattern, Entry.of(addresses)));
        aliases.forEach((pattern, name) -> trie.insert(pattern, Entry.aliasOf(name)));
        return trie;
    }

    /**
     * Answers from {@code hosts} from now on, in place of the entries it was made with (a reload changed
     * {@code hosts:}); the system's hosts file stays after them.
     *
     * @throws IllegalArgumentException for a pattern the table cannot hold, and then nothing changed
     */
    public void useHosts(Map<String, List<InetAddress>> hosts) {
        useHosts(hosts, Map.of());
    }

    /** As {@link #useHosts(Map)}, with the names written as other names. */
    public void useHosts(Map<String, List<InetAddress>> hosts, Map<String, String> aliases) {
        if (this == EMPTY) {
            throw new IllegalStateException("the shared empty table never changes");
        }
        this.trie = trieOf(hosts, aliases);
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

    /**
     * All addresses configured for {@code name}, or an empty list when it has no entry or is written as another name
     * without addresses here (which only the DNS's answers follow, as in mihomo).
     */
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
