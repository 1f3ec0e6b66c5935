package dev.turnout.rules;

/** A rule provider's {@code format:}: a YAML {@code payload:} list, or one entry per line. */
public enum ProviderFormat {
    YAML,
    TEXT
}
