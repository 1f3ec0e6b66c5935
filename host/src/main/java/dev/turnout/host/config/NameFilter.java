package dev.turnout.host.config;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Predicate;

/**
 * A group's {@code filter} or {@code exclude-filter}: regular expressions searched for (not anchored) in
 * outbound names. Read with RE2J, Go's syntax with linear-time matching. mihomo itself compiles these with
 * regexp2, which also reads look-around ({@code ^(?!.*direct).*$} is common in users' configs) and which RE2
 * refuses: such a pattern is read by Java's regex instead. That is safe here, since filters run over the
 * config's own proxy names once per load, never on a flow.
 */
public final class NameFilter {

    private final String written;
    private final List<Predicate<String>> patterns;

    private NameFilter(String written, List<Predicate<String>> patterns) {
        this.written = written;
        this.patterns = List.copyOf(patterns);
    }

    /**
     * Reads {@code text} as one pattern, or as several separated by backticks when {@code backtickSeparated}
     * (mihomo splits {@code filter} so, not {@code exclude-filter}); throws {@link IllegalArgumentException}
     * naming the pattern that neither syntax reads.
     */
    public static NameFilter parse(String text, boolean backtickSeparated) {
        List<Predicate<String>> out = new ArrayList<>();
        String[] parts = backtickSeparated ? text.split("`", -1) : new String[] {text};
        for (String p : parts) {
            out.add(compile(p));
        }
        return new NameFilter(text, out);
    }

    private static Predicate<String> compile(String pattern) {
        try {
            com.google.re2j.Pattern re2 = com.google.re2j.Pattern.compile(pattern);
            return name -> re2.matcher(name).find();
        } catch (com.google.re2j.PatternSyntaxException e) {
            try {
                java.util.regex.Pattern lookaround = java.util.regex.Pattern.compile(pattern);
                return name -> lookaround.matcher(name).find();
            } catch (java.util.regex.PatternSyntaxException e2) {
                throw new IllegalArgumentException("'" + pattern + "' is not a regular expression: "
                        + e.getDescription(), e);
            }
        }
    }

    /** Whether any of the patterns occurs in {@code name}. */
    public boolean matches(String name) {
        for (Predicate<String> p : patterns) {
            if (p.test(name)) {
                return true;
            }
        }
        return false;
    }

    /** How many patterns it has: more than one only for a backtick-separated {@code filter}. */
    public int patternCount() {
        return patterns.size();
    }

    /**
     * The names some pattern matches, pattern by pattern (those the first matches, in their order, then those the
     * second matches of the rest, and so on), as mihomo's GroupBase.GetProxies lists a group's members.
     */
    public List<String> byPattern(java.util.Collection<String> names) {
        java.util.Set<String> out = new java.util.LinkedHashSet<>();
        for (Predicate<String> p : patterns) {
            for (String n : names) {
                if (p.test(n)) {
                    out.add(n);
                }
            }
        }
        return List.copyOf(out);
    }

    @Override
    public String toString() {
        return written;
    }
}
