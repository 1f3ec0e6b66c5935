package dev.turnout.host.route;

import dev.turnout.host.outbound.Outbounds;
import dev.turnout.rules.RuleSet;
import java.util.Map;

/**
 * What a reload replaces, all at once: the compiled rules and the outbounds they name. A flow reads it once,
 * at its start, so a reload never changes a flow midway.
 *
 * @param mode    Clash's {@code mode}: rule, global or direct
 * @param dnsMatchers the {@code geosite:} and {@code rule-set:} entries of the DNS's filter and policy, compiled with the
 *                rules from the same databases and providers
 * @param listenerProxies by listener name, the outbound every flow through that listener takes ({@code proxy} of
 *                mihomo's {@code listeners:}), whatever the rules and the mode
 */
public record Routing(RuleSet rules, Outbounds outbounds, String mode, CompiledDnsMatchers dnsMatchers,
                      Map<String, String> listenerProxies) {

    public Routing {
        listenerProxies = Map.copyOf(listenerProxies);
    }

    /** Without DNS sets and listeners. */
    public Routing(RuleSet rules, Outbounds outbounds, String mode) {
        this(rules, outbounds, mode, CompiledDnsMatchers.empty(), Map.of());
    }

    /** The same routing in another {@code mode}. */
    public Routing withMode(String next) {
        return new Routing(rules, outbounds, next, dnsMatchers, listenerProxies);
    }
}
