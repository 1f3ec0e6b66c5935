package dev.turnout.host.runtime;

import dev.turnout.host.config.Config;
import dev.turnout.host.config.ConfigException;
import dev.turnout.host.config.Section;
import dev.turnout.host.dial.HostDialer;
import dev.turnout.host.dial.SocketBinder;
import dev.turnout.host.dial.Ipv6Gate;
import dev.turnout.host.dial.TcpKeepAlive;
import dev.turnout.host.dial.SystemResolver;
import dev.turnout.host.dial.Transport;
import dev.turnout.host.dns.Nameserver;
import dev.turnout.host.flow.FlowTable;
import dev.turnout.api.Destination;
import dev.turnout.api.Metadata;
import dev.turnout.api.Network;
import dev.turnout.api.Outbound;
import dev.turnout.api.Resolver;
import dev.turnout.host.files.DashboardStorage;
import dev.turnout.host.files.Downloads;
import dev.turnout.host.files.StateFolder;
import dev.turnout.host.dns.EnhancedMode;
import dev.turnout.host.dns.Cidr;
import dev.turnout.host.dns.DnsOptions;
import dev.turnout.host.dns.DnsService;
import dev.turnout.host.dns.FakeIpPool;
import dev.turnout.host.dns.DnsOutboundType;
import dev.turnout.host.dns.UpstreamResolver;
import dev.turnout.host.dns.Through;
import dev.turnout.host.platform.DescriptorShortage;
import dev.turnout.host.platform.IpPrefix;
import dev.turnout.host.platform.Platform;
import dev.turnout.host.tun.DnsHijack;
import dev.turnout.host.tunnel.Tunnel;
import dev.turnout.host.tun.TunInbound;
import dev.turnout.host.tun.TunOptions;
import java.io.IOException;
import dev.turnout.host.outbound.GroupSupervisor;
import dev.turnout.host.outbound.OutboundRetirement;
import dev.turnout.host.outbound.OutboundFactory;
import dev.turnout.host.outbound.ProxyGroup;
import dev.turnout.host.outbound.ProxySockets;
import dev.turnout.host.outbound.Selections;
import dev.turnout.host.plugin.PluginHost;
import dev.turnout.host.relay.FlowTimeouts;
import dev.turnout.host.route.ProcessLookup;
import dev.turnout.host.route.RuleHosts;
import dev.turnout.host.route.Router;
import dev.turnout.host.route.Routing;
import dev.turnout.host.route.RoutingCompiler;
import dev.turnout.host.sniff.SniffOptions;
import dev.turnout.host.sniff.Sniffer;
import dev.turnout.host.tunnel.DefaultTunnel;
import dev.turnout.rules.NameResolver;
import dev.turnout.rules.Origin;
import dev.turnout.rules.RuleLine;
import io.netty.channel.Channel;
import io.netty.channel.EventLoop;
import io.netty.channel.EventLoopGroup;
import io.netty.util.concurrent.Future;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.BooleanSupplier;
import java.util.function.UnaryOperator;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A running Turnout: plugins, outbounds, rules, the tunnel and its inbounds, assembled from a config. The one
 * place that knows how the parts fit; each part knows only its own job.
 */
public final class Turnout implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(Turnout.class);

    /** Where fake-IP mappings persist across restarts, beside the config. */
    static final String FAKE_IP_CACHE = "turnout-fakeip.cache";

    /** Flows beyond this are refused: memory stays bounded whatever the clients do. */
    public static final int MAX_FLOWS = 65_536;
    static final int IDLE_SECONDS = 600;
    private static final int RETIREMENT_CHECK_SECONDS = 5;
    static final int CONNECT_TIMEOUT_MILLIS = 10_000;

    private final PluginHost plugins;
    private final EventLoopGroup boss;
    private final EventLoopGroup workers;
    private final ExecutorService blocking;
    private final SystemResolver resolver;
    private final RoutingCompiler compiler;
    private final Router router;
    private final DefaultTunnel tunnel;
    private final GroupSupervisor groups;
    private final DashboardStorage dashboardStorage;
    /** Outbounds a reload replaced, closed once their flows have ended. */
    private final OutboundRetirement retirement;
    private final DnsService dns;
    /** The {@code dns:} options of the config last loaded ({@code null}: off), which the next reload is told from. */
    private volatile DnsOptions dnsOptions;
    /** {@code hosts:} as the rules see them (and the system's hosts file), replaced in place by a reload. */
    private final RuleHosts ruleHosts;
    /** The config's folder, where the fake-IP cache and the groups' choices persist if this instance holds it. */
    private final StateFolder state;
    private final DescriptorShortage shortage = new DescriptorShortage();
    private final AtomicReference<SocketBinder> binder = new AtomicReference<>(SocketBinder.NONE);
    /** How Turnout's own sockets are bound without a TUN: the top-level interface-name and routing-mark, keepalive. */
    private volatile SocketBinder withoutTun;
    /** The same beside a TUN, which binds them to its way out first (interface-name, else the detected one). */
    private volatile SocketBinder besideTun;
    /** The TUN's binding of Turnout's own sockets to its way out, while it is up. */
    private volatile SocketBinder tunBinding;
    private volatile String logLevel;
    /** mihomo's find-process-mode, which a reload may change. */
    private final ProcessLookup processes;
    /** The TUN while it is up (a dashboard or a reload may switch it on and off) and the options it opened with. */
    private TunInbound tunInbound; // guarded by this
    private TunOptions tunOptions; // guarded by this
    /** The TUN subnets the fake-IP pools were started around: a TUN opened later must not sit inside a pool. */
    private final List<Cidr> fakeIpsAvoid;
    private volatile InstanceClaims claims = InstanceClaims.NONE;
    private volatile Config config;
    /** The settings Turnout started with: a reload does not change them. */
    private final Settings settings;
    /** The TUN once it is up; {@code null} without one. */
    private volatile TunView tunView;
    /** mixed-port, socks-port and port, which a dashboard may move while Turnout runs. */
    private final ProxyPorts ports;
    /** Where a reload's controller keys go; {@code null} for nowhere. */
    private volatile ControllerHook controllerHook;
    /** The notes of the last load, so that a reload repeats none of them. */
    private volatile Set<String> lastNotes = Set.of();

    private Turnout(Config config, Settings settings, PluginHost plugins, StateFolder state)
            throws ConfigException, InterruptedException {
        this.config = config;
        this.logLevel = config.logLevel(); // applied by the command that started Turnout, before anything logged
        this.state = state;
        this.settings = settings;
        this.plugins = plugins;
        this.resolver = new SystemResolver(settings.hosts());
        dev.turnout.rules.DomainRegex.onFirstCut(pattern -> log.warn("DOMAIN-REGEX '{}' took too long on a name and"
                + " was taken as not matching it (a backtracking pattern is cut at a step limit; said once per"
                + " pattern until a reload): its flows went on to later rules", pattern));
        useOwnSockets(config);
        TcpKeepAlive keepAlive = config.keepAlive();
        this.boss = Transport.newGroup(1, "turnout-accept");
        this.workers = Transport.newGroup(Math.max(2, Runtime.getRuntime().availableProcessors()), "turnout-io");
        DnsService dnsService = null;
        // A refusal only where the folder was claimed: where this run keeps something (keepsState) and cannot.
        if (state.refusal() != null) {
            log.warn("{}: fake-IP mappings, group choices and dashboards' settings are kept in memory only, not across"
                    + " restarts: {} (a config in a folder of its own keeps them)", state.folder(), state.refusal());
        }
        // The subnets of the TUN the config would open, whether on now or switched on later by a dashboard.
        this.fakeIpsAvoid = excludedBy(settings.tun() != null ? settings.tun() : TunSettings.wouldBe(config));
        try {
            // Started switched off when dns.enable is: a reload may switch it on (Clash Verge does, with its TUN).
            DnsOptions dnsOptions = settings.dns() != null ? settings.dns() : DnsOptions.defaults();
            try {
                dnsService = DnsService.start(dnsOptions, fakeIpsAvoid,
                        config.profile().storeFakeIp() ? state.file(FAKE_IP_CACHE) : null, workers,
                        SocketBinder.current(binder::get),
                        UpstreamResolver.Settings.defaults(), false); // dns.listen opened by open(), once valid
            } catch (IOException e) {
                throw cannotListen(config.dns().originOf("listen"), "dns.listen", dnsOptions.listen(), e);
            }
            this.dns = dnsService;
            this.dnsOptions = settings.dns();
            // The top-level ipv6 of the moment (a dashboard may switch it): whether names lead to IPv6 addresses.
            BooleanSupplier ipv6 = () -> this.config.ipv6();
            Resolver names = Ipv6Gate.over(dnsService.names(resolver), ipv6);
            // mihomo's tcp-concurrent: every address of a name at once, not one more every 250 ms.
            HostDialer hostDialer = new HostDialer(binder::get, names, CONNECT_TIMEOUT_MILLIS,
                    () -> this.config.tcpConcurrent() ? 0 : HostDialer.ATTEMPT_DELAY_MILLIS);
            this.compiler = new RoutingCompiler(new OutboundFactory(
                    DnsOutboundType.beside(plugins.outboundTypes(), dnsService), hostDialer, names,
                    Ipv6Gate.over(dnsService.directNames(resolver), ipv6),
                    Ipv6Gate.over(dnsService.proxyServerNames(resolver), ipv6)));
            long compiling = System.nanoTime();
            RoutingCompiler.Compiled compiled = compiler.compile(config, Downloads.MISSING);
            List<String> dnsNotes;
            try {
                dnsNotes = ConfigCheck.dnsOutbounds(config, settings, compiled.routing());
            } catch (ConfigException e) {
                compiled.routing().outbounds().close();
                throw e;
            }
            log.info("routing: {} rules, {} outbounds and groups, compiled in {} ms", compiled.routing().rules().size(),
                    compiled.routing().outbounds().names().size(), millisSince(compiling));
            // As a reload's check has them (ConfigCheck.check): the routing's notes, then the nameservers'.
            List<String> notes = new ArrayList<>(compiled.notes());
            notes.addAll(dnsNotes);
            notes.forEach(n -> log.warn("{}", n));
            this.lastNotes = Set.copyOf(notes);
            this.groups = new GroupSupervisor(workers, Selections.at(
                    config.profile().storeSelected() ? state.file(Selections.FILE_NAME) : null));
            this.dashboardStorage = DashboardStorage.at(state.file(DashboardStorage.FILE_NAME));
            groups.useUnifiedDelay(config.unifiedDelay());
            groups.adopt(compiled.routing().outbounds());
            dnsService.useMatchers(compiled.routing().dnsMatchers());
            this.blocking = new ThreadPoolExecutor(1, 16, 30, TimeUnit.SECONDS, new LinkedBlockingQueue<>(4096), r -> {
                Thread t = new Thread(r, "turnout-decide");
                t.setDaemon(true);
                return t;
            });
            NameResolver forRules = dnsService.forRules(domain -> {
                try {
                    return List.of(resolver.lookup(domain));
                } catch (UnknownHostException e) {
                    return List.of();
                }
            });
            try {
                ruleHosts = RuleHosts.of(settings.hosts(), dnsService.systemHosts());
            } catch (IllegalArgumentException e) {
                throw new ConfigException(config.originOf("hosts"), "hosts: " + e.getMessage());
            }
            this.processes = new ProcessLookup(Platform.current().socketOwners(),
                    ProcessLookup.Mode.parse(config.findProcessMode()));
            this.router = new Router(compiled.routing(), forRules, ruleHosts, processes);
            // #PROXY after a nameserver: the outbound of the routing at the time of the query, as a flow's.
            dnsService.sendThrough(new Through() {
                @Override
                public Future<Channel> open(String name, InetSocketAddress server, EventLoop loop) {
                    return nameserverStream(name, server, loop);
                }

                @Override
                public SocketBinder leavingThrough(String name) {
                    return nameserverInterface(name);
                }
            });
            this.tunnel = new DefaultTunnel(router, new FlowTable(MAX_FLOWS), blocking,
                    flowTimeouts(config), shortage);
            this.retirement = new OutboundRetirement(tunnel.flows());
            this.ports = new ProxyPorts(boss, workers, tunnel, shortage, () -> this.config.authentication(), keepAlive);
            workers.next().scheduleWithFixedDelay(retirement::check, RETIREMENT_CHECK_SECONDS,
                    RETIREMENT_CHECK_SECONDS, TimeUnit.SECONDS);
            tunnel.useFakeIps(new PoolFakeIps(dnsService)); // pools or none: a reload may switch to fake-ip mode
            tunnel.useSniffer(sniffer(settings.sniffer()));
        } catch (ConfigException | RuntimeException | InterruptedException e) {
            if (dnsService != null) {
                dnsService.close();
            }
            workers.shutdownGracefully(0, 1, TimeUnit.SECONDS);
            boss.shutdownGracefully(0, 1, TimeUnit.SECONDS);
            resolver.close();
            throw e;
        }
    }

    /**
     * The TUN's own subnets and its NAT peer (the system stack's address + 1, outside a /32 subnet): never
     * handed out as fake addresses. The kernel owns the subnet (its network and broadcast addresses are
     * unreachable: "Network is unreachable" for 198.18.0.3 of 198.18.0.1/30), so no name may map into it.
     */
    /**
     * Binds Turnout's own sockets as {@code c} says, from the next one on, as mihomo's dialer does: through
     * {@code interface-name} with {@code routing-mark} (noted when the platform cannot set it), TCP keepalive on every
     * connection (UDP sockets are left alone); with the TUN up, through its way out first.
     */
    private void useOwnSockets(Config c) {
        int mark = c.routingMark();
        if (mark != 0 && ProxySockets.markUnsupported() != null) {
            log.warn("{}: 'routing-mark' is not applied: {}", c.originOf("routing-mark"),
                    ProxySockets.markUnsupported());
            mark = 0;
        }
        TcpKeepAlive keepAlive = c.keepAlive();
        this.withoutTun = bound(new ProxySockets(c.interfaceName(), mark)).andThen(keepAlive);
        this.besideTun = bound(new ProxySockets(null, mark)).andThen(keepAlive);
        SocketBinder tun = tunBinding;
        binder.set(tun == null ? withoutTun : tun.andThen(besideTun));
    }

    private static SocketBinder bound(ProxySockets sockets) {
        return sockets.any() ? sockets.binder() : SocketBinder.NONE;
    }

    private static List<Cidr> excludedBy(TunOptions tun) {
        List<Cidr> out = new ArrayList<>();
        if (tun != null) {
            for (IpPrefix p : new IpPrefix[] {tun.inet4Address(), tun.inet6Address()}) {
                if (p != null) {
                    out.add(new Cidr(p.address(), p.prefixLength()));
                    out.add(new Cidr(p.offset(1), p.version() == 4 ? 32 : 128));
                }
            }
        }
        return out;
    }

    /**
     * Builds everything (rule providers and geo databases fetched, the routing compiled) and opens no inbound, the
     * DNS listener neither: until {@link #open()} nothing on the machine has changed but the fake-IP cache, which a
     * kill leaves consistent.
     *
     * @param state the config's folder, held by this instance or not (then its state is kept in memory); the caller
     *     gives it back once {@link #close()} has written the last of it
     */
    public static Turnout prepare(Config config, PluginHost plugins, StateFolder state)
            throws ConfigException, InterruptedException {
        // Read before anything opens, so that a bad setting fails the start with its line and column.
        Settings settings;
        try {
            settings = Settings.of(config);
        } catch (ConfigException e) {
            ConfigCheck.offline(config, plugins); // fails as well, listing the routing's problems beside these
            throw e;
        }
        return new Turnout(config, settings, plugins, state);
    }

    /** Opens the inbounds: ports, the TUN and its routes; on any failure nothing stays open. */
    public void open() throws ConfigException, InterruptedException {
        try {
            openInbounds();
        } catch (RuntimeException | InterruptedException | ConfigException e) {
            close();
            throw e;
        } catch (IOException e) {
            close();
            throw new IllegalStateException("cannot start the TUN: " + e.getMessage(), e);
        }
    }

    /** A port another program holds: the setting that asked for it, where it was written, and the kernel's reason. */
    private static ConfigException cannotListen(Origin origin, String key, InetSocketAddress address, IOException e) {
        return new ConfigException(origin, key + " cannot listen on " + address.getAddress().getHostAddress() + ":"
                + address.getPort() + ": " + e.getMessage(), e);
    }

    /**
     * Whether a run on {@code config} keeps anything in its folder between runs: fake-IP mappings (fake-IP DNS) or
     * group choices (proxy groups); dashboards' settings, with a controller, are the caller's to add
     * ({@code Controller.askedFor}). One that keeps nothing does not claim the folder, so it never keeps another
     * instance there from keeping its own. A {@code dns:} section that does not validate counts as keeping: the start
     * then refuses the config anyway.
     */
    public static boolean keepsState(Config config) {
        if (!config.groups().isEmpty()) {
            return true;
        }
        try {
            DnsOptions dns = DnsSettings.from(config);
            return dns != null && dns.enhancedMode() == EnhancedMode.FAKE_IP;
        } catch (ConfigException e) {
            return true;
        }
    }

    /**
     * A stream to a nameserver through the outbound its {@code #NAME} names, or where the rules send it for
     * {@code #RULES}, in the routing of the moment, as a flow's would be.
     */
    private Future<Channel> nameserverStream(String name, InetSocketAddress server, EventLoop loop) {
        Routing now = router.current();
        Destination to = Destination.of(server);
        String outbound = !name.equals(Nameserver.RULES) ? name
                : router.decideOwn(now, Metadata.internal(Network.TCP, to)).target();
        Outbound via = now.outbounds().get(outbound);
        if (via == null && name.equals(Nameserver.RULES)) {
            return loop.newFailedFuture(new IOException("no outbound '" + outbound + "' to send DNS queries through"));
        }
        // No outbound: the network interface the queries leave through (nameserverInterface).
        Metadata flow = Metadata.internal(Network.TCP, to);
        Future<Channel> opened;
        try {
            opened = via != null ? via.openStream(flow, loop)
                    : new HostDialer(() -> new ProxySockets(name, 0).binder(), resolver, CONNECT_TIMEOUT_MILLIS)
                            .openStream(flow, loop);
        } catch (RuntimeException e) {
            // A group with no usable member yet (its provider unfetched, offline) says so by throwing: the query
            // fails and the next server is asked, where the throw would leave it unanswered.
            return loop.newFailedFuture(new IOException("DNS through '" + outbound + "': " + e.getMessage(), e));
        }
        // A relay asks for each read; the resolver's handlers just read what comes.
        return opened.addListener(f -> {
            if (f.isSuccess()) {
                ((Channel) f.getNow()).config().setAutoRead(true);
            }
        });
    }

    /**
     * As mihomo: a {@code #NAME} after a nameserver that is no outbound is the network interface its queries leave
     * through ({@code 127.0.0.1#lo}); null when it names one.
     */
    private SocketBinder nameserverInterface(String name) {
        return name.equals(Nameserver.RULES) || router.current().outbounds().get(name) != null ? null
                : new ProxySockets(name, 0).binder();
    }

    /** Whether a run on {@code config} opens the TUN (and, with auto-route, owns the namespace's routes). */
    public static boolean tunEnabled(Config config) throws ConfigException {
        return TunSettings.from(config) != null;
    }

    /** The route state file a TUN run on {@code config} keeps, for {@code turnout cleanup -c}. */
    public static Path routeStateFile(Config config) throws ConfigException {
        return TunSettings.routeStateFile(config);
    }

    private void openInbounds() throws InterruptedException, ConfigException, IOException {
        // Not at prepare: a config refused there (a bad rule) opened the DNS listener first.
        try {
            dns.openListener();
        } catch (IOException e) {
            throw cannotListen(config.dns().originOf("listen"), "dns.listen", settings.dns().listen(), e);
        }
        ports.listenAs(config);
        ports.relisten(config.listeners());
        if (settings.tun() != null) {
            synchronized (this) {
                openTun(settings.tun());
            }
        }
    }

    /** Opens the TUN (claimed for this instance first) and binds Turnout's own sockets to its way out. */
    private void openTun(TunOptions options) throws IOException {
        claims.claimTun();
        Platform platform = Platform.current();
        // With the DNS off at the opening, DNS is routed as any UDP and the system's resolver is left alone; a reload
        // that switches it opens the TUN again. The checks at each query cover a reload that failed between the two.
        DnsHijack hijack = !dns.on() ? null : (query, loop) -> {
            try {
                return dns.on() && !dns.upstream().forwardOfOwnQuestion(query) ? dns.handler().handle(query, true, loop)
                        : null;
            } finally {
                query.release();
            }
        };
        Tunnel tunFlows = !dns.on() ? tunnel : TcpDnsHijack.wrap(tunnel, dns, options.dnsHijack());
        TunInbound tun;
        try {
            // Bound before the first route goes in, not after the TUN is up (s69's IPv6 tester, F1).
            tun = TunInbound.start(options, tunFlows, platform, hijack, shortage, opening -> bindOwnSockets(opening,
                    platform));
        } catch (IOException | RuntimeException e) {
            tunBinding = null;
            binder.set(withoutTun);
            claims.giveBackTun();
            throw e;
        }
        tunInbound = tun;
        tunOptions = options;
        tunView = new TunView(tun.deviceName(), tun.options());
        tun.whenOutboundInterfaceChanges(this::endUdpFlows);
        log.info("TUN {} up{}; own connections leave through {}", tun.deviceName(),
                options.autoRoute() ? ", capturing all traffic" : "",
                tun.outboundInterface() == null ? "no interface yet (no default route)" : tun.outboundInterface());
    }

    /** Every socket Turnout opens for itself leaves through the TUN's way out (the physical interface), never the TUN. */
    private void bindOwnSockets(TunInbound tun, Platform platform) {
        SocketBinder throughPhysical = channel -> {
            String physical = tun.outboundInterface();
            if (physical != null) {
                platform.bindToInterface(channel, physical);
            } else if (tun.capturesOwnSockets()) {
                // Unbound, this socket would follow the split routes into the TUN, come back as a new flow and
                // be dialled again, until descriptors run out: fail the flow instead until a route returns.
                throw new java.io.IOException("no default route (no physical interface to leave through)");
            }
        };
        tunBinding = SocketBinder.skippingLocalDestinations(throughPhysical);
        binder.set(tunBinding.andThen(besideTun));
    }

    /**
     * Takes the TUN down, if up: routes and the system's DNS given back, its flows ended (their loops stop with it),
     * Turnout's own sockets bound as without one, the claim given back.
     */
    private void closeTun() {
        TunInbound tun = tunInbound;
        if (tun == null) {
            return;
        }
        tunInbound = null;
        tunOptions = null;
        tunView = null;
        tunBinding = null;
        binder.set(withoutTun);
        endFlowsThrough(tun);
        tun.close();
        claims.giveBackTun();
        log.info("TUN {} down: traffic takes the machine's own routes again", tun.deviceName());
    }

    /**
     * After the default interface changed: a UDP flow's socket stays bound to the interface it was opened on, which may
     * have no route now, and an application that keeps sending (QUIC, WireGuard, a call) never lets it idle out: none
     * of 135 datagrams got through after a Wi-Fi to Ethernet switch. Ended, the flow's next datagram opens a new one,
     * bound to the new interface (its mapping changes, as behind any NAT when the network does). TCP flows are left:
     * the interface they were opened on may still carry them.
     */
    private void endUdpFlows(String now) {
        List<dev.turnout.host.flow.Flow> udp = closeFlows(f -> f.network() == dev.turnout.api.Network.UDP);
        if (!udp.isEmpty()) {
            log.info("{} UDP {} ended: {} next datagrams leave through {}", udp.size(), udp.size() == 1 ? "flow" : "flows",
                    udp.size() == 1 ? "its" : "their", now == null ? "the next default route's interface" : now);
        }
    }

    /** Closes the flows whose metadata {@code which} accepts; returns them. */
    private List<dev.turnout.host.flow.Flow> closeFlows(java.util.function.Predicate<dev.turnout.api.Metadata> which) {
        List<dev.turnout.host.flow.Flow> closing = tunnel.flows().snapshot().stream()
                .filter(f -> which.test(f.metadata())).toList();
        closing.forEach(f -> tunnel.flows().close(f.id()));
        return closing;
    }

    /**
     * Ends the applications' connections through {@code tun} while it still carries their end's FIN: once the device
     * is gone they would hear nothing and hang until their own timeouts. Bounded: a second at most.
     */
    private void endFlowsThrough(TunInbound tun) {
        List<dev.turnout.host.flow.Flow> through = closeFlows(f -> TunInbound.INBOUND_TYPE.equals(f.inboundType()));
        if (through.isEmpty()) {
            return;
        }
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(1);
        try {
            while (through.stream().anyMatch(f -> !f.isClosed()) && System.nanoTime() < deadline) {
                Thread.sleep(10);
            }
            Thread.sleep(100); // for the FINs to cross the device's queue
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        log.info("tun {}: {} through it ended", tun.deviceName(),
                through.size() == 1 ? "the connection" : "the " + through.size() + " connections");
    }

    /**
     * Sets the TUN's keys as a dashboard's {@code PATCH /configs {"tun": {...}}} asks, as mihomo's does: its switch
     * (metacubexd's and zashboard's TUN switch, ClashX's Enhanced Mode) and options such as {@code device}; the TUN
     * opens, closes, or opens again with the options changed, with the rest of the config's {@code tun:} section
     * (mihomo's defaults where it says nothing). A reload takes the file's again, as mihomo's does.
     *
     * @throws ConfigException when the section does not validate; {@link IOException} when the TUN cannot open (no
     *     privilege, another instance runs one): either way nothing changed
     */
    public synchronized void useTun(Map<String, Object> changes) throws ConfigException, IOException {
        Section tun = config.tun();
        for (Map.Entry<String, Object> e : changes.entrySet()) {
            tun = tun.with(e.getKey(), e.getValue(), DASHBOARD);
        }
        Config next = config.withTun(tun);
        switchTun(TunSettings.from(next), next, false);
        this.config = next;
    }

    /**
     * Sets {@code dns:} keys as a dashboard's {@code PATCH /configs {"dns": {...}}} asks (metacubexd's DNS card: the
     * mode, the servers, the fake range), applied as a reload applies them, until the next reload reads the file.
     *
     * @throws ConfigException when the section does not validate with them, the DNS is off, or the fake range is
     *     not the one the fake addresses given out are in: nothing changed then
     */
    public synchronized void useDns(Map<String, Object> changes) throws ConfigException {
        if (dnsOptions == null) {
            throw new ConfigException(config.dns().originOf("enable"), "dns: the DNS is off (dns.enable): switch it on "
                    + "in the config and reload");
        }
        Section section = config.dns();
        for (Map.Entry<String, Object> e : changes.entrySet()) {
            section = section.with(e.getKey(), e.getValue(), DASHBOARD);
        }
        Config next = config.withDns(section);
        DnsOptions nextDns = DnsSettings.from(next);
        List<String> restart = dns.rangesNeedingRestart(nextDns);
        if (!restart.isEmpty()) {
            throw new ConfigException(DASHBOARD, String.join(", ", restart) + ": the fake addresses given out are in "
                    + dns.pool4().range() + (dns.pool6() == null ? "" : " and " + dns.pool6().range())
                    + "; Turnout takes another fake range at a restart");
        }
        applyDns(DnsChange.between(config, dnsOptions, next, nextDns), nextDns); // the ranges, checked, need none
        dnsOptions = nextDns;
        this.config = next;
    }

    /**
     * Takes what a dashboard's {@code PATCH /configs} sets beside the ports and the TUN, as mihomo's does:
     * {@code interface-name} and {@code tcp-concurrent} for the connections that follow, {@code sniffing} for the
     * flows that follow, {@code unified-delay} for the next delay tests. A reload takes the file's again.
     *
     * @throws ConfigException when the {@code sniffer:} section does not validate with the change; nothing changed
     */
    public synchronized void usePatched(UnaryOperator<Config.Patchable> change) throws ConfigException {
        Config running = config;
        Config next = running.with(change.apply(running.patchable()));
        SniffOptions sniffing = SnifferSettings.from(next);
        if (!next.listeners().equals(running.listeners())) { // redir-, tproxy-port: the one step that can fail, first
            try {
                ports.relisten(next.listeners());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new ConfigException(DASHBOARD, "interrupted while moving redir-port or tproxy-port");
            }
        }
        useGeneral(running, next);
        groups.useUnifiedDelay(next.unifiedDelay());
        tunnel.useSniffer(sniffer(sniffing));
        this.config = next;
    }

    /** How messages name values a dashboard set. */
    private static final Origin DASHBOARD = new Origin("PATCH /configs", 0, 0);

    /**
     * mihomo's {@code PATCH /rules/disable}: the rules at the indexes {@code off} maps to true are switched off, those
     * it maps to false on again, and the routing is compiled with them, its counts kept. They stay so across a
     * provider's refresh and a dashboard's changes, until the config is loaded anew (a reload, {@code PUT /configs}),
     * as in mihomo, whose rules are made anew then.
     *
     * @throws ConfigException naming an index no rule has; then nothing changed
     */
    public synchronized void switchRules(Map<Integer, Boolean> off) throws ConfigException {
        Config running = config;
        List<RuleLine> rules = running.rules();
        Map<Integer, String> next = new java.util.TreeMap<>();
        running.disabledRuleIndexes().forEach(i -> next.put(i, rules.get(i).text()));
        for (Map.Entry<Integer, Boolean> e : off.entrySet()) {
            int i = e.getKey();
            if (i < 0 || i >= rules.size()) {
                throw new ConfigException(new Origin("PATCH /rules/disable", 0, 0), "there is no rule " + i + " (the"
                        + " rules are numbered from 0 to " + (rules.size() - 1) + ")");
            }
            if (e.getValue()) {
                next.put(i, rules.get(i).text());
            } else {
                next.remove(i);
            }
        }
        if (next.keySet().equals(running.disabledRuleIndexes())) {
            return;
        }
        reload(running.with(running.patchable().withDisabledRules(next)));
        log.info("rules switched off by the controller: {}", next.isEmpty() ? "none" : next.keySet());
    }

    /**
     * Puts the TUN in the state {@code next} asks for ({@code null}: down), reopening it when its options changed;
     * when the new one cannot open, the one that ran is opened again and the error thrown.
     */
    private void switchTun(TunOptions next, Config nextConfig, boolean dnsSwitched)
            throws ConfigException, IOException {
        TunOptions running = tunOptions;
        // The DNS switched: the hijack and the system's resolver follow it only as the TUN opens.
        if (java.util.Objects.equals(running, next) && !(dnsSwitched && running != null)) {
            return;
        }
        if (next != null) {
            outsideFakeIps(next, nextConfig);
        }
        closeTun();
        if (next == null) {
            return;
        }
        try {
            openTun(next);
        } catch (IOException | RuntimeException e) {
            log.warn("the TUN cannot open: {}", e.getMessage());
            restoreTun(running);
            throw e;
        }
    }

    /** Puts back the TUN as it ran before a change that failed; a failure here is logged, the first one thrown. */
    private void restoreTun(TunOptions running) {
        if (java.util.Objects.equals(running, tunOptions)) {
            return;
        }
        closeTun();
        if (running != null) {
            try {
                openTun(running);
            } catch (IOException | RuntimeException e) {
                log.warn("the TUN as it ran could not be opened again: {}", e.getMessage());
            }
        }
    }

    /**
     * Refuses a TUN whose subnet lies in a fake-IP range the pools were started without setting it aside (its address
     * changed since the start): names could be given its addresses.
     */
    private void outsideFakeIps(TunOptions options, Config next) throws ConfigException {
        for (Cidr subnet : excludedBy(options)) {
            for (FakeIpPool pool : new FakeIpPool[] {dns.pool4(), dns.pool6()}) {
                if (pool != null && !fakeIpsAvoid.contains(subnet) && (pool.range().contains(subnet.network())
                        || subnet.contains(pool.range().network()))) {
                    throw new ConfigException(next.tun().originOf(subnet.isIpv4() ? "inet4-address" : "inet6-address"),
                            "tun: " + subnet + " is inside fake-ip-range " + pool.range() + ", which Turnout started "
                                    + "without setting it aside: restart Turnout for this TUN address");
                }
            }
        }
    }

    /**
     * Re-reads rules, groups, outbounds and providers from {@code next} and swaps them in at once. Flows that
     * are open keep going on what they started with. On failure nothing changes and the error is thrown.
     */
    public void reload(Config next) throws ConfigException {
        // As mihomo's updateGeneral at each reload: the file's level again, over a dashboard's (a provider's refresh,
        // which reads no file, leaves a dashboard's).
        // As a start: only the copies that are missing, as mihomo's provider.Initial; stale ones the refresh after.
        compileAndApply(next, next.logLevel(), Downloads.MISSING);
    }

    /** @param level the log level from now on, or null to keep the one in force */
    private void compileAndApply(Config next, String level, Downloads downloads) throws ConfigException {
        // The check run and check apply: a config that a restart would refuse is refused now. Outside the lock: its
        // downloads wait up to 30 s for a subscription's server, and a dashboard's group choice, mode switch and every
        // request behind them on the controller's loop waited with them.
        long compiling = System.nanoTime();
        ConfigCheck.Checked checked = ConfigCheck.check(next, compiler, downloads);
        apply(next, checked, millisSince(compiling), level);
    }

    /** The log level in force: the config's, or what a dashboard set since ({@code PATCH /configs}). */
    public String logLevel() {
        return logLevel;
    }

    /** Logs at {@code level} (Clash's names) from now on. */
    public void useLogLevel(String level) {
        if (!level.equals(logLevel)) {
            Logging.apply(level);
            logLevel = level;
        }
    }

    /**
     * Reloads what {@code from} makes of the running config, compiled outside the lock as {@link #reload} is, and
     * applied when nothing changed the running config meanwhile; else made and compiled once more under the lock,
     * so that a dashboard's change in between is neither lost nor held up.
     */
    private void reloadOver(UnaryOperator<Config> from) throws ConfigException {
        Config base = config;
        Config next = from.apply(base);
        long compiling = System.nanoTime();
        ConfigCheck.Checked checked = ConfigCheck.check(next, compiler, Downloads.TRIED);
        synchronized (this) {
            if (config == base) {
                apply(next, checked, millisSince(compiling), null);
                return;
            }
        }
        checked.compiled().routing().outbounds().close();
        synchronized (this) {
            compileAndApply(from.apply(config), null, Downloads.TRIED);
        }
    }

    /**
     * The running config compiled anew: its providers' and geo databases' copies read again, none downloaded (the
     * callers just did, or read a changed file; what is due is the refresh's, outside any lock).
     */
    public void reloadRunning() throws ConfigException {
        reloadOver(UnaryOperator.identity());
    }

    private synchronized void apply(Config next, ConfigCheck.Checked checked, long compileMillis, String level)
            throws ConfigException {
        RoutingCompiler.Compiled compiled = checked.compiled();
        Config running = this.config;
        DnsOptions runningDns = dnsOptions;
        DnsOptions nextDns = checked.settings().dns();
        DnsChange dnsChange = DnsChange.between(running, runningDns, next, nextDns);
        // The steps that can fail, the TUN last (its flows end when it reopens): a controller address, a port or a
        // listener another program holds, a DNS listener that cannot open, a TUN that cannot, and nothing changed.
        List<String> controllerChanges = controllerChanges(running, next);
        ControllerHook controller = controllerHook;
        Deque<Undo> undo = new ArrayDeque<>();
        List<String> dnsUnapplied = null; // the DNS switched on: applied before the TUN step
        try {
            if (controller != null && !controllerChanges.isEmpty()) {
                controller.use(next);
                undo.push(() -> controller.use(running));
            }
            ports.listenAs(next);
            undo.push(() -> ports.listenAs(running));
            ports.relisten(next.listeners());
            undo.push(() -> ports.relisten(running.listeners()));
            if (dnsChange.switched() && nextDns != null) {
                // While it is still off, so that neither the listener nor the TUN's hijack answers half set.
                dnsUnapplied = applyDns(dnsChange, nextDns);
            }
            if (dnsChange.listen() && nextDns != null) {
                listenDnsOn(next, nextDns);
                undo.push(() -> dns.listenOn(runningDns == null ? null : runningDns.listen()));
            }
            if (dnsChange.switched()) {
                dns.switchOn(nextDns != null); // before the TUN step: its hijack follows the switch as it opens
                undo.push(() -> dns.switchOn(runningDns != null));
            }
            switchTun(checked.settings().tun(), next, dnsChange.switched()); // on, off, or reopened, as mihomo's
        } catch (ConfigException | InterruptedException | IOException | RuntimeException e) {
            undo.forEach(Undo::runLogged);
            if (e instanceof InterruptedException) {
                Thread.currentThread().interrupt();
                throw new ConfigException(next.originOf("mixed-port"), "interrupted while opening the proxy ports");
            } else if (e instanceof IOException) {
                throw new ConfigException(next.tun().origin(), "tun: cannot open the TUN: " + e.getMessage(), e);
            } else if (e instanceof ConfigException c) {
                throw c;
            }
            throw (RuntimeException) e;
        }
        // A provider refreshed every few minutes reloads as often: what was said at the last load is not repeated.
        Set<String> said = lastNotes;
        compiled.notes().forEach(n -> {
            if (said.contains(n)) {
                log.debug("{}", n);
            } else {
                log.warn("{}", n);
            }
        });
        lastNotes = Set.copyOf(compiled.notes());
        Routing previous = router.current();
        Routing routing = compiled.routing().countingOn(previous);
        carrySelections(previous, routing);
        groups.useUnifiedDelay(next.unifiedDelay());
        groups.adopt(routing.outbounds());
        router.swap(routing);
        retirement.retire(previous.outbounds(), compiled.routing().outbounds());
        tunnel.useSniffer(sniffer(checked.settings().sniffer()));
        dns.useMatchers(compiled.routing().dnsMatchers());
        if (!running.hosts().equals(next.hosts())) {
            useHosts(checked.settings());
        }
        useGeneral(running, next);
        this.config = next;
        if (level != null) {
            useLogLevel(level); // before the line below, which a user who asked for warnings does not want
        }
        log.info("reloaded {}: {} rules, {} outbounds and groups, compiled in {} ms", next.displayName(),
                compiled.routing().rules().size(), compiled.routing().outbounds().names().size(), compileMillis);
        List<String> unapplied = new ArrayList<>(changesNeedingRestart(running, next));
        if (controller == null) {
            unapplied.addAll(controllerChanges);
        }
        List<String> dnsKept = dnsUnapplied != null ? dnsUnapplied : applyDns(dnsChange, nextDns);
        unapplied.addAll(dnsKept);
        dnsOptions = nextDns; // as asked: what did not apply is said once, as for the other keys
        if (dns != null && dns.pool4() != null
                && (dnsKept.contains("dns.fake-ip-range") || dnsKept.contains("dns.fake-ip-range6"))) {
            showRunningRanges(next);
        }
        if (controller != null && !controllerChanges.isEmpty()) {
            controller.settled();
        }
        if (!unapplied.isEmpty()) {
            log.warn("reload did not apply {}: restart Turnout for {}", String.join(", ", unapplied),
                    unapplied.size() == 1 ? "it" : "them");
        }
    }

    /**
     * The controller as a reload sees it: the command that starts Turnout owns it, and may start, move or stop it
     * as the config's controller keys say.
     */
    public interface ControllerHook {
        /** Takes {@code config}'s controller keys; throws when they cannot be taken, and then nothing changed. */
        void use(Config config) throws ConfigException, InterruptedException;

        /** The reload that called {@link #use} is done: what the old keys allowed may end now. */
        void settled();
    }

    /** Has reloads hand the controller keys to {@code hook} (without one, a reload says they need a restart). */
    public void controlledBy(ControllerHook hook) {
        this.controllerHook = hook;
    }

    /** One step of a reload put back when a later one fails. */
    private interface Undo {
        void run() throws Exception;

        default void runLogged() {
            try {
                run();
            } catch (Exception e) {
                log.warn("a failed reload could not put back what it had changed: {}", e.getMessage());
            }
        }
    }

    /**
     * What is left of switching the DNS off once the reload succeeded (it no longer answers since the TUN step): its
     * listener closed, the rules without the system's hosts file, as at a start without it. The pools stay, so that
     * the fake addresses given out still lead to their names.
     */
    private void switchDnsOff() {
        try {
            dns.listenOn(null);
        } catch (IOException | InterruptedException e) { // closing binds nothing
            throw new IllegalStateException(e);
        }
        ruleHosts.useSystemHosts(null);
        log.info("dns: off (dns.enable switched by the reload): Turnout's own lookups ask the system's resolver");
    }

    /** Moves the DNS server to {@code nextDns}' {@code listen}, or fails naming it. */
    private void listenDnsOn(Config next, DnsOptions nextDns) throws ConfigException, InterruptedException {
        try {
            dns.listenOn(nextDns.listen());
        } catch (IOException e) {
            throw cannotListen(next.dns().originOf("listen"), "dns.listen", nextDns.listen(), e);
        }
        log.info("dns: {}", nextDns.listen() == null ? "the server no longer listens"
                : "the server now listens on " + nextDns.listen());
    }

    /**
     * The top-level settings mihomo's reload applies to what comes next ({@code updateGeneral}): how Turnout's own
     * sockets leave ({@code interface-name}, {@code routing-mark}), keepalive (and with it the flows' idle timeout),
     * {@code tcp-concurrent} (read at each dial) and {@code find-process-mode}. Open connections keep theirs.
     */
    private void useGeneral(Config running, Config next) {
        if (!java.util.Objects.equals(running.interfaceName(), next.interfaceName())
                || running.routingMark() != next.routingMark() || !running.keepAlive().equals(next.keepAlive())) {
            useOwnSockets(next);
            ports.useClientSockets(next.keepAlive());
            tunnel.useTimeouts(flowTimeouts(next));
            TcpKeepAlive keepAlive = next.keepAlive();
            log.info("own connections from now on: interface-name {}, routing-mark {}, keepalive {}",
                    next.interfaceName() == null ? "none" : next.interfaceName(), next.routingMark(),
                    keepAlive.enabled() ? keepAlive.idleSeconds() + "/" + keepAlive.intervalSeconds() + " s" : "off");
        }
        if (!java.util.Objects.equals(running.findProcessMode(), next.findProcessMode())) {
            processes.useMode(ProcessLookup.Mode.parse(next.findProcessMode()));
        }
    }

    /**
     * Has the rules, Turnout's own lookups and the DNS's answers use {@code next}'s {@code hosts:} from now on, as
     * mihomo's reload does. Flows open keep the addresses they were given.
     */
    private void useHosts(Settings next) {
        ruleHosts.useHosts(next.hosts());
        resolver.useHosts(next.hosts());
        if (next.dns() != null) {
            dns.useHosts(next.dns());
        }
        log.info("hosts: {} entries now", next.hosts().size());
    }

    /**
     * Applies what {@code change} says of the {@code dns:} section but its listener (moved among the steps that can
     * fail), as mihomo's reload does: the servers asked, the fake-ip-filter, AAAA answers, the system's hosts file.
     *
     * @return the keys changed that still need a restart
     */
    private List<String> applyDns(DnsChange change, DnsOptions nextDns) {
        if (nextDns == null) {
            if (change.switched()) {
                switchDnsOff();
            }
            return List.of();
        }
        List<String> restart = new ArrayList<>();
        if (change.switched()) {
            log.info("dns: on (dns.enable switched by the reload)");
            dns.useHosts(nextDns); // hosts: changed while off were not handed to it
        }
        if (change.servers()) {
            // Turnout's own lookups follow: the system's resolver without servers, the DNS's with
            UpstreamResolver.Servers servers = UpstreamResolver.Servers.of(nextDns);
            dns.upstream().retarget(servers);
            dns.retargetOutbound(nextDns);
            log.info("dns: now asking {}{}", servers.all(), servers.policy().isEmpty() ? ""
                    : " (and " + servers.policy().size() + " nameserver-policy patterns)");
        }
        if (change.filter()) {
            dns.useFakeIpFilter(nextDns);
            log.info("dns: fake-ip-filter now {} entries ({}); names mapped already keep their fake addresses",
                    nextDns.fakeIpFilter().size(), nextDns.fakeIpFilterMode());
        }
        if (change.ipv6()) {
            dns.useIpv6(nextDns.ipv6());
            log.info("dns: AAAA questions {}", nextDns.ipv6() ? "answered" : "answered with no address");
        }
        if (change.mode()) {
            // A fake range other than the pools' is named for a restart; the mode switches on the pools there are.
            List<String> kept = dns.useMode(nextDns);
            restart.addAll(kept);
            boolean fake = nextDns.enhancedMode() == EnhancedMode.FAKE_IP;
            String pools = fake ? " (fake-ip-range " + dns.pool4().range() + (kept.isEmpty() ? "" : ", the pools' until a "
                    + "restart") + ")" : dns.pool4() == null ? "" : "; the fake addresses given out still lead to their names";
            log.info("dns: enhanced-mode now {}{}", nextDns.enhancedMode().clashName(), pools);
            if (fake && kept.isEmpty() && config.profile().storeFakeIp() && state.file(FAKE_IP_CACHE) == null) {
                log.info("dns: the fake-IP mappings are kept in memory only, not across restarts: Turnout started "
                        + "without fake-ip mode and keeps nothing in {}", state.folder());
            }
        }
        if (change.systemHosts()) {
            ruleHosts.useSystemHosts(dns.useSystemHosts(nextDns));
            log.info("dns: the system's hosts file {}", nextDns.systemHosts() == null ? "no longer asked" : "asked");
        }
        if (change.hosts()) {
            dns.useHostsAnswers(nextDns);
            log.info("dns: questions {} from hosts (use-hosts)", nextDns.useHosts() ? "answered" : "no longer answered");
        }
        return restart;
    }

    /**
     * The fake ranges the pools keep until a restart, where a reload asked others: GET /configs told the dashboard
     * the range asked, which no answer came from (readme tester F4).
     */
    private void showRunningRanges(Config next) {
        Section d = next.dns().with("fake-ip-range", dns.pool4().range().toString(),
                next.dns().originOf("fake-ip-range"));
        if (dns.pool6() != null) {
            d = d.with("fake-ip-range6", dns.pool6().range().toString(), d.originOf("fake-ip-range6"));
        }
        Config shown = next.withDns(d);
        try {
            dnsOptions = DnsSettings.from(shown);
            this.config = shown;
        } catch (ConfigException e) {
            log.debug("dns: the running fake ranges do not read back ({}): /configs shows the ones asked",
                    e.getMessage());
        }
    }

    /**
     * With keepalive on (mihomo's default) a flow with both directions open lasts until an end closes it or is found
     * gone, as in Clash and sing-box, so a quiet SSH session or a push service's connection is not cut; with
     * {@code disable-keep-alive: true}, such a flow quiet for {@value #IDLE_SECONDS} s is ended, since nothing else
     * would find an end that vanished.
     */
    static FlowTimeouts flowTimeouts(Config config) {
        return config.keepAlive().enabled() ? FlowTimeouts.halfClosedOnly(config.tcpHalfCloseTimeout())
                : new FlowTimeouts(Duration.ofSeconds(IDLE_SECONDS), config.tcpHalfCloseTimeout());
    }

    /** Milliseconds since a {@link System#nanoTime()} reading: what the start and reload lines report. */
    private static long millisSince(long nanoTime) {
        return (System.nanoTime() - nanoTime) / 1_000_000;
    }

    /** The sniffer {@code options} describe, its set entries asked of the rules of the moment. */
    private Sniffer sniffer(dev.turnout.host.sniff.SniffOptions options) {
        return Sniffer.of(options, () -> router.current().dnsMatchers());
    }

    /** What a reload leaves as it was, said plainly, so that nobody takes "reloaded" to mean it changed. */
    static List<String> changesNeedingRestart(Config running, Config next) {
        List<String> out = new ArrayList<>(); // dns: DnsChange; the controller: controllerChanges
        changed(out, "profile", running.profile(), next.profile());
        return out;
    }

    /** The controller keys that differ between {@code running} and {@code next}. */
    static List<String> controllerChanges(Config running, Config next) {
        List<String> out = new ArrayList<>();
        changed(out, "external-controller", running.externalController(), next.externalController());
        changed(out, "external-controller-unix", running.externalControllerUnix(), next.externalControllerUnix());
        changed(out, "secret", running.secret(), next.secret());
        changed(out, "external-ui", running.externalUi(), next.externalUi());
        changed(out, "external-ui-name", running.externalUiName(), next.externalUiName());
        changed(out, "external-controller-cors", running.externalControllerCors(), next.externalControllerCors());
        changed(out, "external-controller-tls", running.externalControllerTls(), next.externalControllerTls());
        changed(out, "external-doh-server", running.externalDohServer(), next.externalDohServer());
        return out;
    }

    private static void changed(List<String> out, String key, Object running, Object next) {
        if (!java.util.Objects.equals(running, next)) {
            out.add(key);
        }
    }

    /**
     * A user's choice in a select group survives a reload when the group and the member still exist; when the
     * member is gone (a provider's list changed) the group falls back to its first member and the log says so.
     */
    static void carrySelections(Routing from, Routing to) {
        from.outbounds().all().forEach((name, o) -> {
            if (o instanceof ProxyGroup old && "select".equals(old.type())
                    && to.outbounds().get(name) instanceof ProxyGroup fresh && old.now() != null
                    && !fresh.select(old.now())) {
                log.warn("group '{}': the chosen '{}' is gone; it now uses '{}'", name, old.now(), fresh.now());
            }
        });
    }

    public Config config() {
        return config;
    }

    public Router router() {
        return router;
    }

    public DefaultTunnel tunnel() {
        return tunnel;
    }

    public FlowTable flows() {
        return tunnel.flows();
    }

    /** Health checks and saved choices of the groups. */
    /** What dashboards keep here ({@code /storage}). */
    public DashboardStorage dashboardStorage() {
        return dashboardStorage;
    }

    public GroupSupervisor groups() {
        return groups;
    }

    public PluginHost plugins() {
        return plugins;
    }

    public EventLoopGroup workers() {
        return workers;
    }

    /** The TUN as it runs, for the controller: its options and device name; {@code null} when none is up. */
    public TunView tun() {
        return tunView;
    }

    /**
     * The options of {@code config}'s {@code tun:} section, on or off: what switching it on would open. {@code null}
     * when the section does not validate.
     */
    public static TunOptions tunSectionOf(Config config) {
        return TunSettings.wouldBe(config);
    }

    /** A TUN that is up: the device the kernel gave it and the options it runs with. */
    public record TunView(String device, TunOptions options) {
    }

    /** The first proxy port's address, or {@code null} when none is open. */
    public InetSocketAddress mixedAddress() {
        return ports.firstAddress();
    }

    /**
     * Moves the proxy ports ({@code allow-lan}, {@code bind-address} and the ports) to where {@code change} puts them
     * in the running config, as a dashboard's {@code PATCH /configs} asks; clients connected through a port that
     * closes go on. On failure nothing changes and the error says which port could not be opened, and why.
     */
    public synchronized void listenAs(UnaryOperator<Config> change) throws ConfigException, InterruptedException {
        // Applied to the config of the moment, under the lock reloads hold: a reload just before must not be undone.
        Config next = change.apply(config);
        if (next != config) {
            Config running = config;
            ports.listenAs(next);
            try {
                ports.relisten(next.listeners()); // redir-port and tproxy-port listen where the proxy ports do
            } catch (ConfigException | InterruptedException | RuntimeException e) {
                Undo back = () -> ports.listenAs(running);
                back.runLogged();
                throw e;
            }
            this.config = next;
        }
    }

    /**
     * Sets the top-level {@code ipv6} as a dashboard's {@code PATCH /configs} does in mihomo: names looked up from
     * now on lead to IPv4 addresses alone when false. The DNS server's AAAA answers and the TUN stay as they started.
     */
    public synchronized void useIpv6(boolean on) {
        this.config = config.withIpv6(on);
    }

    /** Has the instance lock claim each port and the TUN Turnout opens while running, and give back each it closes. */
    public void claimWith(InstanceClaims claims) {
        this.claims = claims;
        ports.claimWith(claims);
    }

    /** The DNS service of the {@code dns:} section, or {@code null} while {@code dns.enable} is off. */
    public DnsService dns() {
        return dns.on() ? dns : null;
    }

    @Override
    public void close() {
        ports.close();
        TunInbound tun;
        synchronized (this) {
            tun = tunInbound; // the claim stays: the instance lock goes once everything is closed
            tunInbound = null;
            tunView = null;
        }
        if (tun != null) {
            endFlowsThrough(tun);
            tun.close();
        }
        groups.close();
        dashboardStorage.close();
        tunnel.flows().closeAll();
        retirement.close();
        router.current().outbounds().close();
        dns.close(); // saves the fake-IP mappings
        // Bounded, so that a stuck loop can never keep a stopping Turnout (and its routes) alive.
        workers.shutdownGracefully(0, 2, TimeUnit.SECONDS).awaitUninterruptibly(10, TimeUnit.SECONDS);
        boss.shutdownGracefully(0, 2, TimeUnit.SECONDS).awaitUninterruptibly(10, TimeUnit.SECONDS);
        blocking.shutdownNow();
        resolver.close();
    }
}
