package dev.turnout.host.config;

import dev.turnout.rules.Behavior;
import dev.turnout.rules.Origin;
import dev.turnout.rules.ProviderFormat;
import dev.turnout.rules.RuleLine;
import java.nio.file.Path;
import java.util.List;

/**
 * One {@code rule-providers:} entry.
 *
 * @param type {@code file}, {@code http} or {@code inline}
 * @param path the local file (for http, where the download is kept), resolved against the config's folder;
 *     {@code null} for inline
 * @param url for http providers, else {@code null}
 * @param intervalSeconds refresh interval for http providers, 0 for never
 * @param payload the entries of an inline provider, each where it was written; null for the others
 */
public record ProviderEntry(String name, String type, Behavior behavior, ProviderFormat format, Path path,
                            String url, int intervalSeconds, Origin origin, List<RuleLine> payload) {

    /** A file or http provider. */
    public ProviderEntry(String name, String type, Behavior behavior, ProviderFormat format, Path path, String url,
                         int intervalSeconds, Origin origin) {
        this(name, type, behavior, format, path, url, intervalSeconds, origin, null);
    }
}
