/**
 * Clash rules: parsing, compiling and matching, with no dependency on the host or on Netty.
 *
 * <p>{@link dev.turnout.rules.RuleSet#compile} turns the lines of a config's {@code rules:} and the contents
 * of its rule providers into an index; {@link dev.turnout.rules.RuleSet#decide} answers, for a
 * {@link dev.turnout.rules.Query}, the first rule in list order that matches, as Clash does, at a cost that
 * does not grow with the number of rules.
 */
package dev.turnout.rules;
