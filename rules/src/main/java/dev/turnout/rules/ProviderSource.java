package dev.turnout.rules;

import java.util.List;

/**
 * A rule provider's contents, already read by the host (from its file, or downloaded).
 *
 * @param name the provider's name under {@code rule-providers:}
 * @param content the whole file as text (empty for {@code format: mrs} and {@code type: inline})
 * @param file the file the content came from, for error messages
 * @param declaredAt where the provider was declared in the config
 * @param payload for {@code type: inline}, the entries written under {@code payload:} in the config, each with
 *     where it was written; null otherwise
 * @param binary for {@code format: mrs}, the file's bytes; null otherwise
 */
public record ProviderSource(String name, Behavior behavior, ProviderFormat format, String content, String file,
                             Origin declaredAt, List<RuleLine> payload, byte[] binary) {

    /** A text provider (YAML or one entry a line). */
    public ProviderSource(String name, Behavior behavior, ProviderFormat format, String content, String file,
                          Origin declaredAt) {
        this(name, behavior, format, content, file, declaredAt, null, null);
    }

    /** A {@code type: inline} provider: its entries as written in the config. */
    public static ProviderSource inline(String name, Behavior behavior, List<RuleLine> payload, Origin declaredAt) {
        return new ProviderSource(name, behavior, ProviderFormat.YAML, "", declaredAt.file(), declaredAt,
                List.copyOf(payload), null);
    }

    /** A {@code format: mrs} provider: mihomo's binary rule set, as read from {@code file}. */
    public static ProviderSource mrs(String name, Behavior behavior, byte[] bytes, String file, Origin declaredAt) {
        return new ProviderSource(name, behavior, ProviderFormat.MRS, "", file, declaredAt, null, bytes);
    }
}
