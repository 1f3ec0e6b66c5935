package dev.turnout.host.dns;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

/**
 * Clash's {@code hosts:} as mihomo reads it: a name (or pattern) to its addresses, or to one other name, an alias
 * ({@code google.cn: google.com}). An alias that leads, through other aliases, to a name written here with addresses
 * has those addresses, for the DNS, the rules and Turnout's own lookups alike. One that leads to a name not written
 * here only changes the DNS's answer: the question is answered for that name, with a CNAME to it first, so a fake
 * address stands for that name; the rules and the lookups see the name as unlisted, as in mihomo
 * ({@code component/resolver} {@code Hosts.Search}, {@code dns} {@code withHosts}).
 *
 * @param addresses pattern to addresses, the aliases that lead to addresses included
 * @param aliases   pattern to the name its question is answered for (lower case, no trailing dot)
 */
public record WrittenHosts(Map<String, List<InetAddress>> addresses, Map<String, String> aliases) {

    public static final WrittenHosts NONE = new WrittenHosts(Map.of(), Map.of());

    /** How many aliases a chain may go through: mihomo refuses only cycles, a bound keeps a walk short anyway. */
    static final int MAX_CHAIN = 16;

    public WrittenHosts {
        addresses = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(addresses));
        aliases = Map.copyOf(aliases);
    }

    /**
     * Reads {@code written} (pattern to values, as the config gives them). Each problem (a value that is neither
     * addresses nor one name, a pattern the tables cannot hold, aliases that lead back to themselves) is given to
     * {@code problems} and its entry left out.
     */
    public static WrittenHosts read(Map<String, List<String>> written, Consumer<IllegalArgumentException> problems) {
        Map<String, List<InetAddress>> addresses = new LinkedHashMap<>();
        Map<String, String> aliases = new LinkedHashMap<>();
        for (Map.Entry<String, List<String>> e : written.entrySet()) {
            String name = e.getKey();
            try {
                DomainTrie.check(name);
                String alias = aliasIn(name, e.getValue());
                if (alias != null) {
                    aliases.put(name, alias);
                } else {
                    addresses.put(name, addressesIn(name, e.getValue()));
                }
            } catch (IllegalArgumentException problem) {
                problems.accept(problem.getMessage().startsWith("hosts '") ? problem
                        : new IllegalArgumentException("hosts '" + name + "': " + problem.getMessage(), problem));
            }
        }
        // One table, as mihomo's: where a pattern with addresses and one with a name both match, the closer wins.
        DomainTrie<Object> table = new DomainTrie<>();
        addresses.forEach(table::insert);
        aliases.forEach(table::insert);
        Map<String, String> unresolved = new LinkedHashMap<>();
        for (Map.Entry<String, String> e : aliases.entrySet()) {
            String at = e.getValue();
            List<String> walked = new ArrayList<>(List.of(e.getKey()));
            Object found = table.match(at);
            while (found instanceof String next && !walked.contains(at) && walked.size() <= MAX_CHAIN) {
                walked.add(at);
                at = next;
                found = table.match(at);
            }
            if (found instanceof List<?> list) {
                @SuppressWarnings("unchecked")
                List<InetAddress> fixed = (List<InetAddress>) list;
                addresses.put(e.getKey(), fixed);
            } else if (found == null) {
                unresolved.put(e.getKey(), at);
            } else {
                walked.add(at);
                problems.accept(new IllegalArgumentException("hosts '" + e.getKey() + "': the aliases "
                        + String.join(" -> ", walked) + " lead back to themselves (or on for more than " + MAX_CHAIN
                        + ")"));
            }
        }
        return new WrittenHosts(addresses, unresolved);
    }

    /** The one name {@code values} stand for, or {@code null} when they are addresses. */
    private static String aliasIn(String name, List<String> values) {
        if (values.size() != 1 || IpLiteral.parse(values.get(0).trim()) != null) {
            return null;
        }
        String alias = DomainTrie.normalize(values.get(0).trim().replaceAll("^\\.+", ""));
        if (alias.equalsIgnoreCase("lan")) {
            throw new IllegalArgumentException("hosts '" + name + "': 'lan' (this machine's addresses, in mihomo) is not"
                    + " supported; write the addresses");
        }
        if (!alias.contains(".") || alias.contains("*") || alias.contains("+")) {
            throw new IllegalArgumentException("hosts '" + name + "': '" + values.get(0) + "' is neither an IP address"
                    + " nor a domain name to answer for instead");
        }
        return alias;
    }

    private static List<InetAddress> addressesIn(String name, List<String> values) {
        List<InetAddress> out = new ArrayList<>();
        for (String v : values) {
            InetAddress literal = IpLiteral.parse(v.trim());
            if (literal == null) {
                throw new IllegalArgumentException("hosts '" + name + "': '" + v + "' is not an IP address (a name"
                        + " stands for another only alone, as in 'google.cn: google.com')");
            }
            try {
                out.add(InetAddress.getByAddress(name, literal.getAddress()));
            } catch (UnknownHostException e) {
                throw new IllegalStateException(e); // a 4 or 16 byte address is always taken
            }
        }
        return List.copyOf(out);
    }
}
