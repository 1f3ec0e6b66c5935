package dev.turnout.host.route;

import dev.turnout.api.Metadata;
import dev.turnout.api.Network;
import dev.turnout.rules.Decision;
import dev.turnout.rules.NameResolver;
import dev.turnout.rules.Query;
import dev.turnout.rules.RuleSet;
import dev.turnout.rules.Sender;
import java.net.InetAddress;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;

/** Holds the current {@link Routing} and answers where a flow goes. Swapped atomically on reload. */
public final class Router {

    /** What a flow's rule reads when no rule decided it: mode global, mode direct, a listener's proxy (then its name). */
    public static final String GLOBAL_MODE = "GLOBAL";
    public static final String DIRECT_MODE_RULE = "DIRECT";
    public static final String LISTENER_RULE = "LISTENER,";

    private static final Decision GLOBAL = new Decision("GLOBAL", GLOBAL_MODE, -1);
    private static final Decision DIRECT_MODE = new Decision("DIRECT", DIRECT_MODE_RULE, -1);

    private final AtomicReference<Routing> current;
    private final NameResolver resolver;
    private final ProcessLookup processes;
    private final RuleHosts hosts;

    public Router(Routing initial, NameResolver resolver, ProcessLookup processes) {
        this(initial, resolver, RuleHosts.DEFAULT, processes);
    }

    public Router(Routing initial, NameResolver resolver, RuleHosts hosts) {
        this(initial, resolver, hosts, ProcessLookup.OFF);
    }

    /**
     * @param hosts {@code hosts:}, whose addresses rules see before any rule (Clash's order)
     * @param processes how flows' owning processes are found for PROCESS-NAME, PROCESS-PATH and UID rules
     */
    public Router(Routing initial, NameResolver resolver, RuleHosts hosts, ProcessLookup processes) {
        this.current = new AtomicReference<>(initial);
        this.resolver = resolver;
        this.hosts = hosts;
        this.processes = processes;
    }
    /**
     * A decision and the flow it was made for, with the owning process when it was looked up.
     *
     * @param wantsProcess made without looking the process up, and looking would be needed (or, with
     *     {@code find-process-mode: always}, is wanted anyway): {@link #route} then decides for good
     */
    public record Decided(Decision decision, Metadata flow, boolean wantsProcess) {

        Decided(Decision decision, Metadata flow) {
            this(decision, flow, false);
        }
    }

    public Routing current() {
        return current.get();
    }

    /** Replaces the routing; returns the one it replaced. */
    public Routing swap(Routing next) {
        return current.getAndSet(next);
    }

    /**
     * The decision for a flow through a listener with a {@code proxy}, or {@code null}: that outbound whatever the
     * rules and the mode say, as mihomo's listener does; the connection's rule says which listener decided.
     */
    private static Decision listenerProxy(Routing routing, Metadata flow) {
        String name = flow.inboundName();
        String proxy = name == null ? null : routing.listenerProxies().get(name);
        return proxy == null ? null : new Decision(proxy, LISTENER_RULE + name, -1);
    }

    /**
     * The decision for one of Turnout's own connections (a nameserver's, for {@code #RULES} and
     * {@code respect-rules}): the mode, then the rules without ever looking a name up, since looking it up may be
     * what the connection is for; IP rules then match only a destination given by address.
     */
    public Decision decideOwn(Routing routing, Metadata own) {
        switch (routing.mode()) {
            case "direct":
                return DIRECT_MODE;
            case "global":
                return GLOBAL;
            default:
                return decideByRules(routing, ruleQuery(own), NameResolver.NONE, own);
        }
    }

    /** The sub-rules list of the listener {@code flow} came through, or {@code null}. */
    private static String listenerRules(Routing routing, Metadata flow) {
        String name = flow.inboundName();
        return name == null ? null : routing.listenerRules().get(name);
    }

    /** Whether {@code flow}'s decision under {@code routing} is the rules' (rule mode, no listener deciding). */
    public static boolean byRules(Routing routing, Metadata flow) {
        return "rule".equals(routing.mode()) && listenerProxy(routing, flow) == null
                && listenerRules(routing, flow) == null;
    }

    /** Whether deciding for {@code flow} under {@code routing} may block on name resolution or a process lookup. */
    public boolean mayBlock(Routing routing, Metadata flow) {
        if (!"rule".equals(routing.mode()) || listenerProxy(routing, flow) != null) {
            return false;
        }
        if (listenerRules(routing, flow) != null) {
            return true; // its list may look the name or the process up anywhere
        }
        return routing.rules().mayResolve() && flow.destination().hasHost() && !flow.destination().hasAddress()
                && hosts.addressOf(flow.destination().host()) == null;
    }

    /**
     * Decides without ever blocking, for flows {@link #mayBlock} says need no name resolved: the process is not
     * looked up, and {@link Decided#wantsProcess} says whether {@link #route} (which may block) must decide
     * instead. Most flows under rules with a PROCESS-NAME far down are decided here, on the event loop.
     */
    public Decided decideWithoutLookup(Routing routing, Metadata flow) {
        if (!"rule".equals(routing.mode()) || listenerProxy(routing, flow) != null || listenerRules(routing, flow) != null) {
            return route(routing, flow);
        }
        RuleSet rules = routing.rules();
        boolean mayLook = flow.source() != null && processes.mayLook(rules.mayNeedProcess());
        Decision d = decideByRules(routing, ruleQuery(flow), resolver, flow);
        return new Decided(d, flow, mayLook && (processes.always() || rules.needsProcess(d)));
    }

    /** Decides under {@code routing}; may block on name resolution and on finding the flow's process. */
    public Decision decide(Routing routing, Metadata flow) {
        return route(routing, flow).decision();
    }

    /**
     * Decides under {@code routing}. The owning process is looked up only when a rule could need it: first
     * without it, and again with it only if the decision fell at or after the first rule that looks at it (the
     * rules before that one never do), which is where mihomo looks it up too.
     */
    public Decided route(Routing routing, Metadata flow) {
        Decision fixed = listenerProxy(routing, flow);
        if (fixed != null) {
            return new Decided(fixed, flow);
        }
        switch (routing.mode()) {
            case "direct":
                return new Decided(DIRECT_MODE, flow);
            case "global":
                // Always built, as in Clash: the config's own group of that name, or every outbound.
                return new Decided(GLOBAL, flow);
            default:
                break;
        }
        RuleSet rules = routing.rules();
        String list = listenerRules(routing, flow);
        if (list != null) {
            // Its own list, which may look at the process anywhere: found first (unless find-process-mode is off).
            Metadata found = processes.mayLook(true) ? processes.resolve(flow) : flow;
            return new Decided(rules.decideIn(list, ruleQuery(found), resolver, passes(routing, found),
                    target -> routing.outbounds().passesWithinList(target, found)), found);
        }
        if (processes.always()) {
            Metadata found = processes.resolve(flow);
            return new Decided(decideByRules(routing, ruleQuery(found), resolver, found), found);
        }
        if (!processes.mayLook(rules.mayNeedProcess())) {
            return new Decided(decideByRules(routing, ruleQuery(flow), resolver, flow), flow);
        }
        NameResolver once = onlyOnce(resolver);
        Decision d = decideByRules(routing, ruleQuery(flow), once, flow);
        if (rules.needsProcess(d)) {
            Metadata found = processes.resolve(flow);
            if (found != flow) {
                return new Decided(decideByRules(routing, ruleQuery(found), once, found), found);
            }
        }
        return new Decided(d, flow);
    }

    /**
     * The rules' decision for {@code flow}; where a rule names a group whose choice for the flow is PASS or PASS-RULE,
     * matching goes on with the next rule (PASS-RULE: within a sub-rules list, that list's), as in mihomo.
     */
    private static Decision decideByRules(Routing routing, Query query, NameResolver resolver, Metadata flow) {
        RuleSet rules = routing.rules();
        return rules.mayPass() ? rules.decide(query, resolver, passes(routing, flow),
                target -> routing.outbounds().passesWithinList(target, flow)) : rules.decide(query, resolver);
    }

    /**
     * Where matching goes on past a matching rule, as mihomo's tunnel.match: its target chooses PASS now, or the flow
     * is UDP and its target would not carry it ({@code udp} off, a group's {@code disable-udp}); after the last rule,
     * DIRECT. Dropped instead, a game's or QUIC's UDP never reached a later rule that would carry it.
     */
    private static java.util.function.Predicate<String> passes(Routing routing, Metadata flow) {
        var outbounds = routing.outbounds();
        return flow.network() == dev.turnout.api.Network.UDP
                ? target -> outbounds.passes(target, flow) || !outbounds.carriesUdp(target, flow)
                : target -> outbounds.passes(target, flow);
    }

    /** Deciding twice must not ask DNS twice. */
    private static NameResolver onlyOnce(NameResolver resolver) {
        return new NameResolver() {
            private String asked;
            private List<InetAddress> answer;

            @Override
            public List<InetAddress> resolve(String domain) {
                if (!domain.equals(asked)) {
                    answer = resolver.resolve(domain);
                    asked = domain;
                }
                return answer;
            }
        };
    }

    /** The query rules see: a name in {@code hosts:} already carries its address. */
    private Query ruleQuery(Metadata flow) {
        return hosts.apply(query(flow));
    }

    public static Query query(Metadata flow) {
        InetAddress source = flow.source() == null ? null : flow.source().getAddress();
        int sourcePort = flow.source() == null ? 0 : flow.source().getPort();
        Sender sender = new Sender(flow.inboundPort(), flow.inboundType(), flow.inboundName(), flow.inboundUser(),
                flow.processPath(), flow.uid(), flow.dscp());
        return new Query(flow.network() == Network.TCP ? dev.turnout.rules.Network.TCP : dev.turnout.rules.Network.UDP,
                flow.destination().host(), flow.destination().address(), flow.destination().port(), source,
                sourcePort, flow.processName(), sender);
    }
}
