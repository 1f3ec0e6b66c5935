package dev.turnout.host.route;

import dev.turnout.host.outbound.Outbounds;
import dev.turnout.rules.RuleSet;

/**
 * What a reload replaces, all at once: the compiled rules and the outbounds they name. A flow reads it once,
 * at its start, so a reload never changes a flow midway.
 *
 * @param mode Clash's {@code mode}: rule, global or direct
 */
public record Routing(RuleSet rules, Outbounds outbounds, String mode) {
}
