package dev.turnout.host.controller;

import dev.turnout.host.config.Config;
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
 * What Clash's {@code PATCH /configs} may change beside the mode and the log level: the proxy ports, where they
 * listen (yacd's and metacubexd's port fields and Allow LAN switch) and which clients they serve and ask for a
 * password (mihomo's {@code lan-allowed-ips}, {@code lan-disallowed-ips}, {@code skip-auth-prefixes}, each a list
 * replacing the running one), and the TUN switch ({@code tun.enable}). Anything else a dashboard asks to change is
 * refused by name rather than answered 204 and ignored: a switch that silently does nothing is worse than an error
 * the dashboard shows.
 */
final class PatchedListeners {

    private static final List<String> PORTS = List.of("mixed-port", "socks-port", "port");
    private static final Set<String> APPLIED = Set.of("mode", "log-level", "allow-lan", "bind-address", "mixed-port",
            "socks-port", "port", "skip-auth-prefixes", "lan-allowed-ips", "lan-disallowed-ips", "external-ui-url", "ipv6",
            "tun");

    /** How messages name the values a dashboard sent. */
    private static final Origin FROM = new Origin("PATCH /configs", 0, 0);

    private PatchedListeners() {
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
                if (!"enable".equals(key) && !same(value, running.get(key))) {
                    refused.add("tun." + key);
                }
            });
        }
        if (!refused.isEmpty()) {
            throw new IllegalArgumentException("Turnout changes mode, log-level, allow-lan, bind-address, mixed-port, "
                    + "socks-port, port, skip-auth-prefixes, lan-allowed-ips, lan-disallowed-ips, external-ui-url, "
                    + "ipv6 and tun.enable while running, not " + String.join(", ", refused)
                    + ": edit the config and restart Turnout (POST /restart)");
        }
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
        Object value = body.get("ipv6");
        if (value == null) {
            return null;
        }
        if (!(value instanceof Boolean on)) {
            throw new IllegalArgumentException("Body invalid: ipv6 must be true or false");
        }
        return on;
    }

    /**
     * The {@code tun.enable} of {@code body} (the TUN switch of metacubexd and zashboard), or {@code null} when it
     * names none.
     */
    static Boolean tunEnable(Map<String, Object> body) {
        Object tun = body.get("tun");
        if (tun == null) {
            return null;
        }
        if (!(tun instanceof Map<?, ?> section)) {
            throw new IllegalArgumentException("Body invalid: tun must be an object such as {\"enable\": true}");
        }
        Object enable = section.get("enable");
        if (enable != null && !(enable instanceof Boolean)) {
            throw new IllegalArgumentException("Body invalid: tun.enable must be true or false");
        }
        return (Boolean) enable;
    }

    private static int port(String key, Object value) {
        if (value instanceof Number n && n.doubleValue() == Math.rint(n.doubleValue())
                && n.doubleValue() >= 0 && n.doubleValue() <= 65535) {
            return n.intValue();
        }
        throw new IllegalArgumentException("Body invalid: " + key + " must be a port number, 0 for none");
    }
}
