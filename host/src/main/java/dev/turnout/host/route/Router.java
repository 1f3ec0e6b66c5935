package dev.turnout.host.route;

import dev.turnout.api.Metadata;
import dev.turnout.api.Network;
import dev.turnout.rules.Decision;
import dev.turnout.rules.NameResolver;
import dev.turnout.rules.Query;
import java.net.InetAddress;
import java.util.concurrent.atomic.AtomicReference;

/** Holds the current {@link Routing} and answers where a flow goes. Swapped atomically on reload. */
public final class Router {

    private static final Decision GLOBAL = new Decision("GLOBAL", "GLOBAL", -1);
    private static final Decision DIRECT_MODE = new Decision("DIRECT", "DIRECT", -1);

    private final AtomicReference<Routing> current;
    private final NameResolver resolver;
    private final RuleHosts hosts;

    public Router(Routing initial, NameResolver resolver) {
        this(initial, resolver, RuleHosts.DEFAULT);
    }

    /** @param hosts {@code hosts:}, whose addresses rules see before any rule (Clash's order) */
    public Router(Routing initial, NameResolver resolver, RuleHosts hosts) {
        this.current = new AtomicReference<>(initial);
        this.resolver = resolver;
        this.hosts = hosts;
    }

    public Routing current() {
        return current.get();
    }

    /** Replaces the routing; returns the one it replaced. */
    public Routing swap(Routing next) {
        return current.getAndSet(next);
    }

    /** Whether deciding for {@code flow} under {@code routing} may block on name resolution. */
    public boolean mayBlock(Routing routing, Metadata flow) {
        return "rule".equals(routing.mode()) && routing.rules().mayResolve()
                && flow.destination().hasHost() && !flow.destination().hasAddress()
                && hosts.addressOf(flow.destination().host()) == null;
    }

    /** Decides under {@code routing}; may block when {@link #mayBlock} says so. */
    public Decision decide(Routing routing, Metadata flow) {
        switch (routing.mode()) {
            case "direct":
                return DIRECT_MODE;
            case "global":
                return GLOBAL; // always built, as in Clash: the config's own group of that name, or every outbound
            default:
                return routing.rules().decide(hosts.apply(query(flow)), resolver);
        }
    }

    public static Query query(Metadata flow) {
        InetAddress source = flow.source() == null ? null : flow.source().getAddress();
        int sourcePort = flow.source() == null ? 0 : flow.source().getPort();
        return new Query(flow.network() == Network.TCP ? dev.turnout.rules.Network.TCP : dev.turnout.rules.Network.UDP,
                flow.destination().host(), flow.destination().address(), flow.destination().port(), source,
                sourcePort, flow.processName());
    }
}
