package dev.turnout.rules;

/**
 * A rule provider's contents, already read by the host (from its file, or downloaded).
 *
 * @param name the provider's name under {@code rule-providers:}
 * @param content the whole file as text
 * @param file the file the content came from, for error messages
 * @param declaredAt where the provider was declared in the config
 */
public record ProviderSource(String name, Behavior behavior, ProviderFormat format, String content, String file,
                             Origin declaredAt) {
}
