package dev.turnout.host.plugin;

import java.nio.file.Path;

/** Something about a plugin that loaded which its author most likely did not mean, such as providing no type. */
public record PluginWarning(Path path, String message) {
}
