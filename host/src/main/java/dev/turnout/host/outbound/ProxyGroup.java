package dev.turnout.host.outbound;

import dev.turnout.api.DatagramSession;
import dev.turnout.api.Metadata;
import dev.turnout.api.Outbound;
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
 *   <li>{@code load-balance}: a member chosen by hashing the flow's destination host (rendezvous hashing over
 *       the members that are up), so one destination keeps one member and losing a member moves only its
 *       share.</li>
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
    private volatile GroupSettings settings = GroupSettings.NONE;
    private volatile HealthBook book;

    ProxyGroup(String name, String type, List<String> members, Map<String, Outbound> all) {
        this.name = name;
        this.type = type;
        this.members = List.copyOf(members);
        this.all = all;
        this.current = new AtomicReference<>(members.isEmpty() ? null : members.get(0));
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
        return !"select".equals(type);
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
            if (b.alive(m)) {
                return m;
            }
        }
        return members.isEmpty() ? null : members.get(0);
    }

    /** Chooses a member of a {@code select} group; false when it is not a member. */
    public boolean select(String member) {
        if (!members.contains(member)) {
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
            int d = b.lastDelay(m);
            if (d > 0 && d < best) {
                best = d;
                fastest = m;
            }
        }
        if (fastest == null) {
            return;
        }
        String now = current.get();
        int nowDelay = now == null ? 0 : b.lastDelay(now);
        if (nowDelay <= 0 || nowDelay > best + settings.toleranceMillis()) {
            current.set(fastest);
        }
    }

    /** The outbound a flow ends at, following nested groups; load-balance groups use their first member that is up. */
    public Outbound leaf() {
        return leaf(null);
    }

    /** The outbound {@code flow} ends at, following nested groups; load-balance groups hash its destination. */
    public Outbound leaf(Metadata flow) {
        Outbound o = this;
        for (int depth = 0; o instanceof ProxyGroup g && depth < MAX_DEPTH; depth++) {
            String member = g.memberFor(flow);
            o = member == null ? null : all.get(member);
            if (o == null) {
                throw new IllegalStateException("group '" + g.name + "' has no usable member");
            }
        }
        if (o instanceof ProxyGroup) {
            throw new IllegalStateException("groups nest deeper than " + MAX_DEPTH + " at '" + name + "'");
        }
        return o;
    }

    private String memberFor(Metadata flow) {
        HealthBook b = book;
        if (!"load-balance".equals(type) || flow == null || b == null || members.isEmpty()) {
            return now();
        }
        return rendezvous(flow.destination().hostOrAddress(), b);
    }

    /** Highest-random-weight choice among members that are up (all of them when none is). */
    String rendezvous(String key, HealthBook b) {
        boolean anyAlive = members.stream().anyMatch(b::alive);
        String best = null;
        long bestScore = Long.MIN_VALUE;
        long keyHash = fnv(key.getBytes(StandardCharsets.UTF_8), 0xcbf29ce484222325L);
        for (String m : members) {
            if (anyAlive && !b.alive(m)) {
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

    @Override
    public boolean supportsUdp() {
        return leaf().supportsUdp();
    }

    @Override
    public Future<Channel> openStream(Metadata flow, EventLoop loop) {
        return leaf(flow).openStream(flow, loop);
    }

    @Override
    public Future<DatagramSession> openDatagram(Metadata flow, EventLoop loop, DatagramSession.Receiver receiver) {
        return leaf(flow).openDatagram(flow, loop, receiver);
    }
}
