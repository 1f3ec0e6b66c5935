package dev.turnout.host.runtime;

import dev.turnout.host.config.Config;
import dev.turnout.host.config.ConfigException;
import dev.turnout.host.config.Section;
import dev.turnout.host.dns.Cidr;
import dev.turnout.host.dns.DnsOptions;
import dev.turnout.host.dns.EnhancedMode;
import java.net.InetAddress;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Reads Clash's {@code dns:} section and {@code hosts:} into {@link DnsOptions}, pointing errors at their key. */
final class DnsSettings {

    private DnsSettings() {
    }

    /** The options, or {@code null} when {@code dns.enable} is not true. */
    static DnsOptions from(Config config) throws ConfigException {
        Section d = config.dns();
        if (!d.bool("enable", false)) {
            return null;
        }
        String key = "dns";
        try {
            key = "listen";
            String listenText = d.string("listen", null);
            var listen = listenText == null ? null : DnsOptions.parseListen(listenText);
            key = "enhanced-mode";
            EnhancedMode mode = EnhancedMode.parse(d.string("enhanced-mode", "normal"));
            key = "fake-ip-range";
            Cidr range = Cidr.parse(d.string("fake-ip-range", DnsOptions.DEFAULT_FAKE_IP_RANGE));
            key = "fake-ip-range6";
            String range6 = d.string("fake-ip-range6", null);
            key = "nameserver";
            var nameservers = DnsOptions.parseNameservers(d.strings("nameserver"));
            key = "fallback";
            var fallback = DnsOptions.parseNameservers(d.strings("fallback"));
            key = "default-nameserver";
            var defaults = DnsOptions.parseNameservers(d.strings("default-nameserver"));
            key = "hosts";
            Map<String, List<InetAddress>> hosts = new LinkedHashMap<>();
            for (var e : config.hosts().entrySet()) {
                hosts.put(e.getKey(), DnsOptions.parseHostAddresses(e.getKey(), e.getValue()));
            }
            key = "dns";
            return new DnsOptions(true, listen, mode, range, range6 == null ? null : Cidr.parse(range6),
                    d.strings("fake-ip-filter"), nameservers, fallback, defaults, d.bool("ipv6", false), hosts);
        } catch (IllegalArgumentException e) {
            throw new ConfigException(d.originOf(key), "dns: " + e.getMessage());
        }
    }
}
