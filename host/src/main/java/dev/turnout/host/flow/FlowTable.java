package dev.turnout.host.flow;

import dev.turnout.api.Metadata;
import dev.turnout.host.dns.EnhancedMode;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Every open flow, bounded: when full, new flows are refused rather than letting memory grow without limit.
 * Read by the controller and by tests; written once per flow open and close, never per packet.
 */
public final class FlowTable {

    private final int capacity;
    private final ConcurrentHashMap<Long, Flow> flows = new ConcurrentHashMap<>();
    private final AtomicLong ids = new AtomicLong();
    private final AtomicInteger size = new AtomicInteger();
    private final AtomicLong closedUpload = new AtomicLong();
    private final AtomicLong closedDownload = new AtomicLong();
    /** Distinct chains kept for sharing, at most. */
    static final int MAX_CHAINS = 4096;
    private final ConcurrentHashMap<List<String>, List<String>> chains = new ConcurrentHashMap<>();

    public FlowTable(int capacity) {
        this.capacity = capacity;
    }

    /**
     * Records a new flow that went straight from what the rule named to {@code outbound} (or is it), or returns
     * {@code null} when the table is full.
     */
    public Flow open(Metadata metadata, String rule, String target, String outbound) {
        return open(metadata, rule, target.equals(outbound) ? List.of(outbound) : List.of(outbound, target));
    }

    /**
     * Records a new flow, or returns {@code null} when the table is full.
     *
     * @param chain the outbound that carries it, the groups that led there and what the rule named (Clash's order)
     */
    public Flow open(Metadata metadata, String rule, List<String> chain) {
        return open(metadata, rule, chain, EnhancedMode.NORMAL);
    }

    /** As {@link #open(Metadata, String, List)}, its destination's name found as {@code dnsMode} says. */
    public Flow open(Metadata metadata, String rule, List<String> chain, EnhancedMode dnsMode) {
        return open(metadata, rule, chain, dnsMode, null);
    }

    /** As {@link #open(Metadata, String, List, EnhancedMode)}, with the name the sniffer found ({@code null}: none). */
    public Flow open(Metadata metadata, String rule, List<String> chain, EnhancedMode dnsMode, String sniffHost) {
        if (size.incrementAndGet() > capacity) {
            size.decrementAndGet();
            return null;
        }
        Flow flow = new Flow(ids.incrementAndGet(), metadata, rule, intern(chain), System.currentTimeMillis(),
                dnsMode, sniffHost);
        flows.put(flow.id(), flow);
        return flow;
    }

    /**
     * One list per path: 10,000 flows through the same groups hold one list, not 10,000. The paths a config has are
     * few (its groups' members), but choices, reloads and load-balance groups add to them over a long run: past
     * {@link #MAX_CHAINS} the table starts afresh (flows keep the lists they hold).
     */
    private List<String> intern(List<String> chain) {
        List<String> shared = chains.get(chain);
        if (shared != null) {
            return shared;
        }
        if (chains.size() >= MAX_CHAINS) {
            chains.clear();
        }
        List<String> copy = List.copyOf(chain);
        shared = chains.putIfAbsent(copy, copy);
        return shared != null ? shared : copy;
    }

    /** The id the last flow opened got: flows opened later have larger ones. */
    public long lastId() {
        return ids.get();
    }

    /**
     * The outbounds and groups the open flows whose id is {@code id} or less went to or through; empty when none of
     * those flows is open (every flow names where it went).
     */
    public Set<String> namedUpTo(long id) {
        Set<String> named = new HashSet<>();
        for (Flow f : flows.values()) {
            if (f.id() <= id) {
                named.add(f.outbound());
                named.add(f.target());
            }
        }
        return named;
    }

    /** Forgets a flow that has ended. Idempotent. */
    public void remove(Flow flow) {
        if (flow.markClosed() && flows.remove(flow.id()) != null) {
            size.decrementAndGet();
            closedUpload.addAndGet(flow.uploadBytes());
            closedDownload.addAndGet(flow.downloadBytes());
        }
    }

    /** Closes a flow from outside; false when no such flow is open. */
    public boolean close(long id) {
        Flow flow = flows.get(id);
        if (flow == null) {
            return false;
        }
        flow.runCloser();
        return true;
    }

    public void closeAll() {
        for (Flow f : snapshot()) {
            f.runCloser();
        }
    }

    public List<Flow> snapshot() {
        return new ArrayList<>(flows.values());
    }

    public int size() {
        return size.get();
    }

    public int capacity() {
        return capacity;
    }

    /** Bytes moved by all flows, open and ended, since start. */
    public long totalUpload() {
        long sum = closedUpload.get();
        for (Flow f : flows.values()) {
            sum += f.uploadBytes();
        }
        return sum;
    }

    public long totalDownload() {
        long sum = closedDownload.get();
        for (Flow f : flows.values()) {
            sum += f.downloadBytes();
        }
        return sum;
    }
}
