package dev.turnout.host.runtime;

import dev.turnout.host.config.Config;
import dev.turnout.host.config.ConfigException;
import dev.turnout.host.config.Section;
import dev.turnout.host.platform.IpPrefix;
import dev.turnout.host.tun.HijackTargets;
import dev.turnout.host.tun.TunOptions;
import java.util.List;

/** Reads Clash's {@code tun:} section (and the top-level {@code interface-name}) into {@link TunOptions}. */
final class TunSettings {

    private TunSettings() {
    }

    /**
     * The options, or {@code null} when the TUN is not enabled. Every key that is wrong is reported, each at its own
     * line and column.
     */
    static TunOptions from(Config config) throws ConfigException {
        return config.tun().bool("enable", false) ? read(config) : null;
    }

    /**
     * The options a TUN opened on {@code config} runs with, whether or not {@code enable} is on now (a dashboard may
     * switch it on later); {@code null} when the section does not validate.
     */
    static TunOptions wouldBe(Config config) {
        try {
            return read(config);
        } catch (ConfigException e) {
            return null; // switching it on is refused with the problems, so it needs nothing set aside now
        }
    }

    private static TunOptions read(Config config) throws ConfigException {
        Section t = config.tun();
        SectionKeys keys = new SectionKeys(t, "tun");
        String stack = keys.read("stack", () -> t.string("stack", "system"));
        String device = keys.read("device", () -> t.string("device", null));
        Integer mtu = keys.read("mtu", () -> TunOptions.checkMtu(t.integer("mtu", 0)));
        IpPrefix inet4 = keys.read("inet4-address", () -> inet4(t));
        IpPrefix written6 = keys.read("inet6-address", () -> prefix(t, "inet6-address"));
        // As mihomo's: an IPv6 address by default (its DefaultRawConfig), none when the key is an empty list, and none
        // when the top-level ipv6 is false (the loader notes it). Without one, IPv6 was refused where mihomo carries it.
        boolean emptied = t.values().containsKey("inet6-address") && written6 == null;
        IpPrefix inet6 = !config.ipv6() || emptied ? null
                : written6 != null ? written6 : IpPrefix.parse(TunOptions.DEFAULT_INET6);
        // mihomo's defaults (its RawTun): a bare 'tun: {enable: true}' captures everything, leaves through the
        // interface of the default route and answers DNS sent anywhere, as it does there.
        Boolean autoRoute = keys.read("auto-route", () -> t.bool("auto-route", true));
        Boolean autoDetect = keys.read("auto-detect-interface", () -> t.bool("auto-detect-interface", true));
        List<String> hijack = keys.read("dns-hijack", () -> hijack(t));
        java.nio.file.Path stateFile = keys.read("state-file", () -> stateFile(t));
        Boolean gso = keys.read("gso", () -> t.bool("gso", true));
        Boolean strictRoute = keys.read("strict-route", () -> t.bool("strict-route", true));
        Integer udpTimeout = keys.read("udp-timeout", () -> positive(t, "udp-timeout"));
        List<IpPrefix> include = new java.util.ArrayList<>();
        List<IpPrefix> exclude = new java.util.ArrayList<>();
        // mihomo's keys, and the per-version ones it still reads from older configs.
        for (String key : ROUTE_ADDRESS_KEYS) {
            List<IpPrefix> read = keys.read(key, () -> prefixes(t, key));
            if (read != null) {
                include.addAll(read);
            }
        }
        for (String key : ROUTE_EXCLUDE_KEYS) {
            List<IpPrefix> read = keys.read(key, () -> prefixes(t, key));
            if (read != null) {
                exclude.addAll(read);
            }
        }
        keys.throwProblems();
        // Without it Turnout's own sockets would follow the split routes into the TUN (the loader says so).
        autoDetect |= autoRoute && config.interfaceName() == null;
        try {
            return new TunOptions(true, stack, device, mtu, inet4, inet6, autoRoute, autoDetect, hijack,
                    config.interfaceName(), stateFile, udpTimeout == null ? 0 : udpTimeout, 0, 0, gso, strictRoute,
                    include, exclude);
        } catch (IllegalArgumentException e) {
            throw new ConfigException(t.origin(), "tun: " + e.getMessage());
        }
    }

    /**
     * Where a TUN run on {@code config} records its routes: the {@code tun.state-file} it names (whether or
     * not the TUN is enabled now: it may have been when the routes were made), else the default.
     */
    static java.nio.file.Path routeStateFile(Config config) throws ConfigException {
        java.nio.file.Path named = stateFile(config.tun());
        return named != null ? named : dev.turnout.host.platform.RouteCleanup.defaultStateFile();
    }

    /** mihomo's {@code route-address} and its older per-version spellings. */
    static final List<String> ROUTE_ADDRESS_KEYS = List.of("route-address", "inet4-route-address",
            "inet6-route-address");
    /** mihomo's {@code route-exclude-address} and its older per-version spellings. */
    static final List<String> ROUTE_EXCLUDE_KEYS = List.of("route-exclude-address", "inet4-route-exclude-address",
            "inet6-route-exclude-address");

    /** mihomo's {@code udp-timeout}, in seconds; 0 when absent (Turnout's default, 60). */
    private static int positive(Section t, String key) throws ConfigException {
        int value = t.integer(key, 0);
        if (value < 0) {
            throw new ConfigException(t.originOf(key), "'" + key + "' must be a number of seconds, got " + value);
        }
        return value;
    }

    /** A list of prefixes ({@code 192.168.0.0/16}, {@code fd00::/8}); a lone address is one host. */
    static List<IpPrefix> prefixes(Section t, String key) throws ConfigException {
        List<IpPrefix> out = new java.util.ArrayList<>();
        for (String text : t.strings(key)) {
            String s = text.trim();
            try {
                out.add(IpPrefix.parse(s.indexOf('/') >= 0 ? s : s + (s.indexOf(':') >= 0 ? "/128" : "/32")));
            } catch (IllegalArgumentException e) {
                throw new ConfigException(t.originOf(key), "'" + key + "' entries must be prefixes such as"
                        + " 192.168.0.0/16 or fd00::/8, got '" + text + "'");
            }
        }
        return out;
    }

    /** IPv4 is always on, as in mihomo: 198.18.0.1/30 unless the config says otherwise. */
    private static IpPrefix inet4(Section t) throws ConfigException {
        IpPrefix p = prefix(t, "inet4-address");
        return p != null ? p : IpPrefix.parse(TunOptions.DEFAULT_INET4);
    }

    /** mihomo writes the address as a string or as a one-element list. */
    private static IpPrefix prefix(Section t, String key) throws ConfigException {
        List<String> values = t.strings(key);
        if (values.isEmpty()) {
            return null;
        }
        try {
            return IpPrefix.parse(values.get(0));
        } catch (IllegalArgumentException e) {
            throw new ConfigException(t.originOf(key), "'" + key + "' must be an address with a prefix such as "
                    + "198.18.0.1/30, got '" + values.get(0) + "'");
        }
    }

    /** Turnout's own key: where the installed routes are recorded for {@code turnout cleanup}. */
    private static java.nio.file.Path stateFile(Section t) throws ConfigException {
        String path = t.string("state-file", null);
        return path == null ? null : java.nio.file.Path.of(path);
    }

    /** mihomo's default when the key is absent: DNS to any address; {@code dns-hijack: []} hijacks none. */
    static final List<String> DEFAULT_DNS_HIJACK = List.of("0.0.0.0:53");

    private static List<String> hijack(Section t) throws ConfigException {
        List<String> targets = t.values().containsKey("dns-hijack") ? t.strings("dns-hijack") : DEFAULT_DNS_HIJACK;
        HijackTargets.udp(targets); // checks every entry
        return targets;
    }
}
