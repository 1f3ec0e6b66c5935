package dev.turnout.host.runtime;

import dev.turnout.host.config.Config;
import dev.turnout.host.config.ConfigException;
import dev.turnout.host.config.Section;
import dev.turnout.host.dns.AddressList;
import dev.turnout.host.dns.NameList;
import dev.turnout.host.sniff.SniffOptions;
import java.util.BitSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Reads mihomo's {@code sniffer:} section into {@link SniffOptions}, with mihomo's defaults:
 * {@code override-destination}, {@code parse-pure-ip} and {@code force-dns-mapping} on; per-protocol {@code sniff:} entries, or the older
 * {@code sniffing:} list with one {@code port-whitelist} for all. A protocol given no ports sniffs its own port, as
 * mihomo's sniffers do when their range list is empty (http_sniffer.go 80, tls_sniffer.go and quic_sniffer.go 443).
 */
final class SnifferSettings {

    private static final List<String> PROTOCOLS = List.of("TLS", "HTTP", "QUIC");
    /** Each protocol's port when its list is empty or absent, in {@link #PROTOCOLS}' order (mihomo's sniffers). */
    private static final List<Integer> OWN_PORTS = List.of(443, 80, 443);

    private SnifferSettings() {
    }

    /** The options, or {@code null} when the sniffer is off or sniffs nothing Turnout sniffs. */
    static SniffOptions from(Config config) throws ConfigException {
        Section s = config.sniffer();
        if (!s.bool("enable", false)) {
            return null;
        }
        SectionKeys keys = new SectionKeys(s, "sniffer");
        Boolean override = keys.read("override-destination", () -> s.bool("override-destination", true));
        Boolean pureIp = keys.read("parse-pure-ip", () -> s.bool("parse-pure-ip", true));
        Boolean dnsMapping = keys.read("force-dns-mapping", () -> s.bool("force-dns-mapping", true));
        boolean overrideAll = override == null || override;
        SniffOptions.Protocol[] byName = new SniffOptions.Protocol[PROTOCOLS.size()];
        keys.read("sniff", () -> {
            for (Map.Entry<String, Object> e : s.map("sniff").entrySet()) {
                int i = protocol(s, "sniff", e.getKey());
                // 'QUIC:' with nothing after it, as in mihomo's documented config: its own port, the section's
                // override-destination (mihomo decodes it as an empty entry).
                Map<?, ?> entry = e.getValue() == null ? Map.of() : e.getValue() instanceof Map<?, ?> m ? m : null;
                if (entry == null) {
                    throw new ConfigException(s.originOf("sniff"), "sniffer: sniff." + e.getKey()
                            + " must be a mapping with 'ports' (and 'override-destination')");
                }
                Object own = entry.get("override-destination");
                if (own != null && !(own instanceof Boolean)) {
                    throw new ConfigException(s.originOf("sniff"), "sniffer: sniff." + e.getKey()
                            + ".override-destination must be true or false, got " + own);
                }
                byName[i] = new SniffOptions.Protocol(portsOr(i, ports(s, "sniff", entry.get("ports"))),
                        own == null ? overrideAll : (Boolean) own);
            }
            return null;
        });
        if (!(s.values().get("sniff") instanceof Map<?, ?> given) || given.isEmpty()) {
            // The form before 'sniff': names, and one port list for all of them.
            keys.read("sniffing", () -> {
                BitSet ports = keys.read("port-whitelist",
                        () -> ports(s, "port-whitelist", s.values().get("port-whitelist")));
                for (String name : s.strings("sniffing")) {
                    int i = protocol(s, "sniffing", name);
                    byName[i] = new SniffOptions.Protocol(portsOr(i, ports == null ? new BitSet() : ports),
                            overrideAll);
                }
                return null;
            });
        }
        NameList force = keys.read("force-domain", () -> names(s, "force-domain"));
        NameList skip = keys.read("skip-domain", () -> names(s, "skip-domain"));
        AddressList skipSource = keys.read("skip-src-address", () -> addresses(s, "skip-src-address"));
        AddressList skipDestination = keys.read("skip-dst-address", () -> addresses(s, "skip-dst-address"));
        keys.throwProblems();
        SniffOptions.Protocol tls = byName[PROTOCOLS.indexOf("TLS")];
        SniffOptions.Protocol http = byName[PROTOCOLS.indexOf("HTTP")];
        SniffOptions.Protocol quic = byName[PROTOCOLS.indexOf("QUIC")];
        if (tls == null && http == null && quic == null) {
            return null;
        }
        return new SniffOptions(tls, http, quic, pureIp, dnsMapping == null || dnsMapping, force, skip, skipSource,
                skipDestination);
    }

    private static int protocol(Section s, String key, String name) throws ConfigException {
        int i = PROTOCOLS.indexOf(name.toUpperCase(Locale.ROOT));
        if (i < 0) {
            throw new ConfigException(s.originOf(key), "sniffer: there is no sniffer '" + name + "' (TLS, HTTP and"
                    + " QUIC are)");
        }
        return i;
    }

    /** {@code ports}, or protocol {@code i}'s own port when it is empty. */
    private static BitSet portsOr(int i, BitSet ports) {
        if (!ports.isEmpty()) {
            return ports;
        }
        BitSet own = new BitSet(65536);
        own.set(OWN_PORTS.get(i));
        return own;
    }

    /** Ports and ranges as mihomo writes them: {@code [443, 8443]}, {@code ['80', '8080-8880']}. */
    private static BitSet ports(Section s, String key, Object value) throws ConfigException {
        BitSet ports = new BitSet(65536);
        List<?> items = value instanceof List<?> l ? l : value == null ? List.of() : List.of(value);
        for (Object item : items) {
            String text = String.valueOf(item).trim();
            try {
                int dash = text.indexOf('-');
                int from = Integer.parseInt(dash < 0 ? text : text.substring(0, dash).trim());
                int to = dash < 0 ? from : Integer.parseInt(text.substring(dash + 1).trim());
                if (from < 0 || to > 65535 || from > to) {
                    throw new NumberFormatException();
                }
                ports.set(from, to + 1);
            } catch (NumberFormatException e) {
                throw new ConfigException(s.originOf(key), "sniffer: '" + text + "' in " + key + " is not a port or"
                        + " a range such as 8080-8880");
            }
        }
        return ports;
    }

    /** {@code key}'s prefixes and {@code rule-set:}/{@code geoip:} entries (the rules' compiled sets answer those). */
    private static AddressList addresses(Section s, String key) throws ConfigException {
        try {
            return AddressList.of(s.strings(key));
        } catch (IllegalArgumentException e) {
            throw new ConfigException(s.originOf(key), "sniffer: " + key + " entry " + e.getMessage());
        }
    }

    /** {@code key}'s names and {@code geosite:}/{@code rule-set:} entries (the rules' compiled sets answer those). */
    private static NameList names(Section s, String key) throws ConfigException {
        try {
            return NameList.of(s.strings(key));
        } catch (IllegalArgumentException e) {
            throw new ConfigException(s.originOf(key), "sniffer: " + key + " " + e.getMessage());
        }
    }
}
