package dev.turnout.host.outbound;

import dev.turnout.api.DatagramSession;
import dev.turnout.api.Metadata;
import dev.turnout.api.Outbound;
import dev.turnout.host.config.GroupOptions;
import io.netty.channel.Channel;
import io.netty.channel.EventLoop;
import io.netty.util.concurrent.Future;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;

/**
 * A {@code proxy-groups:} entry: an outbound that hands each flow to one of its members.
 *
 * <ul>
 *   <li>{@code select}: the member the user chose (the first until then);</li>
 *   <li>{@code url-test}: the member with the lowest checked delay, switching only when another is faster by
 *       more than the tolerance or the current one is down;</li>
 *   <li>{@code fallback}: the first member, in order, whose last check succeeded;</li>
 *   <li>{@code load-balance}: with mihomo's {@code consistent-hashing} (the default), a member chosen by hashing
 *       the flow's site ({@link SiteKey}: its name's registrable domain; rendezvous hashing over the members that
 *       are up), so one site keeps one member and losing a member moves only its share; with {@code round-robin},
 *       the next member that is up for each connection; with {@code sticky-sessions}, a member picked at random for
 *       a source and site and kept for them ten minutes (at most 1,000 pairs), as mihomo's;</li>
 *   <li>{@code relay}: a chain through every member in order, each dialed through the one before (see
 *       {@link RelayChains}); members that are DIRECT are skipped, as in mihomo.</li>
 * </ul>
 * Checks are run by {@link GroupSupervisor}; until it has configured the group, automatic types use their
 * first member.
 */
public final class ProxyGroup implements Outbound {

    static final int MAX_DEPTH = 32;

    private final String name;
    private final String type;
    private final List<String> members;
    private final Map<String, Outbound> all;
    private final AtomicReference<String> current;
    /** The member a user pinned in a url-test or fallback group (mihomo's "fixed"); {@code null} when none. */
    private final AtomicReference<String> fixed = new AtomicReference<>();
    private final GroupOptions options;
    private final RelayChains chains;
    private final FailedDials failures;
    private volatile GroupSettings settings = GroupSettings.NONE;
    private volatile HealthBook book;
    /** When a flow last used the group (System.nanoTime), for lazy checks; 0 before the first. */
    private volatile long lastUsed;
    /** round-robin's next member to try. */
    private final java.util.concurrent.atomic.AtomicInteger nextInTurn = new java.util.concurrent.atomic.AtomicInteger();
    /** sticky-sessions' members by source and destination; {@code null} for the other strategies. */
    private final StickyChoices sticky;

    ProxyGroup(String name, String type, List<String> members, Map<String, Outbound> all) {
        this(name, type, members, all, GroupOptions.DEFAULT, null);
    }

    /** @param chains how a relay builds its chains; {@code null} for other types */
    ProxyGroup(String name, String type, List<String> members, Map<String, Outbound> all, GroupOptions options,
               RelayChains chains) {
        this.name = name;
        this.type = type;
        this.members = List.copyOf(members);
        this.all = all;
        this.options = options;
        this.chains = chains;
        this.failures = new FailedDials(name, options.maxFailedTimes());
        this.current = new AtomicReference<>(members.isEmpty() ? null : members.get(0));
        this.sticky = "load-balance".equals(type) && GroupOptions.STICKY_SESSIONS.equals(options.strategy())
                ? new StickyChoices() : null;
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public String type() {
        return type;
    }

    public List<String> members() {
        return members;
    }

    public GroupSettings settings() {
        return settings;
    }

    /** Whether the group chooses by health checks (url-test, fallback, load-balance). */
    public boolean automatic() {
        return !"select".equals(type) && !relay();
    }

    /**
     * Whether a user chooses its member ({@code PUT /proxies/NAME}): select groups; url-test and fallback groups are
     * pinned instead ({@link #fix}).
     */
    public boolean selectable() {
        return "select".equals(type);
    }

    /**
     * Whether a user may pin a member ({@code PUT /proxies/NAME}; {@code DELETE} unpins), as in mihomo: url-test
     * uses the pinned member while its checks pass, fallback until one fails (then the pin is dropped).
     */
    public boolean fixable() {
        return "url-test".equals(type) || "fallback".equals(type);
    }

    /** Pins {@code member}; false when the group cannot be pinned or it is not a member. */
    public boolean fix(String member) {
        if (!fixable() || !members.contains(member)) {
            return false;
        }
        fixed.set(member);
        return true;
    }

    public void unfix() {
        fixed.set(null);
    }

    /** The pinned member, {@code ""} when none (mihomo's {@code fixed}). */
    public String fixed() {
        String pinned = fixed.get();
        return pinned == null ? "" : pinned;
    }

    public boolean relay() {
        return "relay".equals(type);
    }

    public GroupOptions options() {
        return options;
    }

    /**
     * Whether a flow used the group after {@code nanoTime} (System.nanoTime): a lazy check runs only when one
     * did since the last round. Asked so, not "within the last interval", a round that starts late on a busy
     * machine still sees the flows made before it.
     */
    boolean usedSince(long nanoTime) {
        long at = lastUsed;
        return at != 0 && at - nanoTime > 0;
    }

    /** Called when {@code max-failed-times} connections failed within the check timeout: check now. */
    void onRepeatedFailures(Runnable check) {
        failures.onThreshold(check);
    }

    /** Gives the group its check settings and where results are kept. */
    void configure(GroupSettings groupSettings, HealthBook healthBook) {
        this.settings = groupSettings;
        this.book = healthBook;
    }

    /**
     * The member flows go to now; for load-balance, which picks per destination, the first member that is up.
     */
    public String now() {
        HealthBook b = book;
        String pinned = fixed.get();
        if (pinned != null) {
            if (b == null || b.alive(pinned, settings.url())) {
                return pinned;
            }
            if ("fallback".equals(type)) {
                fixed.compareAndSet(pinned, null); // as mihomo's fallback: a pinned member that fails is let go
            }
        }
        if (b == null) {
            return current.get();
        }
        return switch (type) {
            case "fallback", "load-balance" -> firstAlive(b);
            default -> current.get();
        };
    }

    private String firstAlive(HealthBook b) {
        for (String m : members) {
            if (b.alive(m, settings.url())) {
                return m;
            }
        }
        return members.isEmpty() ? null : members.get(0);
    }

    /** Chooses a member of a {@code select} group; false when it is not a member. */
    public boolean select(String member) {
        if (!selectable() || !members.contains(member)) {
            return false;
        }
        current.set(member);
        return true;
    }

    /** After a round of checks: url-test moves to the fastest member when the current one is slower by more than the tolerance. */
    void reevaluate() {
        HealthBook b = book;
        if (b == null || !"url-test".equals(type)) {
            return;
        }
        String fastest = null;
        int best = Integer.MAX_VALUE;
        for (String m : members) {
            int d = b.lastDelay(m, settings.url());
            if (d > 0 && d < best) {
                best = d;
                fastest = m;
            }
        }
        if (fastest == null) {
            return;
        }
        String now = current.get();
        int nowDelay = now == null ? 0 : b.lastDelay(now, settings.url());
        if (nowDelay <= 0 || nowDelay > best + settings.toleranceMillis()) {
            current.set(fastest);
        }
    }

    /** The outbound a flow ends at, following nested groups; load-balance groups use their first member that is up. */
    public Outbound leaf() {
        return leaf(null);
    }

    /**
     * Whether {@code flow}'s UDP goes through now, as mihomo's SupportUDP: no group on the way has {@code disable-udp}
     * and the outbound at the end carries UDP. A group with no usable member says yes: its dial says why.
     */
    public boolean carriesUdp(Metadata flow) {
        Outbound o = this;
        for (int depth = 0; o instanceof ProxyGroup g && !g.relay() && depth < MAX_DEPTH; depth++) {
            if (g.options.disableUdp()) {
                return false;
            }
            String member = g.memberFor(flow, false);
            o = member == null ? null : all.get(member);
            if (o == null) {
                return true;
            }
        }
        return o.supportsUdp();
    }

    /** The outbound {@code flow} ends at, following nested groups; load-balance groups hash its destination. */
    public Outbound leaf(Metadata flow) {
        Outbound o = this;
        for (int depth = 0; o instanceof ProxyGroup g && !g.relay() && depth < MAX_DEPTH; depth++) {
            String member = g.memberFor(flow, false);
            o = member == null ? null : all.get(member);
            if (o == null) {
                throw new IllegalStateException("group '" + g.name + "' has no usable member");
            }
        }
        if (o instanceof ProxyGroup g && !g.relay()) {
            throw new IllegalStateException("groups nest deeper than " + MAX_DEPTH + " at '" + name + "'");
        }
        return o;
    }

    /**
     * A relay's hops for {@code flow}: each member followed to where it leads now, DIRECT members left out
     * (mihomo's Relay.proxies).
     */
    List<Outbound> hops(Metadata flow) {
        List<Outbound> hops = new java.util.ArrayList<>(members.size());
        for (String m : members) {
            Outbound o = all.get(m);
            if (o instanceof ProxyGroup g) {
                o = g.leaf(flow);
            }
            if (o == null) {
                throw new IllegalStateException("relay '" + name + "' has no member '" + m + "'");
            }
            if (o instanceof ProxyGroup) {
                throw new IllegalStateException("relay '" + name + "' leads to relay '" + o.name()
                        + "': a relay cannot be a hop of another");
            }
            if (!"direct".equalsIgnoreCase(o.type())) {
                hops.add(o);
            }
        }
        return hops;
    }

    /**
     * A relay's hops as mihomo's connection chains list them (relay.go DialContext appends them from the last hop
     * back to the first): the names of where its members lead now, last first; empty for other groups, or when a
     * member leads nowhere.
     */
    public List<String> relayChain() {
        if (!relay()) {
            return List.of();
        }
        try {
            List<String> names = new java.util.ArrayList<>();
            hops(null).forEach(o -> names.add(0, o.name()));
            return List.copyOf(names);
        } catch (IllegalStateException e) {
            return List.of();
        }
    }

    RelayChains chainsForTest() {
        return chains;
    }

    /**
     * The outbound a relay's flow leaves through: DIRECT with no hops (its members all DIRECT), the hop itself with
     * one, else the chain. A relay with no members at all (its providers have no nodes, a hop was left out) has no
     * way through and refuses: DIRECT would send the flow past the proxies the user chained.
     */
    private Outbound relayExit(Metadata flow) {
        if (members.isEmpty()) {
            throw new IllegalStateException("relay '" + name + "' has no members");
        }
        List<Outbound> hops = hops(flow);
        if (hops.isEmpty()) {
            return all.get("DIRECT");
        }
        if (hops.size() == 1) {
            return hops.get(0);
        }
        try {
            return chains.chain(hops);
        } catch (RuntimeException e) {
            throw e;
        } catch (Exception e) {
            throw new IllegalStateException("relay '" + name + "' cannot build its chain: " + e.getMessage(), e);
        }
    }

    /** @param use whether the flow is dialed now (round-robin turns only then), not just looked at */
    private String memberFor(Metadata flow, boolean use) {
        HealthBook b = book;
        if (!"load-balance".equals(type) || flow == null || b == null || members.isEmpty()) {
            return now();
        }
        return switch (options.strategy()) {
            case GroupOptions.ROUND_ROBIN -> inTurn(b, use);
            case GroupOptions.STICKY_SESSIONS -> sticky.choose((flow.source() == null ? ""
                    : flow.source().getAddress().getHostAddress()) + " " + SiteKey.of(flow.destination()), members,
                    m -> b.alive(m, settings.url()));
            default -> rendezvous(SiteKey.of(flow.destination()), b);
        };
    }

    /** round-robin: from the member after the last one used, the first that is up (the first member when none is). */
    private String inTurn(HealthBook b, boolean use) {
        int start = Math.floorMod(nextInTurn.get(), members.size());
        for (int i = 0; i < members.size(); i++) {
            int at = (start + i) % members.size();
            if (b.alive(members.get(at), settings.url())) {
                if (use) {
                    nextInTurn.set(at + 1);
                }
                return members.get(at);
            }
        }
        return members.get(0);
    }

    /** Highest-random-weight choice among members that are up (all of them when none is). */
    String rendezvous(String key, HealthBook b) {
        String url = settings.url();
        boolean anyAlive = members.stream().anyMatch(m -> b.alive(m, url));
        String best = null;
        long bestScore = Long.MIN_VALUE;
        long keyHash = fnv(key.getBytes(StandardCharsets.UTF_8), 0xcbf29ce484222325L);
        for (String m : members) {
            if (anyAlive && !b.alive(m, url)) {
                continue;
            }
            long score = mix(fnv(m.getBytes(StandardCharsets.UTF_8), keyHash));
            if (best == null || score > bestScore) {
                best = m;
                bestScore = score;
            }
        }
        return best;
    }

    private static long fnv(byte[] bytes, long seed) {
        long h = seed;
        for (byte x : bytes) {
            h ^= x & 0xff;
            h *= 0x100000001b3L;
        }
        return h;
    }

    /** splitmix64's finaliser: spreads FNV's output so scores compare fairly. */
    private static long mix(long z) {
        z = (z ^ (z >>> 30)) * 0xbf58476d1ce4e5b9L;
        z = (z ^ (z >>> 27)) * 0x94d049bb133111ebL;
        return z ^ (z >>> 31);
    }

    /** Looks a member up by name in the config's outbounds. */
    Outbound member(String memberName) {
        return all.get(memberName);
    }

    /**
     * What a flow is opened on (the tunnel asks this): the outbound it ends at after the groups on the way (a
     * relay stands for its chain), carrying what those groups ask for: each is marked used (lazy checks),
     * disable-udp on any of them refuses UDP, and connection failures count for the automatic ones
     * (max-failed-times). The outbound itself when no group on the way asks for anything.
     */
    public Outbound exit(Metadata flow) {
        return exit(flow, true);
    }

    private Outbound exit(Metadata flow, boolean use) {
        long now = use ? System.nanoTime() : 0;
        String udpOffBy = null;
        List<ProxyGroup> automatic = null;
        Outbound o = this;
        for (int depth = 0; o instanceof ProxyGroup g && !g.relay() && depth < MAX_DEPTH; depth++) {
            if (use) {
                g.lastUsed = now;
                if (g.automatic()) {
                    automatic = automatic == null ? new java.util.ArrayList<>(2) : automatic;
                    automatic.add(g);
                }
            }
            if (udpOffBy == null && g.options.disableUdp()) {
                udpOffBy = g.name;
            }
            String member = g.memberFor(flow, use);
            o = member == null ? null : all.get(member);
            if (o == null) {
                throw new IllegalStateException("group '" + g.name + "' has no usable member");
            }
        }
        if (o instanceof ProxyGroup g && !g.relay()) {
            throw new IllegalStateException("groups nest deeper than " + MAX_DEPTH + " at '" + name + "'");
        }
        return udpOffBy == null && automatic == null ? o : new GroupExit(o, udpOffBy, automatic);
    }

    /** For {@link GroupExit}: counts {@code opening} towards this group's max-failed-times. */
    void watch(Future<?> opening) {
        failures.watch(opening, settings.timeoutMillis());
    }

    @Override
    public boolean supportsUdp() {
        if (relay()) {
            // UDP across a chain of proxies is not built; a relay of one hop is that hop, of none DIRECT.
            List<Outbound> hops = hops(null);
            return !options.disableUdp() && (hops.isEmpty() || (hops.size() == 1 && hops.get(0).supportsUdp()));
        }
        return exit(null, false).supportsUdp();
    }

    @Override
    public Future<Channel> openStream(Metadata flow, EventLoop loop) {
        if (relay()) {
            lastUsed = System.nanoTime();
            return relayExit(flow).openStream(flow, loop);
        }
        return exit(flow).openStream(flow, loop);
    }

    @Override
    public Future<DatagramSession> openDatagram(Metadata flow, EventLoop loop, DatagramSession.Receiver receiver) {
        if (!relay()) {
            return exit(flow).openDatagram(flow, loop, receiver);
        }
        lastUsed = System.nanoTime();
        if (options.disableUdp()) {
            return loop.newFailedFuture(GroupExit.udpDisabled(name));
        }
        if (hops(flow).size() > 1) {
            return loop.newFailedFuture(new java.io.IOException("UDP through relay chains is not supported ('"
                    + name + "')"));
        }
        return relayExit(flow).openDatagram(flow, loop, receiver);
    }

    @Override
    public void close() {
        if (chains != null) {
            chains.close();
        }
    }
}
