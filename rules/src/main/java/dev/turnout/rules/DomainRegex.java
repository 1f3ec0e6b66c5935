package dev.turnout.rules;

import java.util.concurrent.atomic.AtomicLong;

/**
 * A {@code DOMAIN-REGEX} pattern, found somewhere in the domain and ignoring case, as mihomo's regexp2 does.
 *
 * <p>Read with RE2J where it can be (Go's syntax, linear time whatever the pattern). mihomo compiles these with
 * regexp2, a backtracking engine that also reads look-around, back-references and atomic groups, which RE2 refuses:
 * such a pattern is read by Java's regex, whose syntax for them is regexp2's, so the config loads and the rule works
 * as in mihomo. Backtracking can take time exponential in the name's length, and the names come from the
 * machine's clients: each search is cut after {@link #STEP_LIMIT} reads of the name's characters and counts as no
 * match (mihomo's regexp2 has no limit and would hold the flow for as long).
 */
public final class DomainRegex {

    /**
     * Reads of the name a backtracking search may make: a look-ahead pattern over a 253-character name needs a few
     * thousand; this is about a millisecond of work.
     */
    static final int STEP_LIMIT = 200_000;

    private static final AtomicLong CUT = new AtomicLong();
    private static volatile java.util.function.Consumer<String> cutListener = pattern -> { };

    private final String written;
    private final com.google.re2j.Pattern linear;
    private final java.util.regex.Pattern backtracking;
    private volatile boolean toldOfCut;

    private DomainRegex(String written, com.google.re2j.Pattern linear, java.util.regex.Pattern backtracking) {
        this.written = written;
        this.linear = linear;
        this.backtracking = backtracking;
    }

    /**
     * @throws IllegalArgumentException saying why neither syntax reads {@code pattern}
     */
    public static DomainRegex compile(String pattern) {
        try {
            return new DomainRegex(pattern,
                    com.google.re2j.Pattern.compile(pattern, com.google.re2j.Pattern.CASE_INSENSITIVE), null);
        } catch (com.google.re2j.PatternSyntaxException re2) {
            if (possessive(pattern)) {
                // Java reads a++ as possessive; regexp2, as .NET, refuses it ("nested quantifier"), so mihomo does
                throw new IllegalArgumentException("a possessive quantifier, which mihomo's regexp2 does not read");
            }
            try {
                return new DomainRegex(pattern, null, java.util.regex.Pattern.compile(pattern,
                        java.util.regex.Pattern.CASE_INSENSITIVE | java.util.regex.Pattern.UNICODE_CASE));
            } catch (java.util.regex.PatternSyntaxException java) {
                throw new IllegalArgumentException(java.getDescription() + " (RE2: " + re2.getDescription() + ")",
                        java);
            }
        }
    }

    /** Whether a quantifier is followed by {@code +} outside a character class and not escaped. */
    static boolean possessive(String pattern) {
        boolean afterQuantifier = false;
        boolean inClass = false;
        for (int i = 0; i < pattern.length(); i++) {
            char c = pattern.charAt(i);
            if (c == '\\') {
                i++; // the escaped character is a literal or a class, never a quantifier
                afterQuantifier = false;
                continue;
            }
            if (inClass) {
                inClass = c != ']';
                continue;
            }
            if (c == '+' && afterQuantifier) {
                return true;
            }
            boolean groupStart = c == '?' && i > 0 && pattern.charAt(i - 1) == '(';
            afterQuantifier = !groupStart && (c == '*' || c == '+' || c == '?' || c == '}');
            if (c == '?' && i > 0 && !groupStart && isQuantifier(pattern.charAt(i - 1))) {
                afterQuantifier = false; // a lazy quantifier: a+? then + is a new quantifier of nothing, refused anyway
            }
            if (c == '[') {
                inClass = true;
                if (i + 1 < pattern.length() && pattern.charAt(i + 1) == ']') {
                    i++; // a ] right after [ is a literal
                }
            }
        }
        return false;
    }

    private static boolean isQuantifier(char c) {
        return c == '*' || c == '+' || c == '?' || c == '}';
    }

    /** The pattern as written. */
    public String pattern() {
        return written;
    }

    /** Whether it is searched by backtracking (look-around and the like), step-limited. */
    public boolean backtracks() {
        return backtracking != null;
    }

    /** Searches the whole process has cut at the step limit, counted as no match. */
    public static long searchesCut() {
        return CUT.get();
    }

    /**
     * Told the pattern the first time each compiled pattern has a search cut: the host says it, since a rule that
     * silently stops matching some names routes their flows elsewhere.
     */
    public static void onFirstCut(java.util.function.Consumer<String> listener) {
        cutListener = listener;
    }

    /** Whether the pattern occurs somewhere in {@code domain}. */
    public boolean find(String domain) {
        if (linear != null) {
            return linear.matcher(domain).find();
        }
        try {
            return backtracking.matcher(new StepLimited(domain)).find();
        } catch (StepLimited.Exceeded e) {
            CUT.incrementAndGet();
            if (!toldOfCut) {
                toldOfCut = true;
                cutListener.accept(written);
            }
            return false;
        }
    }

    @Override
    public String toString() {
        return written;
    }

    /** A name whose characters may be read {@link #STEP_LIMIT} times in all. */
    private static final class StepLimited implements CharSequence {

        private final String s;
        private int steps;

        StepLimited(String s) {
            this.s = s;
        }

        @Override
        public char charAt(int index) {
            if (++steps > STEP_LIMIT) {
                throw new Exceeded();
            }
            return s.charAt(index);
        }

        @Override
        public int length() {
            return s.length();
        }

        @Override
        public CharSequence subSequence(int start, int end) {
            return s.subSequence(start, end);
        }

        @Override
        public String toString() {
            return s;
        }

        private static final class Exceeded extends RuntimeException {
            Exceeded() {
                super(null, null, false, false); // no stack trace: thrown on a flow's path
            }
        }
    }
}
