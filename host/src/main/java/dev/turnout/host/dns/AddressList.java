package dev.turnout.host.dns;

import dev.turnout.host.platform.IpPrefix;
import java.net.InetAddress;
import java.util.ArrayList;
import java.util.List;

/**
 * A list of addresses as mihomo writes them where it also takes sets (the sniffer's {@code skip-src-address} and
 * {@code skip-dst-address}): prefixes ({@code 192.168.0.0/16}, a lone address for itself) and {@code rule-set:NAME}
 * and {@code geoip:CC} entries, which are asked of the sets compiled with the rules.
 *
 * @param prefixes the prefixes
 * @param setKeys  the set entries, as the sets' keys ({@link DnsMatchers#addressKeysOf})
 */
public record AddressList(List<IpPrefix> prefixes, List<String> setKeys) {

    public static final AddressList NONE = new AddressList(List.of(), List.of());

    public AddressList {
        prefixes = List.copyOf(prefixes);
        setKeys = List.copyOf(setKeys);
    }

    /**
     * The list {@code entries} write.
     *
     * @throws IllegalArgumentException {@code 'ENTRY': why} for the first entry that is malformed
     */
    public static AddressList of(List<String> entries) {
        List<IpPrefix> prefixes = new ArrayList<>();
        List<String> keys = new ArrayList<>();
        for (String entry : entries) {
            String s = entry.trim();
            List<String> named = DnsMatchers.addressKeysOf(s);
            if (!named.isEmpty()) {
                keys.addAll(named);
                continue;
            }
            try {
                prefixes.add(IpPrefix.parse(s.indexOf('/') >= 0 ? s : s + (s.indexOf(':') >= 0 ? "/128" : "/32")));
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("'" + entry + "' is not a prefix such as 192.168.0.0/16 or fd00::/8,"
                        + " nor a set such as rule-set:NAME or geoip:CN", e);
            }
        }
        return new AddressList(prefixes, keys);
    }

    /** Whether {@code address} lies in one of the prefixes or in one of the sets. */
    public boolean contains(InetAddress address, DnsMatchers sets) {
        for (IpPrefix p : prefixes) {
            if (p.contains(address)) {
                return true;
            }
        }
        for (String key : setKeys) {
            if (sets.containsAddress(key, address)) {
                return true;
            }
        }
        return false;
    }
}
