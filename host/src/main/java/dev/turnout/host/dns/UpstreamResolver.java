package dev.turnout.host.dns;

import dev.turnout.api.Resolver;
import dev.turnout.host.dial.Causes;
import dev.turnout.host.dial.SocketBinder;
import dev.turnout.host.dial.Transport;
import dev.turnout.host.dial.layer.TlsLayer;
import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoop;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.socket.DatagramPacket;
import io.netty.handler.codec.LengthFieldBasedFrameDecoder;
import io.netty.handler.codec.dns.DefaultDnsQuery;
import io.netty.handler.codec.dns.DefaultDnsQuestion;
import io.netty.handler.codec.dns.DnsQuery;
import io.netty.handler.codec.dns.DnsRecordType;
import io.netty.handler.codec.dns.DnsResponseCode;
import io.netty.handler.codec.dns.DnsSection;
import io.netty.handler.codec.dns.TcpDnsQueryEncoder;
import io.netty.util.concurrent.Future;
import io.netty.util.concurrent.Promise;
import io.netty.util.concurrent.PromiseNotifier;
import io.netty.util.concurrent.ScheduledFuture;
import java.io.IOException;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

/**
 * Resolves names through the configured nameservers, never through the TUN: every socket it opens passes
 * through the {@link SocketBinder} first (the TUN owner binds it to the physical interface; a binder that
 * throws fails the query rather than letting it leak). UDP with TCP fallback when the answer is truncated. The
 * servers of one list are asked all at once, as mihomo's batchExchange asks them: the first usable answer wins and
 * ends the other exchanges, and the whole has mihomo's 5 s; answers are cached by TTL. {@code hosts:} entries and IP
 * literals never reach the network.
 *
 * <p>Each UDP query uses a fresh socket (random source port) and a random ID, and only a reply from the
 * queried server with the same ID and question is accepted. A query not answered is sent again on the same socket
 * with the same ID, so an answer to any of its tries is taken, however late within the budget.
 */
public final class UpstreamResolver implements Resolver, AutoCloseable {

    /**
     * @param resend       how long a UDP query waits before it is sent again (same socket, same ID)
     * @param budget       how long the servers of one list have to answer a question, together
     * @param cacheEntries bound on cached answers
     * @param ednsUdpSize  UDP payload size advertised upstream with EDNS(0); 0 sends no OPT record
     */
    public record Settings(Duration resend, Duration budget, int cacheEntries, int ednsUdpSize) {
        public Settings {
            if (resend.isNegative() || resend.isZero() || budget.isNegative() || budget.isZero() || cacheEntries < 0
                    || ednsUdpSize < 0 || ednsUdpSize > 65535) {
                throw new IllegalArgumentException("bad upstream resolver settings");
            }
        }

        /**
         * A UDP query sent again every 2 s, 5 s for an answer (mihomo's DefaultDNSTimeout), 4096 cached answers, EDNS
         * 1232 bytes (the DNS flag day size).
         */
        public static Settings defaults() {
            return new Settings(Duration.ofSeconds(2), Duration.ofSeconds(5), 4096, 1232);
        }

        /** {@code budget} for an answer, a UDP query sent again every 2 s within it. */
        public static Settings within(Duration budget, int cacheEntries, int ednsUdpSize) {
            Duration resend = budget.compareTo(Duration.ofSeconds(2)) < 0 ? budget : Duration.ofSeconds(2);
            return new Settings(resend, budget, cacheEntries, ednsUdpSize);
        }
    }

    /** Which servers are asked; replaced whole by {@link #retarget}. */
    private volatile Plan plan;
    private volatile DnsMatchers matchers = DnsMatchers.NONE;
    /** Where {@code #PROXY} nameservers' queries go; none until the outbounds exist. */
    private volatile Through through = Through.NONE;
    private final Predicate<InetAddress> own;
    private final TlsLayer tls;
    private final Map<Nameserver, TlsSession> sessions = new ConcurrentHashMap<>();
    private final HostsTable hosts;
    /** Whether {@link #resolveAll} asks for AAAA too; a reload may change it. */
    private volatile boolean ipv6;
    private final EventLoopGroup group;
    private final SocketBinder binder;
    private final Settings settings;
    private final ReplyCache cache;
    private final ConcurrentHashMap<String, Future<UpstreamReply>> inflight = new ConcurrentHashMap<>();
    private final long budgetMillis;
    private final long resendMillis;
    /** Decoding wants a sender; an encrypted answer's is the server, whose address the session alone knows. */
    private static final InetSocketAddress UNKNOWN_SENDER = new InetSocketAddress(0);

    /**
     * @param servers  tried in order ({@link DnsOptions#upstreams()})
     * @param hosts    answered before any query
     * @param ipv6     whether {@link #resolveAll} also asks for AAAA
     * @param group    event loops from {@link Transport#newGroup}, so channel and loop types match
     * @param binder   applied to each socket before it is used; {@link SocketBinder#NONE} without a TUN
     * @param settings timeouts, retries, cache size
     */
    public UpstreamResolver(List<Nameserver> servers, HostsTable hosts, boolean ipv6, EventLoopGroup group,
            SocketBinder binder, Settings settings) {
        this(Servers.of(servers), hosts, ipv6, group, binder, TlsLayer.fromEnvironment(), a -> false, settings);
    }

    /**
     * Which servers are asked.
     *
     * @param nameservers tried in order; {@link Nameserver#SYSTEM} stands for the machine's servers at the time of
     *                    each query
     * @param fallback    {@code fallback}: for addresses, asked when {@code nameserver} gave none that
     *                    {@code fallback-filter} trusts (as mihomo does), and for names the filter sends there alone;
     *                    for other questions, tried after {@code nameserver}
     * @param policy      a domain pattern or set ({@link DnsOptions#parsePolicy}) to the servers asked instead for the
     *                    names it matches, in order: the first entry that matches chooses, the most specific of
     *                    consecutive patterns
     * @param bootstrap   {@code default-nameserver}: looks up the host names of servers
     */
    public record Servers(List<Nameserver> nameservers, List<Nameserver> fallback,
            Map<String, List<Nameserver>> policy, List<Nameserver> bootstrap) {

        public Servers {
            nameservers = List.copyOf(nameservers);
            fallback = List.copyOf(fallback);
            policy = java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(policy));
            bootstrap = List.copyOf(bootstrap);
        }

        /** Without {@code fallback}. */
        public Servers(List<Nameserver> nameservers, Map<String, List<Nameserver>> policy, List<Nameserver> bootstrap) {
            this(nameservers, List.of(), policy, bootstrap);
        }

        /** Just these, for every name. */
        public static Servers of(List<Nameserver> nameservers) {
            return new Servers(nameservers, Map.of(), List.of());
        }

        /** What the {@code dns:} section names. */
        public static Servers of(DnsOptions options) {
            return new Servers(options.nameserver(), options.fallback(), options.nameserverPolicy(),
                    options.defaultNameserver());
        }

        /** {@code nameserver}, then {@code fallback}. */
        public List<Nameserver> all() {
            if (fallback.isEmpty()) {
                return nameservers;
            }
            List<Nameserver> out = new ArrayList<>(nameservers);
            out.addAll(fallback);
            return List.copyOf(out);
        }

        boolean any(Nameserver server) {
            return nameservers.contains(server) || fallback.contains(server) || bootstrap.contains(server)
                    || policy.values().stream().anyMatch(l -> l.contains(server));
        }
    }

    /**
     * @param servers   which servers are asked
     * @param hosts     answered before any query
     * @param ipv6      whether {@link #resolveAll} also asks for AAAA
     * @param group     event loops from {@link Transport#newGroup}, so channel and loop types match
     * @param binder    applied to each socket before it is used; {@link SocketBinder#NONE} without a TUN
     * @param tls       TLS for DoT and DoH (its trust store, {@code SSL_CERT_FILE})
     * @param own       addresses that are Turnout's own DNS, never asked as a {@code system} nameserver
     * @param settings  timeouts, retries, cache size
     */
    public UpstreamResolver(Servers servers, HostsTable hosts, boolean ipv6, EventLoopGroup group,
            SocketBinder binder, TlsLayer tls, Predicate<InetAddress> own, Settings settings) {
        this.own = own;
        this.tls = tls;
        this.hosts = hosts;
        this.ipv6 = ipv6;
        this.group = group;
        this.binder = binder;
        this.settings = settings;
        this.cache = new ReplyCache(settings.cacheEntries());
        this.budgetMillis = settings.budget().toMillis();
        this.resendMillis = settings.resend().toMillis();
        this.plan = plan(servers);
    }

    /**
     * The servers, the policy's trie, the resolver of server names and the machine's servers, as one value, so that
     * a query sees one config's servers, never half of two.
     */
    private record Plan(Servers servers, List<PolicyStep> policy, UpstreamResolver bootstrap, SystemNameservers system) {
    }

    /**
     * One step of {@code nameserver-policy}: domain patterns written one after another (the most specific that
     * matches chooses, as in mihomo's trie), or one set, asked of the {@link DnsMatchers}.
     */
    private record PolicyStep(DomainTrie<List<Nameserver>> patterns, String set, List<Nameserver> servers) {

        List<Nameserver> serversFor(String name, DnsMatchers sets) {
            if (patterns != null) {
                return patterns.match(name);
            }
            return sets.contains(set, DomainTrie.normalize(name)) ? servers : null;
        }
    }

    private static List<PolicyStep> steps(Map<String, List<Nameserver>> policy) {
        List<PolicyStep> steps = new ArrayList<>();
        DomainTrie<List<Nameserver>> run = null;
        for (Map.Entry<String, List<Nameserver>> e : policy.entrySet()) {
            if (DnsMatchers.keysOf(e.getKey()).isEmpty()) {
                if (run == null) {
                    run = new DomainTrie<>();
                    steps.add(new PolicyStep(run, null, null));
                }
                run.insert(e.getKey(), e.getValue());
            } else {
                run = null;
                steps.add(new PolicyStep(null, e.getKey(), e.getValue()));
            }
        }
        return List.copyOf(steps);
    }

    private Plan plan(Servers servers) {
        List<PolicyStep> policy = steps(servers.policy());
        UpstreamResolver bootstrap = servers.bootstrap().isEmpty() ? null : new UpstreamResolver(
                Servers.of(servers.bootstrap()), hosts, ipv6, group, binder, tls, own, settings);
        if (bootstrap != null) {
            bootstrap.through = through;
        }
        return new Plan(servers, policy, bootstrap,
                servers.any(Nameserver.SYSTEM) ? SystemNameservers.of(own) : null);
    }

    /**
     * Asks {@code next} from now on (a reload that changed the {@code dns:} servers). Questions on their way finish
     * with the servers they started with; cached answers are forgotten; the kept connections to servers that are
     * still named stay, the others are closed.
     */
    public void retarget(Servers next) {
        Plan old = plan;
        plan = plan(next);
        cache.clear();
        sessions.keySet().removeIf(ns -> {
            boolean gone = !next.any(ns);
            if (gone) {
                sessions.get(ns).close();
            }
            return gone;
        });
        if (old.bootstrap() != null) {
            old.bootstrap().close();
        }
    }

    /** Whether {@link #resolveAll} asks for AAAA too, from the next lookup on (a reload changed {@code dns.ipv6}). */
    public void useIpv6(boolean on) {
        this.ipv6 = on;
        UpstreamResolver bootstrap = plan.bootstrap();
        if (bootstrap != null) {
            bootstrap.useIpv6(on);
        }
    }

    /** Every server asked for names no policy entry matches: {@code nameserver}, then {@code fallback}. */
    /** Whether any server is asked (without, the DNS answers only from its hosts and fake pools). */
    public boolean hasServers() {
        Servers s = plan.servers();
        return !s.nameservers().isEmpty() || !s.fallback().isEmpty();
    }

    public List<Nameserver> servers() {
        return plan.servers().all();
    }

    /** The first address of {@code host}, IPv4 preferred; fails with {@link UnknownHostException}. */
    @Override
    public Future<InetAddress> resolve(String host, EventLoop loop) {
        Promise<InetAddress> p = loop.newPromise();
        resolveAll(host).addListener((Future<List<InetAddress>> f) -> {
            if (f.isSuccess()) {
                p.trySuccess(f.getNow().get(0));
            } else {
                p.tryFailure(f.cause());
            }
        });
        return p;
    }

    @Override
    public Future<List<InetAddress>> resolveAll(String host, EventLoop loop) {
        return io.netty.util.concurrent.PromiseNotifier.cascade(resolveAll(host), loop.<List<InetAddress>>newPromise());
    }

    /**
     * Blocking form for callers off the event loops (the rule engine resolving for IP rules): waits at most
     * for the budgets of {@code nameserver} and {@code fallback} to run out.
     */
    public InetAddress lookup(String host) throws UnknownHostException {
        Future<List<InetAddress>> f = resolveAll(host);
        try {
            if (!f.await(maxWaitMillis(), TimeUnit.MILLISECONDS)) {
                throw new UnknownHostException(host + ": resolution timed out");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new UnknownHostException(host + ": interrupted");
        }
        if (!f.isSuccess()) {
            UnknownHostException u = new UnknownHostException(about(host, f.cause().getMessage()));
            u.initCause(f.cause());
            throw u;
        }
        return f.getNow().get(0);
    }

    /**
     * Longest a resolution can take: the budget of {@code nameserver} and then that of {@code fallback}; a server
     * known by name is looked up within its list's budget.
     */
    long maxWaitMillis() {
        return budgetMillis * 2 + 1000;
    }

    /** The servers of the first {@code nameserver-policy} entry that matches {@code name}, or {@code null}. */
    private static List<Nameserver> policyServers(Plan p, String name, DnsMatchers matchers) {
        for (PolicyStep step : p.policy()) {
            List<Nameserver> chosen = step.serversFor(name, matchers);
            if (chosen != null) {
                return chosen;
            }
        }
        return null;
    }

    /**
     * Where {@code nameserver-policy}'s {@code geosite:} and {@code rule-set:} entries and {@code fallback-filter} are
     * looked up from now on: compiled with the rules, replaced when they are.
     */
    public void useMatchers(DnsMatchers compiled) {
        this.matchers = compiled;
    }

    /** {@code servers} now: {@code system} replaced by what {@code resolv.conf} names at this moment. */
    private static List<Nameserver> current(Plan p, List<Nameserver> servers) {
        SystemNameservers system = p.system();
        if (system == null || !servers.contains(Nameserver.SYSTEM)) {
            return servers;
        }
        List<Nameserver> out = new ArrayList<>();
        for (Nameserver ns : servers) {
            if (ns == Nameserver.SYSTEM) {
                out.addAll(system.current());
            } else {
                out.add(ns);
            }
        }
        return out;
    }

    /**
     * All addresses of {@code host}: IPv4 first, then IPv6 (only when IPv6 is enabled); never empty on success.
     * IP literals and {@code hosts:} entries are answered at once.
     */
    public Future<List<InetAddress>> resolveAll(String host) {
        EventLoop loop = group.next();
        InetAddress literal = IpLiteral.parse(host);
        if (literal != null) {
            return loop.newSucceededFuture(List.of(literal));
        }
        List<InetAddress> fixed = fromHosts(host);
        if (fixed != null) {
            return loop.newSucceededFuture(fixed);
        }
        Promise<List<InetAddress>> p = loop.newPromise();
        Future<UpstreamReply> a = query(host, DnsRecordType.A);
        Future<UpstreamReply> aaaa = ipv6 ? query(host, DnsRecordType.AAAA) : null;
        a.addListener(done -> {
            if (aaaa == null) {
                complete(p, host, a, null);
            } else {
                aaaa.addListener(done6 -> complete(p, host, a, aaaa));
            }
        });
        return p;
    }

    /** {@code host}'s addresses in {@code hosts:}, IPv4 first, or {@code null} when it has none there. */
    private List<InetAddress> fromHosts(String host) {
        HostsTable.Entry fixed = hosts.entry(host);
        if (fixed == null || fixed.all().isEmpty()) {
            return null;
        }
        List<InetAddress> ordered = new ArrayList<>(fixed.v4());
        ordered.addAll(fixed.v6());
        return List.copyOf(ordered);
    }

    private static void complete(Promise<List<InetAddress>> p, String host, Future<UpstreamReply> a,
            Future<UpstreamReply> aaaa) {
        List<InetAddress> out = new ArrayList<>();
        Throwable cause = null;
        for (Future<UpstreamReply> f : aaaa == null ? List.of(a) : List.of(a, aaaa)) {
            if (f.isSuccess()) {
                for (InetAddress addr : f.getNow().addresses()) {
                    if (f == a ? addr instanceof Inet4Address : !(addr instanceof Inet4Address)) {
                        out.add(addr);
                    }
                }
            } else {
                cause = f.cause();
            }
        }
        if (!out.isEmpty()) {
            p.trySuccess(List.copyOf(out));
        } else {
            UnknownHostException e = new UnknownHostException(cause == null ? host + ": no address"
                    : about(host, cause.getMessage()));
            if (cause != null) {
                e.initCause(cause);
            }
            p.tryFailure(e);
        }
    }

    /** {@code message} about {@code host}, which it names first once. */
    private static String about(String host, String message) {
        return message != null && message.startsWith(host + ": ") ? message : host + ": " + message;
    }

    /**
     * Asks upstream for {@code (name, type)}, or answers from the cache. Fails only when no server gave a
     * usable answer; a SERVFAIL or REFUSED from every server is returned as such.
     */
    Future<UpstreamReply> query(String host, DnsRecordType type) {
        EventLoop loop = group.next();
        String name;
        try {
            // Netty puts names through IDN.toASCII; do it here too so replies match the question asked.
            name = java.net.IDN.toASCII(host);
        } catch (IllegalArgumentException e) {
            return loop.newFailedFuture(new UnknownHostException(host + ": not a valid domain name"));
        }
        String key = type.intValue() + " " + DomainTrie.normalize(name);
        UpstreamReply cached = cache.get(key, System.nanoTime());
        if (cached != null) {
            return loop.newSucceededFuture(cached);
        }
        Plan p = plan;
        DnsMatchers filter = matchers;
        List<Nameserver> chosen = policyServers(p, name, filter);
        // mihomo's fallback-filter, for addresses: nameserver first, fallback when its answer is not trusted.
        boolean filtered = chosen == null && !p.servers().fallback().isEmpty()
                && (type.equals(DnsRecordType.A) || type.equals(DnsRecordType.AAAA));
        List<Nameserver> now = current(p, chosen != null ? chosen : p.servers().all());
        if (now.isEmpty()) {
            return loop.newFailedFuture(new UnknownHostException(name + ": no nameservers "
                    + (p.servers().all().isEmpty() ? "configured" : "to ask (the 'system' nameserver found none)")));
        }
        // Identical questions already on their way share one upstream exchange.
        Promise<UpstreamReply> answer = loop.newPromise();
        Future<UpstreamReply> existing = inflight.putIfAbsent(key, answer);
        if (existing != null) {
            return existing;
        }
        answer.addListener((Future<UpstreamReply> f) -> {
            // Cached before it leaves the in-flight map: between the two, the same question asked from another
            // thread found neither and went upstream again (UpstreamResolverTest saw two exchanges for one name).
            if (f.isSuccess()) {
                cache.put(key, f.getNow(), System.nanoTime());
            }
            inflight.remove(key, answer);
        });
        if (chosen != null || p.servers().fallback().isEmpty()) {
            loop.execute(() -> ask(answer, loop, name, type, now));
        } else if (!filtered) {
            // Other questions: nameserver's servers together, then fallback's when they gave nothing usable.
            loop.execute(() -> askInTurn(answer, loop, name, type, current(p, p.servers().nameservers()),
                    current(p, p.servers().fallback())));
        } else if (filter.fallbackOnly(DomainTrie.normalize(name))) {
            loop.execute(() -> ask(answer, loop, name, type, current(p, p.servers().fallback())));
        } else {
            loop.execute(() -> askFallbackUnlessTrusted(answer, loop, name, type, p, filter));
        }
        return answer;
    }

    /**
     * {@code nameserver}'s answer when it has addresses and {@code fallback-filter} distrusts none of them (as mihomo
     * does: a polluted answer is one from abroad, or in a listed range); else {@code fallback}'s, and
     * {@code nameserver}'s when {@code fallback} gave none.
     */
    private void askFallbackUnlessTrusted(Promise<UpstreamReply> answer, EventLoop loop, String name,
            DnsRecordType type, Plan p, DnsMatchers filter) {
        Promise<UpstreamReply> first = loop.newPromise();
        ask(first, loop, name, type, current(p, p.servers().nameservers()));
        first.addListener((Future<UpstreamReply> main) -> {
            if (main.isSuccess() && !main.getNow().addresses().isEmpty()
                    && main.getNow().addresses().stream().noneMatch(filter::distrusts)) {
                answer.trySuccess(main.getNow());
                return;
            }
            Promise<UpstreamReply> second = loop.newPromise();
            ask(second, loop, name, type, current(p, p.servers().fallback()));
            second.addListener((Future<UpstreamReply> fallback) -> {
                if (fallback.isSuccess()) {
                    answer.trySuccess(fallback.getNow());
                } else if (main.isSuccess()) {
                    answer.trySuccess(main.getNow());
                } else {
                    answer.tryFailure(fallback.cause());
                }
            });
        });
    }

    /**
     * {@code first}'s servers, and {@code then}'s when they gave no usable answer: {@code then}'s usable answer, else
     * the first list's bad one (SERVFAIL, REFUSED), else the second's result.
     */
    private void askInTurn(Promise<UpstreamReply> p, EventLoop loop, String name, DnsRecordType type,
            List<Nameserver> first, List<Nameserver> then) {
        Promise<UpstreamReply> one = loop.newPromise();
        ask(one, loop, name, type, first);
        one.addListener((Future<UpstreamReply> f) -> {
            if (f.isSuccess() && usable(f.getNow())) {
                p.trySuccess(f.getNow());
                return;
            }
            Promise<UpstreamReply> two = loop.newPromise();
            ask(two, loop, name, type, then);
            two.addListener((Future<UpstreamReply> g) -> {
                if (g.isSuccess() && usable(g.getNow()) || !f.isSuccess()) {
                    PromiseNotifier.cascade(g, p);
                } else {
                    p.trySuccess(f.getNow());
                }
            });
        });
    }

    /** An answer that ends the search: anything but SERVFAIL, REFUSED or one cut short. */
    private static boolean usable(UpstreamReply r) {
        return !(r.code().equals(DnsResponseCode.SERVFAIL) || r.code().equals(DnsResponseCode.REFUSED)
                || r.truncated());
    }

    /**
     * Asks every server of {@code servers} at once, as mihomo's batchExchange does, so that a dead or slow server
     * costs the others nothing: the first usable answer settles {@code p} and ends the other exchanges (their
     * sockets closed, their kept connections kept). A bad answer (SERVFAIL, REFUSED) waits for the others and
     * settles {@code p} only when none did better by the end. The whole has the budget (5 s); when it runs out, or
     * when every server failed before, {@code p} fails saying what each server did.
     */
    private void ask(Promise<UpstreamReply> p, EventLoop loop, String name, DnsRecordType type,
            List<Nameserver> servers) {
        if (servers.isEmpty()) {
            // nameserver empty beside fallback, or 'system' finding none: nothing to wait the budget for.
            p.tryFailure(new UnknownHostException(name + ": no nameservers to ask"));
            return;
        }
        List<Nameserver> order = new ArrayList<>(servers);
        // Made-up answers first: one that settles the question does so before any socket is opened.
        order.sort(java.util.Comparator.comparing(ns -> ns.protocol() != Nameserver.Protocol.RCODE));
        Batch batch = new Batch(p, name, order, budgetMillis);
        ScheduledFuture<?> budget = loop.schedule(batch::outOfTime, budgetMillis, TimeUnit.MILLISECONDS);
        p.addListener(f -> budget.cancel(false));
        for (Nameserver ns : order) {
            if (p.isDone()) {
                break;
            }
            Future<UpstreamReply> one;
            try {
                one = exchange(ns, loop, name, type, p);
            } catch (RuntimeException e) {
                one = loop.newFailedFuture(e);
            }
            one.addListener((Future<UpstreamReply> f) -> batch.done(ns, f));
        }
    }

    /** What the servers of one {@link #ask} did so far; touched only on its event loop. */
    private static final class Batch {
        private final Promise<UpstreamReply> p;
        private final String name;
        private final long budgetMillis;
        /** Per server, in the order asked: why it gave nothing usable, or {@code null} while it is asked. */
        private final java.util.LinkedHashMap<Nameserver, String> why = new java.util.LinkedHashMap<>();
        private int waiting;
        private UpstreamReply bad;

        Batch(Promise<UpstreamReply> p, String name, List<Nameserver> servers, long budgetMillis) {
            this.p = p;
            this.name = name;
            this.budgetMillis = budgetMillis;
            for (Nameserver ns : servers) {
                why.put(ns, null);
            }
            this.waiting = why.size();
        }

        void done(Nameserver ns, Future<UpstreamReply> f) {
            waiting--;
            if (f.isSuccess()) {
                UpstreamReply r = f.getNow();
                if (usable(r)) {
                    p.trySuccess(r);
                    return;
                }
                if (bad == null) {
                    bad = r;
                }
                why.put(ns, ns + ": " + (r.truncated() ? "a truncated answer" : r.code().toString()));
            } else if (!(f.cause() instanceof Settled)) {
                String said = Causes.of(f.cause());
                why.put(ns, said.startsWith(ns.toString()) ? said : ns + ": " + said);
            }
            if (waiting <= 0) {
                settle(null);
            }
        }

        void outOfTime() {
            settle(" within " + budgetMillis + " ms");
        }

        private void settle(String late) {
            if (p.isDone()) {
                return;
            }
            if (bad != null) {
                p.trySuccess(bad);
                return;
            }
            List<String> reasons = new ArrayList<>();
            why.forEach((ns, reason) -> reasons.add(reason != null ? reason : ns + ": no answer"));
            p.tryFailure(new UnknownHostException(name + ": no nameserver answered" + (late == null ? "" : late)
                    + (reasons.isEmpty() ? "" : " (" + String.join("; ", reasons) + ")")));
        }
    }

    /**
     * How an exchange ends when its question was settled otherwise (another server answered first, or the budget
     * ran out): not a failure of its server. Without a stack: it is made for every server that lost a race.
     */
    private static final class Settled extends IOException {
        Settled() {
            super("the question was settled otherwise", null);
        }

        @Override
        public synchronized Throwable fillInStackTrace() {
            return this;
        }
    }

    /**
     * One server: UDP, then TCP when the UDP answer is truncated; TCP only for tcp:// servers; TLS or HTTPS for
     * tls:// and https://; an rcode:// answer is made up. It ends, at the latest, when {@code over} does.
     */
    private Future<UpstreamReply> exchange(Nameserver ns, EventLoop loop, String name, DnsRecordType type,
            Future<?> over) {
        SocketBinder socketBinder = binder;
        if (ns.via() != null && ns.protocol() == Nameserver.Protocol.UDP) {
            socketBinder = through.leavingThrough(ns.via());
            if (socketBinder == null) {
                return tcp(ns, loop, name, type, over); // a proxy carries streams: the same server over TCP
            }
        }
        switch (ns.protocol()) {
            case TCP -> {
                return tcp(ns, loop, name, type, over);
            }
            case TLS, HTTPS -> {
                return encrypted(ns, loop, name, type, over);
            }
            case RCODE -> {
                return loop.newSucceededFuture(UpstreamReply.madeUp(name, type, ns.rcode()));
            }
            default -> {
                // UDP, below
            }
        }
        Promise<UpstreamReply> p = loop.newPromise();
        udp(ns, loop, name, type, socketBinder, over).addListener((Future<UpstreamReply> f) -> {
            if (f.isSuccess() && f.getNow().truncated()) {
                tcp(ns, loop, name, type, over).addListener((Future<UpstreamReply> t) -> {
                    // A failed TCP retry still leaves the truncated answer, better than nothing.
                    p.trySuccess(t.isSuccess() ? t.getNow() : f.getNow());
                });
            } else if (f.isSuccess()) {
                p.trySuccess(f.getNow());
            } else {
                p.tryFailure(f.cause());
            }
        });
        return p;
    }

    /** The questions asked of a nameserver on this machine (a local stub) and not yet answered. */
    private final LocalStubQuestions stubQuestions = new LocalStubQuestions();

    /**
     * Whether the DNS query {@code query} (a hijacked one's payload) asks what Turnout is asking a nameserver on this
     * machine right now: that stub's forward of Turnout's own question, which answered by Turnout would ask the stub
     * again, in a circle (readme tester F9: a dnsmasq on 127.0.0.53 as the 'system' nameserver, its forwards captured
     * by the TUN). Such a query goes on to the address it was sent to, as any UDP.
     */
    public boolean forwardOfOwnQuestion(ByteBuf query) {
        if (!stubQuestions.contains(query)) {
            return false;
        }
        if (!stubForwardSaid) {
            stubForwardSaid = true;
            log.info("dns: a nameserver on this machine (a local stub) forwards Turnout's questions through the TUN: "
                    + "those go on to the server it asks, as any UDP, rather than answered by Turnout, which would ask "
                    + "the stub again");
        }
        return true;
    }

    private volatile boolean stubForwardSaid;
    private static final org.slf4j.Logger log = org.slf4j.LoggerFactory.getLogger(UpstreamResolver.class);

    /**
     * One socket and one ID for the question, the query sent again on it every {@link Settings#resend} until an
     * answer comes: a late answer to an earlier try is as good as one to the last (a slow server answers the first).
     *
     * @param socketBinder this resolver's, or the interface a {@code #NAME} naming no outbound leaves through
     */
    private Future<UpstreamReply> udp(Nameserver ns, EventLoop loop, String name, DnsRecordType type,
            SocketBinder socketBinder, Future<?> over) {
        Attempt attempt = Attempt.start(loop, ns, name, type, over);
        byte[] query;
        DnsQuery q = new DefaultDnsQuery(attempt.id());
        try {
            fill(q, ns, name, type);
            ByteBuf wire = DnsWire.encodeQuery(q);
            try {
                query = io.netty.buffer.ByteBufUtil.getBytes(wire);
            } finally {
                wire.release();
            }
        } catch (Exception e) {
            return loop.newFailedFuture(e);
        } finally {
            q.release();
        }
        Promise<UpstreamReply> p = attempt.promise();
        endpoint(ns, loop).addListener((Future<InetSocketAddress> where) -> {
            if (!where.isSuccess()) {
                p.tryFailure(where.cause());
                return;
            }
            InetSocketAddress to = where.getNow();
            if (p.isDone()) {
                return; // settled while the name was looked up
            }
            if (to.getAddress().isLoopbackAddress()) {
                String asked = LocalStubQuestions.key(name, type.intValue());
                stubQuestions.add(asked);
                p.addListener(done -> stubQuestions.remove(asked));
            }
            Bootstrap b = new Bootstrap().group(loop)
                    .channelFactory(() -> bound(Transport.newDatagramChannel(), to.getAddress(), socketBinder))
                    .handler(new ChannelInitializer<Channel>() {
                        @Override
                        protected void initChannel(Channel ch) {
                            ch.pipeline().addLast(new UdpReplyHandler(attempt, to));
                        }
                    });
            ChannelFuture opened = b.bind(new InetSocketAddress(0));
            closeWhenDone(p, opened.channel());
            opened.addListener((ChannelFuture f) -> {
                if (!f.isSuccess()) {
                    p.tryFailure(f.cause());
                    return;
                }
                Channel ch = f.channel();
                Runnable sendOnce = () -> ch.writeAndFlush(new DatagramPacket(Unpooled.wrappedBuffer(query), to))
                        .addListener((ChannelFuture w) -> {
                            if (!w.isSuccess()) {
                                p.tryFailure(w.cause());
                            }
                        });
                sendOnce.run();
                ScheduledFuture<?> again = loop.scheduleAtFixedRate(sendOnce, resendMillis, resendMillis,
                        TimeUnit.MILLISECONDS);
                p.addListener(done -> again.cancel(false));
            });
        });
        return p;
    }

    private Future<UpstreamReply> tcp(Nameserver ns, EventLoop loop, String name, DnsRecordType type,
            Future<?> over) {
        Attempt attempt = Attempt.start(loop, ns, name, type, over);
        DnsQuery q;
        try {
            q = new DefaultDnsQuery(attempt.id());
            fill(q, ns, name, type);
        } catch (RuntimeException e) {
            return loop.newFailedFuture(e);
        }
        Promise<UpstreamReply> p = attempt.promise();
        // Through an outbound a name is looked up at the far end, but by the rules here first (see stream).
        boolean farEnd = ns.via() != null && (!ns.via().equals(Nameserver.RULES) || !ns.needsLookup());
        (farEnd ? loop.newSucceededFuture(ns.address()) : endpoint(ns, loop))
                .addListener((Future<InetSocketAddress> where) -> {
                    if (!where.isSuccess()) {
                        q.release();
                        p.tryFailure(where.cause());
                    } else if (p.isDone()) {
                        q.release();
                    } else {
                        tcpTo(attempt, loop, q, where.getNow());
                    }
                });
        return p;
    }

    /** The query {@code q} of {@code attempt} over TCP to {@code to}, through the server's outbound if it names one. */
    private void tcpTo(Attempt attempt, EventLoop loop, DnsQuery q, InetSocketAddress to) {
        Nameserver ns = attempt.ns();
        if (ns.via() != null) {
            Promise<UpstreamReply> p = attempt.promise();
            Future<Channel> opened = through.open(ns.via(), to, loop);
            p.addListener(done -> opened.cancel(false));
            opened.addListener((Future<Channel> f) -> {
                if (!f.isSuccess()) {
                    q.release();
                    p.tryFailure(f.cause());
                    return;
                }
                Channel ch = f.getNow();
                closeWhenDone(p, ch);
                // After the outbound's own handlers, as a relay adds its own: what is written here is the payload.
                ch.pipeline().addLast(new TcpDnsQueryEncoder(), new LengthFieldBasedFrameDecoder(65535 + 2, 0, 2, 0, 2),
                        new TcpReplyHandler(attempt));
                ch.writeAndFlush(q).addListener((ChannelFuture w) -> {
                    if (!w.isSuccess()) {
                        p.tryFailure(w.cause());
                    }
                });
            });
            return;
        }
        Bootstrap b = new Bootstrap().group(loop)
                .channelFactory(() -> bound(Transport.newSocketChannel(), to.getAddress(), binder))
                .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, (int) budgetMillis)
                .option(ChannelOption.TCP_NODELAY, true)
                .handler(new ChannelInitializer<Channel>() {
                    @Override
                    protected void initChannel(Channel ch) {
                        ch.pipeline().addLast(new TcpDnsQueryEncoder(),
                                new LengthFieldBasedFrameDecoder(65535 + 2, 0, 2, 0, 2),
                                new TcpReplyHandler(attempt));
                    }
                });
        send(attempt, loop, b.connect(to), q);
    }

    /**
     * DNS over TLS (RFC 7858) or over HTTPS (RFC 8484): the query goes on the server's kept connection, which the
     * queries to it share.
     */
    private Future<UpstreamReply> encrypted(Nameserver ns, EventLoop loop, String name, DnsRecordType type,
            Future<?> over) {
        Attempt attempt = Attempt.start(loop, ns, name, type, over);
        Promise<UpstreamReply> p = attempt.promise();
        ByteBuf wire;
        DnsQuery q = new DefaultDnsQuery(attempt.id());
        try {
            fill(q, ns, name, type);
            wire = DnsWire.encodeQuery(q);
        } catch (Exception e) {
            p.tryFailure(e);
            return p;
        } finally {
            q.release();
        }
        TlsSession session = sessions.computeIfAbsent(ns, server -> server.protocol() == Nameserver.Protocol.HTTPS
                ? new DohSession(server, tls, l -> stream(server, l))
                : new DotSession(server, tls, l -> stream(server, l)));
        Promise<ByteBuf> body = session.exchange(wire, attempt.id(), loop);
        p.addListener(done -> {
            if (done.cause() instanceof Settled settled) {
                body.tryFailure(settled); // another server answered: the connection stays for the next question
            } else {
                body.cancel(false); // no answer in time: the session drops a connection that may be dead
            }
        });
        body.addListener((Future<ByteBuf> f) -> {
            if (!f.isSuccess()) {
                p.tryFailure(f.cause());
                return;
            }
            ByteBuf answer = f.getNow();
            try {
                attempt.offer(answer, ns.needsLookup() ? UNKNOWN_SENDER : ns.address());
            } finally {
                answer.release();
            }
            p.tryFailure(new IOException(ns + " answered with a message that does not answer the query"));
        });
        return p;
    }

    /**
     * A TCP stream to {@code ns}: through the outbound it names (a name is then looked up at the far end, not
     * here), else direct from the physical interface.
     */
    private Future<Channel> stream(Nameserver ns, EventLoop loop) {
        if (ns.via() != null && (!ns.via().equals(Nameserver.RULES) || !ns.needsLookup())) {
            return through.open(ns.via(), ns.address(), loop);
        }
        if (ns.via() != null) {
            // By the rules, a server known by name is looked up here first: were the rules to send it DIRECT, the
            // direct dial would look it up through the very resolver that is waiting for it.
            Promise<Channel> open = loop.newPromise();
            endpoint(ns, loop).addListener((Future<InetSocketAddress> where) -> {
                if (!where.isSuccess()) {
                    open.tryFailure(where.cause());
                    return;
                }
                through.open(ns.via(), where.getNow(), loop).addListener((Future<Channel> f) -> {
                    if (f.isSuccess()) {
                        open.trySuccess(f.getNow());
                    } else {
                        open.tryFailure(f.cause());
                    }
                });
            });
            return open;
        }
        return TlsSession.direct(loop, () -> bound(Transport.newSocketChannel(), ns.address().getAddress(), binder),
                endpoint(ns, loop), (int) budgetMillis);
    }

    /** How queries to nameservers that name an outbound ({@code #PROXY}) go through it; set once the outbounds exist. */
    public void sendThrough(Through through) {
        this.through = through;
        UpstreamResolver bootstrap = plan.bootstrap();
        if (bootstrap != null) {
            bootstrap.sendThrough(through);
        }
    }

    /**
     * Where {@code ns} listens: its address, its host name's entry in {@code hosts:} (read first, as mihomo reads it
     * before any server), or its host name looked up through {@code default-nameserver}.
     */
    private Future<InetSocketAddress> endpoint(Nameserver ns, EventLoop loop) {
        if (!ns.needsLookup()) {
            return loop.newSucceededFuture(ns.address());
        }
        List<InetAddress> fixed = fromHosts(DomainTrie.normalize(ns.host()));
        if (fixed != null) {
            return loop.newSucceededFuture(new InetSocketAddress(fixed.get(0), ns.address().getPort()));
        }
        UpstreamResolver bootstrap = plan.bootstrap();
        if (bootstrap == null) {
            return loop.newFailedFuture(new UnknownHostException(ns + ": no default-nameserver to look up "
                    + ns.host()));
        }
        Promise<InetSocketAddress> p = loop.newPromise();
        bootstrap.resolveAll(ns.host()).addListener((Future<List<InetAddress>> f) -> {
            if (f.isSuccess()) {
                p.trySuccess(new InetSocketAddress(f.getNow().get(0), ns.address().getPort()));
            } else {
                p.tryFailure(new UnknownHostException(ns + ": cannot look up " + ns.host() + ": "
                        + f.cause().getMessage()));
            }
        });
        return p;
    }

    /** Writes {@code q} once the socket is bound (UDP) or connected (TCP). */
    private void send(Attempt attempt, EventLoop loop, ChannelFuture opened, DnsQuery q) {
        Promise<UpstreamReply> p = attempt.promise();
        closeWhenDone(p, opened.channel());
        opened.addListener((ChannelFuture f) -> {
            if (!f.isSuccess()) {
                q.release();
                p.tryFailure(f.cause());
                return;
            }
            f.channel().writeAndFlush(q).addListener((ChannelFuture w) -> {
                if (!w.isSuccess()) {
                    p.tryFailure(w.cause());
                }
            });
        });
    }

    /**
     * The question, and the OPT record: EDNS(0)'s UDP size, and {@code ns}'s client subnet when it has one. The query
     * is Turnout's own, never a client's passed on, so no other subnet is ever in it.
     */
    private void fill(DnsQuery q, Nameserver ns, String name, DnsRecordType type) {
        q.setRecursionDesired(true);
        q.addRecord(DnsSection.QUESTION, new DefaultDnsQuestion(name, type));
        if (ns.ecs() != null) {
            // A subnet needs an OPT record even where none is advertised: 512, which changes nothing (RFC 6891 6.2.5).
            q.addRecord(DnsSection.ADDITIONAL, ns.ecs().optRecord(Math.max(512, settings.ednsUdpSize())));
        } else if (settings.ednsUdpSize() > 0) {
            q.addRecord(DnsSection.ADDITIONAL, new EdnsRecord(settings.ednsUdpSize()));
        }
    }

    /** Closes the attempt's socket however it ends. */
    private static void closeWhenDone(Promise<UpstreamReply> p, Channel ch) {
        p.addListener(f -> {
            if (ch.isRegistered()) {
                ch.close();
            } else if (ch.isOpen()) {
                ch.unsafe().closeForcibly(); // never got a loop: nothing to close on one
            }
            // else closed already, or Netty's stand-in for a channel its factory failed to make (the binder threw),
            // whose close throws and is logged with its stack: offline, one for each query
        });
    }

    /**
     * Applies the binder in the channel factory, where a failure fails the bind/connect (fail closed); {@code to}, the
     * server's address when known, lets a server on this machine (127.0.0.1) be reached unbound.
     */
    private static <C extends Channel> C bound(C ch, java.net.InetAddress to, SocketBinder binder) {
        try {
            binder.bind(ch, to);
            return ch;
        } catch (Exception e) {
            ch.unsafe().closeForcibly();
            throw new IllegalStateException("cannot bind DNS socket: " + Causes.of(e), e);
        }
    }

    @Override
    public void close() {
        cache.clear();
        sessions.values().forEach(TlsSession::close);
        if (plan.bootstrap() != null) {
            plan.bootstrap().close();
        }
    }

    /** Forgets every cached answer ({@code POST /cache/dns/flush}); questions on their way are not affected. */
    public void flushCache() {
        cache.clear();
    }

    int cachedAnswers() {
        return cache.size();
    }

    /** One query to one server: the promise it settles and what a reply must match to settle it. */
    private record Attempt(Promise<UpstreamReply> promise, Nameserver ns, int id, String name,
            DnsRecordType type) {

        /**
         * A fresh random ID for each attempt, so that a reply to another one cannot match. The attempt ends when
         * {@code over} (its question) does: answered by another server, or out of time.
         */
        static Attempt start(EventLoop loop, Nameserver ns, String name, DnsRecordType type, Future<?> over) {
            Promise<UpstreamReply> p = loop.newPromise();
            over.addListener(f -> p.tryFailure(f.isSuccess() ? new Settled()
                    : new IOException(ns + ": no answer in time")));
            return new Attempt(p, ns, ThreadLocalRandom.current().nextInt(1 << 16), name, type);
        }

        /** Settles the attempt with {@code message} if it answers this query; anything else is ignored. */
        void offer(ByteBuf message, InetSocketAddress sender) {
            UpstreamReply r = UpstreamReply.parse(message, sender, id, name, type);
            if (r != null) {
                promise.trySuccess(r);
            }
        }
    }

    private static final class UdpReplyHandler extends SimpleChannelInboundHandler<DatagramPacket> {
        private final Attempt attempt;
        /** Where the query went: the server's address, or what its name was looked up as. */
        private final InetSocketAddress server;

        UdpReplyHandler(Attempt attempt, InetSocketAddress server) {
            super(DatagramPacket.class);
            this.attempt = attempt;
            this.server = server;
        }

        @Override
        protected void channelRead0(ChannelHandlerContext ctx, DatagramPacket packet) {
            if (sameEndpoint(packet.sender(), server)) {
                attempt.offer(packet.content(), packet.sender());
            }
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            // ICMP errors and the like: keep waiting for a real answer until the timer fires.
        }
    }

    private static final class TcpReplyHandler extends SimpleChannelInboundHandler<ByteBuf> {
        private final Attempt attempt;

        TcpReplyHandler(Attempt attempt) {
            super(ByteBuf.class);
            this.attempt = attempt;
        }

        @Override
        protected void channelRead0(ChannelHandlerContext ctx, ByteBuf frame) {
            // A connected socket hears only the server, so the frame is credited to it.
            attempt.offer(frame, attempt.ns().needsLookup() ? UNKNOWN_SENDER : attempt.ns().address());
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) {
            attempt.promise().tryFailure(new IOException("TCP connection to " + attempt.ns()
                    + " closed before an answer"));
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            attempt.promise().tryFailure(cause);
        }
    }

    /** Dual-stack sockets report IPv4 peers as IPv4-mapped IPv6 addresses; compare the plain forms. */
    static boolean sameEndpoint(InetSocketAddress a, InetSocketAddress b) {
        if (a == null || b == null || a.getPort() != b.getPort()) {
            return false;
        }
        return normalize(a.getAddress()).equals(normalize(b.getAddress()));
    }

    private static InetAddress normalize(InetAddress a) {
        byte[] x = a.getAddress();
        if (x.length == 16) {
            boolean mapped = x[10] == (byte) 0xFF && x[11] == (byte) 0xFF;
            for (int i = 0; i < 10 && mapped; i++) {
                mapped = x[i] == 0;
            }
            if (mapped) {
                try {
                    return InetAddress.getByAddress(new byte[] {x[12], x[13], x[14], x[15]});
                } catch (UnknownHostException e) {
                    return a;
                }
            }
        }
        return a;
    }
}
