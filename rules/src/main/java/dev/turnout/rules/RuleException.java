package dev.turnout.rules;

import java.util.List;

/**
 * A rule or a provider's entry cannot be used. The message names file, line and column first; when several
 * rules are wrong, one exception lists each of them that way, one a line.
 */
public final class RuleException extends Exception {

    private final Origin origin;
    private final List<RuleException> problems;

    public RuleException(Origin origin, String message) {
        super(origin + ": " + message);
        this.origin = origin;
        this.problems = List.of();
    }

    private RuleException(List<RuleException> problems) {
        super(String.join("\n", problems.stream().map(Throwable::getMessage).toList()));
        this.origin = problems.get(0).origin;
        this.problems = List.copyOf(problems);
    }

    /** One exception for every problem found; a single one stays as it is. */
    public static RuleException of(List<RuleException> found) {
        List<RuleException> flat = found.stream().flatMap(e -> e.problems().stream()).toList();
        if (flat.isEmpty()) {
            throw new IllegalArgumentException("no problems");
        }
        return flat.size() == 1 ? flat.get(0) : new RuleException(flat);
    }

    public Origin origin() {
        return origin;
    }

    /** Each problem on its own: this exception alone unless it gathers several. */
    public List<RuleException> problems() {
        return problems.isEmpty() ? List.of(this) : problems;
    }
}
