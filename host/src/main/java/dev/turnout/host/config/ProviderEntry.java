package dev.turnout.host.config;

import dev.turnout.rules.Behavior;
import dev.turnout.rules.Origin;
import dev.turnout.rules.ProviderFormat;
import java.nio.file.Path;

/**
 * One {@code rule-providers:} entry.
 *
 * @param type {@code file} or {@code http}
 * @param path the local file (for http, where the download is kept), resolved against the config's folder
 * @param url for http providers, else {@code null}
 * @param intervalSeconds refresh interval for http providers, 0 for never
 */
public record ProviderEntry(String name, String type, Behavior behavior, ProviderFormat format, Path path,
                            String url, int intervalSeconds, Origin origin) {
}
