package dev.turnout.host.outbound;

import dev.turnout.api.Dialer;
import dev.turnout.api.OptionException;
import dev.turnout.api.Outbound;
import dev.turnout.api.OutboundContext;
import dev.turnout.api.OutboundOptions;
import dev.turnout.api.OutboundType;
import dev.turnout.api.Resolver;
import dev.turnout.api.UnsupportedOptionException;
import dev.turnout.host.config.Config;
import dev.turnout.host.config.ConfigException;
import dev.turnout.host.config.GroupEntry;
import dev.turnout.host.config.ProxyEntry;
import dev.turnout.host.dial.HostDialer;
import dev.turnout.host.dial.IpVersion;
import dev.turnout.host.dial.layer.TlsLayer;
import dev.turnout.host.dial.layer.WebSocketLayer;
import dev.turnout.host.provider.ProviderContent;
import dev.turnout.host.provider.ProxyProvider;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.BiConsumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Builds a config's outbounds through the plugins' {@link OutboundType}s, then its groups. DIRECT and
 * REJECT are built by the {@code direct} and {@code reject} plugins like any other outbound.
 */
public final class OutboundFactory {

    private static final Logger LOG = LoggerFactory.getLogger(OutboundFactory.class);

    /**
     * Outbounds every config has without listing them, each built by the plugin type of its name in lower case:
     * mihomo's, but for COMPATIBLE and PASS (the host's own: {@link PassOutbound}).
     */
    private static final List<String> BUILT_IN = List.of("DIRECT", "REJECT", "REJECT-DROP");

    private final Map<String, OutboundType> types;
    private final Dialer hostDialer;
    private final Resolver resolver;
    // Shared by every outbound the factory builds, so TLS contexts are built once per setting.
    private final TlsLayer tlsLayer = TlsLayer.fromEnvironment();
    private final WebSocketLayer webSocketLayer = new WebSocketLayer();
    /** Whose each type is ({@link #pluginOf}), looked up once: a subscription may have 60,000 nodes. */
    private final Map<OutboundType, String> pluginNames = new java.util.concurrent.ConcurrentHashMap<>();

    /** How the host's own dialer looks names up for DIRECT, and for the proxies' servers; null: as it does. */
    private final Resolver directNames;
    private final Resolver proxyServerNames;

    public OutboundFactory(Map<String, OutboundType> types, Dialer hostDialer, Resolver resolver) {
        this(types, hostDialer, resolver, null, null);
    }

    /**
     * @param directNames      {@code direct-nameserver}: what DIRECT's connections look names up through
     * @param proxyServerNames {@code proxy-server-nameserver}: what connections to proxy servers look names up through
     */
    public OutboundFactory(Map<String, OutboundType> types, Dialer hostDialer, Resolver resolver, Resolver directNames,
            Resolver proxyServerNames) {
        this.types = types;
        this.hostDialer = hostDialer;
        this.resolver = resolver;
        this.directNames = directNames;
        this.proxyServerNames = proxyServerNames;
    }

    /**
     * {@code dialer} for an outbound of {@code type}: the host's own sockets look names up through
     * {@code direct-nameserver} for DIRECT and {@code proxy-server-nameserver} for the rest (their servers); a chain
     * over another outbound ({@code dialer-proxy}) leaves names to it.
     */
    private Dialer forType(Dialer dialer, String type) {
        if (!(dialer instanceof HostDialer host)) {
            return dialer;
        }
        return host.resolvingWith(type.equals("direct") ? directNames
                : type.startsWith("reject") ? null : proxyServerNames);
    }

    /** Builds every outbound and group, with no proxy provider nodes (see {@link #build(Config, Map)}). */
    public Outbounds build(Config config) throws ConfigException {
        return build(config, Map.of());
    }

    /**
     * Builds every outbound and group; when any fails, each failure is reported and nothing stays open. A
     * {@code proxies:} entry that asks for what Turnout does not implement (a type of mihomo's no plugin provides,
     * an option its plugin throws {@link UnsupportedOptionException} for, a {@code dialer-proxy} so left out) is
     * left out with a warning and stood in for by a {@link LeftOutProxy}. The providers' nodes are built by the same
     * plugins after the {@code proxies:}; a node that cannot be built (a type no plugin provides, options its plugin
     * refuses, a name taken) is left out and counted in one warning per provider, never fatal.
     */
    public Outbounds build(Config config, Map<String, ProviderContent> providers) throws ConfigException {
        // On a thread of its own, so that a plugin's create that never returns costs this build, not the reload's
        // thread (and with it every later reload and PUT /configs), the start or turnout check.
        return CreateBound.run(() -> {
            Map<String, Outbound> built = new LinkedHashMap<>();
            try {
                return build(config, providers, built);
            } catch (RuntimeException | Error e) {
                new Outbounds(built).close(); // given up, or a bug of the host's: nothing built stays open
                throw e;
            }
        });
    }

    private Outbounds build(Config config, Map<String, ProviderContent> providers, Map<String, Outbound> built)
            throws ConfigException {
        List<String> warnings = new ArrayList<>();
        EntryWarnings said = new EntryWarnings();
        for (String name : BUILT_IN) {
            built.put(name, builtIn(name, name.toLowerCase(Locale.ROOT), config));
        }
        built.put(PassOutbound.NAME, new PassOutbound(built.get("REJECT")));
        built.put(PassOutbound.RULE_NAME, new PassOutbound(built.get("REJECT"), PassOutbound.RULE_NAME));
        List<ConfigException> errors = new ArrayList<>();
        // A proxy that failed still counts as a name, so that its one error is not repeated by whatever names it.
        Set<String> failed = new HashSet<>();
        Map<String, LeftOutProxy> leftOut = new LinkedHashMap<>();
        Map<String, ProxyEntry> pending = new LinkedHashMap<>();
        for (ProxyEntry p : config.proxies()) {
            pending.put(p.name(), p);
        }
        Set<String> groupNames = new HashSet<>();
        config.groups().forEach(g -> groupNames.add(g.name()));
        groupNames.add(GroupMembers.GLOBAL);
        // dialer-proxy chains: build an outbound only after the one it dials through.
        while (!pending.isEmpty()) {
            boolean progress = false;
            for (ProxyEntry p : new ArrayList<>(pending.values())) {
                try {
                    String via = dialerProxy(p);
                    if (via != null && !built.containsKey(via)) {
                        if (pending.containsKey(via)) {
                            continue;
                        }
                        if (leftOut.containsKey(via)) {
                            leaveOut(p, p.originOf("dialer-proxy"), "its dialer-proxy '" + via + "' was left out",
                                    leftOut, warnings);
                        } else if (!failed.contains(via)) {
                            throw new ConfigException(p.originOf("dialer-proxy"), "'dialer-proxy' names '" + via
                                    + "', which is not an outbound" + (groupNames.contains(via) ? " (groups cannot be dialers)" : ""));
                        } else {
                            failed.add(p.name());
                        }
                    } else if (!types.containsKey(p.type()) && AdapterTypes.ELSEWHERE.contains(p.type())) {
                        leaveOut(p, p.originOf("type"), "type '" + p.type() + "' (mihomo's " + AdapterTypes.mihomoName(
                                p.type()) + ") is not implemented by Turnout", leftOut, warnings);
                    } else {
                        EntryWarnings.Entry saidOfIt = said.of(null, p);
                        Outbound o = createOrLeaveOut(p, via == null ? ownSockets(p, warnings) : built.get(via),
                                EntryFiles.written(config.baseDir()), saidOfIt, leftOut, warnings);
                        if (o != null) {
                            built.put(p.name(), o);
                            saidOfIt.built();
                        }
                        if (o != null && via != null && sockets(p).any()) {
                            warnings.add(p.originOf(p.options().has("interface-name") ? "interface-name" : "routing-mark")
                                    + ": 'interface-name' and 'routing-mark' of '" + p.name() + "' are not applied: it "
                                    + "connects through its dialer-proxy '" + via + "'");
                        }
                    }
                } catch (ConfigException e) {
                    errors.add(e);
                    failed.add(p.name());
                }
                pending.remove(p.name());
                progress = true;
            }
            if (!progress) {
                ProxyEntry first = pending.values().iterator().next();
                errors.add(new ConfigException(first.originOf("dialer-proxy"), "'dialer-proxy' chains form a loop: "
                        + String.join(" -> ", pending.keySet())));
                failed.addAll(pending.keySet());
                break;
            }
        }
        Map<String, ProxyProvider> running = new LinkedHashMap<>();
        Map<String, String> nodeTypes = new HashMap<>();
        for (ProviderContent pc : providers.values()) {
            ProxyProvider p = buildNodes(pc, config.baseDir(), built, failed, groupNames, leftOut.keySet(), said,
                    warnings);
            running.put(p.name(), p);
            // A set: the list's contains made a 60,000-node subscription cost 3.6 billion comparisons (half a minute).
            java.util.Set<String> kept = new java.util.HashSet<>(p.nodes());
            pc.nodes().stream().filter(n -> kept.contains(n.name())).forEach(n -> nodeTypes.put(n.name(), n.type()));
        }
        warnings.addAll(said.lines());
        GroupMembers.Resolved resolved = GroupMembers.resolve(config, running, nodeTypes, leftOut.keySet());
        warnings.addAll(0, resolved.warnings());
        // Groups look their members up lazily in the finished map, so groups may name groups.
        Map<String, Outbound> all = new LinkedHashMap<>(built);
        all.putAll(leftOut);
        Map<String, ProxyEntry> entries = new HashMap<>();
        config.proxies().forEach(p -> entries.putIfAbsent(p.name(), p));
        for (GroupEntry g : resolved.groups()) {
            for (String member : g.members()) {
                if (!built.containsKey(member) && !failed.contains(member) && !groupNames.contains(member)) {
                    errors.add(new ConfigException(g.origin(), "group '" + g.name() + "' names '" + member + "', "
                            + (member.equals("COMPATIBLE")
                            ? "mihomo's, which Turnout does not implement as a group member"
                            : "which is neither an outbound nor a group")));
                }
            }
            RelayChains chains = null;
            if (g.type().equals("relay")) {
                for (String member : g.members()) {
                    if (resolved.groups().stream().anyMatch(x -> x.name().equals(member) && x.type().equals("relay"))) {
                        errors.add(new ConfigException(g.origin(), "relay '" + g.name() + "' names relay '" + member
                                + "': a relay cannot be a hop of another"));
                    }
                }
                chains = new RelayChains((name, via) -> rebuild(name, entries.get(name), via, config));
            }
            all.put(g.name(), new ProxyGroup(g.name(), g.type(), g.members(), all, g.options(), chains));
        }
        try {
            checkGroupCycles(resolved.groups());
        } catch (ConfigException e) {
            errors.add(e);
        }
        if (!errors.isEmpty()) {
            new Outbounds(built).close();
            throw ConfigException.of(errors);
        }
        return new Outbounds(all, resolved.groups(), warnings, running, carriers(config, providers, resolved.groups()));
    }

    /**
     * The outbounds others connect through: every {@code dialer-proxy} and every relay's hops. A flow's record names
     * only where it went, so these are closed after a reload only when no earlier flow is open at all.
     */
    private static Set<String> carriers(Config config, Map<String, ProviderContent> providers, List<GroupEntry> groups) {
        Set<String> carriers = new HashSet<>();
        List<ProxyEntry> entries = new ArrayList<>(config.proxies());
        providers.values().forEach(pc -> entries.addAll(pc.nodes()));
        for (ProxyEntry e : entries) {
            try {
                String via = dialerProxy(e);
                if (via != null) {
                    carriers.add(via);
                }
            } catch (ConfigException refused) {
                // refused above
            }
        }
        groups.stream().filter(g -> g.type().equals("relay")).forEach(g -> carriers.addAll(g.members()));
        return carriers;
    }

    private static boolean taken(String name, Map<String, Outbound> built, Set<String> failed, Set<String> groupNames,
                                 Set<String> leftOut) {
        return built.containsKey(name) || failed.contains(name) || groupNames.contains(name) || leftOut.contains(name)
                || BUILT_IN.contains(name) || name.equals(PassOutbound.NAME) || name.equals(PassOutbound.RULE_NAME);
    }

    /** Builds one provider's nodes into {@code built}; what is left out is counted in one warning. */
    private ProxyProvider buildNodes(ProviderContent pc, Path home, Map<String, Outbound> built, Set<String> failed,
                                     Set<String> groupNames, Set<String> leftOut, EntryWarnings said,
                                     List<String> warnings) {
        // An inline provider's payload is the user's own writing; a download is not, nor what a file provider holds
        // (often a subscription saved by another tool).
        EntryFiles files = pc.entry().type().equals("inline") ? EntryFiles.written(home) : EntryFiles.subscribed(home);
        Map<String, Integer> skipped = new java.util.TreeMap<>(pc.skipped());
        List<String> names = new ArrayList<>();
        String firstRefusal = null;
        int renamed = 0;
        for (ProxyEntry node : pc.nodes()) {
            ProxyEntry n = node;
            if (taken(n.name(), built, failed, groupNames, leftOut)) {
                // Two subscriptions of one vendor often share node names: the later one's get their provider's name.
                String other = n.name() + " (" + pc.name() + ")";
                if (taken(other, built, failed, groupNames, leftOut)) {
                    skipped.merge("a name another proxy or group has", 1, Integer::sum);
                    continue;
                }
                n = new ProxyEntry(new OutboundOptions(other, n.type(), n.options().values()), n.origin(), n.keyOrigins());
                renamed++;
            }
            if (!types.containsKey(n.type())) {
                skipped.merge("type '" + n.type() + "', which no plugin provides", 1, Integer::sum);
                continue;
            }
            try {
                String via = dialerProxy(n);
                if (via != null && leftOut.contains(via)) {
                    skipped.merge("dialing through '" + via + "', which was left out", 1, Integer::sum);
                    continue;
                }
                Dialer dialer = via == null ? ownSockets(n, warnings) : built.get(via);
                if (via != null && dialer == null) {
                    throw new ConfigException(n.originOf("dialer-proxy"), "'dialer-proxy' names '" + via
                            + "', which is not an outbound");
                }
                EntryWarnings.Entry saidOfIt = said.of(pc.name(), n);
                built.put(n.name(), create(n, dialer, files, saidOfIt));
                saidOfIt.built();
                names.add(n.name());
            } catch (ConfigException e) {
                skipped.merge(e.getCause() instanceof UnsupportedOptionException ? "asking for what their plugin does"
                        + " not implement" : "refused by its plugin", 1, Integer::sum);
                firstRefusal = firstRefusal == null ? e.getMessage() : firstRefusal;
            }
        }
        if (!skipped.isEmpty() || renamed > 0) {
            int total = skipped.values().stream().mapToInt(Integer::intValue).sum();
            StringBuilder b = new StringBuilder();
            skipped.forEach((why, count) -> b.append(b.length() == 0 ? "" : "; ").append(count).append(" ").append(why));
            warnings.add(pc.entry().origin() + ": proxy provider '" + pc.name() + "': "
                    + (total == 0 ? "" : total + " node" + (total == 1 ? "" : "s") + " skipped (" + b + ")"
                            + (firstRefusal == null ? "" : "; first refusal: " + firstRefusal) + "; ")
                    + (renamed == 0 ? "" : renamed + " renamed 'NAME (" + pc.name() + ")', their names being taken; ")
                    + names.size() + " in use");
        }
        return new ProxyProvider(pc, List.copyOf(names), Map.copyOf(skipped));
    }

    /**
     * The names {@link #build} gives its outbounds and groups, known without building anything: what a rule
     * may target when no plugin is loaded ({@code turnout match}).
     */
    public static Set<String> targetNames(Config config) {
        Set<String> names = new LinkedHashSet<>(BUILT_IN);
        config.proxies().forEach(p -> names.add(p.name()));
        config.groups().forEach(g -> names.add(g.name()));
        names.add(GroupMembers.GLOBAL);
        return names;
    }

    /**
     * The groups that may lead a flow to PASS, known without building anything ({@code turnout match}, or the
     * rules checked when the outbounds failed): as {@link Outbounds#passing}, from the groups as written.
     */
    public static Set<String> passingNames(Config config) {
        return PassOutbound.passingGroups(config.groups());
    }

    /** A node's dialer-proxy, or {@code null}: an empty one is none, as mihomo's dialer reads it. */
    private static String dialerProxy(ProxyEntry p) throws ConfigException {
        try {
            String via = p.options().string("dialer-proxy", null);
            return via == null || via.isEmpty() ? null : via;
        } catch (OptionException e) {
            throw new ConfigException(p.originOf("dialer-proxy"), e.getMessage());
        }
    }

    private static ProxySockets sockets(ProxyEntry p) throws ConfigException {
        try {
            return new ProxySockets(p.options().string("interface-name", null), p.options().integer("routing-mark", 0));
        } catch (OptionException e) {
            throw new ConfigException(p.originOf(e.key()), e.getMessage());
        }
    }

    /**
     * {@code dialer} dialling only the addresses of the families the entry's {@code ip-version} asks for, in its
     * order, as mihomo's DialOptions: a proxy's server, or a direct-type entry's destinations. A value mihomo does not
     * know dials both, as there, with a warning; through a {@code dialer-proxy} the name is that proxy's to look up.
     */
    private static Dialer ipVersion(ProxyEntry p, Dialer dialer, BiConsumer<String, String> said)
            throws ConfigException {
        String written;
        try {
            written = p.options().string("ip-version", null);
        } catch (OptionException e) {
            throw new ConfigException(p.originOf("ip-version"), e.getMessage());
        }
        if (written == null || written.isBlank()) {
            return dialer;
        }
        IpVersion version = IpVersion.parse(written);
        if (version == null) {
            said.accept("ip-version", "'ip-version' '" + written + "' is none of " + IpVersion.choices()
                    + ": both families are dialled, as mihomo does");
            return dialer;
        }
        if (version == IpVersion.DUAL || p.type().startsWith("reject")) {
            return dialer;
        }
        if (!(dialer instanceof HostDialer host)) {
            said.accept("ip-version", p.options().has("dialer-proxy") ? "'ip-version' is not applied: it connects"
                    + " through its dialer-proxy, which looks the server's name up"
                    : "'ip-version' is not applied here (no host sockets)");
            return dialer;
        }
        return host.resolvingWith(version.over(host.resolver()));
    }

    /** The host's dialer, with the proxy's own interface-name and routing-mark when it has them. */
    private Dialer ownSockets(ProxyEntry p, List<String> warnings) throws ConfigException {
        ProxySockets own = sockets(p);
        if (!own.any()) {
            return hostDialer;
        }
        if (own.routingMark() != 0 && ProxySockets.markUnsupported() != null) {
            warnings.add(p.originOf("routing-mark") + ": 'routing-mark' of '" + p.name() + "' is not applied: "
                    + ProxySockets.markUnsupported());
            own = new ProxySockets(own.interfaceName(), 0);
        }
        if (!(hostDialer instanceof HostDialer host)) {
            warnings.add(p.originOf("interface-name") + ": 'interface-name' and 'routing-mark' of '" + p.name()
                    + "' are not applied here (no host sockets)");
            return hostDialer;
        }
        return own.any() ? host.with(own.binder()) : hostDialer;
    }

    /** A relay hop built anew over {@code via}: a proxy from its entry, or DIRECT/REJECT by their plugins. */
    private Outbound rebuild(String name, ProxyEntry entry, Dialer via, Config config) throws ConfigException {
        if (entry == null) {
            OutboundType t = types.get(name.toLowerCase(Locale.ROOT));
            if (t == null || !BUILT_IN.contains(name)) {
                throw new ConfigException(new dev.turnout.rules.Origin(config.displayName(), 0, 0),
                        "relay hop '" + name + "' is neither a proxy nor DIRECT/REJECT");
            }
            try {
                return GuardedOutbound.of(name, t.create(new OutboundOptions(name, name.toLowerCase(Locale.ROOT),
                        Map.of()), context(via, EntryFiles.written(config.baseDir()), logged(name))));
            } catch (OptionException e) {
                throw new IllegalStateException(e);
            }
        }
        return create(entry, via, EntryFiles.written(config.baseDir()), logged(name));
    }

    private Outbound builtIn(String name, String type, Config config) throws ConfigException {
        OutboundType t = types.get(type);
        if (t == null) {
            throw new ConfigException(new dev.turnout.rules.Origin(config.displayName(), 0, 0),
                    "no plugin provides the built-in outbound type '" + type + "' (available: " + available()
                            + "); is the plugins folder in place?");
        }
        try {
            TrackedDialer given = tracked(forType(hostDialer, type));
            return GuardedOutbound.of(name, t.create(new OutboundOptions(name, type, Map.of()),
                    context(given != null ? given : forType(hostDialer, type), EntryFiles.written(config.baseDir()),
                            logged(name))), given);
        } catch (OptionException e) {
            throw new IllegalStateException("plugin '" + type + "' refused its built-in outbound: " + e.getMessage(), e);
        }
    }

    /** {@code p} built, or {@code null} when its plugin does not implement what it asks for: then it is left out. */
    private Outbound createOrLeaveOut(ProxyEntry p, Dialer dialer, EntryFiles files, BiConsumer<String, String> said,
                                      Map<String, LeftOutProxy> leftOut, List<String> warnings) throws ConfigException {
        if (isPortZero(p.options().values().get("port"))) {
            // A template's placeholder node (server 0.0.0.0, port 00000): mihomo loads it and every dial fails.
            leaveOut(p, p.originOf("port"), "its 'port' is 0, a placeholder nothing can connect to", leftOut,
                    warnings);
            return null;
        }
        try {
            return create(p, dialer, files, said);
        } catch (ConfigException e) {
            if (!(e.getCause() instanceof UnsupportedOptionException unsupported)) {
                throw e;
            }
            leaveOut(p, e.origin(), unsupported.getMessage(), leftOut, warnings);
            return null;
        }
    }

    private static boolean isPortZero(Object port) {
        return port instanceof Number n ? n.longValue() == 0 && n.doubleValue() == 0
                : port instanceof String text && !text.isBlank() && text.trim().chars().allMatch(c -> c == '0');
    }

    private static void leaveOut(ProxyEntry p, dev.turnout.rules.Origin at, String reason,
                                 Map<String, LeftOutProxy> leftOut, List<String> warnings) {
        leftOut.put(p.name(), new LeftOutProxy(p.name(), p.type(), reason));
        warnings.add(at + ": '" + p.name() + "' is left out: " + reason + "; its groups go on without it, and flows"
                + " routed to it by name are refused");
    }

    private Outbound create(ProxyEntry p, Dialer dialer, EntryFiles files, BiConsumer<String, String> said)
            throws ConfigException {
        OutboundType t = types.get(p.type());
        if (t == null) {
            throw new ConfigException(p.originOf("type"), "unknown outbound type '" + p.type() + "' for '"
                    + p.name() + "'; available types: " + available());
        }
        try {
            // A copy of its own, so that what the plugin read is what it asked of this one (the host reads others).
            Map<String, Object> written = p.options().values();
            OutboundOptions handed = new OutboundOptions(p.name(), p.type(), written);
            Outbound built;
            // A plugin's create that never returns held the start or the reload (and every one after it): said
            // while it waits, and given up past the bound (CreateBound).
            String plugin = pluginNames.computeIfAbsent(t, OutboundFactory::pluginOf);
            CreateBound bound = CreateBound.starting(p.name(), p.type(), plugin, p.origin());
            // A relay's hop (no bound: built as a flow dials) is closed while its flows go on (RelayChains.trim):
            // what its dialer opened is left to them.
            Dialer own = ipVersion(p, forType(dialer, p.type()), said);
            TrackedDialer given = bound == null ? null : tracked(own);
            boolean done = false;
            try (SlowCreate watch = SlowCreate.watch(p.type(), p.name(), plugin, bound != null)) {
                built = GuardedOutbound.of(p.name(), t.create(handed, context(given != null ? given : own, files,
                        said)), given);
                done = true;
            } finally {
                if (!done && given != null) {
                    given.close(); // what a create that failed opened
                }
            }
            if (bound != null) {
                try {
                    bound.done();
                } catch (CreateBound.GivenUp e) {
                    built.close(); // too late: the build it was for has been refused
                    throw e;
                }
            }
            if (said instanceof EntryWarnings.Entry) {
                UnreadKeys.warn(handed, written, said); // not again for a relay's hop: the entry was told of already
            }
            return built;
        } catch (OptionException e) {
            // The cause says whether it is a mistake or a feature not implemented (see createOrLeaveOut).
            throw new ConfigException(p.originOf(e.key()), e.getMessage(), e);
        } catch (CreateBound.GivenUp e) {
            throw e;
        } catch (RuntimeException | LinkageError | StackOverflowError e) {
            // An error too: a class the plugin's jar lacks must not end Turnout, nor a reload's thread.
            throw new ConfigException(p.origin(), "plugin for type '" + p.type() + "' failed to build '" + p.name()
                    + "': " + (e instanceof GuardedOutbound.Refused ? e.getMessage() : e));
        }
    }

    /**
     * The jar (or folder) {@code type} was loaded from, to tell the user whose plugin it is; its class's name when
     * it was not loaded from a file of its own.
     */
    static String pluginOf(OutboundType type) {
        try {
            var source = type.getClass().getProtectionDomain().getCodeSource();
            if (source != null && source.getLocation() != null) {
                Path from = Path.of(source.getLocation().toURI());
                // PF4J's unpacked layout: the plugin's folder holds classes/
                Path named = from.getFileName() != null && from.getFileName().toString().equals("classes")
                        && from.getParent() != null ? from.getParent() : from;
                if (named.getFileName() != null) {
                    return named.getFileName().toString();
                }
            }
        } catch (RuntimeException | java.net.URISyntaxException e) {
            // not a file: named by its class below
        }
        return type.getClass().getName();
    }

    /** {@code dialer} remembering what it opens, for its outbound to close what is left ({@link TrackedDialer}). */
    private static TrackedDialer tracked(Dialer dialer) {
        return dialer == null ? null : new TrackedDialer(dialer);
    }

    /** In alphabetical order: the plugins' load order (their jar names) says nothing to the user. */
    private String available() {
        return types.isEmpty() ? "none" : String.join(", ", new TreeSet<>(types.keySet()));
    }

    /**
     * {@code files}: which files the entry's options may name, and where a relative one is read from; {@code said}:
     * where its plugin's warnings go.
     */
    private OutboundContext context(Dialer dialer, EntryFiles files, BiConsumer<String, String> said) {
        // The key's position says where, not which: a message that does not name its key is given it.
        BiConsumer<String, String> named = (key, message) -> said.accept(key,
                key == null || message.contains(key) || message.contains(key.replace('-', ' ')) ? message
                        : "'" + key + "': " + message);
        return new PluginContext(dialer, resolver, tlsLayer, webSocketLayer, Optional.of(files), named);
    }

    /** For an outbound built outside a whole config's build (a relay's hop, a built-in): its warnings are logged. */
    private static BiConsumer<String, String> logged(String name) {
        return (key, message) -> LOG.warn("'{}': {}", name, message);
    }

    private static void checkGroupCycles(List<GroupEntry> groups) throws ConfigException {
        Map<String, GroupEntry> byName = new HashMap<>();
        groups.forEach(g -> byName.put(g.name(), g));
        for (GroupEntry g : groups) {
            if (reaches(g.name(), g, byName, new HashSet<>())) {
                throw new ConfigException(g.origin(), "group '" + g.name() + "' contains itself through its members");
            }
        }
    }

    private static boolean reaches(String target, GroupEntry from, Map<String, GroupEntry> byName, Set<String> seen) {
        for (String m : from.members()) {
            if (m.equals(target)) {
                return true;
            }
            GroupEntry next = byName.get(m);
            if (next != null && seen.add(m) && reaches(target, next, byName, seen)) {
                return true;
            }
        }
        return false;
    }
}
