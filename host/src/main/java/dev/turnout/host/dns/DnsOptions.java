package dev.turnout.host.dns;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;

/**
 * Clash's {@code dns:} section plus {@code hosts:}, as plain data; the config loader maps YAML onto it and
 * uses the static parsers here for the string forms. {@code null} collections mean empty.
 *
 * @param enable            {@code dns.enable}
 * @param listen            {@code dns.listen} (e.g. 127.0.0.1:1053); {@code null} for no listening server
 * @param enhancedMode      {@code dns.enhanced-mode}
 * @param fakeIpRange       {@code dns.fake-ip-range}, default {@code 198.18.0.1/16}
 * @param fakeIpRange6      mihomo's {@code dns.fake-ip-range6}; {@code null} for no IPv6 fake addresses
 * @param fakeIpFilter      {@code dns.fake-ip-filter}: patterns and {@code geosite:}/{@code rule-set:} entries
 * @param nameserver        {@code dns.nameserver}
 * @param fallback          {@code dns.fallback}: tried after every {@code nameserver} failed
 * @param defaultNameserver {@code dns.default-nameserver}: looks up the host names of DoT and DoH servers
 * @param nameserverPolicy  {@code dns.nameserver-policy}: a domain pattern or a set ({@code geosite:cn},
 *                          {@code rule-set:name}) to the servers that alone are asked for the names it matches, in
 *                          the order written (see {@link #parsePolicy})
 * @param ipv6              {@code dns.ipv6}: AAAA queries get (fake or real) IPv6 answers only when true
 * @param hosts             {@code hosts:} name pattern to addresses
 * @param fakeIpFilterMode  mihomo's {@code fake-ip-filter-mode}: what the filter's entries are and say
 * @param outbound          {@code proxy-server-nameserver} and {@code direct-nameserver}
 * @param systemHosts       the system's hosts file, asked after {@code hosts} (mihomo's {@code dns.use-system-hosts},
 *                          on by default); {@code null} for none
 * @param hostAliases       {@code hosts:} names written as another name that {@code hosts} does not give addresses
 *                          ({@link WrittenHosts#aliases}): their questions are answered for that name
 * @param useHosts          mihomo's {@code dns.use-hosts} (on by default): whether the DNS server answers from
 *                          {@code hosts:} and the system's hosts file; Turnout's own lookups ask them either way
 */
public record DnsOptions(
        boolean enable,
        InetSocketAddress listen,
        EnhancedMode enhancedMode,
        Cidr fakeIpRange,
        Cidr fakeIpRange6,
        List<String> fakeIpFilter,
        List<Nameserver> nameserver,
        List<Nameserver> fallback,
        List<Nameserver> defaultNameserver,
        Map<String, List<Nameserver>> nameserverPolicy,
        boolean ipv6,
        Map<String, List<InetAddress>> hosts,
        FakeIpFilter.Mode fakeIpFilterMode,
        OutboundNameservers outbound,
        java.nio.file.Path systemHosts,
        Map<String, String> hostAliases,
        boolean useHosts) {

    public static final String DEFAULT_FAKE_IP_RANGE = "198.18.0.1/16";

    public DnsOptions {
        enhancedMode = enhancedMode == null ? EnhancedMode.NORMAL : enhancedMode;
        fakeIpRange = fakeIpRange == null ? Cidr.parse(DEFAULT_FAKE_IP_RANGE) : fakeIpRange;
        if (!fakeIpRange.isIpv4()) {
            throw new IllegalArgumentException("fake-ip-range must be IPv4 (use fake-ip-range6 for IPv6)");
        }
        if (fakeIpRange.prefix() > 30) {
            throw new IllegalArgumentException("fake-ip-range " + fakeIpRange + " is too small (at most /30)");
        }
        if (fakeIpRange6 != null && (fakeIpRange6.isIpv4() || fakeIpRange6.prefix() > 126)) {
            throw new IllegalArgumentException("fake-ip-range6 must be an IPv6 range of at most /126");
        }
        fakeIpFilter = fakeIpFilter == null ? List.of() : List.copyOf(fakeIpFilter);
        nameserver = nameserver == null ? List.of() : List.copyOf(nameserver);
        fallback = fallback == null ? List.of() : List.copyOf(fallback);
        defaultNameserver = defaultNameserver == null ? List.of() : List.copyOf(defaultNameserver);
        Map<String, List<Nameserver>> policy = new LinkedHashMap<>();
        if (nameserverPolicy != null) {
            nameserverPolicy.forEach((k, v) -> policy.put(k, List.copyOf(v)));
        }
        nameserverPolicy = java.util.Collections.unmodifiableMap(policy);
        Map<String, List<InetAddress>> h = new LinkedHashMap<>();
        if (hosts != null) {
            hosts.forEach((k, v) -> h.put(k, List.copyOf(v)));
        }
        hosts = java.util.Collections.unmodifiableMap(h);
        outbound = outbound == null ? OutboundNameservers.NONE : outbound;
        fakeIpFilterMode = fakeIpFilterMode == null ? FakeIpFilter.Mode.BLACKLIST : fakeIpFilterMode;
        hostAliases = hostAliases == null ? Map.of() : Map.copyOf(hostAliases);
    }

    /** The options with {@code use-hosts} on, as mihomo's default. */
    public DnsOptions(boolean enable, InetSocketAddress listen, EnhancedMode enhancedMode, Cidr fakeIpRange,
            Cidr fakeIpRange6, List<String> fakeIpFilter, List<Nameserver> nameserver, List<Nameserver> fallback,
            List<Nameserver> defaultNameserver, Map<String, List<Nameserver>> nameserverPolicy, boolean ipv6,
            Map<String, List<InetAddress>> hosts, FakeIpFilter.Mode fakeIpFilterMode, OutboundNameservers outbound,
            java.nio.file.Path systemHosts, Map<String, String> hostAliases) {
        this(enable, listen, enhancedMode, fakeIpRange, fakeIpRange6, fakeIpFilter, nameserver, fallback,
                defaultNameserver, nameserverPolicy, ipv6, hosts, fakeIpFilterMode, outbound, systemHosts, hostAliases,
                true);
    }

    /** The options without names written as other names in {@code hosts:}. */
    public DnsOptions(boolean enable, InetSocketAddress listen, EnhancedMode enhancedMode, Cidr fakeIpRange,
            Cidr fakeIpRange6, List<String> fakeIpFilter, List<Nameserver> nameserver, List<Nameserver> fallback,
            List<Nameserver> defaultNameserver, Map<String, List<Nameserver>> nameserverPolicy, boolean ipv6,
            Map<String, List<InetAddress>> hosts, FakeIpFilter.Mode fakeIpFilterMode, OutboundNameservers outbound,
            java.nio.file.Path systemHosts) {
        this(enable, listen, enhancedMode, fakeIpRange, fakeIpRange6, fakeIpFilter, nameserver, fallback,
                defaultNameserver, nameserverPolicy, ipv6, hosts, fakeIpFilterMode, outbound, systemHosts, null);
    }

    /**
     * The same servers, hosts and policies without a listener or fake addresses: for a command that looks names up
     * as a running Turnout would, beside it.
     */
    public DnsOptions lookupsOnly() {
        return new DnsOptions(enable, null, EnhancedMode.NORMAL, fakeIpRange, fakeIpRange6, fakeIpFilter, nameserver,
                fallback, defaultNameserver, nameserverPolicy, ipv6, hosts, fakeIpFilterMode, outbound, systemHosts,
                hostAliases, useHosts);
    }

    /** The options without the system's hosts file. */
    public DnsOptions(boolean enable, InetSocketAddress listen, EnhancedMode enhancedMode, Cidr fakeIpRange,
            Cidr fakeIpRange6, List<String> fakeIpFilter, List<Nameserver> nameserver, List<Nameserver> fallback,
            List<Nameserver> defaultNameserver, Map<String, List<Nameserver>> nameserverPolicy, boolean ipv6,
            Map<String, List<InetAddress>> hosts, boolean fakeIpWhitelist, OutboundNameservers outbound) {
        this(enable, listen, enhancedMode, fakeIpRange, fakeIpRange6, fakeIpFilter, nameserver, fallback,
                defaultNameserver, nameserverPolicy, ipv6, hosts, fakeIpWhitelist ? FakeIpFilter.Mode.WHITELIST
                : FakeIpFilter.Mode.BLACKLIST, outbound, null);
    }

    /** The options without servers of their own for Turnout's outbound connections. */
    public DnsOptions(boolean enable, InetSocketAddress listen, EnhancedMode enhancedMode, Cidr fakeIpRange,
            Cidr fakeIpRange6, List<String> fakeIpFilter, List<Nameserver> nameserver, List<Nameserver> fallback,
            List<Nameserver> defaultNameserver, Map<String, List<Nameserver>> nameserverPolicy, boolean ipv6,
            Map<String, List<InetAddress>> hosts, boolean fakeIpWhitelist) {
        this(enable, listen, enhancedMode, fakeIpRange, fakeIpRange6, fakeIpFilter, nameserver, fallback,
                defaultNameserver, nameserverPolicy, ipv6, hosts, fakeIpWhitelist, null);
    }

    /** The options in blacklist mode. */
    public DnsOptions(boolean enable, InetSocketAddress listen, EnhancedMode enhancedMode, Cidr fakeIpRange,
            Cidr fakeIpRange6, List<String> fakeIpFilter, List<Nameserver> nameserver, List<Nameserver> fallback,
            List<Nameserver> defaultNameserver, Map<String, List<Nameserver>> nameserverPolicy, boolean ipv6,
            Map<String, List<InetAddress>> hosts) {
        this(enable, listen, enhancedMode, fakeIpRange, fakeIpRange6, fakeIpFilter, nameserver, fallback,
                defaultNameserver, nameserverPolicy, ipv6, hosts, false);
    }

    /** The options without a {@code nameserver-policy}. */
    public DnsOptions(boolean enable, InetSocketAddress listen, EnhancedMode enhancedMode, Cidr fakeIpRange,
            Cidr fakeIpRange6, List<String> fakeIpFilter, List<Nameserver> nameserver, List<Nameserver> fallback,
            List<Nameserver> defaultNameserver, boolean ipv6, Map<String, List<InetAddress>> hosts) {
        this(enable, listen, enhancedMode, fakeIpRange, fakeIpRange6, fakeIpFilter, nameserver, fallback,
                defaultNameserver, null, ipv6, hosts);
    }

    /** Clash's defaults: disabled, normal mode, 198.18.0.1/16, no servers, IPv6 off. */
    public static DnsOptions defaults() {
        return new DnsOptions(false, null, EnhancedMode.NORMAL, null, null, null, null, null, null, false, null);
    }

    /**
     * Parses {@code dns.nameserver-policy}: each key is one or more domain patterns separated by commas
     * ({@code 'www.baidu.com,+.google.cn'}) or mihomo's sets ({@code 'geosite:cn,private'}, {@code 'rule-set:corp'}),
     * each value a nameserver or a list of them ({@code rcode://success} among them). As in mihomo, the entries are tried in the order written, the first
     * that matches choosing; among consecutive domain patterns the most specific wins. mihomo's {@code geoip:} keys
     * are left out here (the config loader notes them): their names are asked of {@code nameserver} instead.
     *
     * @return a pattern or set key ({@link DnsMatchers#keysOf}) to its servers, in the order written
     * @throws IllegalArgumentException naming the entry that is wrong
     */
    public static Map<String, List<Nameserver>> parsePolicy(Map<String, Object> policy) {
        Map<String, List<Nameserver>> out = new LinkedHashMap<>();
        DomainTrie<Boolean> check = new DomainTrie<>();
        for (Map.Entry<String, Object> e : policy.entrySet()) {
            List<String> texts = policyValues(e.getValue());
            List<Nameserver> servers = parseNameservers(texts);
            if (servers.isEmpty()) {
                throw new IllegalArgumentException("nameserver-policy '" + e.getKey() + "' names no nameserver");
            }
            if (isUnsupportedPolicyKey(e.getKey())) {
                continue;
            }
            List<String> sets;
            try {
                sets = DnsMatchers.keysOf(e.getKey());
            } catch (IllegalArgumentException bad) {
                throw new IllegalArgumentException("nameserver-policy " + bad.getMessage());
            }
            if (!sets.isEmpty()) {
                sets.forEach(k -> out.putIfAbsent(k, List.copyOf(servers)));
                continue;
            }
            for (String pattern : e.getKey().split(",")) {
                String p = pattern.trim();
                if (matchesNoName(p)) {
                    continue; // the config loader says so
                }
                try {
                    check.insert(p, Boolean.TRUE);
                } catch (IllegalArgumentException bad) {
                    throw new IllegalArgumentException("nameserver-policy '" + e.getKey() + "': " + bad.getMessage());
                }
                out.put(p, List.copyOf(servers));
            }
        }
        return out;
    }

    /**
     * Whether a policy pattern holds a {@code +} past its start ({@code +.bilivideo.+}): mihomo takes it as a literal
     * label, which no name has, so the pattern matches nothing; it is left out rather than refused.
     */
    public static boolean matchesNoName(String pattern) {
        return pattern.trim().indexOf('+', 1) > 0;
    }

    /** A {@code nameserver-policy} value as a list: one server or several. */
    static List<String> policyValues(Object value) {
        return value instanceof List<?> l ? l.stream().map(String::valueOf).toList()
                : value == null ? List.of() : List.of(String.valueOf(value));
    }

    /** mihomo's {@code geoip:} policy keys (which choose by the answer's country), which Turnout does not read. */
    public static boolean isUnsupportedPolicyKey(String key) {
        return key.trim().toLowerCase(java.util.Locale.ROOT).startsWith("geoip:");
    }

    /** The outbounds and groups nameservers send their queries through ({@code #PROXY}), in the order written. */
    public java.util.Set<String> outboundsNamed() {
        java.util.Set<String> out = new java.util.LinkedHashSet<>();
        List<List<Nameserver>> lists = new java.util.ArrayList<>(List.of(nameserver, fallback, defaultNameserver,
                outbound.proxyServer(), outbound.direct()));
        lists.addAll(nameserverPolicy.values());
        for (List<Nameserver> list : lists) {
            for (Nameserver ns : list == null ? List.<Nameserver>of() : list) {
                if (ns.via() != null) {
                    out.add(ns.via());
                }
            }
        }
        return out;
    }

    /** Upstream servers in the order they are tried: {@code nameserver}, then {@code fallback}. */
    public List<Nameserver> upstreams() {
        List<Nameserver> all = new java.util.ArrayList<>(nameserver);
        all.addAll(fallback);
        return List.copyOf(all);
    }

    /**
     * Parses a list of nameserver strings; see {@link Nameserver#parse(String)}. Servers of a kind Turnout does not
     * speak yet (DoQ, DHCP) are left out while others remain (the config loader notes them); a list of only such
     * servers is refused with the first one's reason.
     */
    public static List<Nameserver> parseNameservers(List<String> texts) {
        if (texts == null) {
            return List.of();
        }
        List<Nameserver> out = new java.util.ArrayList<>();
        Nameserver.Unsupported first = null;
        for (String text : texts) {
            try {
                out.add(Nameserver.parse(text));
            } catch (Nameserver.Unsupported e) {
                first = first == null ? e : first;
            }
        }
        if (out.isEmpty() && first != null) {
            throw first;
        }
        return List.copyOf(out);
    }

    /**
     * {@code servers} if none of them is known by host name: {@code default-nameserver} looks up the others' names,
     * so its own must be addresses.
     */
    public static List<Nameserver> addressedOnly(List<Nameserver> servers) {
        Nameserver named = firstByName(servers);
        if (named != null) {
            throw new IllegalArgumentException("default-nameserver '" + named + "' is known by host name ("
                    + named.host() + "), but default-nameserver is what looks such names up: give its address");
        }
        return servers;
    }

    /** The first of {@code servers} known by host name, or {@code null}. */
    private static Nameserver firstByName(List<Nameserver> servers) {
        return firstByName(servers, name -> false);
    }

    /** The first of {@code servers} known by a host name that is not {@code known}, or {@code null}. */
    private static Nameserver firstByName(List<Nameserver> servers, Predicate<String> known) {
        // One reached through an outbound has its name looked up at the far end.
        return servers.stream().filter(ns -> ns.needsLookup() && (ns.via() == null || ns.via().equals(Nameserver.RULES))
                        && !known.test(ns.host())).findFirst().orElse(null);
    }

    /**
     * What looks up the names of DoT and DoH servers when {@code default-nameserver} is not written: the servers of
     * {@code nameserver} and then {@code fallback} that are addresses (plain, DoT or DoH by address), none of them
     * twice. Clash and mihomo use public resolvers they choose ({@code 114.114.114.114}, {@code 8.8.8.8}); Turnout
     * asks only servers the user named.
     */
    public static List<Nameserver> addressedOf(List<Nameserver> nameserver, List<Nameserver> fallback) {
        java.util.LinkedHashSet<Nameserver> out = new java.util.LinkedHashSet<>();
        for (List<Nameserver> list : List.of(nameserver, fallback)) {
            for (Nameserver ns : list) {
                if (!ns.needsLookup() && ns.protocol() != Nameserver.Protocol.RCODE) {
                    out.add(ns);
                }
            }
        }
        return List.copyOf(out);
    }

    /**
     * Refuses a server known by host name when there is no {@code default-nameserver} to look it up (called only
     * then, when {@code nameserver} and {@code fallback} name no server by address either): Turnout does not pick
     * public resolvers for the user. A name {@code known} without a lookup ({@code hosts:}, as mihomo reads it first)
     * needs none.
     */
    public static List<Nameserver> lookedUpBy(List<Nameserver> servers, String key, Predicate<String> known) {
        Nameserver named = servers == null ? null : firstByName(servers, known);
        if (named != null) {
            throw new IllegalArgumentException(key + " '" + named + "' is known by host name (" + named.host()
                    + "): list servers by IP address under default-nameserver (or under nameserver) to look it up, or"
                    + " give its address in hosts:");
        }
        return servers;
    }

    /**
     * Parses {@code dns.listen}: {@code 127.0.0.1:1053}, {@code [::1]:53}, or {@code :53} (all interfaces,
     * as Clash accepts).
     */
    public static InetSocketAddress parseListen(String text) {
        String s = text == null ? "" : text.trim();
        int colon = s.lastIndexOf(':');
        if (colon < 0) {
            throw new IllegalArgumentException("dns.listen '" + text + "': expected host:port");
        }
        String host = s.substring(0, colon);
        int port;
        try {
            port = Integer.parseInt(s.substring(colon + 1));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("dns.listen '" + text + "': bad port");
        }
        if (port < 0 || port > 65535) {
            throw new IllegalArgumentException("dns.listen '" + text + "': bad port");
        }
        if (host.isEmpty()) {
            return new InetSocketAddress(port);
        }
        InetAddress a = IpLiteral.parse(host);
        if (a == null) {
            throw new IllegalArgumentException("dns.listen '" + text + "': '" + host + "' is not an IP address");
        }
        return new InetSocketAddress(a, port);
    }

}
