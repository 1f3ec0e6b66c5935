package dev.turnout.host.outbound;

import dev.turnout.api.Outbound;
import dev.turnout.host.flow.FlowTable;
import java.util.ArrayList;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Set;

/**
 * Closes the outbounds a reload replaced once the last flow that may use them has ended, as {@link Outbound} promises
 * plugins: a gRPC node's shared connections, for one, would otherwise stay open until idle. A flow decided on the old
 * routing is in the flow table from its decision on, naming its group and where it went; an old outbound is done when
 * no flow from before the swap names it. One that others connect through ({@link Outbounds#carriers}) is done only
 * when no flow from before the swap is open at all, since a flow names only the first of its hops. Outbounds the new
 * routing still holds (the same instance) are left alone. {@link #check} runs every few seconds.
 */
public final class OutboundRetirement implements AutoCloseable {

    private record Retired(List<Outbound> outbounds, Set<String> carriers, long lastFlow) {
    }

    private final FlowTable flows;
    private final List<Retired> pending = new ArrayList<>();

    public OutboundRetirement(FlowTable flows) {
        this.flows = flows;
    }

    /** {@code previous} was swapped for {@code next} just now. */
    public synchronized void retire(Outbounds previous, Outbounds next) {
        Set<Outbound> kept = Collections.newSetFromMap(new IdentityHashMap<>());
        kept.addAll(next.all().values());
        List<Outbound> replaced = previous.all().values().stream().filter(o -> !kept.contains(o)).toList();
        if (!replaced.isEmpty()) {
            pending.add(new Retired(new ArrayList<>(replaced), previous.carriers(), flows.lastId()));
        }
    }

    /** Closes what no open flow can use any more; returns how many outbounds were closed. */
    public synchronized int check() {
        int closed = 0;
        for (var it = pending.iterator(); it.hasNext(); ) {
            Retired r = it.next();
            // One pass over the flow table per reload waited on, not one per outbound.
            Set<String> named = flows.namedUpTo(r.lastFlow());
            if (named.isEmpty()) {
                closed += closeAll(r.outbounds());
                it.remove();
                continue;
            }
            List<Outbound> done = r.outbounds().stream()
                    .filter(o -> !r.carriers().contains(o.name()) && !named.contains(o.name())).toList();
            closed += closeAll(done);
            r.outbounds().removeAll(done);
        }
        return closed;
    }

    /** How many outbounds wait for their flows to end. */
    public synchronized int waiting() {
        return pending.stream().mapToInt(r -> r.outbounds().size()).sum();
    }

    /** At shutdown: everything still waiting. */
    @Override
    public synchronized void close() {
        pending.forEach(r -> closeAll(r.outbounds()));
        pending.clear();
    }

    private static int closeAll(List<Outbound> outbounds) {
        for (Outbound o : outbounds) {
            try {
                o.close();
            } catch (RuntimeException e) {
                // closing one must not keep the others open
            }
        }
        return outbounds.size();
    }
}
