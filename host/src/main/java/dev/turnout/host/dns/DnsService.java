package dev.turnout.host.dns;

import dev.turnout.api.Resolver;
import dev.turnout.host.dial.SocketBinder;
import dev.turnout.host.dial.layer.TlsLayer;
import dev.turnout.rules.NameResolver;
import io.netty.channel.EventLoop;
import io.netty.channel.EventLoopGroup;
import io.netty.util.concurrent.Future;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Predicate;
import java.util.function.Supplier;

/**
 * The DNS parts built from {@link DnsOptions} and owned together: fake-IP pools (with their cache file),
 * the upstream resolver, the handler the TUN's DNS hijack calls, and the {@code dns.listen} server.
 * Closing it stops the server and saves the pools.
 *
 * <p>It exists while {@code dns.enable} is off too, switched off ({@link #on()}), so that a reload can switch it on
 * as mihomo's does: what was wired to it at the start (the outbounds' lookups, the rules', the TUN's hijack) then
 * follows the switch.
 */
public final class DnsService implements AutoCloseable {

    /** Pool size bound for IPv6 fake ranges (memory: about 20 bytes per slot plus the names). */
    public static final int MAX_V6_SLOTS = 1 << 16;
    /**
     * Pool size bound for IPv4 fake ranges: four times the default /16. Templates write {@code 28.0.0.1/8}, whose
     * 16.7 million slots took 270 MB of heap; mihomo's pool holds a bounded number of names whatever the range.
     */
    public static final int MAX_V4_SLOTS = 1 << 18;

    /** The fake-IP pools and their cache, once fake-ip mode has run; kept when a reload leaves the mode. */
    private final AtomicReference<FakePools> fakes;
    /** What new pools set aside, and where they persist ({@code null}: in memory). */
    private final Collection<Cidr> excluded;
    private final Path cacheFile;
    private final UpstreamResolver upstream;
    private final DnsHandler handler;
    /** The {@code dns.listen} server, or {@code null}; a reload may move it. */
    private DnsServer server; // guarded by this
    /** Where {@code dns.listen} asks to listen now, for {@link #ownAddress}; {@code null} for nowhere. */
    private final AtomicReference<InetSocketAddress> listen;
    private final MatchersView matchers;
    /**
     * {@code proxy-server-nameserver} and {@code direct-nameserver}, or {@code null} for {@link #upstream}; a reload
     * may add or remove them ({@link #retargetOutbound}).
     */
    private volatile UpstreamResolver forProxyServers;
    private volatile UpstreamResolver forDirect;
    /** Makes the resolvers a reload adds, as the start made its own. */
    private final ResolverMaker resolvers;
    /** {@code dns.enable}: while off, Turnout's own lookups ask the system and nothing is answered from here. */
    private volatile boolean on;
    private volatile Through through = Through.NONE;
    private final EventLoopGroup group;
    /** The system's hosts file after {@code hosts:} ({@code dns.use-system-hosts}), or {@code null}. */
    private volatile SystemHosts systemHosts;
    /** The loopback server of dns outbounds' streams, once one has asked for it. */
    private DnsServer forOutbounds;

    /** Fake-IP pools of both families and the store that keeps them ({@code null} when in memory only). */
    private record FakePools(FakeIpPool v4, FakeIpPool v6, FakeIpStore store) {

        static FakePools open(DnsOptions options, Collection<Cidr> excluded, Path cacheFile) {
            FakeIpPool v4 = new FakeIpPool(options.fakeIpRange(), excluded, MAX_V4_SLOTS);
            FakeIpPool v6 = options.fakeIpRange6() == null ? null
                    : new FakeIpPool(options.fakeIpRange6(), excluded, MAX_V6_SLOTS);
            FakeIpStore store = null;
            if (cacheFile != null) {
                List<FakeIpPool> pools = new ArrayList<>();
                pools.add(v4);
                if (v6 != null) {
                    pools.add(v6);
                }
                store = new FakeIpStore(cacheFile, pools);
                store.open();
            }
            return new FakePools(v4, v6, store);
        }
    }

    private DnsService(AtomicReference<FakePools> fakes, Collection<Cidr> excluded, Path cacheFile,
            UpstreamResolver upstream, DnsHandler handler, DnsServer server, AtomicReference<InetSocketAddress> listen,
            MatchersView matchers, UpstreamResolver forProxyServers, UpstreamResolver forDirect,
            ResolverMaker resolvers, EventLoopGroup group, SystemHosts systemHosts, boolean on) {
        this.resolvers = resolvers;
        this.group = group;
        this.listen = listen;
        this.systemHosts = systemHosts;
        this.fakes = fakes;
        this.excluded = excluded;
        this.cacheFile = cacheFile;
        this.upstream = upstream;
        this.handler = handler;
        this.server = server;
        this.matchers = matchers;
        this.forProxyServers = forProxyServers;
        this.forDirect = forDirect;
        this.on = on;
    }

    /**
     * Builds and starts everything.
     *
     * @param options   the parsed {@code dns:} and {@code hosts:} sections ({@link DnsOptions#defaults()}: switched
     *                  off, for a reload to switch on)
     * @param excluded  prefixes none of whose addresses the pools hand out (the TUN's subnets, e.g.
     *                  198.18.0.0/30, and its NAT peer)
     * @param cacheFile where fake-IP mappings persist (with a journal beside it); {@code null} for none
     * @param group     event loops from {@code Transport.newGroup}
     * @param binder    binds upstream sockets to the physical interface ({@link SocketBinder#NONE} without TUN)
     * @param settings  upstream timeouts and cache size
     * @throws IllegalArgumentException on invalid options (e.g. a bad fake-ip-filter pattern)
     * @throws IOException              when {@code dns.listen} cannot be bound (nothing stays open then)
     */
    public static DnsService start(DnsOptions options, Collection<Cidr> excluded, Path cacheFile,
            EventLoopGroup group, SocketBinder binder, UpstreamResolver.Settings settings)
            throws IOException, InterruptedException {
        return start(options, excluded, cacheFile, group, binder, settings, true);
    }

    /**
     * As {@link #start(DnsOptions, Collection, Path, EventLoopGroup, SocketBinder, UpstreamResolver.Settings)};
     * with {@code listenNow} false the {@code dns.listen} socket is opened later, by {@link #openListener}: a start
     * opens it once the config has been validated, not before a refusal.
     */
    public static DnsService start(DnsOptions options, Collection<Cidr> excluded, Path cacheFile,
            EventLoopGroup group, SocketBinder binder, UpstreamResolver.Settings settings, boolean listenNow)
            throws IOException, InterruptedException {
        SystemHosts system = options.systemHosts() == null ? null : new SystemHosts(options.systemHosts());
        HostsTable hosts = new HostsTable(options.hosts(), options.hostAliases(), system);
        MatchersView matchers = new MatchersView();
        FakeIpFilter filter = new FakeIpFilter(options.fakeIpFilter(), options.fakeIpFilterMode(), matchers);
        AtomicReference<FakePools> pools = new AtomicReference<>(options.enhancedMode() == EnhancedMode.FAKE_IP
                ? FakePools.open(options, excluded, cacheFile) : null);
        FakePools fakes = pools.get();
        FakeIpPool pool4 = fakes == null ? null : fakes.v4();
        FakeIpPool pool6 = fakes == null ? null : fakes.v6();
        FakeIpStore store = fakes == null ? null : fakes.store();
        TlsLayer tls = TlsLayer.fromEnvironment();
        AtomicReference<InetSocketAddress> listen = new AtomicReference<>(options.enable() ? options.listen() : null);
        Predicate<InetAddress> own = ownAddress(() -> fakeRanges(pools.get(), options), excluded, listen::get);
        ResolverMaker resolvers = (servers, ipv6) -> {
            UpstreamResolver r = new UpstreamResolver(servers, hosts, ipv6, group, binder, tls, own, settings);
            r.useMatchers(matchers);
            return r;
        };
        // Turnout's own lookups ask for AAAA whatever dns.ipv6 says, as mihomo's LookupIP: dns.ipv6 is about the
        // answers its DNS server gives, and the top-level ipv6 gates the dialling (Ipv6Gate). Asked only with it, an
        // IPv6-only name was unreachable under mihomo's default dns.ipv6: false (s69's IPv6 tester, F5).
        UpstreamResolver upstream = resolvers.make(UpstreamResolver.Servers.of(options), true);
        UpstreamResolver[] outbound = new UpstreamResolver[2];
        UpstreamResolver.Servers[] servers = outboundServers(options);
        for (int i = 0; i < 2; i++) {
            if (servers[i] != null) {
                outbound[i] = resolvers.make(servers[i], true);
            }
        }
        DnsHandler handler = new DnsHandler(options, pool4, pool6, filter, hosts, upstream, store);
        DnsServer server = null;
        if (listenNow && listen.get() != null) {
            try {
                server = new DnsServer(listen.get(), handler, group).start();
            } catch (IOException | RuntimeException | InterruptedException e) {
                if (store != null) {
                    store.close();
                }
                upstream.close();
                for (UpstreamResolver r : outbound) {
                    if (r != null) {
                        r.close();
                    }
                }
                throw e;
            }
        }
        return new DnsService(pools, List.copyOf(excluded), cacheFile, upstream, handler, server, listen, matchers,
                outbound[0], outbound[1], resolvers, group, system, options.enable());
    }

    /** An upstream resolver for these servers, made as the start makes them. */
    private interface ResolverMaker {
        UpstreamResolver make(UpstreamResolver.Servers servers, boolean ipv6);
    }

    /** How nameservers that name an outbound ({@code #PROXY}) reach it; every resolver here gets it. */
    public void sendThrough(Through through) {
        this.through = through;
        upstream.sendThrough(through);
        for (UpstreamResolver r : new UpstreamResolver[] {forProxyServers, forDirect}) {
            if (r != null) {
                r.sendThrough(through);
            }
        }
    }

    /**
     * The servers of {@code proxy-server-nameserver} and of {@code direct-nameserver}, each {@code null} when not
     * written. As in mihomo, proxy servers' names follow {@code nameserver-policy}; DIRECT's only when
     * {@code direct-nameserver-follow-policy} says so.
     */
    public static UpstreamResolver.Servers[] outboundServers(DnsOptions options) {
        OutboundNameservers o = options.outbound();
        return new UpstreamResolver.Servers[] {
            o.proxyServer().isEmpty() ? null : new UpstreamResolver.Servers(o.proxyServer(),
                    options.nameserverPolicy(), options.defaultNameserver()),
            o.direct().isEmpty() ? null : new UpstreamResolver.Servers(o.direct(),
                    o.directFollowsPolicy() ? options.nameserverPolicy() : Map.of(), options.defaultNameserver())};
    }

    /** What looks up the names of proxy servers: {@code proxy-server-nameserver}, else {@link #upstream}. */
    public UpstreamResolver forProxyServers() {
        UpstreamResolver r = forProxyServers;
        return r != null ? r : upstream;
    }

    /** What looks up the names DIRECT connects to: {@code direct-nameserver}, else {@link #upstream}. */
    public UpstreamResolver forDirect() {
        UpstreamResolver r = forDirect;
        return r != null ? r : upstream;
    }

    /**
     * Whether Turnout's own lookups go to the servers here: while on and with servers to ask (a DNS without
     * {@code nameserver} leaves them to the system's resolver).
     */
    public boolean answersOwnLookups() {
        return on && upstream.hasServers();
    }

    /**
     * What looks up the names Turnout connects to, as it is at each lookup, for what is made once (the dialer):
     * {@link #upstream} while {@link #answersOwnLookups}, else {@code otherwise}.
     */
    public Resolver names(Resolver otherwise) {
        return new Current(() -> answersOwnLookups() ? upstream : otherwise);
    }

    /**
     * How rules that need an address (GEOIP, IP-CIDR) look a name up: with {@link #upstream} while
     * {@link #answersOwnLookups}, else with {@code otherwise}, at each lookup; a name that does not resolve has none.
     * {@code run} and {@code turnout match} both ask here, so that they decide alike.
     */
    public NameResolver forRules(NameResolver otherwise) {
        return domain -> {
            if (!answersOwnLookups()) {
                return otherwise.resolve(domain);
            }
            try {
                return List.of(upstream.lookup(domain));
            } catch (UnknownHostException e) {
                return List.of();
            }
        };
    }

    /** {@link #forProxyServers()} while {@link #answersOwnLookups}, else {@code otherwise}, at each lookup. */
    public Resolver proxyServerNames(Resolver otherwise) {
        return new Current(() -> answersOwnLookups() ? forProxyServers() : otherwise);
    }

    /** {@link #forDirect()} while {@link #answersOwnLookups}, else {@code otherwise}, at each lookup. */
    public Resolver directNames(Resolver otherwise) {
        return new Current(() -> answersOwnLookups() ? forDirect() : otherwise);
    }

    /** A resolver that asks the one a reload left in place, at each lookup. */
    private record Current(Supplier<Resolver> now) implements Resolver {
        @Override
        public Future<InetAddress> resolve(String host, EventLoop loop) {
            return now.get().resolve(host, loop);
        }

        @Override
        public Future<List<InetAddress>> resolveAll(String host, EventLoop loop) {
            return now.get().resolveAll(host, loop);
        }
    }

    /**
     * Points the resolvers of {@code proxy-server-nameserver} and {@code direct-nameserver} at {@code next}'s servers:
     * one {@code next} adds is made, one it drops is closed (its names go to {@link #upstream} again), as mihomo's
     * reload builds them anew.
     */
    public synchronized void retargetOutbound(DnsOptions next) {
        UpstreamResolver.Servers[] servers = outboundServers(next);
        forProxyServers = retargeted(forProxyServers, servers[0]);
        forDirect = retargeted(forDirect, servers[1]);
    }

    private UpstreamResolver retargeted(UpstreamResolver running, UpstreamResolver.Servers servers) {
        if (servers == null) {
            if (running != null) {
                running.close(); // lookups on their way finish or fail; the next ones go to upstream
            }
            return null;
        }
        if (running == null) {
            UpstreamResolver made = resolvers.make(servers, true);
            made.sendThrough(through);
            return made;
        }
        running.retarget(servers);
        return running;
    }

    /** What the filters and the policy ask, replaced when the rules are compiled again. */
    private static final class MatchersView implements DnsMatchers {
        private volatile DnsMatchers current = DnsMatchers.NONE;

        @Override
        public boolean contains(String key, String name) {
            return current.contains(key, name);
        }

        @Override
        public boolean distrusts(java.net.InetAddress answer) {
            return current.distrusts(answer);
        }

        @Override
        public boolean fallbackOnly(String name) {
            return current.fallbackOnly(name);
        }

        @Override
        public boolean realIpByRules(String name) {
            return current.realIpByRules(name);
        }

        @Override
        public boolean containsAddress(String key, java.net.InetAddress address) {
            return current.containsAddress(key, address);
        }
    }

    /**
     * Answers {@code next}'s {@code hosts:} (what {@code use-hosts} leaves of it) from the next query on, in the DNS's
     * answers and its own lookups alike (a reload changed them); the system's hosts file stays after them.
     */
    public void useHosts(DnsOptions next) {
        handler.useHosts(next.hosts(), next.hostAliases());
    }

    /**
     * Answers from the system's hosts file after {@code hosts:} from the next query on, or not, as {@code next}'s
     * {@code use-system-hosts} says (a reload changed it).
     *
     * @return the hosts file now asked, {@code null} for none
     */
    public SystemHosts useSystemHosts(DnsOptions next) {
        SystemHosts now = systemHosts;
        if (next.systemHosts() == null) {
            now = null;
        } else if (now == null || !now.file().equals(next.systemHosts())) {
            now = new SystemHosts(next.systemHosts());
        }
        systemHosts = now;
        handler.useSystemHosts(now);
        return now;
    }

    /**
     * Whether AAAA questions are answered, from the next on (a reload changed {@code dns.ipv6} or the top-level
     * {@code ipv6}); Turnout's own lookups are not this switch's (see {@link #create}).
     */
    public void useIpv6(boolean on) {
        handler.useIpv6(on);
    }

    /**
     * Has {@code next}'s {@code fake-ip-filter} and {@code fake-ip-filter-mode} decide, from the next query on, which
     * names get real answers (a reload changed them); names mapped already keep their fake addresses.
     */
    public void useFakeIpFilter(DnsOptions next) {
        handler.useFilter(new FakeIpFilter(next.fakeIpFilter(), next.fakeIpFilterMode(), matchers));
    }

    /**
     * Where {@code fake-ip-filter}'s and {@code nameserver-policy}'s {@code geosite:} and {@code rule-set:} entries
     * and {@code fallback-filter} are looked up from now on (compiled with the rules; until the first are given, no
     * set matches and every answer is trusted).
     */
    public void useMatchers(DnsMatchers compiled) {
        matchers.current = compiled;
    }

    /**
     * The fake ranges: the pools' once fake-ip mode has run (a DNS started off or in another mode made them at a
     * reload, with that config's ranges), else the start's.
     */
    private static List<Cidr> fakeRanges(FakePools pools, DnsOptions start) {
        List<Cidr> out = new ArrayList<>(2);
        if (pools != null) {
            out.add(pools.v4().range());
            if (pools.v6() != null) {
                out.add(pools.v6().range());
            }
        } else {
            out.add(start.fakeIpRange());
            if (start.fakeIpRange6() != null) {
                out.add(start.fakeIpRange6());
            }
        }
        return out;
    }

    /**
     * Whether an address is Turnout's own DNS (a fake range, the TUN's addresses, or where {@code dns.listen} takes
     * port 53), so that the {@code system} nameserver never sends Turnout's queries back to Turnout.
     */
    static Predicate<InetAddress> ownAddress(Supplier<List<Cidr>> fakeRanges, Collection<Cidr> excluded,
            Supplier<InetSocketAddress> listening) {
        return a -> {
            InetSocketAddress listen = listening.get();
            return fakeRanges.get().stream().anyMatch(c -> c.contains(a))
                    || excluded.stream().anyMatch(c -> c.contains(a))
                    || listen != null && listen.getPort() == 53
                            && (listen.getAddress().isAnyLocalAddress() ? a.isLoopbackAddress() || isLocal(a)
                                    : listen.getAddress().equals(a));
        };
    }

    private static boolean isLocal(InetAddress a) {
        try {
            return java.net.NetworkInterface.getByInetAddress(a) != null;
        } catch (java.net.SocketException e) {
            return false;
        }
    }

    /**
     * IPv4 fake pool; {@code null} until fake-ip mode has run (a reload that leaves the mode keeps it, so the flows
     * to addresses given out still find their names). Reverse lookups and flow pins go here.
     */
    public FakeIpPool pool4() {
        FakePools f = fakes.get();
        return f == null ? null : f.v4();
    }

    /** IPv6 fake pool; {@code null} without {@code fake-ip-range6}. */
    public FakeIpPool pool6() {
        FakePools f = fakes.get();
        return f == null ? null : f.v6();
    }

    /** The name behind a fake address of either family, or {@code null}. */
    public String fakeName(InetAddress address) {
        FakeIpPool p = address.getAddress().length == 4 ? pool4() : pool6();
        return p == null ? null : p.nameOf(address);
    }

    /**
     * The name this server's real answer gave {@code address} for, while the DNS is on in redir-host or fake-ip mode
     * (mihomo's mapping): {@code null} otherwise.
     */
    public String answeredName(InetAddress address) {
        return on ? handler.answeredName(address) : null;
    }

    /** Whether the server answers from {@code hosts:} from the next query on (a reload changed {@code use-hosts}). */
    public void useHostsAnswers(DnsOptions next) {
        handler.answerHosts(next.useHosts());
    }

    /** The {@code enhanced-mode} the server answers in now. */
    public EnhancedMode enhancedMode() {
        return handler.mode();
    }

    /** True when {@code address} lies in a fake range (so a flow to it without a mapping must be refused). */
    public boolean isFake(InetAddress address) {
        FakeIpPool p = address.getAddress().length == 4 ? pool4() : pool6();
        return p != null && p.inRange(address);
    }

    /**
     * Answers in {@code next}'s {@code enhanced-mode} from the next query on, as mihomo's reload does: into fake-ip
     * mode with pools made now (or those of an earlier fake-ip time, whose mappings hold), out of it with the pools
     * kept, so that the flows to fake addresses already given out still find their names.
     *
     * @return the keys that need a restart: a fake range other than the pools'. The mode switches all the same, on
     *     the pools there are: kept as it was, the DNS went on answering real addresses unsaid (readme tester F4)
     */
    public synchronized List<String> useMode(DnsOptions next) {
        List<String> restart = rangesNeedingRestart(next);
        if (next.enhancedMode() == EnhancedMode.FAKE_IP && fakes.get() == null) {
            FakePools f = FakePools.open(next, excluded, cacheFile);
            fakes.set(f);
            handler.usePools(f.v4(), f.v6(), f.store());
        }
        handler.useMode(next.enhancedMode());
        return restart;
    }

    /**
     * The keys of {@code next}'s fake ranges that only a restart changes: in fake-ip mode, a range other than the
     * pools' once they exist (the fake addresses given out are in theirs). Empty when {@link #useMode} can take it.
     */
    public List<String> rangesNeedingRestart(DnsOptions next) {
        FakePools f = fakes.get();
        if (next.enhancedMode() != EnhancedMode.FAKE_IP || f == null) {
            return List.of();
        }
        List<String> restart = new ArrayList<>();
        if (!f.v4().range().equals(next.fakeIpRange())) {
            restart.add("dns.fake-ip-range");
        }
        if (!java.util.Objects.equals(f.v6() == null ? null : f.v6().range(), next.fakeIpRange6())) {
            restart.add("dns.fake-ip-range6");
        }
        return restart;
    }

    public UpstreamResolver upstream() {
        return upstream;
    }

    /** {@code dns.enable} as it is now. */
    public boolean on() {
        return on;
    }

    /**
     * Switches the DNS on or off for what asks {@link #on()} from now on (a reload changed {@code dns.enable}); the
     * listener moves with {@link #listenOn}, the other parts with their own calls. Off, the pools stay, so that the
     * fake addresses given out still lead to their names.
     */
    public void switchOn(boolean on) {
        this.on = on;
    }

    /** The system's hosts file the DNS answers from after {@code hosts:}, or {@code null} when it does not. */
    public SystemHosts systemHosts() {
        return systemHosts;
    }

    public DnsHandler handler() {
        return handler;
    }

    /**
     * Opens the {@code dns.listen} socket of a service started without it; nothing when it is open or unset.
     *
     * @throws IOException when it cannot be bound
     */
    public synchronized void openListener() throws IOException, InterruptedException {
        if (server == null && listen.get() != null) {
            server = new DnsServer(listen.get(), handler, group).start();
        }
    }

    /** The listening server, or {@code null} when {@code dns.listen} is unset or DNS is disabled. */
    public synchronized DnsServer server() {
        return server;
    }

    /**
     * Listens on {@code next} from now on ({@code null}: nowhere), as mihomo's reload recreates its server when
     * {@code dns.listen} changed; queries on their way through the old server are answered. On a new port the new
     * server opens before the old one closes; on the old port (another address) the old one must close first, and
     * is opened again if the new one cannot be.
     *
     * @throws IOException when {@code next} cannot be bound; the server that ran then still runs
     */
    public synchronized void listenOn(InetSocketAddress next) throws IOException, InterruptedException {
        DnsServer old = server;
        InetSocketAddress was = listen.get();
        if (java.util.Objects.equals(was, next)) {
            return;
        }
        boolean samePort = old != null && next != null && was.getPort() == next.getPort() && next.getPort() != 0;
        if (samePort) {
            old.close();
        }
        DnsServer opened;
        try {
            opened = next == null ? null : new DnsServer(next, handler, group).start();
        } catch (IOException | RuntimeException | InterruptedException e) {
            if (samePort) {
                server = new DnsServer(was, handler, group).start();
            }
            throw e;
        }
        server = opened;
        listen.set(next);
        if (old != null && !samePort) {
            old.close();
        }
    }

    /**
     * Where dns outbounds carry the DNS-over-TCP streams routed to them: a server on a loopback port answering with
     * this handler, started at the first call (blocking: never on an event loop) and closed with the service.
     */
    public synchronized InetSocketAddress tcpForOutbounds() throws IOException, InterruptedException {
        if (forOutbounds == null) {
            forOutbounds = new DnsServer(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), handler, group)
                    .start();
        }
        return forOutbounds.tcpAddress();
    }

    /**
     * Forgets every fake-IP mapping no open flow holds ({@code POST /cache/fakeip/flush}) and saves what is left
     * to the cache file, so a restart does not bring them back.
     *
     * @return how many mappings were dropped
     */
    public int flushFakeIp() throws java.io.IOException {
        FakePools f = fakes.get();
        if (f == null) {
            return 0;
        }
        int dropped = f.v4().flush() + (f.v6() == null ? 0 : f.v6().flush());
        if (f.store() != null) {
            f.store().save();
        }
        return dropped;
    }

    @Override
    public void close() {
        synchronized (this) {
            if (server != null) {
                server.close();
            }
            if (forOutbounds != null) {
                forOutbounds.close();
            }
        }
        FakePools f = fakes.get();
        if (f != null && f.store() != null) {
            f.store().close();
        }
        upstream.close();
        for (UpstreamResolver r : new UpstreamResolver[] {forProxyServers, forDirect}) {
            if (r != null) {
                r.close();
            }
        }
    }
}
