package dev.turnout.host.runtime;

import dev.turnout.host.config.Config;
import dev.turnout.host.config.ConfigException;
import dev.turnout.host.dial.HostDialer;
import dev.turnout.host.dial.SocketBinder;
import dev.turnout.host.dial.SystemResolver;
import dev.turnout.host.dial.Transport;
import dev.turnout.host.flow.FlowTable;
import dev.turnout.host.inbound.mixed.MixedInbound;
import dev.turnout.api.Resolver;
import dev.turnout.host.dns.Cidr;
import dev.turnout.host.dns.DnsOptions;
import dev.turnout.host.dns.DnsService;
import dev.turnout.host.dns.UpstreamResolver;
import dev.turnout.host.platform.IpPrefix;
import dev.turnout.host.platform.Platform;
import dev.turnout.host.tun.DnsHijack;
import dev.turnout.host.tunnel.Tunnel;
import dev.turnout.host.tun.TunInbound;
import dev.turnout.host.tun.TunOptions;
import java.io.IOException;
import dev.turnout.host.outbound.GroupSupervisor;
import dev.turnout.host.outbound.OutboundFactory;
import dev.turnout.host.outbound.ProxyGroup;
import dev.turnout.host.outbound.Selections;
import dev.turnout.host.plugin.PluginHost;
import dev.turnout.host.route.Router;
import dev.turnout.host.route.Routing;
import dev.turnout.host.route.RoutingCompiler;
import dev.turnout.host.tunnel.DefaultTunnel;
import dev.turnout.rules.NameResolver;
import io.netty.channel.EventLoopGroup;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
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
    private final TunOptions tunOptions;
    private final DnsService dns;
    private final List<AutoCloseable> inbounds = new ArrayList<>();
    private final AtomicReference<SocketBinder> binder = new AtomicReference<>(SocketBinder.NONE);
    private volatile Config config;
    private MixedInbound mixed;

    private Turnout(Config config, PluginHost plugins) throws ConfigException, InterruptedException {
        this.config = config;
        this.plugins = plugins;
        this.resolver = new SystemResolver(hostsOf(config));
        this.boss = Transport.newGroup(1, "turnout-accept");
        this.workers = Transport.newGroup(Math.max(2, Runtime.getRuntime().availableProcessors()), "turnout-io");
        DnsService dnsService = null;
        try {
            // Both read before anything opens, so a bad section fails the start with its line and column.
            this.tunOptions = TunSettings.from(config);
            DnsOptions dnsOptions = DnsSettings.from(config);
            if (dnsOptions != null) {
                dnsService = DnsService.start(dnsOptions, excludedBy(tunOptions), config.baseDir().resolve(FAKE_IP_CACHE),
                        workers, channel -> binder.get().bind(channel), UpstreamResolver.Settings.defaults());
            }
            this.dns = dnsService;
            boolean upstream = dnsService != null && !dnsService.upstream().servers().isEmpty();
            Resolver names = upstream ? dnsService.upstream() : resolver;
            HostDialer hostDialer = new HostDialer(binder::get, names, CONNECT_TIMEOUT_MILLIS);
            this.compiler = new RoutingCompiler(new OutboundFactory(plugins.outboundTypes(), hostDialer, names));
            RoutingCompiler.Compiled compiled = compiler.compile(config, true);
            compiled.notes().forEach(n -> log.warn("{}", n));
            this.groups = new GroupSupervisor(workers, Selections.at(config.baseDir().resolve(Selections.FILE_NAME)));
            groups.adopt(compiled.routing().outbounds(), config.groups());
            this.blocking = new ThreadPoolExecutor(1, 16, 30, TimeUnit.SECONDS, new LinkedBlockingQueue<>(4096), r -> {
                Thread t = new Thread(r, "turnout-decide");
                t.setDaemon(true);
                return t;
            });
            DnsService d = dnsService;
            NameResolver forRules = domain -> {
                try {
                    return List.of(upstream ? d.upstream().lookup(domain) : resolver.lookup(domain));
                } catch (UnknownHostException e) {
                    return List.of();
                }
            };
            this.router = new Router(compiled.routing(), forRules);
            this.tunnel = new DefaultTunnel(router, new FlowTable(MAX_FLOWS), blocking, IDLE_SECONDS);
            if (dnsService != null && dnsService.pool4() != null) {
                tunnel.useFakeIps(new PoolFakeIps(dnsService));
            }
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

    /** Builds everything and opens the inbounds; on any failure nothing stays open. */
    public static Turnout start(Config config, PluginHost plugins) throws ConfigException, InterruptedException {
        Turnout t = new Turnout(config, plugins);
        try {
            t.openInbounds();
        } catch (RuntimeException | InterruptedException | ConfigException e) {
            t.close();
            throw e;
        } catch (IOException e) {
            t.close();
            throw new IllegalStateException("cannot start the TUN: " + e.getMessage(), e);
        }
        return t;
    }

    private void openInbounds() throws InterruptedException, ConfigException, IOException {
        InetAddress bind = address(config.bindAddress());
        for (int port : new int[] {config.mixedPort(), config.socksPort(), config.httpPort()}) {
            if (port > 0 && inbounds.stream().noneMatch(i -> i instanceof MixedInbound m && m.localAddress().getPort() == port)) {
                MixedInbound m = MixedInbound.bind(new InetSocketAddress(bind, port), boss, workers, tunnel);
                inbounds.add(m);
                if (mixed == null) {
                    mixed = m;
                }
                log.info("mixed proxy (SOCKS5 and HTTP) listening on {}", m.localAddress());
            }
        }
        if (tunOptions != null) {
            Platform platform = Platform.current();
            DnsHijack hijack = dns == null ? null : (query, loop) -> {
                try {
                    return dns.handler().handle(query, true, loop);
                } finally {
                    query.release();
                }
            };
            Tunnel tunFlows = dns == null ? tunnel : TcpDnsHijack.wrap(tunnel, dns.handler(), tunOptions.dnsHijack());
            TunInbound tun = TunInbound.start(tunOptions, tunFlows, platform, workers, hijack);
            inbounds.add(0, tun);
            // Every socket Turnout opens for itself leaves through the physical interface, never the TUN.
            useSocketBinder(channel -> {
                String physical = tun.outboundInterface();
                if (physical != null) {
                    platform.bindToInterface(channel, physical);
                }
            });
            log.info("TUN {} up{}; own connections leave through {}", tun.deviceName(),
                    tunOptions.autoRoute() ? ", capturing all traffic" : "", tun.outboundInterface());
        }
    }

    private static InetAddress address(String text) {
        try {
            return InetAddress.getByName(text);
        } catch (UnknownHostException e) {
            throw new IllegalArgumentException("bind-address '" + text + "' is not an address");
        }
    }

    private static Map<String, List<InetAddress>> hostsOf(Config config) throws ConfigException {
        Map<String, List<InetAddress>> out = new java.util.HashMap<>();
        for (Map.Entry<String, List<String>> e : config.hosts().entrySet()) {
            List<InetAddress> addresses = new ArrayList<>();
            for (String a : e.getValue()) {
                if (!io.netty.util.NetUtil.isValidIpV4Address(a) && !io.netty.util.NetUtil.isValidIpV6Address(a)) {
                    throw new ConfigException(new dev.turnout.rules.Origin(config.displayName(), 0, 0),
                            "hosts: '" + e.getKey() + "' maps to '" + a + "', which is not an IP address");
                }
                try {
                    addresses.add(InetAddress.getByAddress(e.getKey(), io.netty.util.NetUtil.createByteArrayFromIpAddressString(a)));
                } catch (UnknownHostException ex) {
                    throw new IllegalStateException(ex);
                }
            }
            out.put(e.getKey(), addresses);
        }
        return out;
    }

    /**
     * Re-reads rules, groups, outbounds and providers from {@code next} and swaps them in at once. Flows that
     * are open keep going on what they started with. On failure nothing changes and the error is thrown.
     */
    public synchronized void reload(Config next) throws ConfigException {
        RoutingCompiler.Compiled compiled = compiler.compile(next, true);
        compiled.notes().forEach(n -> log.warn("{}", n));
        Routing previous = router.current();
        carrySelections(previous, compiled.routing());
        groups.adopt(compiled.routing().outbounds(), next.groups());
        router.swap(compiled.routing());
        this.config = next;
        log.info("reloaded {}: {} rules, {} outbounds and groups", next.displayName(), compiled.routing().rules().size(),
                compiled.routing().outbounds().names().size());
    }

    /** A user's choice in a select group survives a reload when the group and the member still exist. */
    private static void carrySelections(Routing from, Routing to) {
        from.outbounds().all().forEach((name, o) -> {
            if (o instanceof ProxyGroup old && "select".equals(old.type())
                    && to.outbounds().get(name) instanceof ProxyGroup fresh && old.now() != null) {
                fresh.select(old.now());
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
    public GroupSupervisor groups() {
        return groups;
    }

    public PluginHost plugins() {
        return plugins;
    }

    public EventLoopGroup workers() {
        return workers;
    }

    /** The mixed port's address, or {@code null} when none is open. */
    public InetSocketAddress mixedAddress() {
        return mixed == null ? null : mixed.localAddress();
    }

    /** Sets how Turnout's own sockets are bound to the physical interface (the TUN mode does this). */
    public void useSocketBinder(SocketBinder socketBinder) {
        binder.set(socketBinder);
    }

    @Override
    public void close() {
        for (AutoCloseable c : inbounds) {
            try {
                c.close();
            } catch (Exception e) {
                log.debug("closing inbound", e);
            }
        }
        groups.close();
        tunnel.flows().closeAll();
        router.current().outbounds().close();
        if (dns != null) {
            dns.close(); // saves the fake-IP mappings
        }
        // Bounded, so that a stuck loop can never keep a stopping Turnout (and its routes) alive.
        workers.shutdownGracefully(0, 2, TimeUnit.SECONDS).awaitUninterruptibly(10, TimeUnit.SECONDS);
        boss.shutdownGracefully(0, 2, TimeUnit.SECONDS).awaitUninterruptibly(10, TimeUnit.SECONDS);
        blocking.shutdownNow();
        resolver.close();
    }
}
