package dev.turnout.host.outbound;

import dev.turnout.api.Outbound;
import dev.turnout.host.config.GroupEntry;
import dev.turnout.host.config.ProxyProviderEntry;
import dev.turnout.host.config.StatusRanges;
import dev.turnout.host.provider.ProxyProvider;
import io.netty.channel.EventLoop;
import io.netty.channel.EventLoopGroup;
import io.netty.util.concurrent.Future;
import io.netty.util.concurrent.Promise;
import io.netty.util.concurrent.ScheduledFuture;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs the groups of the current config: gives automatic groups their check settings and checks their
 * members on schedule, restores saved {@code select} choices, and measures delays on request. On reload
 * the old schedules stop and the new groups' start; results are kept by name across reloads.
 */
public final class GroupSupervisor implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(GroupSupervisor.class);

    /** Checks that may run at once across all groups: a config with hundreds of members stays polite. */
    static final int MAX_CONCURRENT_CHECKS = 64;

    private final EventLoopGroup loops;
    private final HealthBook book = new HealthBook();
    private final Selections selections;
    private final List<ScheduledFuture<?>> schedules = new ArrayList<>();
    private final AtomicInteger running = new AtomicInteger();
    private volatile boolean closed;
    /** Nodes whose provider checks them ({@code health-check: {enable: true}}): groups' own rounds leave them out. */
    private volatile Set<String> providerChecked = Set.of();
    /** By provider, the URLs of the {@code use} groups with their own {@code url} that its rounds check too. */
    private volatile Map<String, List<ExtraCheck>> providerExtras = Map.of();

    /** mihomo's health check {@code extra}: a group's own URL, with its expected status, over its filter's nodes. */
    private record ExtraCheck(String url, StatusRanges expected, dev.turnout.host.config.NameFilter filter) {
    }

    /**
     * mihomo's parser.go: a {@code use} group without a {@code url} of its own tests with the first health-check URL
     * of its providers (its {@code testUrl} showed gstatic's while the provider's checks judged its members).
     */
    private static String providersUrl(GroupEntry g, Outbounds outbounds) {
        List<String> use = g.options().includeAllProviders() ? List.copyOf(outbounds.providers().keySet())
                : g.options().use();
        for (String name : use) {
            ProxyProvider p = outbounds.providers().get(name);
            String u = p == null ? null : p.content().entry().healthCheck().url();
            if (u != null && !u.isBlank()) {
                return u;
            }
        }
        return GroupSettings.DEFAULT_URL;
    }
    /** mihomo's {@code unified-delay}, as the running config has it. */
    private volatile boolean unifiedDelay;

    public GroupSupervisor(EventLoopGroup loops, Selections selections) {
        this.loops = loops;
        this.selections = selections;
    }

    /** Times delay tests from now on as mihomo's {@code unified-delay} says ({@link DelayProbe}). */
    public void useUnifiedDelay(boolean unified) {
        this.unifiedDelay = unified;
    }

    public HealthBook book() {
        return book;
    }

    public Selections selections() {
        return selections;
    }

    /** Takes over the groups of a freshly compiled config (GLOBAL included); call before it is swapped in. */
    public synchronized void adopt(Outbounds outbounds) {
        schedules.forEach(s -> s.cancel(false));
        schedules.clear();
        if (closed) {
            return;
        }
        adoptProviders(outbounds);
        for (GroupEntry g : outbounds.groups()) {
            if (!(outbounds.get(g.name()) instanceof ProxyGroup group)) {
                continue;
            }
            String url = g.url() != null ? g.url() : providersUrl(g, outbounds);
            int timeout = GroupSettings.DEFAULT_TIMEOUT_MILLIS;
            if (g.options().timeoutMillis() > 0) {
                timeout = g.options().timeoutMillis();
            } else if (g.intervalSeconds() > 0) {
                timeout = Math.min(timeout, Math.max(1000, g.intervalSeconds() * 1000));
            }
            group.configure(new GroupSettings(url, g.intervalSeconds(), g.toleranceMillis(), timeout,
                    g.options().expectedStatus(), g.options().lazy()), book);
            if (group.selectable()) {
                String saved = selections.choiceFor(g.name());
                if (saved != null && !group.select(saved)) {
                    log.info("saved choice '{}' for group '{}' is no longer a member", saved, g.name());
                }
                continue;
            }
            String pinned = selections.choiceFor(g.name());
            if (group.fixable() && pinned != null && !pinned.isEmpty() && !group.fix(pinned)) {
                log.info("saved pin '{}' for group '{}' is no longer a member", pinned, g.name());
            }
            if (!group.automatic()) {
                continue;
            }
            // A url-test group starts at its first member; what the book kept across the reload may already say
            // that member is down or slower, and the group's first round takes a while to say it again.
            group.reevaluate();
            EventLoop loop = loops.next();
            AtomicBoolean inRound = new AtomicBoolean();
            Runnable round = () -> {
                if (inRound.compareAndSet(false, true)) {
                    checkGroup(group, loop).addListener(f -> inRound.set(false));
                }
            };
            group.onRepeatedFailures(() -> loop.execute(round));
            if (g.intervalSeconds() > 0) {
                LastRound last = new LastRound();
                schedules.add(loop.scheduleAtFixedRate(() -> {
                    // mihomo's lazy: after the first round, check only a group some flow used since the last one.
                    if (last.next(List.of(group)) || !group.settings().lazy()) {
                        round.run();
                    } else {
                        log.debug("group {}: check skipped, unused since the last (lazy)", g.name());
                    }
                }, 0, g.intervalSeconds(), TimeUnit.SECONDS));
            }
        }
    }

    /**
     * A provider with {@code health-check: {enable: true}} checks its own nodes on its interval (as mihomo's
     * provider health check does), and the groups holding them choose again after each round; with
     * {@code lazy} a round is skipped while no flow used any of those groups.
     */
    private void adoptProviders(Outbounds outbounds) {
        Set<String> checked = new HashSet<>();
        Map<String, List<ExtraCheck>> extras = new LinkedHashMap<>();
        for (GroupEntry g : outbounds.groups()) {
            // mihomo's addTestUrlToProviders: a use group's own url joins its providers' checks, which leave the
            // group's members out of its own rounds; without it, the group's URL was never checked.
            if (g.url() == null || g.url().isBlank()) {
                continue;
            }
            List<String> use = g.options().includeAllProviders() ? List.copyOf(outbounds.providers().keySet())
                    : g.options().use();
            for (String name : use) {
                ProxyProvider p = outbounds.providers().get(name);
                if (p != null && !g.url().equals(p.content().entry().healthCheck().url())) {
                    List<ExtraCheck> list = extras.computeIfAbsent(name, k -> new ArrayList<>());
                    ExtraCheck e = new ExtraCheck(g.url(), g.options().expectedStatus(), g.options().filter());
                    if (!list.contains(e)) {
                        list.add(e);
                    }
                }
            }
        }
        providerExtras = Map.copyOf(extras);
        for (ProxyProvider p : outbounds.providers().values()) {
            ProxyProviderEntry.HealthCheck hc = p.content().entry().healthCheck();
            if (!hc.enable() || p.nodes().isEmpty()) {
                continue;
            }
            checked.addAll(p.nodes());
            if (hc.intervalSeconds() <= 0) {
                continue;
            }
            List<ProxyGroup> holders = holders(p, outbounds);
            EventLoop loop = loops.next();
            AtomicBoolean inRound = new AtomicBoolean();
            LastRound last = new LastRound();
            schedules.add(loop.scheduleAtFixedRate(() -> {
                if (!last.next(holders) && hc.lazy()) {
                    log.debug("proxy provider {}: check skipped, unused since the last (lazy)", p.name());
                } else if (inRound.compareAndSet(false, true)) {
                    checkProvider(p, outbounds, loop).addListener(f -> inRound.set(false));
                }
            }, 0, hc.intervalSeconds(), TimeUnit.SECONDS));
        }
        providerChecked = Set.copyOf(checked);
    }

    /**
     * When a schedule's previous round was due: mihomo's lazy asks whether the groups were used since then. Each
     * schedule runs on one event loop; the field is only read and written there.
     */
    private static final class LastRound {
        private long at;
        private boolean started;

        /** Marks a round due now; whether it is the first one or any of {@code groups} was used since the previous. */
        boolean next(List<ProxyGroup> groups) {
            long previous = at;
            at = System.nanoTime();
            if (!started) {
                started = true;
                return true;
            }
            return groups.stream().anyMatch(g -> g.usedSince(previous));
        }
    }

    private static List<ProxyGroup> holders(ProxyProvider p, Outbounds outbounds) {
        List<ProxyGroup> out = new ArrayList<>();
        for (var o : outbounds.all().values()) {
            if (o instanceof ProxyGroup g && g.members().stream().anyMatch(p.nodes()::contains)) {
                out.add(g);
            }
        }
        return out;
    }

    /**
     * Checks every node of {@code p} with its health-check's URL, timeout and expected status, and with the own URL
     * and expected status of each group using it (those its filter keeps), as mihomo's extra URLs, then lets the
     * groups holding them choose again; the future completes when all are done.
     */
    public Future<Void> checkProvider(ProxyProvider p, Outbounds outbounds, EventLoop loop) {
        Promise<Void> done = loop.newPromise();
        ProxyProviderEntry.HealthCheck hc = p.content().entry().healthCheck();
        List<String> nodes = p.nodes();
        if (nodes.isEmpty()) {
            return done.setSuccess(null);
        }
        String url = hc.url() != null ? hc.url() : GroupSettings.DEFAULT_URL;
        int timeout = hc.timeoutMillis() > 0 ? hc.timeoutMillis() : GroupSettings.DEFAULT_TIMEOUT_MILLIS;
        List<String[]> checks = new ArrayList<>(); // node, url; the expected status by url
        Map<String, StatusRanges> expected = new LinkedHashMap<>();
        expected.put(url, hc.expectedStatus());
        nodes.forEach(n -> checks.add(new String[] {n, url}));
        for (ExtraCheck e : providerExtras.getOrDefault(p.name(), List.of())) {
            expected.putIfAbsent(e.url(), e.expected());
            nodes.stream().filter(n -> e.filter() == null || e.filter().matches(n))
                    .forEach(n -> checks.add(new String[] {n, e.url()}));
        }
        AtomicInteger left = new AtomicInteger(checks.size());
        for (String[] c : checks) {
            String n = c[0];
            Outbound node = outbounds.get(n);
            Future<Integer> f = node == null ? loop.newFailedFuture(new IllegalStateException("no node " + n))
                    : delay(node, c[1], timeout, expected.get(c[1]), loop);
            f.addListener(x -> {
                if (left.decrementAndGet() == 0) {
                    holders(p, outbounds).forEach(ProxyGroup::reevaluate);
                    done.trySuccess(null);
                }
            });
        }
        return done;
    }

    /** Checks every member of {@code group} once, then lets it choose again; the future completes when all are done. */
    public Future<Void> checkGroup(ProxyGroup group, EventLoop loop) {
        Promise<Void> done = loop.newPromise();
        Set<String> byProvider = providerChecked;
        List<String> members = byProvider.isEmpty() ? group.members()
                : group.members().stream().filter(m -> !byProvider.contains(m)).toList();
        if (members.isEmpty()) {
            group.reevaluate();
            return done.setSuccess(null);
        }
        AtomicInteger left = new AtomicInteger(members.size());
        GroupSettings s = group.settings();
        for (String m : members) {
            Outbound member = group.member(m);
            Future<Integer> f = member == null ? loop.newFailedFuture(new IllegalStateException("no member " + m))
                    : delay(member, s.url(), s.timeoutMillis(), s.expectedStatus(), loop);
            f.addListener(x -> {
                if (left.decrementAndGet() == 0) {
                    group.reevaluate();
                    done.trySuccess(null);
                }
            });
        }
        return done;
    }

    /**
     * A dashboard's test of a whole group (mihomo's {@code GET /group/NAME/delay}): every member, those a provider
     * checks too, fetches {@code url} within {@code timeoutMillis}; the results are recorded under that URL, and the
     * group then chooses again by the checks with its own URL, so a test with another URL moves nothing. The future
     * gives the delay of each member that answered as {@code expected} says.
     */
    public Future<Map<String, Integer>> testGroup(ProxyGroup group, String url, int timeoutMillis,
                                                  StatusRanges expected, EventLoop loop) {
        Promise<Map<String, Integer>> done = loop.newPromise();
        List<String> members = group.members();
        if (members.isEmpty()) {
            return done.setSuccess(Map.of());
        }
        Map<String, Integer> delays = new ConcurrentHashMap<>();
        AtomicInteger left = new AtomicInteger(members.size());
        for (String m : members) {
            Outbound member = group.member(m);
            Future<Integer> f = member == null ? loop.newFailedFuture(new IllegalStateException("no member " + m))
                    : delay(member, url, timeoutMillis, expected, loop);
            f.addListener(x -> {
                if (x.isSuccess()) {
                    delays.put(m, (Integer) x.getNow());
                }
                if (left.decrementAndGet() == 0) {
                    group.reevaluate();
                    Map<String, Integer> inOrder = new LinkedHashMap<>();
                    members.stream().filter(delays::containsKey).forEach(n -> inOrder.put(n, delays.get(n)));
                    done.trySuccess(inOrder);
                }
            });
        }
        return done;
    }

    /**
     * Measures {@code outbound}'s delay to {@code url} and records the result under its name; fails when it
     * is down, too slow, or when too many checks are running already.
     */
    public Future<Integer> delay(Outbound outbound, String url, int timeoutMillis, EventLoop loop) {
        return delay(outbound, url, timeoutMillis, StatusRanges.ANY, loop);
    }

    /** As above; only a status {@code expected} accepts counts as up. */
    public Future<Integer> delay(Outbound outbound, String url, int timeoutMillis, StatusRanges expected,
                                 EventLoop loop) {
        if (running.incrementAndGet() > MAX_CONCURRENT_CHECKS) {
            running.decrementAndGet();
            // Not the member's fault: nothing is recorded, so it is not marked down.
            return loop.newFailedFuture(new IllegalStateException("too many delay tests running"));
        }
        Future<Integer> f;
        try {
            f = DelayProbe.measure(outbound, url, timeoutMillis, expected, unifiedDelay, loop);
        } catch (RuntimeException e) {
            f = loop.newFailedFuture(e);
        }
        // Completed only after recording, so whoever waits for the delay also sees it in the book.
        Promise<Integer> recorded = loop.newPromise();
        f.addListener(x -> {
            running.decrementAndGet();
            book.record(outbound.name(), url, x.isSuccess() ? (Integer) x.getNow() : 0);
            if (x.isSuccess()) {
                recorded.trySuccess((Integer) x.getNow());
            } else {
                recorded.tryFailure(x.cause());
            }
        });
        return recorded;
    }

    /** An event loop for checks the controller starts. */
    public EventLoop loop() {
        return loops.next();
    }

    @Override
    public void close() {
        synchronized (this) {
            closed = true;
            schedules.forEach(s -> s.cancel(false));
            schedules.clear();
        }
        selections.close();
    }
}
