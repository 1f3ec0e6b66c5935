package dev.turnout.host.controller;

import dev.turnout.host.config.Config;
import dev.turnout.host.config.Section;
import dev.turnout.host.config.TunStack;
import dev.turnout.host.dns.Cidr;
import dev.turnout.host.inbound.Authentication;
import dev.turnout.rules.Origin;
import io.netty.util.NetUtil;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * What Clash's {@code PATCH /configs} may change beside the mode and the log level, read from its body: the proxy
 * ports, where they listen (yacd's and metacubexd's port fields and Allow LAN switch) and which clients they serve
 * and ask for a password (mihomo's {@code lan-allowed-ips}, {@code lan-disallowed-ips}, {@code skip-auth-prefixes},
 * each a list replacing the running one), the TUN (its switch and options, as mihomo's {@code tun}), and mihomo's
 * {@code ipv6}, {@code interface-name}, {@code tcp-concurrent}, {@code sniffing} and {@code unified-delay}
 * (metacubexd's Core Config card), and the {@code dns:} section's mode and servers (its DNS card). Anything else a
 * dashboard asks to change is refused by name rather than answered 204 and ignored: a switch that silently does
 * nothing is worse than an error the dashboard shows.
 */
final class ConfigPatch {

    private static final List<String> PORTS = List.of("mixed-port", "socks-port", "port");
    private static final Set<String> APPLIED = Set.of("mode", "log-level", "allow-lan", "bind-address", "mixed-port",
            "socks-port", "port", "skip-auth-prefixes", "lan-allowed-ips", "lan-disallowed-ips", "external-ui-url", "ipv6",
            "tun", "interface-name", "tcp-concurrent", "sniffing", "unified-delay", "dns", "redir-port",
            "tproxy-port");
    /**
     * The {@code tun} keys a PATCH sets, as mihomo's does ({@code stack} is taken, but Turnout runs the system one); never
     * {@code state-file}, a path Turnout writes to.
     */
    private static final Set<String> TUN_APPLIED = Set.of("enable", "stack", "device", "mtu", "dns-hijack",
            "auto-route", "auto-detect-interface", "inet4-address", "inet6-address", "strict-route", "gso",
            "udp-timeout", "route-address", "inet4-route-address", "inet6-route-address", "route-exclude-address",
            "inet4-route-exclude-address", "inet6-route-exclude-address");

    /**
     * The {@code dns} keys a PATCH sets (metacubexd's DNS card sends the mode, the servers, the fake range and
     * {@code use-hosts}): those a reload applies without opening anything. Never {@code enable} or {@code listen}.
     */
    private static final Set<String> DNS_APPLIED = Set.of("enhanced-mode", "nameserver", "fallback", "fake-ip-range",
            "fake-ip-range6", "ipv6", "fake-ip-filter", "fake-ip-filter-mode", "default-nameserver",
            "nameserver-policy", "proxy-server-nameserver", "direct-nameserver", "direct-nameserver-follow-policy", "use-system-hosts",
            "respect-rules", "use-hosts");

    /** How messages name the values a dashboard sent. */
    private static final Origin FROM = new Origin("PATCH /configs", 0, 0);

    private ConfigPatch() {
    }

    /**
     * {@code running} with the ports, {@code allow-lan}, {@code bind-address} and client lists of {@code body};
     * {@code running} itself when they change nothing.
     *
     * @throws IllegalArgumentException saying which value is not one
     */
    static Config apply(Config running, Map<String, Object> body) {
        int[] ports = {running.mixedPort(), running.socksPort(), running.httpPort()};
        for (int k = 0; k < PORTS.size(); k++) {
            Object value = body.get(PORTS.get(k));
            if (value != null) {
                ports[k] = port(PORTS.get(k), value);
            }
        }
        boolean allowLan = running.allowLan();
        if (body.get("allow-lan") != null) {
            if (!(body.get("allow-lan") instanceof Boolean lan)) {
                throw new IllegalArgumentException("Body invalid: allow-lan must be true or false");
            }
            allowLan = lan;
        }
        String bind = running.bindAsWritten();
        if (body.get("bind-address") != null) {
            bind = String.valueOf(body.get("bind-address")).trim();
            // An address, never a name: a web request must not make Turnout look names up.
            if (!bind.equals("*") && !NetUtil.isValidIpV4Address(bind) && !NetUtil.isValidIpV6Address(bind)) {
                throw new IllegalArgumentException("Body invalid: bind-address must be * or an IP address");
            }
        }
        Authentication serving = running.authentication();
        Authentication auth = serving.withSkipPrefixes(prefixes(body, "skip-auth-prefixes", serving.skipPrefixes()))
                .withLan(prefixes(body, "lan-allowed-ips", serving.lanAllowed()),
                        prefixes(body, "lan-disallowed-ips", serving.lanDisallowed()));
        if (ports[0] == running.mixedPort() && ports[1] == running.socksPort() && ports[2] == running.httpPort()
                && allowLan == running.allowLan() && bind.equals(running.bindAsWritten()) && auth.equals(serving)) {
            return running;
        }
        return running.listeningOn(ports[0], ports[1], ports[2], allowLan, bind, auth, FROM);
    }

    /** The list of prefixes {@code body} gives for {@code key} ({@code 192.168.0.0/16}, a lone address is one host). */
    private static List<Cidr> prefixes(Map<String, Object> body, String key, List<Cidr> running) {
        Object value = body.get(key);
        if (value == null) {
            return running;
        }
        if (!(value instanceof List<?> items)) {
            throw new IllegalArgumentException("Body invalid: " + key + " must be a list of prefixes such as "
                    + "192.168.0.0/16");
        }
        List<Cidr> out = new ArrayList<>(items.size());
        for (Object item : items) {
            String text = item instanceof String t ? t.trim() : "";
            try {
                out.add(Cidr.parseHostOrRange(text));
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("Body invalid: " + key + ": " + Json.write(item)
                        + " is not a prefix such as 192.168.0.0/16", e);
            }
        }
        return out;
    }

    /**
     * Refuses, naming them, the keys of {@code body} Turnout does not change while running and whose value differs
     * from what {@code GET /configs} answers ({@code view}); a dashboard sending back what it read is fine.
     */
    static void refuseTheRest(Map<String, Object> body, Map<String, Object> view) {
        List<String> refused = new ArrayList<>();
        body.forEach((key, value) -> {
            if (!APPLIED.contains(key) && !same(value, view.get(key))) {
                refused.add(key);
            }
        });
        if (body.get("tun") instanceof Map<?, ?> tun && view.get("tun") instanceof Map<?, ?> running) {
            tun.forEach((key, value) -> {
                if (!TUN_APPLIED.contains(String.valueOf(key)) && !same(value, running.get(key))) {
                    refused.add("tun." + key);
                }
            });
        }
        if (body.get("dns") instanceof Map<?, ?> dns && view.get("dns") instanceof Map<?, ?> running) {
            dns.forEach((key, value) -> {
                if (!DNS_APPLIED.contains(String.valueOf(key)) && !same(value, running.get(key))) {
                    refused.add("dns." + key);
                }
            });
        }
        if (!refused.isEmpty()) {
            throw new IllegalArgumentException("Turnout changes mode, log-level, allow-lan, bind-address, mixed-port, "
                    + "socks-port, port, redir-port, tproxy-port, skip-auth-prefixes, lan-allowed-ips, "
                    + "lan-disallowed-ips, "
                    + "external-ui-url, ipv6, interface-name, tcp-concurrent, sniffing, unified-delay, tun and dns (but "
                    + "its enable and listen) while running, not "
                    + String.join(", ", refused) + ": edit the config and restart Turnout (POST /restart)");
        }
    }

    /**
     * Whether {@code changes} (of {@link #tun} or {@link #dns}) would change the section {@code GET /configs} shows
     * ({@code view}).
     */
    static boolean changesSection(Map<String, Object> changes, Object view) {
        Map<?, ?> shown = view instanceof Map<?, ?> m ? m : Map.of();
        return changes.entrySet().stream().anyMatch(e -> !same(e.getValue(), shown.get(e.getKey())));
    }

    /** Whether {@code asked} is what {@code answered} says; an object may name only some of its keys. */
    private static boolean same(Object asked, Object answered) {
        if (asked instanceof Number a && answered instanceof Number b) {
            return a.doubleValue() == b.doubleValue();
        }
        if (asked instanceof Map<?, ?> a && answered instanceof Map<?, ?> b) {
            return a.entrySet().stream().allMatch(e -> same(e.getValue(), b.get(e.getKey())));
        }
        return Objects.equals(asked, answered);
    }

    /**
     * The {@code external-ui-url} of {@code body} (zashboard sets its own release before {@code POST /upgrade/ui}),
     * or {@code null} when it names none.
     *
     * @throws IllegalArgumentException when it is not an http or https URL
     */
    static String uiUrl(Map<String, Object> body) {
        Object value = body.get("external-ui-url");
        if (value == null) {
            return null;
        }
        String url = value instanceof String s ? s.trim() : "";
        if (!url.regionMatches(true, 0, "https://", 0, 8) && !url.regionMatches(true, 0, "http://", 0, 7)) {
            throw new IllegalArgumentException("Body invalid: external-ui-url must be an http:// or https:// URL");
        }
        return url;
    }

    /** The {@code ipv6} of {@code body} (metacubexd's IPv6 switch), or {@code null} when it names none. */
    static Boolean ipv6(Map<String, Object> body) {
        return body.get("ipv6") == null ? null : flag(body, "ipv6", false);
    }

    /**
     * The {@code tun} keys of {@code body} (metacubexd's and zashboard's TUN switch, metacubexd's device field), or
     * {@code null} when it names none; their values are checked as the config's are when the TUN reads them.
     *
     * @throws IllegalArgumentException for a switch that is not true or false, or a stack mihomo does not know
     */
    static Map<String, Object> tun(Map<String, Object> body) {
        Object tun = body.get("tun");
        if (tun == null) {
            return null;
        }
        if (!(tun instanceof Map<?, ?> section)) {
            throw new IllegalArgumentException("Body invalid: tun must be an object such as {\"enable\": true}");
        }
        if (section.get("enable") != null && !(section.get("enable") instanceof Boolean)) {
            throw new IllegalArgumentException("Body invalid: tun.enable must be true or false");
        }
        stackNote(body); // refuses a stack mihomo refuses
        Map<String, Object> changes = new java.util.LinkedHashMap<>();
        section.forEach((key, value) -> {
            if (TUN_APPLIED.contains(String.valueOf(key)) && !"stack".equals(key)) {
                changes.put(String.valueOf(key), value);
            }
        });
        return changes.isEmpty() ? null : changes;
    }

    /**
     * What the log says of the {@code tun.stack} of {@code body}, as the start says it of the config's: gvisor and
     * mixed (mihomo's default and its hybrid, which dashboards list) run on the system stack; {@code null} for system
     * or none.
     *
     * @throws IllegalArgumentException for a stack mihomo refuses (constant/tun.go: gvisor, system or mixed, any case)
     */
    static String stackNote(Map<String, Object> body) {
        if (!(body.get("tun") instanceof Map<?, ?> section) || section.get("stack") == null) {
            return null;
        }
        String stack = String.valueOf(section.get("stack"));
        TunStack known = TunStack.of(stack);
        if (known == null) {
            throw new IllegalArgumentException("Body invalid: tun.stack " + stack + ": " + TunStack.EXPECTED);
        }
        return known == TunStack.SYSTEM ? null
                : "tun.stack " + stack + " set by the controller: " + TunStack.RUNS_AS_SYSTEM;
    }

    /**
     * The {@code dns} keys of {@code body} (metacubexd's DNS card), or {@code null} when it names none; an empty
     * {@code fake-ip-range} is the default one. Their values are checked as a reload checks the file's.
     *
     * @throws IllegalArgumentException for an empty {@code nameserver} (mihomo refuses a DNS without one)
     */
    static Map<String, Object> dns(Map<String, Object> body) {
        Object dns = body.get("dns");
        if (dns == null) {
            return null;
        }
        if (!(dns instanceof Map<?, ?> section)) {
            throw new IllegalArgumentException("Body invalid: dns must be an object such as {\"enhanced-mode\": "
                    + "\"fake-ip\"}");
        }
        if (section.get("nameserver") instanceof List<?> servers && servers.isEmpty()) {
            throw new IllegalArgumentException("dns.nameserver: the DNS needs at least one nameserver, as mihomo's "
                    + "does");
        }
        Map<String, Object> changes = new java.util.LinkedHashMap<>();
        section.forEach((key, value) -> {
            String k = String.valueOf(key);
            if (DNS_APPLIED.contains(k)) {
                boolean unwritten = k.startsWith("fake-ip-range") && "".equals(value);
                changes.put(k, unwritten ? null : value);
            }
        });
        return changes.isEmpty() ? null : changes;
    }

    /**
     * {@code running} with the {@code interface-name}, {@code tcp-concurrent}, {@code unified-delay},
     * {@code sniffing}, {@code redir-port} and {@code tproxy-port} of {@code body}; {@code running} itself when it
     * names none of them.
     *
     * @throws IllegalArgumentException saying which value is not one
     */
    static Config.Patchable general(Config.Patchable running, Map<String, Object> body) {
        String interfaceName = running.interfaceName();
        if (body.get("interface-name") != null) {
            if (!(body.get("interface-name") instanceof String name) || name.length() > 15 || name.contains("/")) {
                throw new IllegalArgumentException("Body invalid: interface-name must be an interface's name, \"\" "
                        + "for none");
            }
            interfaceName = name.isBlank() ? null : name.trim();
        }
        boolean tcpConcurrent = flag(body, "tcp-concurrent", running.tcpConcurrent());
        boolean unifiedDelay = flag(body, "unified-delay", running.unifiedDelay());
        Section sniffer = running.sniffer();
        Boolean sniffing = body.get("sniffing") == null ? null : flag(body, "sniffing", false);
        // A config with no sniffer to switch on has nothing to sniff with: mihomo's SetSniffing changes nothing then,
        // and /configs went on saying "on" while nothing was sniffed.
        boolean sniffs = sniffer.values().get("sniff") != null || sniffer.values().get("sniffing") != null;
        if (sniffing != null && sniffing != Boolean.TRUE.equals(sniffer.values().get("enable")) && (sniffs || !sniffing)) {
            sniffer = sniffer.with("enable", sniffing, FROM);
        }
        int redirPort = body.get("redir-port") == null ? running.redirPort()
                : port("redir-port", body.get("redir-port"));
        int tproxyPort = body.get("tproxy-port") == null ? running.tproxyPort()
                : port("tproxy-port", body.get("tproxy-port"));
        return new Config.Patchable(running.tun(), running.ipv6(), sniffer, interfaceName, tcpConcurrent,
                unifiedDelay, running.dns(), redirPort, tproxyPort, running.disabledRules());
    }

    private static boolean flag(Map<String, Object> body, String key, boolean fallback) {
        Object value = body.get(key);
        if (value == null) {
            return fallback;
        }
        if (!(value instanceof Boolean on)) {
            throw new IllegalArgumentException("Body invalid: " + key + " must be true or false");
        }
        return on;
    }

    private static int port(String key, Object value) {
        if (value instanceof Number n && n.doubleValue() == Math.rint(n.doubleValue())
                && n.doubleValue() >= 0 && n.doubleValue() <= 65535) {
            return n.intValue();
        }
        throw new IllegalArgumentException("Body invalid: " + key + " must be a port number, 0 for none");
    }
}
