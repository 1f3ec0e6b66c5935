package dev.turnout.rules;

/** A rule provider's {@code behavior:}. */
public enum Behavior {
    DOMAIN,
    IPCIDR,
    CLASSICAL
}
