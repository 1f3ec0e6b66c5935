package dev.turnout.rules;

/** A rule or a provider's entry cannot be used. The message names file, line and column first. */
public final class RuleException extends Exception {

    private final Origin origin;

    public RuleException(Origin origin, String message) {
        super(origin + ": " + message);
        this.origin = origin;
    }

    public Origin origin() {
        return origin;
    }
}
