package dev.turnout.host.config;

import java.util.regex.Pattern;

/**
 * One entry of a provider's {@code override.proxy-name}: every match of {@code pattern} in a node's name is
 * replaced by {@code target}, as mihomo does with regexp2 (a backtracking engine like Java's: look-around works).
 * In the target, {@code $1} and {@code ${name}} insert groups, {@code $$} is a dollar sign and a backslash is
 * itself, as in regexp2's .NET substitutions. Runs once per node per load, never on a flow.
 *
 * @param target the replacement as written
 */
public record NameReplacement(Pattern pattern, String target) {

    /** {@code name} with every match replaced. */
    public String apply(String name) {
        return pattern.matcher(name).replaceAll(javaReplacement(target));
    }

    /** regexp2's substitution syntax in Java's: a backslash and {@code $$} are literal there. */
    static String javaReplacement(String target) {
        StringBuilder b = new StringBuilder(target.length() + 8);
        for (int i = 0; i < target.length(); i++) {
            char c = target.charAt(i);
            if (c == '\\') {
                b.append("\\\\");
            } else if (c == '$' && i + 1 < target.length() && target.charAt(i + 1) == '$') {
                b.append("\\$");
                i++;
            } else if (c == '$' && (i + 1 == target.length()
                    || !(Character.isDigit(target.charAt(i + 1)) || target.charAt(i + 1) == '{'))) {
                b.append("\\$"); // a lone dollar: regexp2 keeps it as written
            } else {
                b.append(c);
            }
        }
        return b.toString();
    }
}
