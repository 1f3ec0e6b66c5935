package dev.turnout.rules;

/**
 * The outcome of matching.
 *
 * @param target the outbound or group the rule names
 * @param rule the matched rule as written without its target and options ({@code DOMAIN-SUFFIX,example.com},
 *     {@code RULE-SET,direct}, {@code MATCH})
 * @param index the rule's position in {@code rules:}, or -1 when nothing matched and the flow goes DIRECT
 */
public record Decision(String target, String rule, int index) {

    /** What a flow that matches no rule gets. */
    public static final Decision NO_MATCH = new Decision("DIRECT", "MATCH", -1);
}
