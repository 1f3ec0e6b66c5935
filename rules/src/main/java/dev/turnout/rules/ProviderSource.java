package dev.turnout.rules;

import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * A rule provider's contents, already read by the host (from its file, or downloaded).
 *
 * @param name the provider's name under {@code rule-providers:}
 * @param content the whole file as text (empty for {@code format: mrs} and {@code type: inline}); null when the
 *     host gave it as its UTF-8 bytes, in {@code binary}, and {@link #content()} then decodes those
 * @param file the file the content came from, for error messages
 * @param declaredAt where the provider was declared in the config
 * @param payload for {@code type: inline}, the entries written under {@code payload:} in the config, each with
 *     where it was written; null otherwise
 * @param binary for {@code format: mrs}, the file's bytes; for a text provider given as bytes, the file's UTF-8
 *     (which the host has checked); null otherwise
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

    /**
     * A text provider as the UTF-8 bytes read from {@code file}, which the caller has checked are UTF-8. The big
     * lists are read as bytes anyway (see {@link SimpleYamlPayload}): a string made only to be turned back into
     * bytes was two copies of a 3 MB file on every start and reload.
     */
    public static ProviderSource utf8(String name, Behavior behavior, ProviderFormat format, byte[] utf8, String file,
                                      Origin declaredAt) {
        if (format == ProviderFormat.MRS) {
            throw new IllegalArgumentException("an mrs provider is binary: ProviderSource.mrs");
        }
        return new ProviderSource(name, behavior, format, null, file, declaredAt, null, utf8);
    }

    /** The whole file as text (for {@code format: mrs} and {@code type: inline}, empty); made now if given as bytes. */
    @Override
    public String content() {
        return content != null ? content : new String(binary, StandardCharsets.UTF_8);
    }

    /** The whole file as UTF-8 bytes: those given, or the text's (for mrs and inline, none). */
    byte[] utf8() {
        return content == null ? binary : content.getBytes(StandardCharsets.UTF_8);
    }

    /**
     * Reads this source as the rules would and says how many entries it holds (an entry mihomo would skip is skipped
     * and not counted); throws where it is not a rule set of its format and behavior. What a host checks a download with before it takes the place of the last good copy.
     */
    public int entries() throws RuleException {
        return ProviderParser.parse(this, warning -> { }).entries().size();
    }

    /**
     * What reading this source found, for a host that decides whether a download is a rule set at all.
     *
     * @param entries the entries kept
     * @param skipped the entries skipped as unusable (as mihomo skips them)
     * @param firstSkipped the first of those, with where it is and why, or null
     */
    public record Reading(int entries, int skipped, String firstSkipped) {
    }

    /** Reads this source as the rules would; throws where it is not a rule set of its format at all. */
    public Reading reading() throws RuleException {
        int[] skipped = {0};
        String[] first = {null};
        int entries = ProviderParser.parse(this, warning -> { }, (text, problem) -> {
            if (skipped[0]++ == 0) {
                first[0] = problem.getMessage();
            }
        }).entries().size();
        return new Reading(entries, skipped[0], first[0]);
    }

    /** A {@code format: mrs} provider: mihomo's binary rule set, as read from {@code file}. */
    public static ProviderSource mrs(String name, Behavior behavior, byte[] bytes, String file, Origin declaredAt) {
        return new ProviderSource(name, behavior, ProviderFormat.MRS, "", file, declaredAt, null, bytes);
    }
}
