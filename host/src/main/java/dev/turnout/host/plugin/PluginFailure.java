package dev.turnout.host.plugin;

import java.nio.file.Path;

/** A plugin that could not be loaded or started, and why. The host goes on without it. */
public record PluginFailure(Path path, String reason) {
}
