package dev.turnout.host.platform.linux;

import dev.turnout.host.dns.ResolvConf;
import dev.turnout.host.platform.RouteState;
import dev.turnout.host.platform.SystemCommand;
import dev.turnout.host.platform.SystemDnsCapture;
import java.io.IOException;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.function.Predicate;

/**
 * Makes a Linux desktop's DNS reach the TUN. Most desktops resolve through a home router on the local subnet
 * (which the split routes leave outside the TUN) or through systemd-resolved's stub on 127.0.0.53 talking to it;
 * either way applications would get real addresses and domain rules would never see a name.
 *
 * <ul>
 *   <li>With systemd-resolved running ({@code /run/systemd/resolve} exists and {@code resolvectl} is installed),
 *       the TUN link gets the TUN's peer address as its DNS server and the routing domain {@code ~.}, so resolved
 *       sends every query into the TUN ({@code resolvectl dns}/{@code domain}); undone with
 *       {@code resolvectl revert}, and resolved forgets it by itself when the device vanishes.</li>
 *   <li>Each {@code nameserver} of {@code /etc/resolv.conf} that the routes leave outside the TUN gets a host
 *       route into it, recorded like the split routes (it belongs to the device too, so it goes with it).
 *       Loopback resolvers (a stub) cannot be reached by a route; that is said in the log.</li>
 *   <li>Without systemd-resolved, resolv.conf changes with every network joined (DHCP: the next router's resolver
 *       on the next local subnet, which no host route made at start covers), and a loopback stub (a dnsmasq on
 *       127.0.0.53, say) forwards to upstreams Turnout cannot read. So when dns-hijack answers every address of an
 *       IP version, a policy rule sends UDP to port 53 into the TUN ({@code ip rule ... ipproto udp dport 53 lookup }{@value #STUB_TABLE},
 *       a table whose only route is the TUN), so what the stub forwards, and any resolver's queries, are answered
 *       there (the host routes still carry TCP to the resolvers listed at start). mihomo's auto-route
 *       (sing-tun) likewise keeps port 53 away from the local subnet's routes
 *       ({@code not dport 53 lookup main suppress_prefixlength 0}). A kernel older than 4.17 would drop the port
 *       match and send everything into the TUN, so the rule is read back and removed if the match is missing. The local table's rule comes first, so queries to the stub itself stay on loopback;
 *       Turnout's own DNS sockets are bound to the physical interface, which a route through the TUN does not
 *       match, so they fall through to the main table. The rule is recorded in {@link RouteState#dns()} and
 *       deleted on exit and by {@code turnout cleanup}; the table's route goes with the device.</li>
 * </ul>
 */
final class LinuxSystemDns {

    /** The record in {@link RouteState#dns()} for resolved's per-link settings: {@code resolved DEVICE}. */
    static final String RESOLVED = "resolved";
    /** The record in {@link RouteState#dns()} for a policy rule: {@code rule -4 ipproto udp dport 53 ...}. */
    static final String RULE = "rule";
    /** The routing table and rule priority of the stub capture: unlikely to be another program's (mihomo uses 2022). */
    static final int STUB_TABLE = 2053;
    static final int STUB_PRIORITY = 9053;

    private final SystemCommand.Runner commands;
    private final Path resolvConf;
    private final Path resolvedDir;
    private final String resolvectl;
    private final String ip;

    LinuxSystemDns(SystemCommand.Runner commands, Path resolvConf, Path resolvedDir, String resolvectl, String ip) {
        this.commands = commands;
        this.resolvConf = resolvConf;
        this.resolvedDir = resolvedDir;
        this.resolvectl = resolvectl;
        this.ip = ip;
    }

    /** This machine's: {@code /etc/resolv.conf}, {@code /run/systemd/resolve}, the installed programs. */
    static LinuxSystemDns system() {
        String resolvectl = SystemCommand.locate("resolvectl", "/usr/bin", "/bin", "/usr/sbin", "/sbin");
        return new LinuxSystemDns(SystemCommand.SYSTEM, Path.of("/etc/resolv.conf"), Path.of("/run/systemd/resolve"),
                resolvectl.startsWith("/") ? resolvectl : null,
                SystemCommand.locate("ip", "/usr/sbin", "/sbin", "/usr/bin", "/bin"));
    }

    /** Whether systemd-resolved runs here and can be told what to do. */
    boolean resolvedRunning() {
        return resolvectl != null && Files.isDirectory(resolvedDir);
    }

    /** {@link #capture(String, InetAddress, Predicate, boolean, RouteState)} with routes that take everything. */
    SystemDnsCapture capture(String device, InetAddress server, Predicate<InetAddress> captured, RouteState state)
            throws IOException {
        return capture(device, server, captured, true, state);
    }

    /**
     * @param routesEverything whether the TUN's routes take every address (no {@code route-address} or
     *     {@code route-exclude-address}): only then is UDP to port 53 of every address ruled into the TUN whatever
     *     resolv.conf says; otherwise only for a loopback stub, as an excluded resolver is the user's to keep
     */
    SystemDnsCapture capture(String device, InetAddress server, Predicate<InetAddress> captured,
                             boolean routesEverything, RouteState state) throws IOException {
        List<String> report = new ArrayList<>();
        if (resolvedRunning()) {
            state = state.withDns(RESOLVED + " " + device);
            state.save();
            String address = server.getHostAddress();
            SystemCommand.Result dns = commands.run(List.of(resolvectl, "dns", device, address));
            SystemCommand.Result domain = dns.ok() ? commands.run(List.of(resolvectl, "domain", device, "~.")) : dns;
            if (dns.ok() && domain.ok()) {
                report.add("systemd-resolved: " + device + " answers every domain (~.) with DNS server " + address);
            } else {
                report.add("systemd-resolved found, but resolvectl failed: " + domain.output());
            }
        }
        // Without resolved, resolv.conf changes with every network joined (DHCP), and a host route made now would
        // miss the next network's resolver: a rule for port 53 catches every resolver, now and later.
        List<String> listed = nameservers();
        List<String> portRuled = new ArrayList<>();
        if (!resolvedRunning()) {
            List<String> stubs = listed.stream().map(LinuxSystemDns::parseNameserver)
                    .filter(ns -> ns != null && (ns.isLoopbackAddress() || ns.isAnyLocalAddress()))
                    .map(LinuxSystemDns::family).toList();
            for (String family : List.of("-4", "-6")) {
                if (captured.test(InetAddress.getByAddress(new byte[family.equals("-4") ? 4 : 16]))
                        && (routesEverything || stubs.contains(family))) {
                    state = capturePort53(device, family, state, report);
                    if (state.dns().contains(RULE + " " + family + " " + stubRule())) {
                        portRuled.add(family);
                    }
                }
            }
        }
        for (String line : listed) {
            InetAddress ns = parseNameserver(line);
            if (ns == null) {
                report.add("resolv.conf nameserver '" + line + "' is not an address: left alone");
            } else if ((ns.isLoopbackAddress() || ns.isAnyLocalAddress()) && portRuled.contains(family(ns))) {
                report.add("resolv.conf nameserver " + ns.getHostAddress() + " is a local stub: what it forwards "
                        + "(UDP port 53) is routed into " + device + " by the policy rule");
            } else if (ns.isLoopbackAddress() || ns.isAnyLocalAddress()) {
                report.add("resolv.conf nameserver " + ns.getHostAddress() + " is on this machine, a route cannot capture it"
                        + (resolvedRunning() ? " (systemd-resolved was set instead)" : ": its upstream queries leave around the TUN"));
            } else if (ns.isLinkLocalAddress()) {
                report.add("resolv.conf nameserver " + ns.getHostAddress() + " is link-local: left alone");
            } else if (!captured.test(ns)) {
                report.add("resolv.conf nameserver " + ns.getHostAddress() + " is not answered by dns-hijack: left alone");
            } else if (throughDevice(ns, device)) {
                report.add("resolv.conf nameserver " + ns.getHostAddress() + " already goes through " + device);
            } else {
                String route = (ns instanceof Inet4Address ? "-4 " + ns.getHostAddress() + "/32" : "-6 " + ns.getHostAddress() + "/128")
                        + " dev " + device;
                state = state.withRoute(route);
                state.save();
                SystemCommand.Result r = LinuxPlatform.addRoute(route, args -> commands.run(command(args)));
                if (r.ok()) {
                    report.add("resolv.conf nameserver " + ns.getHostAddress() + " routed into " + device + " (host route)");
                } else {
                    state = state.withoutRoute(route);
                    state.save();
                    report.add("resolv.conf nameserver " + ns.getHostAddress() + ": ip route add failed: " + r.output());
                }
            }
        }
        return new SystemDnsCapture(state, report);
    }

    /**
     * The port-53 rule (see the class comment) for one IP version: the TUN-only table's route first, then the rule
     * that uses it, each recorded before it is made. A failure is reported, not thrown: the host routes below and
     * the TUN still capture the rest.
     *
     * @return the state with what was made recorded
     */
    private RouteState capturePort53(String device, String family, RouteState state, List<String> report)
            throws IOException {
        String route = family + " default dev " + device + " table " + STUB_TABLE;
        state = state.withRoute(route);
        state.save();
        SystemCommand.Result r = LinuxPlatform.addRoute(route, args -> commands.run(command(args)));
        if (!r.ok()) {
            state = state.withoutRoute(route);
            state.save();
            report.add("UDP to port 53: ip route add " + route + " failed: " + r.output());
            return state;
        }
        String rule = RULE + " " + family + " " + stubRule();
        state = state.withDns(rule);
        state.save();
        r = commands.run(ruleArgs("add", rule));
        // "File exists": a Turnout killed with -9 left it (harmless without the table's route, which went with that
        // device); it is this rule, recorded now and deleted on exit like a new one.
        if ((r.ok() || r.output().contains("File exists")) && !portMatchKept(family)) {
            commands.run(ruleArgs("del", rule));
            state = state.withoutDns(rule);
            state.save();
            report.add("this kernel does not keep a rule's port match (Linux 4.17+): UDP to port 53 of a resolver the "
                    + "routes leave outside (a local stub's upstream, a nameserver of a network joined later) goes "
                    + "around the TUN");
            return state;
        } else if (r.ok() || r.output().contains("File exists")) {
            report.add("UDP to port 53 of every " + (family.equals("-4") ? "IPv4" : "IPv6") + " address (what a local "
                    + "stub forwards, the nameservers of networks joined later) is routed into " + device
                    + " by policy rule (" + stubRule() + ")");
            return state;
        } else {
            state = state.withoutDns(rule);
            state.save();
            report.add("UDP to port 53: ip rule add failed: " + r.output());
            return state;
        }
    }

    private static String family(InetAddress address) {
        return address instanceof Inet4Address ? "-4" : "-6";
    }

    /** Whether the kernel kept the rule's port match ({@code ip rule show} prints it back). */
    private boolean portMatchKept(String family) throws IOException {
        SystemCommand.Result shown = commands.run(command(List.of(family, "rule", "show", "priority",
                Integer.toString(STUB_PRIORITY))));
        return shown.ok() && shown.output().contains("dport 53");
    }

    private static String stubRule() {
        return "ipproto udp dport 53 lookup " + STUB_TABLE + " priority " + STUB_PRIORITY;
    }

    /** {@code rule -4 ipproto ...} to {@code ip -4 rule <verb> ipproto ...}. */
    private List<String> ruleArgs(String verb, String rule) {
        String[] parts = rule.trim().split("\\s+");
        List<String> args = new ArrayList<>(List.of(parts[1], "rule", verb));
        args.addAll(Arrays.asList(parts).subList(2, parts.length));
        return command(args);
    }

    List<String> restore(RouteState state) throws IOException {
        List<String> done = new ArrayList<>();
        for (String change : state.dns()) {
            if (change.startsWith(RULE + " ")) {
                SystemCommand.Result r = commands.run(ruleArgs("del", change));
                if (r.ok()) {
                    done.add("deleted policy rule " + change.substring(RULE.length() + 1));
                } else if (r.output().contains("No such file or directory")) {
                    done.add("policy rule " + change.substring(RULE.length() + 1) + " already gone");
                } else {
                    throw new IOException("ip rule del " + change.substring(RULE.length() + 1) + " failed: " + r.output());
                }
                continue;
            }
            String[] parts = change.trim().split("\\s+");
            if (parts.length != 2 || !RESOLVED.equals(parts[0])) {
                throw new IOException("unknown DNS change recorded: " + change);
            }
            if (resolvectl == null) {
                done.add("no resolvectl: nothing to revert for " + parts[1]);
                continue;
            }
            SystemCommand.Result r = commands.run(List.of(resolvectl, "revert", parts[1]));
            if (r.ok()) {
                done.add("reverted systemd-resolved settings of " + parts[1]);
            } else if (linkGone(r.output())) {
                done.add("systemd-resolved settings of " + parts[1] + " already gone with the device");
            } else {
                throw new IOException("resolvectl revert " + parts[1] + " failed: " + r.output());
            }
        }
        return done;
    }

    /** resolvectl's complaints when the link it is asked about no longer exists. */
    static boolean linkGone(String output) {
        String o = output.toLowerCase(Locale.ROOT);
        return o.contains("failed to resolve interface") || o.contains("no such device") || o.contains("not found");
    }

    /** The {@code nameserver} values of resolv.conf, in order; none when it cannot be read. */
    List<String> nameservers() {
        try {
            return ResolvConf.nameservers(resolvConf);
        } catch (IOException e) {
            return List.of(); // no resolv.conf: nothing to capture this way
        }
    }

    /** A literal address (an IPv6 one may carry a {@code %scope}), or null. */
    static InetAddress parseNameserver(String value) {
        String v = value.contains("%") ? value.substring(0, value.indexOf('%')) : value;
        if (!v.matches("[0-9.]+|[0-9A-Fa-f:.]*:[0-9A-Fa-f:.]*")) {
            return null; // never let InetAddress look a name up
        }
        try {
            return InetAddress.getByName(v);
        } catch (UnknownHostException e) {
            return null;
        }
    }

    /** Whether the kernel already routes {@code address} through {@code device} ({@code ip route get}). */
    private boolean throughDevice(InetAddress address, String device) throws IOException {
        SystemCommand.Result r = commands.run(command(List.of(address instanceof Inet4Address ? "-4" : "-6", "route", "get",
                address.getHostAddress())));
        if (!r.ok()) {
            return false;
        }
        List<String> words = Arrays.asList(r.output().split("\\s+"));
        int dev = words.indexOf("dev");
        return dev >= 0 && dev + 1 < words.size() && words.get(dev + 1).equals(device);
    }

    private List<String> command(List<String> args) {
        List<String> cmd = new ArrayList<>(args.size() + 1);
        cmd.add(ip);
        cmd.addAll(args);
        return cmd;
    }
}
