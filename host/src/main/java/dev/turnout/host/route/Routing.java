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
 * @param listenerRules by listener name, the {@code sub-rules:} list its flows are matched against in rule mode
 *                ({@code rule} of mihomo's {@code listeners:})
 * @param stats   how the rules decided flows
 * @param providerLoads when the rule providers were read, and each file as it was read
 */
public record Routing(RuleSet rules, Outbounds outbounds, String mode, CompiledDnsMatchers dnsMatchers,
                      Map<String, String> listenerProxies, Map<String, String> listenerRules, RuleStats stats,
                      RuleProviderLoads providerLoads) {

    public Routing {
        listenerProxies = Map.copyOf(listenerProxies);
        listenerRules = Map.copyOf(listenerRules);
    }

    /** With counts of its own. */
    public Routing(RuleSet rules, Outbounds outbounds, String mode, CompiledDnsMatchers dnsMatchers,
                   Map<String, String> listenerProxies, Map<String, String> listenerRules,
                   RuleProviderLoads providerLoads) {
        this(rules, outbounds, mode, dnsMatchers, listenerProxies, listenerRules, new RuleStats(rules.size()),
                providerLoads);
    }

    /** With counts of its own, its providers read by no one. */
    public Routing(RuleSet rules, Outbounds outbounds, String mode, CompiledDnsMatchers dnsMatchers,
                   Map<String, String> listenerProxies, Map<String, String> listenerRules) {
        this(rules, outbounds, mode, dnsMatchers, listenerProxies, listenerRules, RuleProviderLoads.NONE);
    }

    /** Without DNS sets and listeners. */
    public Routing(RuleSet rules, Outbounds outbounds, String mode) {
        this(rules, outbounds, mode, CompiledDnsMatchers.empty(), Map.of(), Map.of());
    }

    /** The same routing in another {@code mode}. */
    public Routing withMode(String next) {
        return new Routing(rules, outbounds, next, dnsMatchers, listenerProxies, listenerRules, stats, providerLoads);
    }

    /**
     * This routing keeping {@code previous}'s counts when its rules read as they did there (a provider's refresh, a
     * rule switched off or on); with its own otherwise.
     */
    public Routing countingOn(Routing previous) {
        return previous.rules().lines().equals(rules.lines())
                ? new Routing(rules, outbounds, mode, dnsMatchers, listenerProxies, listenerRules, previous.stats(),
                        providerLoads)
                : this;
    }
}
