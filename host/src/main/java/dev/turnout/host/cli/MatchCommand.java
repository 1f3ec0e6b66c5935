package dev.turnout.host.cli;

import dev.turnout.api.Destination;
import dev.turnout.host.config.Config;
import dev.turnout.host.config.ConfigException;
import dev.turnout.host.dial.SocketBinder;
import dev.turnout.host.dial.Transport;
import dev.turnout.host.dns.DnsOptions;
import dev.turnout.host.dns.DnsService;
import dev.turnout.host.dns.SystemHosts;
import dev.turnout.host.dns.UpstreamResolver;
import dev.turnout.host.geo.HomeGeoData;
import dev.turnout.host.outbound.OutboundFactory;
import dev.turnout.host.outbound.Selections;
import dev.turnout.host.route.ProviderLoader;
import dev.turnout.host.route.RuleHosts;
import dev.turnout.host.runtime.DnsSettings;
import dev.turnout.host.runtime.Settings;
import dev.turnout.rules.Decision;
import dev.turnout.rules.Explanation;
import dev.turnout.rules.NameResolver;
import dev.turnout.rules.Network;
import dev.turnout.rules.Query;
import dev.turnout.rules.RuleException;
import dev.turnout.rules.RuleSet;
import io.netty.channel.EventLoopGroup;
import java.io.BufferedReader;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStreamWriter;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code turnout match}: "where would this go?". Reads {@code HOST-OR-IP [PORT [tcp|udp]]} lines on stdin and
 * writes {@code INPUT<TAB>TARGET<TAB>RULE} for each, streaming.
 */
@Command(name = "match", mixinStandardHelpOptions = true, versionProvider = Version.class,
        description = "Read 'HOST-OR-IP [PORT [tcp|udp]]' lines on stdin; print INPUT<TAB>TARGET<TAB>RULE for each."
                + " As run would: missing rule providers and geo databases are downloaded, and a name an IP rule"
                + " needs is looked up through the config's nameservers ('check' downloads nothing).")
final class MatchCommand implements Callable<Integer> {

    @Mixin
    ConfigOptions config;

    @Mixin
    PluginOptions plugins;

    @Option(names = "--explain", description = "After each answer, the rules tried up to the deciding one, each with"
            + " why it did not match (indented lines).")
    boolean explain;

    @Override
    public Integer call() throws IOException {
        try (UdpCarriage udp = new UdpCarriage()) {
            return call(udp);
        }
    }

    private int call(UdpCarriage udp) throws IOException {
        Config c;
        RuleSet rules;
        Explanation explanation = null;
        try {
            c = config.load();
            ProviderLoader.Loaded providers = ProviderLoader.load(c, true);
            providers.notes().forEach(n -> System.err.println("turnout: " + n));
            udp.load(c, plugins);
            rules = RuleSet.compile(c.rules(), providers.sources(), OutboundFactory.targetNames(c), c.subRules(), new HomeGeoData(
                    c.geo(), c.baseDir(), true, n -> System.err.println("turnout: " + n), p -> System.err.println("turnout: " + p)),
                    Set.of(), udp.skippable(OutboundFactory.passingNames(c)));
            if (explain) {
                explanation = rules.explanation(providers.sources());
            }
        } catch (ConfigException | RuleException e) {
            System.err.println("turnout: " + e.getMessage());
            return 2;
        }
        // Clash's order: a name in hosts: (then in the system's hosts file, unless dns.use-system-hosts: false) has
        // its address before the first rule, so it is never looked up.
        RuleHosts hosts;
        try {
            // Read as run and check read them (hosts:, the DNS, the TUN, the controller), so that match refuses what
            // they refuse, at the same place, and never answers for a config that cannot run.
            Settings settings = Settings.of(c);
            DnsOptions dns = settings.dns();
            java.nio.file.Path system = (dns != null ? dns : DnsOptions.defaults()).systemHosts();
            hosts = RuleHosts.of(settings.hosts(), system == null ? null : new SystemHosts(system));
        } catch (ConfigException e) {
            System.err.println("turnout: " + e.getMessage());
            return 2;
        }
        NameLookups lookups;
        try {
            lookups = NameLookups.asRunWould(c);
        } catch (ConfigException e) {
            System.err.println("turnout: " + e.getMessage());
            return 2;
        }
        Decision byMode = byMode(c.mode());
        if (byMode != null) {
            System.err.println("turnout: mode: " + c.mode() + ": every flow goes to " + byMode.target()
                    + " without the rules, as run sends it (mihomo's tunnel does the same)");
        }
        try (lookups) {
            return answer(rules, hosts, lookups.resolver(), explanation, startingMembersLeadTo(c, "PASS", "PASS-RULE"),
                    startingMembersLeadTo(c, "PASS-RULE"), byMode, udp);
        }
    }

    /**
     * Which targets carry UDP, as run's router asks before taking a rule for a UDP flow (mihomo's tunnel.match skips a
     * rule whose adapter has no UDP): the outbounds built as check builds them, with the plugins. Before, match
     * answered such a rule for a UDP query while run sent the flow on to the next one (readme tester F8).
     */
    private static final class UdpCarriage implements AutoCloseable {

        private dev.turnout.host.plugin.PluginHost host;
        private dev.turnout.host.outbound.Outbounds outbounds;

        /** Why UDP lines are answered without the skip, said at the first one; null once the outbounds are built. */
        private String without;

        void load(Config c, PluginOptions plugins) {
            if (!java.nio.file.Files.isDirectory(plugins.folder())) {
                without = "no plugins folder at " + plugins.folder();
                return; // a TCP-only use needs none: said at the first UDP line only
            }
            try {
                host = dev.turnout.host.plugin.PluginHost.load(plugins.folder(), false);
                outbounds = dev.turnout.host.runtime.ConfigCheck.offline(c, host).compiled().routing().outbounds();
            } catch (ConfigException | RuntimeException e) {
                without = e.getMessage();
            }
        }

        /** The targets a rule may be passed over for: {@code passing}, and those that may not carry UDP. */
        Set<String> skippable(Set<String> passing) {
            if (outbounds == null) {
                return passing;
            }
            Set<String> all = new java.util.HashSet<>(passing);
            all.addAll(outbounds.skippable());
            return all;
        }

        /** {@code passes}, and for a UDP query a target that would not carry it too. */
        Predicate<String> passes(Query q, Predicate<String> passes) {
            if (outbounds == null || q.network() != Network.UDP) {
                if (without != null && q.network() == Network.UDP) {
                    System.err.println("turnout: UDP answers do not skip rules whose target carries no UDP, as run "
                            + "does: the outbounds cannot be built (" + without + ")");
                    without = null;
                }
                return passes;
            }
            dev.turnout.api.Destination to = q.domain() != null ? dev.turnout.api.Destination.ofHost(q.domain(),
                    q.destinationPort()) : dev.turnout.api.Destination.ofAddress(q.destination(), q.destinationPort());
            dev.turnout.api.Metadata flow = dev.turnout.api.Metadata.internal(dev.turnout.api.Network.UDP, to);
            return target -> passes.test(target) || !outbounds.carriesUdp(target, flow);
        }

        @Override
        public void close() {
            if (outbounds != null) {
                outbounds.close();
            }
            if (host != null) {
                host.close();
            }
        }
    }

    /**
     * The decision {@code mode} makes for every flow, or {@code null} under {@code rule}: as run's router and
     * mihomo's tunnel.resolveMetadata, {@code direct} sends everything DIRECT and {@code global} to GLOBAL (the
     * config's group of that name, or the one built of every outbound), and the rules are not consulted.
     */
    static Decision byMode(String mode) {
        return switch (mode) {
            case "direct" -> new Decision("DIRECT", "DIRECT", -1);
            case "global" -> new Decision("GLOBAL", "GLOBAL", -1);
            default -> null;
        };
    }

    /**
     * Whether a target leads to one of {@code ends} (PASS, PASS-RULE) with every group where a run on this config
     * starts it: match runs no group. A select group starts at the member kept for it ({@code profile.store-selected},
     * what a dashboard chose last), a url-test or fallback group at the member pinned for it, and otherwise at its
     * first member (until its first check).
     */
    private static Predicate<String> startingMembersLeadTo(Config c, String... ends) {
        Map<String, String> kept = c.profile().storeSelected()
                ? Selections.readOnly(c.baseDir().resolve(Selections.FILE_NAME)) : Map.of();
        Map<String, String> start = new HashMap<>();
        c.groups().stream().filter(g -> !g.members().isEmpty() && !g.type().equals("relay"))
                .forEach(g -> {
                    String choice = kept.get(g.name()); // "" for a url-test or fallback group a user unpinned
                    boolean held = choice != null && g.members().contains(choice) && !g.type().equals("load-balance");
                    start.put(g.name(), held ? choice : g.members().get(0));
                });
        return target -> {
            String t = target;
            for (int depth = 0; t != null && depth < 32; depth++) {
                if (java.util.Arrays.asList(ends).contains(t)) {
                    return true;
                }
                t = start.get(t);
            }
            return false;
        };
    }

    private int answer(RuleSet rules, RuleHosts hosts, NameResolver resolver, Explanation explanation,
                       Predicate<String> startPasses, Predicate<String> withinList, Decision byMode, UdpCarriage udp)
            throws IOException {
        BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
        BufferedWriter out = new BufferedWriter(new OutputStreamWriter(System.out, StandardCharsets.UTF_8), 1 << 16);
        String line;
        int bad = 0;
        while ((line = in.readLine()) != null) {
            Query q;
            try {
                q = parse(line);
            } catch (IllegalArgumentException e) {
                System.err.println("turnout: " + e.getMessage() + ": run refuses a flow to it");
                bad++;
                continue;
            }
            if (q == null) {
                if (!line.isBlank()) {
                    System.err.println("turnout: cannot read '" + line + "'; expected HOST-OR-IP [PORT [tcp|udp]]");
                    bad++;
                }
                continue;
            }
            // With --explain both walks must see the same answer: DNS may rotate addresses between two asks.
            NameResolver asked = explain ? remembering(resolver) : resolver;
            Query seen = hosts.apply(q);
            Predicate<String> passes = udp.passes(seen, startPasses);
            Decision d = byMode != null ? byMode : rules.decide(seen, asked, passes, withinList);
            out.write(line);
            out.write('\t');
            out.write(d.target());
            out.write('\t');
            out.write(d.rule());
            out.write('\n');
            if (explain && byMode != null) {
                out.write("  mode " + byMode.target().toLowerCase(Locale.ROOT) + ": every flow goes to "
                        + byMode.target() + "; the rules are not consulted\n");
            } else if (explain) {
                for (Explanation.Step step : explanation.walk(seen, asked, passes, withinList)) {
                    out.write("  ".repeat(step.depth() + 1));
                    if (step.rule() != null) {
                        out.write(step.origin() + "  " + step.rule() + "  ");
                    }
                    out.write(step.why());
                    out.write('\n');
                }
            }
        }
        out.flush();
        return bad == 0 ? 0 : 1;
    }

    /**
     * A line's query, or {@code null} when it is not {@code HOST-OR-IP [PORT [tcp|udp]]}.
     *
     * @throws IllegalArgumentException for a host no flow may go to, saying why
     */
    static Query parse(String line) {
        String[] parts = line.trim().split("\\s+");
        if (parts.length == 0 || parts[0].isEmpty() || parts.length > 3) {
            return null;
        }
        String host = parts[0];
        int port = 0;
        Network network = Network.TCP;
        try {
            if (parts.length >= 2) {
                port = Integer.parseInt(parts[1]);
                if (port < 0 || port > 65535) {
                    return null;
                }
            }
        } catch (NumberFormatException e) {
            return null;
        }
        if (parts.length == 3) {
            switch (parts[2].toLowerCase(Locale.ROOT)) {
                case "tcp" -> network = Network.TCP;
                case "udp" -> network = Network.UDP;
                default -> {
                    return null;
                }
            }
        }
        // As run reads a flow's destination: an address written as a name is the address, and a name no flow may go
        // to is refused (the exception says why).
        Destination to = Destination.ofHost(host, port);
        return to.hasAddress() ? new Query(network, null, to.address(), port, null, 0, null)
                : new Query(network, to.host(), null, port, null, 0, null);
    }

    /**
     * Names an IP rule must resolve are looked up as {@code run} looks them up: with the config's nameservers when its
     * DNS is on, else the system's resolver. The system's may be a running Turnout answering fake addresses, on
     * which GEOIP and IP-CIDR rules would decide otherwise than they do for the flow.
     */
    private static final class NameLookups implements AutoCloseable {
        private final EventLoopGroup group;
        private final DnsService dns;

        private NameLookups(EventLoopGroup group, DnsService dns) {
            this.group = group;
            this.dns = dns;
        }

        static NameLookups asRunWould(Config c) throws ConfigException, IOException {
            DnsOptions options = DnsSettings.from(c);
            if (options == null || options.nameserver().isEmpty()) {
                return new NameLookups(null, null);
            }
            EventLoopGroup group = Transport.newGroup(1, "turnout-match-dns");
            try {
                return new NameLookups(group, DnsService.start(options.lookupsOnly(), List.of(), null, group,
                        SocketBinder.NONE, UpstreamResolver.Settings.defaults()));
            } catch (IOException | RuntimeException e) {
                group.shutdownGracefully(0, 1, TimeUnit.SECONDS);
                throw e;
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                group.shutdownGracefully(0, 1, TimeUnit.SECONDS);
                throw new IOException("interrupted", e);
            }
        }

        NameResolver resolver() {
            return dns == null ? MatchCommand::system : dns.forRules(MatchCommand::system);
        }

        @Override
        public void close() {
            if (dns != null) {
                dns.close();
                group.shutdownGracefully(0, 1, TimeUnit.SECONDS);
            }
        }
    }

    private static List<InetAddress> system(String domain) {
        try {
            return List.of(InetAddress.getAllByName(domain));
        } catch (UnknownHostException e) {
            return List.of();
        }
    }

    private static NameResolver remembering(NameResolver resolver) {
        java.util.Map<String, List<InetAddress>> seen = new java.util.HashMap<>();
        return domain -> seen.computeIfAbsent(domain, resolver::resolve);
    }
}
