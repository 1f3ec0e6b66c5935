package dev.turnout.host.outbound;

import dev.turnout.api.Metadata;
import dev.turnout.api.Outbound;
import dev.turnout.host.config.GroupEntry;
import dev.turnout.host.provider.ProxyProvider;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** Every outbound and group of one config, by name, with DIRECT and REJECT always present. Immutable. */
public final class Outbounds implements AutoCloseable {

    private final Map<String, Outbound> byName;
    private final List<GroupEntry> groups;
    private final List<String> warnings;
    private final Map<String, ProxyProvider> providers;
    private final Set<String> carriers;
    private final Set<String> passing;
    private final Set<String> udpLess;

    Outbounds(Map<String, Outbound> byName) {
        this(byName, List.of(), List.of(), Map.of());
    }

    Outbounds(Map<String, Outbound> byName, List<GroupEntry> groups, List<String> warnings) {
        this(byName, groups, warnings, Map.of());
    }

    Outbounds(Map<String, Outbound> byName, List<GroupEntry> groups, List<String> warnings,
              Map<String, ProxyProvider> providers) {
        this(byName, groups, warnings, providers, Set.of());
    }

    Outbounds(Map<String, Outbound> byName, List<GroupEntry> groups, List<String> warnings,
              Map<String, ProxyProvider> providers, Set<String> carriers) {
        this.carriers = Set.copyOf(carriers);
        this.byName = Collections.unmodifiableMap(new LinkedHashMap<>(byName));
        this.groups = List.copyOf(groups);
        this.warnings = List.copyOf(warnings);
        this.providers = Collections.unmodifiableMap(new LinkedHashMap<>(providers));
        this.passing = PassOutbound.passingGroups(this.groups);
        this.udpLess = udpLess(this.byName);
    }

    /**
     * The outbounds and groups that may not carry a UDP flow: one without UDP, a group with {@code disable-udp} or
     * holding such a one. mihomo's rule matching goes past a rule naming one for a UDP flow that it would not carry.
     */
    private static Set<String> udpLess(Map<String, Outbound> byName) {
        Set<String> out = new java.util.HashSet<>();
        boolean grew = true;
        for (int round = 0; grew && round <= byName.size(); round++) {
            grew = false;
            for (Map.Entry<String, Outbound> e : byName.entrySet()) {
                if (out.contains(e.getKey())) {
                    continue;
                }
                Outbound o = e.getValue();
                boolean lacks = o instanceof ProxyGroup g && !g.relay()
                        ? g.options().disableUdp() || g.members().stream().anyMatch(out::contains)
                        : !o.supportsUdp();
                if (lacks) {
                    out.add(e.getKey());
                    grew = true;
                }
            }
        }
        return Set.copyOf(out);
    }

    /**
     * The targets at which rule matching may go on past a matching rule: the groups that may lead to PASS, and for a
     * UDP flow those that may not carry it ({@link #carriesUdp}).
     */
    public Set<String> skippable() {
        Set<String> all = new java.util.HashSet<>(passing);
        all.addAll(udpLess);
        return Set.copyOf(all);
    }

    /**
     * Whether {@code target} carries {@code flow}'s UDP now (mihomo's SupportUDP of the rule's adapter): when it does
     * not, mihomo's tunnel.match goes on with the next rule, and to DIRECT after the last.
     */
    public boolean carriesUdp(String target, Metadata flow) {
        Outbound o = byName.get(target);
        if (o instanceof ProxyGroup g && !g.relay()) {
            return g.carriesUdp(flow);
        }
        return o == null || o.supportsUdp();
    }

    /** The groups that may lead a flow to mihomo's PASS (they hold it, or a group that may): rules naming them may pass. */
    public Set<String> passing() {
        return passing;
    }

    /**
     * Whether {@code target} leads {@code flow} to PASS now: PASS itself, or a group whose choice for the flow
     * (followed through the groups it holds) is PASS. Then the flow goes on to the next rule, as in mihomo.
     */
    public boolean passes(String target, Metadata flow) {
        return leafOf(target, flow) instanceof PassOutbound;
    }

    /**
     * Whether {@code target} leads {@code flow} to mihomo's PASS-RULE now: then, within a sub-rules list, the flow goes
     * on with that list's next rule rather than leaving the list as PASS does.
     */
    public boolean passesWithinList(String target, Metadata flow) {
        return leafOf(target, flow) instanceof PassOutbound p && p.withinList();
    }

    private Outbound leafOf(String target, Metadata flow) {
        Outbound o = byName.get(target);
        if (o instanceof ProxyGroup g && !g.relay()) {
            try {
                o = g.leaf(flow);
            } catch (IllegalStateException noMember) {
                return null; // the dial then says why
            }
        }
        return o;
    }

    /** The names of the outbounds others connect through ({@code dialer-proxy}, relay hops). */
    public Set<String> carriers() {
        return carriers;
    }

    /** The proxy providers, by name in the config's order, with the nodes that became outbounds. */
    public Map<String, ProxyProvider> providers() {
        return providers;
    }

    /** The groups as built: their final members (include-all and filters applied), GLOBAL included. */
    public List<GroupEntry> groups() {
        return groups;
    }

    /** What the user should read about the outbounds and groups: keys not applied, empty groups. */
    public List<String> warnings() {
        return warnings;
    }

    public Outbound get(String name) {
        return byName.get(name);
    }

    public Set<String> names() {
        return byName.keySet();
    }

    public Map<String, Outbound> all() {
        return byName;
    }

    @Override
    public void close() {
        for (Outbound o : byName.values()) {
            try {
                o.close();
            } catch (RuntimeException e) {
                // closing one outbound must not keep the others open
            }
        }
    }
}
