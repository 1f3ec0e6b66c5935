package dev.turnout.host.runtime;

import dev.turnout.host.config.Config;
import dev.turnout.host.dns.DnsOutboundType;
import dev.turnout.host.config.ConfigException;
import dev.turnout.host.dial.HostDialer;
import dev.turnout.host.dial.SocketBinder;
import dev.turnout.host.dial.SystemResolver;
import dev.turnout.host.files.Downloads;
import dev.turnout.host.outbound.OutboundFactory;
import dev.turnout.host.plugin.PluginHost;
import dev.turnout.host.route.RoutingCompiler;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The one validation of a loaded config, shared by {@code check}, {@code run} and reloads: its {@link Settings}
 * and its routing, both checked whatever the other gave, every problem in one {@link ConfigException}.
 */
public final class ConfigCheck {

    /** A config that passed: its settings and its compiled routing (whose outbounds the caller closes). */
    public record Checked(Settings settings, RoutingCompiler.Compiled compiled) {
    }

    private ConfigCheck() {
    }

    /** @param downloads what the providers' copies download first: a reload's missing ones, nothing after a refresh */
    public static Checked check(Config config, RoutingCompiler compiler, Downloads downloads) throws ConfigException {
        List<ConfigException> errors = new ArrayList<>();
        Settings settings = null;
        try {
            settings = Settings.of(config);
        } catch (ConfigException e) {
            errors.add(e);
        }
        RoutingCompiler.Compiled compiled = null;
        try {
            compiled = compiler.compile(config, downloads);
        } catch (ConfigException e) {
            errors.add(e);
        }
        if (settings != null && compiled != null) {
            try {
                List<String> notes = dnsOutbounds(config, settings, compiled.routing());
                if (!notes.isEmpty()) {
                    List<String> all = new ArrayList<>(compiled.notes());
                    all.addAll(notes);
                    compiled = new RoutingCompiler.Compiled(compiled.routing(), List.copyOf(all),
                            compiled.unreadableCopies());
                }
            } catch (ConfigException e) {
                errors.add(e);
            }
        }
        if (!errors.isEmpty()) {
            if (compiled != null) {
                compiled.routing().outbounds().close();
            }
            throw ConfigException.of(errors);
        }
        return new Checked(settings, compiled);
    }

    /**
     * Refuses a proxy-server-nameserver that goes through a proxy. A nameserver's {@code #NAME} that is neither an
     * outbound nor a group of {@code routing} is, as in mihomo, the network interface its queries leave through
     * ({@code 127.0.0.1#lo}, {@code 100.100.100.100#tailscale0}); one this machine does not have now is noted (a
     * VPN's comes and goes), and its queries fail until it is there.
     *
     * @return the notes
     */
    static List<String> dnsOutbounds(Config config, Settings settings, dev.turnout.host.route.Routing routing)
            throws ConfigException {
        if (settings.dns() == null) {
            return List.of();
        }
        for (var ns : settings.dns().outbound().proxyServer()) {
            if (ns.via() != null && !leadsDirectOnly(ns.via(), routing.outbounds())) {
                // The proxy would need its own server's name, which only these servers look up: a loop.
                throw new ConfigException(config.originOf("dns"), "dns: proxy-server-nameserver '" + ns + "' looks up "
                        + "the proxies' own server names, so its queries cannot go through a proxy");
            }
        }
        List<String> notes = new ArrayList<>();
        for (String name : settings.dns().outboundsNamed()) {
            if (!name.equals(dev.turnout.host.dns.Nameserver.RULES) && !routing.outbounds().names().contains(name)
                    && !hasInterface(name)) {
                notes.add(config.originOf("dns") + ": dns: a nameserver sends its queries through '" + name + "',"
                        + " which is neither an outbound, a group nor a network interface of this machine now: they"
                        + " fail until an interface of that name is there (as in mihomo, a name that is no outbound"
                        + " names an interface)");
            }
        }
        return List.copyOf(notes);
    }

    /**
     * Whether every way through {@code name} (a group's members, followed) ends at an outbound that connects from
     * this machine itself (DIRECT, or a direct-type entry such as mihomo's ip-version variants), or refuses: then
     * looking the proxies' names up through it needs no proxy (echs-top/proxy sends its proxy-server-nameserver
     * through a group of DIRECT and such entries).
     */
    private static boolean leadsDirectOnly(String name, dev.turnout.host.outbound.Outbounds outbounds) {
        Map<String, List<String>> members = new java.util.HashMap<>();
        outbounds.groups().forEach(g -> members.put(g.name(), g.members()));
        java.util.Deque<String> open = new java.util.ArrayDeque<>(List.of(name));
        java.util.Set<String> seen = new java.util.HashSet<>();
        while (!open.isEmpty()) {
            String next = open.pop();
            if (!seen.add(next)) {
                continue;
            }
            if (members.containsKey(next)) {
                open.addAll(members.get(next));
                continue;
            }
            dev.turnout.api.Outbound o = outbounds.get(next);
            if (o == null || !Set.of("direct", "reject", "reject-drop", "pass", "pass-rule").contains(o.type())) {
                return false;
            }
        }
        return true;
    }

    private static boolean hasInterface(String name) {
        try {
            return java.net.NetworkInterface.getByName(name) != null;
        } catch (java.net.SocketException | RuntimeException e) {
            return false;
        }
    }

    /**
     * {@code refused}, the loader's problems, together with those that checking what it could read finds (see
     * {@link ConfigException#partial()}), so that one run lists both. An entry the loader left out may cause some
     * of the later ones (a rule naming a group that had a problem).
     */
    public static ConfigException withLaterProblems(ConfigException refused, PluginHost plugins) {
        Config partial = refused.partial();
        if (partial == null) {
            return refused;
        }
        try {
            offline(partial, plugins).compiled().routing().outbounds().close();
            return refused;
        } catch (ConfigException later) {
            List<ConfigException> all = new ArrayList<>(refused.problems());
            for (ConfigException p : later.problems()) {
                if (all.stream().noneMatch(q -> q.getMessage().equals(p.getMessage()))) {
                    all.add(p);
                }
            }
            return ConfigException.of(all);
        } catch (RuntimeException e) {
            return refused; // the partial config was too broken to build: the loader's problems are what there is
        }
    }

    /**
     * Checks without starting or downloading anything, as {@code check} does: outbounds are built (plugins
     * validate their options) but never dial.
     */
    public static Checked offline(Config config, PluginHost plugins) throws ConfigException {
        try (SystemResolver resolver = new SystemResolver(Map.of())) {
            HostDialer dialer = new HostDialer(() -> SocketBinder.NONE, resolver, 1000);
            return check(config, new RoutingCompiler(new OutboundFactory(
                    DnsOutboundType.beside(plugins.outboundTypes(), null), dialer, resolver)), Downloads.NONE);
        }
    }
}
