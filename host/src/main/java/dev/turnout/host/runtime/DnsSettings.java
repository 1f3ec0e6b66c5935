package dev.turnout.host.runtime;

import dev.turnout.host.config.Config;
import dev.turnout.host.config.ConfigException;
import dev.turnout.host.config.Section;
import dev.turnout.host.dns.Cidr;
import dev.turnout.host.dns.DnsOptions;
import dev.turnout.host.dns.Nameserver;
import dev.turnout.host.dns.EnhancedMode;
import dev.turnout.host.dns.FakeIpFilter;
import dev.turnout.host.dns.HostsTable;
import dev.turnout.host.dns.OutboundNameservers;
import dev.turnout.host.dns.SystemHosts;
import dev.turnout.host.dns.WrittenHosts;
import java.net.InetAddress;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;

/** Reads Clash's {@code dns:} section and {@code hosts:} into {@link DnsOptions}, pointing errors at their key. */
public final class DnsSettings {

    /**
     * mihomo's {@code enhanced-mode} when the key is absent ({@code DefaultRawConfig}: {@code C.DNSMapping}): real
     * answers, each address mapped back to its name for the flows that go to it.
     */
    static final String DEFAULT_ENHANCED_MODE = "redir-host";

    /**
     * The servers asked when {@code nameserver} is absent: the machine's own (resolv.conf, or systemd-resolved's
     * upstreams; Turnout's own addresses left out), where mihomo's {@code DefaultRawConfig} asks two public resolvers
     * in China (doh.pub, 223.5.5.5), which a user outside China would not expect to be asked. A list written empty
     * is refused, as mihomo refuses it.
     */
    public static final List<String> DEFAULT_NAMESERVERS = List.of("system");

    /** mihomo's {@code fake-ip-filter} when the key is absent ({@code DefaultRawConfig}): Windows' connectivity checks. */
    static final List<String> DEFAULT_FAKE_IP_FILTER = List.of("dns.msftnsci.com", "www.msftnsci.com",
            "www.msftconnecttest.com");

    private DnsSettings() {
    }

    /**
     * The options, or {@code null} when {@code dns.enable} is not true. Every key that is wrong is reported, each at
     * its own line and column, so that one run of {@code turnout check} shows them all.
     */
    public static DnsOptions from(Config config) throws ConfigException {
        Section d = config.dns();
        if (!d.bool("enable", false)) {
            return null;
        }
        SectionKeys keys = new SectionKeys(d, "dns");
        String listenText = d.string("listen", null);
        var listen = listenText == null ? null : keys.read("listen", () -> DnsOptions.parseListen(listenText));
        EnhancedMode mode = keys.read("enhanced-mode", () -> EnhancedMode.parse(d.string("enhanced-mode", DEFAULT_ENHANCED_MODE)));
        Cidr range = keys.read("fake-ip-range",
                () -> Cidr.parse(d.string("fake-ip-range", DnsOptions.DEFAULT_FAKE_IP_RANGE)));
        String range6Text = d.string("fake-ip-range6", null);
        Cidr range6 = range6Text == null ? null : keys.read("fake-ip-range6", () -> Cidr.parse(range6Text));
        var nameservers = keys.read("nameserver", () -> DnsOptions.parseNameservers(nameserverList(d)));
        var fallback = keys.read("fallback", () -> DnsOptions.parseNameservers(d.strings("fallback")));
        var defaults = keys.read("default-nameserver",
                () -> DnsOptions.addressedOnly(DnsOptions.parseNameservers(d.strings("default-nameserver"))));
        var policy = keys.read("nameserver-policy", () -> DnsOptions.parsePolicy(d.map("nameserver-policy")));
        var proxyServer = keys.read("proxy-server-nameserver",
                () -> DnsOptions.parseNameservers(d.strings("proxy-server-nameserver")));
        var direct = keys.read("direct-nameserver", () -> DnsOptions.parseNameservers(d.strings("direct-nameserver")));
        Boolean directFollows = keys.read("direct-nameserver-follow-policy",
                () -> d.bool("direct-nameserver-follow-policy", false));
        FakeIpFilter.Mode filterMode = keys.read("fake-ip-filter-mode",
                () -> FakeIpFilter.Mode.parse(d.string("fake-ip-filter-mode", "blacklist")));
        // In rule mode the entries are rules, compiled (and checked) with the rules: they may name rule providers.
        var fakeIpFilter = keys.read("fake-ip-filter", () -> filterMode == FakeIpFilter.Mode.RULE
                ? d.strings("fake-ip-filter") : FakeIpFilter.checked(d.values().containsKey("fake-ip-filter")
                        ? d.strings("fake-ip-filter") : DEFAULT_FAKE_IP_FILTER));
        // Its problems are reported once, with the other settings (Settings.hosts), not once more here.
        WrittenHosts written = WrittenHosts.read(config.hosts(), problem -> { });
        Map<String, List<InetAddress>> hosts = written.addresses();
        // As in mihomo, a server's name in hosts: is never looked up (the table answers it): no server is needed for it.
        Predicate<String> known = knownIn(hosts);
        if (defaults != null && defaults.isEmpty() && nameservers != null && fallback != null) {
            // As Clash and mihomo would with their built-in public resolvers, but with the user's own: the servers
            // of nameserver and fallback that are addresses.
            defaults = DnsOptions.addressedOf(nameservers, fallback);
        }
        if (defaults != null && defaults.isEmpty()) {
            keys.read("nameserver", () -> DnsOptions.lookedUpBy(nameservers, "nameserver", known));
            keys.read("fallback", () -> DnsOptions.lookedUpBy(fallback, "fallback", known));
            keys.read("proxy-server-nameserver", () -> DnsOptions.lookedUpBy(proxyServer, "proxy-server-nameserver", known));
            keys.read("direct-nameserver", () -> DnsOptions.lookedUpBy(direct, "direct-nameserver", known));
            if (policy != null) {
                policy.values().forEach(servers -> keys.read("nameserver-policy",
                        () -> DnsOptions.lookedUpBy(servers, "nameserver-policy", known)));
            }
        }
        // mihomo's respect-rules: the servers of nameserver, fallback and nameserver-policy that name no outbound go where the rules
        // send a connection to them; the proxies' own names then need servers that do not, as mihomo requires.
        Boolean respect = keys.read("respect-rules", () -> {
            boolean on = d.bool("respect-rules", false);
            if (on && (proxyServer == null || proxyServer.isEmpty())) {
                throw new IllegalArgumentException("respect-rules needs proxy-server-nameserver (as in mihomo): the "
                        + "proxies' own server names cannot be looked up through the rules that send to them");
            }
            return on;
        });
        Boolean systemHosts = keys.read("use-system-hosts", () -> d.bool("use-system-hosts", true));
        Boolean useHosts = keys.read("use-hosts", () -> d.bool("use-hosts", true));
        keys.throwProblems();
        List<Nameserver> asked = Boolean.TRUE.equals(respect) ? byRules(nameservers) : nameservers;
        List<Nameserver> fallbackAsked = Boolean.TRUE.equals(respect) ? byRules(fallback) : fallback;
        // And nameserver-policy's, as mihomo's parseNameServerPolicy passes respect-rules on: left direct, a policy
        // meant to be asked through the proxy leaked every query it answered (s69's keys tester, F13).
        Map<String, List<Nameserver>> policyAsked = policy;
        if (Boolean.TRUE.equals(respect) && policy != null) {
            policyAsked = new java.util.LinkedHashMap<>();
            for (Map.Entry<String, List<Nameserver>> e : policy.entrySet()) {
                policyAsked.put(e.getKey(), byRules(e.getValue()));
            }
        }
        try {
            return new DnsOptions(true, listen, mode, range, range6, fakeIpFilter, asked,
                    fallbackAsked, defaults, policyAsked, d.bool("ipv6", false) && config.ipv6(), hosts, filterMode,
                    new OutboundNameservers(proxyServer, direct, Boolean.TRUE.equals(directFollows)),
                    Boolean.FALSE.equals(systemHosts) ? null : SystemHosts.FILE, written.aliases(),
                    !Boolean.FALSE.equals(useHosts));
        } catch (IllegalArgumentException e) {
            throw new ConfigException(d.origin(), "dns: " + e.getMessage());
        }
    }

    /**
     * {@code nameserver} as written, {@link #DEFAULT_NAMESERVERS} when it is absent; written empty it is refused, as
     * mihomo's parseDNS refuses it: the DNS would answer SERVFAIL to every name.
     */
    private static List<String> nameserverList(Section d) throws ConfigException {
        if (!d.values().containsKey("nameserver")) {
            return DEFAULT_NAMESERVERS;
        }
        List<String> written = d.strings("nameserver");
        if (written.isEmpty()) {
            throw new IllegalArgumentException("nameserver is empty: with the DNS on, it needs a server (as mihomo "
                    + "requires); leave the key out to ask the system's servers");
        }
        return written;
    }

    /** Whether hosts: gives a name its addresses (WrittenHosts has left out every pattern a table cannot hold). */
    private static Predicate<String> knownIn(Map<String, List<InetAddress>> hosts) {
        HostsTable written = new HostsTable(hosts);
        return name -> !written.lookup(name).isEmpty();
    }

    /** The servers with {@code #RULES} where they name no outbound of their own (respect-rules). */
    private static List<Nameserver> byRules(List<Nameserver> servers) {
        return servers.stream().map(ns -> ns.via() == null && ns.isServer() ? ns.through(Nameserver.RULES) : ns)
                .toList();
    }
}
