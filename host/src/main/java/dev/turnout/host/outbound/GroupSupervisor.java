package dev.turnout.host.outbound;

import dev.turnout.api.Outbound;
import dev.turnout.host.config.GroupEntry;
import dev.turnout.host.config.StatusRanges;
import io.netty.channel.EventLoop;
import io.netty.channel.EventLoopGroup;
import io.netty.util.concurrent.Future;
import io.netty.util.concurrent.Promise;
import io.netty.util.concurrent.ScheduledFuture;
import java.util.ArrayList;
import java.util.List;
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

    public GroupSupervisor(EventLoopGroup loops, Selections selections) {
        this.loops = loops;
        this.selections = selections;
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
        for (GroupEntry g : outbounds.groups()) {
            if (!(outbounds.get(g.name()) instanceof ProxyGroup group)) {
                continue;
            }
            String url = g.url() != null ? g.url() : GroupSettings.DEFAULT_URL;
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
            if (!group.automatic()) {
                continue;
            }
            EventLoop loop = loops.next();
            AtomicBoolean inRound = new AtomicBoolean();
            Runnable round = () -> {
                if (inRound.compareAndSet(false, true)) {
                    checkGroup(group, loop).addListener(f -> inRound.set(false));
                }
            };
            group.onRepeatedFailures(() -> loop.execute(round));
            if (g.intervalSeconds() > 0) {
                long intervalNanos = TimeUnit.SECONDS.toNanos(g.intervalSeconds());
                AtomicBoolean first = new AtomicBoolean(true);
                schedules.add(loop.scheduleAtFixedRate(() -> {
                    // mihomo's lazy: after the first round, check only a group some flow used within the interval.
                    if (first.getAndSet(false) || !group.settings().lazy() || group.usedWithin(intervalNanos)) {
                        round.run();
                    } else {
                        log.debug("group {}: check skipped, unused since the last (lazy)", g.name());
                    }
                }, 0, g.intervalSeconds(), TimeUnit.SECONDS));
            }
        }
    }

    /** Checks every member of {@code group} once, then lets it choose again; the future completes when all are done. */
    public Future<Void> checkGroup(ProxyGroup group, EventLoop loop) {
        Promise<Void> done = loop.newPromise();
        List<String> members = group.members();
        if (members.isEmpty()) {
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
            f = DelayProbe.measure(outbound, url, timeoutMillis, expected, loop);
        } catch (RuntimeException e) {
            f = loop.newFailedFuture(e);
        }
        // Completed only after recording, so whoever waits for the delay also sees it in the book.
        Promise<Integer> recorded = loop.newPromise();
        f.addListener(x -> {
            running.decrementAndGet();
            book.record(outbound.name(), x.isSuccess() ? (Integer) x.getNow() : 0);
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
    public synchronized void close() {
        closed = true;
        schedules.forEach(s -> s.cancel(false));
        schedules.clear();
    }
}
