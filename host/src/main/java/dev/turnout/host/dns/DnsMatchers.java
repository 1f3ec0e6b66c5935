package dev.turnout.host.dns;

import java.net.InetAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * What the DNS asks of the databases and providers the rules read: the named lists of domains mihomo's
 * {@code fake-ip-filter} and {@code nameserver-policy} may refer to ({@code geosite:cn}, a list of GeoSite.dat, and
 * {@code rule-set:name}, a rule provider's domains), and {@code fallback-filter}'s verdicts (a country database, a
 * GeoSite.dat list). They are compiled with the rules (they change when those do); the DNS asks them here.
 */
public interface DnsMatchers {

    /**
     * Whether {@code name} (lower case, no trailing dot) is in the set {@code key} ({@link #keysOf}'s form); false for
     * a set these do not hold.
     */
    boolean contains(String key, String name);

    /**
     * {@code fallback-filter}: whether an address {@code nameserver} answered is not to be trusted (from another
     * country than {@code geoip-code}, or in one of its {@code ipcidr} ranges), so {@code fallback} is asked.
     */
    default boolean distrusts(InetAddress answer) {
        return false;
    }

    /** {@code fallback-filter}'s {@code domain} and {@code geosite}: whether a name is asked of {@code fallback} alone. */
    default boolean fallbackOnly(String name) {
        return false;
    }

    /**
     * mihomo's {@code fake-ip-filter-mode: rule}: whether the first of the filter's rules that matches {@code name}
     * (any case, with or without the trailing dot) says {@code real-ip}; false when none does or there are none.
     */
    default boolean realIpByRules(String name) {
        return false;
    }

    /** Whether {@code name} (any case, with or without the trailing dot) is in one of the sets {@code keys}. */
    default boolean containsAny(java.util.List<String> keys, String name) {
        if (keys.isEmpty()) {
            return false;
        }
        String normalized = DomainTrie.normalize(name);
        for (String key : keys) {
            if (contains(key, normalized)) {
                return true;
            }
        }
        return false;
    }

    /**
     * Whether {@code address} is in the address set {@code key} ({@link #addressKeysOf}'s form: a rule provider's
     * addresses, a country's); false for a set these do not hold.
     */
    default boolean containsAddress(String key, InetAddress address) {
        return false;
    }

    /** No sets and no filter: every name is outside every set, every answer trusted. */
    DnsMatchers NONE = (key, name) -> false;

    String GEOSITE = "geosite:";
    String RULE_SET = "rule-set:";
    String GEOIP = "geoip:";

    /**
     * The address sets an entry names, each as {@code rule-set:NAME} or {@code geoip:CC} (upper case):
     * {@code rule-set:telegram,google} is two, as mihomo reads it (parseIPCIDR); an empty list when the entry is a
     * prefix instead.
     *
     * @throws IllegalArgumentException for a set entry that names no set ({@code geoip:} alone)
     */
    static List<String> addressKeysOf(String entry) {
        return setKeys(entry, GEOIP, name -> name.toUpperCase(Locale.ROOT));
    }

    /**
     * The sets an entry names, each as {@code geosite:NAME} or {@code rule-set:NAME}: {@code geosite:cn,private} is
     * two (as mihomo reads it); an empty list when the entry is a domain pattern instead.
     *
     * @throws IllegalArgumentException for a set entry that names no set ({@code geosite:} alone)
     */
    static List<String> keysOf(String entry) {
        // GeoSite.dat's list names are matched in lower case; rule providers' names as written.
        return setKeys(entry, GEOSITE, name -> name.toLowerCase(Locale.ROOT));
    }

    /**
     * The sets {@code entry} names when it starts with {@code kind} ({@code geosite:}, whose names {@code spelled}
     * writes as the sets are keyed) or {@code rule-set:}; an empty list when it starts with neither.
     */
    private static List<String> setKeys(String entry, String kind, java.util.function.UnaryOperator<String> spelled) {
        String lower = entry.trim().toLowerCase(Locale.ROOT);
        String prefix = lower.startsWith(kind) ? kind : lower.startsWith(RULE_SET) ? RULE_SET : null;
        if (prefix == null) {
            return List.of();
        }
        List<String> keys = new ArrayList<>();
        for (String part : entry.trim().substring(prefix.length()).split(",", -1)) {
            String name = part.trim();
            if (name.isEmpty()) {
                throw new IllegalArgumentException("'" + entry + "' names no " + prefix.substring(0, prefix.length() - 1)
                        + (prefix.equals(GEOSITE) ? " list" : "") + " (write " + prefix + "NAME)");
            }
            keys.add(prefix + (prefix.equals(kind) ? spelled.apply(name) : name));
        }
        return List.copyOf(keys);
    }
}
