package dev.turnout.host.config;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * One entry of a provider's {@code override.proxy-name}: every match of {@code pattern} in a node's name is
 * replaced by {@code target}, as mihomo does with regexp2 (a backtracking engine like Java's: look-around works).
 * The target is read as regexp2's .NET substitutions are, not as Java's replacement strings (where {@code ${1}}
 * throws and {@code $10} is group 1 and a zero): {@code $1}, {@code ${1}} and {@code ${name}} insert a group,
 * {@code $&} the match, {@code $`} and {@code $'} what precedes and follows it, {@code $+} the last group,
 * {@code $_} the whole name, {@code $$} a dollar sign; a reference to no group is itself, and so is a backslash.
 * Runs once per node per load, never on a flow.
 *
 * @param target the replacement as written
 */
public record NameReplacement(Pattern pattern, String target) {

    /** {@code name} with every match replaced. */
    public String apply(String name) {
        Matcher m = pattern.matcher(name);
        StringBuilder out = new StringBuilder(name.length() + target.length());
        int last = 0;
        while (m.find()) {
            out.append(name, last, m.start());
            substitute(m, name, out);
            last = m.end();
        }
        return out.append(name, last, name.length()).toString();
    }

    private void substitute(Matcher m, String name, StringBuilder out) {
        int i = 0;
        while (i < target.length()) {
            int used = target.charAt(i) == '$' ? dollar(m, name, i, out) : 0;
            if (used == 0) {
                out.append(target.charAt(i));
                used = 1;
            }
            i += used;
        }
    }

    /**
     * Appends what the {@code $} at {@code at} in the target stands for and says how many characters that took;
     * 0 when it stands for nothing (it is then a dollar sign, and what follows is read as written).
     */
    private int dollar(Matcher m, String name, int at, StringBuilder out) {
        if (at + 1 == target.length()) {
            return 0;
        }
        String ref;
        int used = 2;
        switch (target.charAt(at + 1)) {
            case '$' -> ref = "$";
            case '&' -> ref = m.group();
            case '`' -> ref = name.substring(0, m.start());
            case '\'' -> ref = name.substring(m.end());
            case '+' -> ref = group(m, m.groupCount());
            case '_' -> ref = name;
            case '{' -> {
                int close = target.indexOf('}', at + 2);
                ref = close < 0 ? null : reference(m, target.substring(at + 2, close));
                used = close + 1 - at;
            }
            default -> {
                int end = at + 1;
                while (end < target.length() && Character.isDigit(target.charAt(end))) {
                    end++;
                }
                ref = end == at + 1 ? null : reference(m, target.substring(at + 1, end));
                used = end - at;
            }
        }
        if (ref == null) {
            return 0;
        }
        out.append(ref);
        return used;
    }

    /** The text of group {@code ref} (a number or a name), or {@code null} when the pattern has no such group. */
    private static String reference(Matcher m, String ref) {
        if (!ref.isEmpty() && ref.chars().allMatch(Character::isDigit)) {
            int number = ref.length() > 9 ? Integer.MAX_VALUE : Integer.parseInt(ref);
            return number <= m.groupCount() ? group(m, number) : null;
        }
        try {
            String g = m.group(ref);
            return g == null ? "" : g;
        } catch (IllegalArgumentException e) {
            return null;
        }
    }

    /** A group that took no part in the match inserts nothing. */
    private static String group(Matcher m, int number) {
        String g = m.group(number);
        return g == null ? "" : g;
    }
}
