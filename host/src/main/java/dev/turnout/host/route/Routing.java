package dev.turnout.host.route;

import dev.turnout.host.outbound.Outbounds;
import dev.turnout.rules.RuleSet;

/**
 * What a reload replaces, all at once: the compiled rules and the outbounds they name. A flow reads it once,
 * at its start, so a reload never changes a flow midway.
 *
 * @param mode    Clash's {@code mode}: rule, global or direct
 * @param dnsMatchers the {@code geosite:} and {@code rule-set:} entries of the DNS's filter and policy, compiled with the
 *                rules from the same databases and providers
 */
public record Routing(RuleSet rules, Outbounds outbounds, String mode, CompiledDnsMatchers dnsMatchers) {

    /** Without DNS sets. */
    public Routing(RuleSet rules, Outbounds outbounds, String mode) {
        this(rules, outbounds, mode, CompiledDnsMatchers.empty());
    }

    /** The same routing in another {@code mode}. */
    public Routing withMode(String next) {
        return new Routing(rules, outbounds, next, dnsMatchers);
    }
}
