package dev.turnout.host.config;

import dev.turnout.host.dial.TcpKeepAlive;
import dev.turnout.host.inbound.Authentication;
import dev.turnout.rules.Origin;
import dev.turnout.rules.RuleLine;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A whole Clash-style config, parsed and checked for shape. Plain data: what it means is decided by the
 * parts that use it.
 *
 * @param file the file it was read from, or {@code null} for the built-in default and a controller's payload
 * @param name how messages name it: the file's path, "(built-in default)" or "(controller payload)"
 * @param baseDir where relative paths (rule providers, caches) resolve
 * @param mixedPort 0 when no mixed port is wanted
 * @param bindAddress the address inbounds listen on: loopback unless {@code allow-lan: true}
 * @param bindAsWritten {@code bind-address} as written ({@code *} when absent), which {@code allow-lan: true} uses
 * @param hosts {@code hosts:} entries, name to addresses as written
 * @param tcpHalfCloseTimeout how long a TCP flow with one direction ended may sit with nothing moving
 * @param tcpConcurrent mihomo's {@code tcp-concurrent}: a name's addresses are all dialled at once
 * @param profile mihomo's {@code profile:}: whether selections and fake-IP mappings are kept across restarts
 * @param unifiedDelay mihomo's {@code unified-delay}: delay tests time a second request on the same connection
 * @param keepAlive mihomo's {@code keep-alive-idle}, {@code keep-alive-interval} and {@code disable-keep-alive}
 * @param ipv6 the top-level {@code ipv6} (mihomo's default: true): when false, names are looked up for IPv4
 *     addresses only, the DNS server answers no AAAA and the TUN has no IPv6 address
 * @param warnings unknown keys and the like: reported, never fatal
 * @param origins where the value of each top-level key was written, for the parts that check it later
 * @param findProcessMode mihomo's {@code find-process-mode}: {@code always}, {@code strict} (its default) or
 *     {@code off}
 * @param geo where GEOIP, GEOSITE and IP-ASN databases come from ({@code geodata-mode}, {@code geox-url}, ...)
 * @param subRules mihomo's {@code sub-rules:}: named rule lists that {@code SUB-RULE} lines walk
 * @param proxyProviders {@code proxy-providers:}, by name, in the order written
 * @param authentication {@code authentication} and {@code skip-auth-prefixes}: whom the proxy ports ask for a user
 * @param externalControllerUnix {@code external-controller-unix}: a Unix socket path for the controller (relative to
 *     the home folder), or {@code null}
 * @param externalUiName {@code external-ui-name}: the dashboard's folder within {@code external-ui}, or {@code null}
 * @param externalUiUrl {@code external-ui-url}: where a missing dashboard is downloaded from, or {@code null}
 * @param listeners mihomo's {@code listeners:} that Turnout opens
 * @param disabledRules the rules a dashboard switched off ({@code PATCH /rules/disable}), by index, each with its text:
 *     one is off while the rule at its index reads the same (a file edited meanwhile does not switch another off)
 */
public record Config(
        Path file,
        String name,
        Path baseDir,
        int mixedPort,
        int socksPort,
        int httpPort,
        boolean allowLan,
        String bindAddress,
        String bindAsWritten,
        String mode,
        String logLevel,
        List<ProxyEntry> proxies,
        List<GroupEntry> groups,
        List<RuleLine> rules,
        Map<String, ProviderEntry> providers,
        Map<String, List<String>> hosts,
        Section dns,
        Section tun,
        Section sniffer,
        String interfaceName,
        int routingMark,
        String externalController,
        String externalControllerUnix,
        String externalUi,
        String externalUiName,
        String externalUiUrl,
        String secret,
        ControllerCors externalControllerCors,
        ControllerTls externalControllerTls,
        String externalDohServer,
        Duration tcpHalfCloseTimeout,
        boolean tcpConcurrent,
        Profile profile,
        boolean unifiedDelay,
        TcpKeepAlive keepAlive,
        boolean ipv6,
        List<String> warnings,
        Map<String, Origin> origins,
        String findProcessMode,
        GeoOptions geo,
        Map<String, List<RuleLine>> subRules,
        Map<String, ProxyProviderEntry> proxyProviders,
        Authentication authentication,
        List<ListenerEntry> listeners,
        Map<Integer, String> disabledRules) {

    /** Where the value of a top-level key was written; the file alone when the key is absent. */
    public Origin originOf(String key) {
        return origins.getOrDefault(key, new Origin(displayName(), 0, 0));
    }

    /**
     * The proxy ports a run opens, each once, by the key that asks for it first ({@code mixed-port},
     * {@code socks-port}, {@code port}): each is a mixed SOCKS5 and HTTP listener.
     */
    public Map<String, Integer> listenPorts() {
        Map<String, Integer> ports = new LinkedHashMap<>();
        String[] keys = {"mixed-port", "socks-port", "port"};
        int[] values = {mixedPort, socksPort, httpPort};
        for (int k = 0; k < keys.length; k++) {
            if (values[k] > 0 && !ports.containsValue(values[k])) {
                ports.put(keys[k], values[k]);
            }
        }
        return ports;
    }

    /** Where proxy ports listen for {@code allow-lan} and {@code bind-address} as written: loopback unless allowed. */
    public static String listenAddress(boolean allowLan, String bindAsWritten) {
        return !allowLan ? "127.0.0.1" : ("*".equals(bindAsWritten) ? "0.0.0.0" : bindAsWritten);
    }

    /** The proxy ports and where they listen, as the log and {@code turnout check} say it. */
    public String listening() {
        StringBuilder line = new StringBuilder();
        listenPorts().forEach((key, port) -> line.append(line.isEmpty() ? "" : ", ").append(key).append(' ').append(port));
        if (line.isEmpty()) {
            return "no proxy port";
        }
        // 0.0.0.0 is what allow-lan makes of '*': Java's dual-stack socket then listens on IPv6 too, as Clash does.
        return line.append(" on ").append("0.0.0.0".equals(bindAddress) ? "every address (IPv4 and IPv6)" : bindAddress)
                .toString();
    }

    /**
     * This config with its proxy ports elsewhere and serving whom {@code authentication} says, as Clash's
     * {@code PATCH /configs} changes them (0: no such port).
     *
     * @param from where the new values come from, for messages about them; {@code null} keeps the config's origins
     */
    public Config listeningOn(int mixedPort, int socksPort, int httpPort, boolean allowLan, String bindAsWritten,
                              Authentication authentication, Origin from) {
        String bindAddress = listenAddress(allowLan, bindAsWritten);
        Map<String, Origin> origins = this.origins;
        if (from != null) {
            origins = new LinkedHashMap<>(this.origins);
            for (String key : List.of("mixed-port", "socks-port", "port", "allow-lan", "bind-address",
                    "skip-auth-prefixes", "lan-allowed-ips", "lan-disallowed-ips")) {
                origins.put(key, from);
            }
            origins = java.util.Collections.unmodifiableMap(origins);
        }
        return new Config(file, name, baseDir, mixedPort, socksPort, httpPort, allowLan, bindAddress, bindAsWritten,
                mode, logLevel, proxies, groups, rules, providers, hosts, dns, tun, sniffer, interfaceName,
                routingMark, externalController, externalControllerUnix, externalUi, externalUiName, externalUiUrl,
                secret, externalControllerCors, externalControllerTls, externalDohServer, tcpHalfCloseTimeout, tcpConcurrent, profile,
                unifiedDelay, keepAlive,
                ipv6, warnings, origins, findProcessMode, geo, subRules, proxyProviders, authentication,
                portListenersOn(allowLan ? bindAddress : null), disabledRules);
    }

    /**
     * {@code listeners} with those of {@code redir-port} and {@code tproxy-port} where the proxy ports listen
     * ({@code null}: loopback).
     */
    private List<ListenerEntry> portListenersOn(String address) {
        return listeners.stream().map(l -> !l.followsProxyPorts()
                || java.util.Objects.equals(l.listen(), address) ? l : l.movedTo(l.port(), address)).toList();
    }

    /** This config with {@code ipv6} as a dashboard's {@code PATCH /configs} sets it. */
    public Config withIpv6(boolean ipv6) {
        return ipv6 == this.ipv6 ? this : with(patchable().withIpv6(ipv6));
    }

    /** This config with {@code tun} in place of its {@code tun:} section (a dashboard's TUN switch, a refresh). */
    public Config withTun(Section tun) {
        return tun.equals(this.tun) ? this : with(patchable().withTun(tun));
    }

    /** This config with {@code dns} in place of its {@code dns:} section (metacubexd's DNS card). */
    public Config withDns(Section dns) {
        return dns.equals(this.dns) ? this : with(patchable().withDns(dns));
    }

    /**
     * The settings a dashboard's {@code PATCH /configs} may change while Turnout runs, beside the proxy ports
     * ({@link #listeningOn}): mihomo's {@code tun}, {@code ipv6}, {@code sniffing} (the {@code sniffer:} section's
     * {@code enable}), {@code interface-name}, {@code tcp-concurrent}, {@code unified-delay}, and the {@code dns:}
     * section's servers and mode, {@code redir-port} and {@code tproxy-port} (0: none); and the rules switched off
     * ({@code PATCH /rules/disable}).
     */
    public record Patchable(Section tun, boolean ipv6, Section sniffer, String interfaceName, boolean tcpConcurrent,
                            boolean unifiedDelay, Section dns, int redirPort, int tproxyPort,
                            Map<Integer, String> disabledRules) {

        public Patchable {
            disabledRules = Map.copyOf(disabledRules);
        }

        public Patchable withTun(Section next) {
            return new Patchable(next, ipv6, sniffer, interfaceName, tcpConcurrent, unifiedDelay, dns, redirPort,
                    tproxyPort, disabledRules);
        }

        public Patchable withDns(Section next) {
            return new Patchable(tun, ipv6, sniffer, interfaceName, tcpConcurrent, unifiedDelay, next, redirPort,
                    tproxyPort, disabledRules);
        }

        public Patchable withIpv6(boolean next) {
            return new Patchable(tun, next, sniffer, interfaceName, tcpConcurrent, unifiedDelay, dns, redirPort,
                    tproxyPort, disabledRules);
        }

        public Patchable withDisabledRules(Map<Integer, String> next) {
            return new Patchable(tun, ipv6, sniffer, interfaceName, tcpConcurrent, unifiedDelay, dns, redirPort,
                    tproxyPort, next);
        }
    }

    public Patchable patchable() {
        return new Patchable(tun, ipv6, sniffer, interfaceName, tcpConcurrent, unifiedDelay, dns, redirPort(),
                tproxyPort(), disabledRules);
    }

    /** The indexes of the rules switched off now: those of {@link #disabledRules} whose rule still reads the same. */
    public java.util.Set<Integer> disabledRuleIndexes() {
        java.util.Set<Integer> out = new java.util.TreeSet<>();
        disabledRules.forEach((i, text) -> {
            if (i >= 0 && i < rules.size() && rules.get(i).text().equals(text)) {
                out.add(i);
            }
        });
        return out;
    }

    /** mihomo's {@code redir-port}: the port of the listener it opens, 0 for none. */
    public int redirPort() {
        return portOf(listeners, ListenerEntry.DEFAULT_REDIR);
    }

    /** mihomo's {@code tproxy-port}: the port of the listener it opens, 0 for none. */
    public int tproxyPort() {
        return portOf(listeners, ListenerEntry.DEFAULT_TPROXY);
    }

    private static int portOf(List<ListenerEntry> listeners, String listener) {
        return listeners.stream().filter(l -> l.name().equals(listener)).mapToInt(ListenerEntry::port).findFirst()
                .orElse(0);
    }

    /**
     * {@code listeners} with the listener {@code name} of {@code type} on {@code port} (0: without it), where the
     * proxy ports listen when it is new.
     */
    private List<ListenerEntry> withPortListener(List<ListenerEntry> listeners, String name, String type, int port,
            Origin from) {
        if (portOf(listeners, name) == port) {
            return listeners;
        }
        List<ListenerEntry> out = new java.util.ArrayList<>();
        ListenerEntry written = null;
        for (ListenerEntry l : listeners) {
            if (l.name().equals(name)) {
                written = l;
            } else {
                out.add(l);
            }
        }
        if (port != 0) {
            out.add(0, written != null ? written.movedTo(port, written.listen())
                    : new ListenerEntry(name, type, port, allowLan ? bindAddress : null, null, null, null, from, from));
        }
        return List.copyOf(out);
    }

    /** This config with {@code p}'s settings in place of its own, in one copy of every other field. */
    public Config with(Patchable p) {
        if (p.equals(patchable())) {
            return this;
        }
        return new Config(file, name, baseDir, mixedPort, socksPort, httpPort, allowLan, bindAddress, bindAsWritten,
                mode, logLevel, proxies, groups, rules, providers, hosts, p.dns(), p.tun(), p.sniffer(),
                p.interfaceName(),
                routingMark, externalController, externalControllerUnix, externalUi, externalUiName, externalUiUrl,
                secret, externalControllerCors, externalControllerTls, externalDohServer, tcpHalfCloseTimeout, p.tcpConcurrent(), profile,
                p.unifiedDelay(),
                keepAlive, p.ipv6(), warnings, origins, findProcessMode, geo, subRules, proxyProviders, authentication,
                withPortListener(withPortListener(listeners, ListenerEntry.DEFAULT_REDIR, ListenerEntry.REDIR,
                        p.redirPort(), PATCHED), ListenerEntry.DEFAULT_TPROXY, ListenerEntry.TPROXY, p.tproxyPort(),
                        PATCHED), p.disabledRules());
    }

    /** Where a dashboard's change is said to be written. */
    private static final Origin PATCHED = new Origin("PATCH /configs", 0, 0);

    /** How the config is named in messages: its path, "(built-in default)" or "(controller payload)". */
    public String displayName() {
        return name;
    }
}
