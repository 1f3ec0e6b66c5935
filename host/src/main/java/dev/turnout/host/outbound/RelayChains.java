package dev.turnout.host.outbound;

import dev.turnout.api.Dialer;
import dev.turnout.api.Outbound;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The chains of a {@code relay} group: each hop dialed through the one before it, as mihomo's Relay does
 * with {@code DialContextWithDialer}. A hop after the first is its outbound built anew by its plugin with the
 * previous hop as its dialer, the same way {@code dialer-proxy} chains are built; the first hop is the
 * outbound as configured. Members that are groups are followed to where they lead for each flow, so one
 * relay has a chain per combination in use: those are kept (a bounded number) and built once.
 */
final class RelayChains implements AutoCloseable {

    /** Builds the outbound named {@code name} (a proxy or DIRECT/REJECT) anew, dialing through {@code via}. */
    @FunctionalInterface
    interface Rebuild {
        Outbound over(String name, Dialer via) throws Exception;
    }

    /** Chains kept per relay; older ones are dropped (and closed) beyond this. */
    static final int MAX_CHAINS = 64;

    private final Rebuild rebuild;
    private final Map<List<String>, Outbound> chains = new LinkedHashMap<>(16, 0.75f, true);
    private boolean closed;

    RelayChains(Rebuild rebuild) {
        this.rebuild = rebuild;
    }

    /**
     * The last hop of the chain through {@code hops} (outbounds as configured, at least two), each after the
     * first built over the one before.
     */
    synchronized Outbound chain(List<Outbound> hops) throws Exception {
        if (closed) {
            throw new IllegalStateException("relay closed by a reload");
        }
        List<String> key = new ArrayList<>(hops.size());
        hops.forEach(h -> key.add(h.name()));
        Outbound last = hops.get(0);
        for (int i = 1; i < hops.size(); i++) {
            List<String> prefix = List.copyOf(key.subList(0, i + 1));
            Outbound known = chains.get(prefix);
            if (known == null) {
                known = rebuild.over(key.get(i), last);
                chains.put(prefix, known);
                trim();
            }
            last = known;
        }
        return last;
    }

    private void trim() {
        var it = chains.entrySet().iterator();
        while (chains.size() > MAX_CHAINS && it.hasNext()) {
            Outbound o = it.next().getValue();
            it.remove();
            o.close(); // flows already open on it go on
        }
    }

    @Override
    public synchronized void close() {
        closed = true;
        chains.values().forEach(Outbound::close);
        chains.clear();
    }
}
