package dev.turnout.rules;

/**
 * A rule provider's {@code format:}: a YAML {@code payload:} list, one entry per line, or mihomo's binary rule set
 * ({@code mrs}: domain and ipcidr behaviors only).
 */
public enum ProviderFormat {
    YAML,
    TEXT,
    MRS
}
