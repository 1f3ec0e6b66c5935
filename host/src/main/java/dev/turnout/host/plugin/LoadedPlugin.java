package dev.turnout.host.plugin;

import java.nio.file.Path;
import java.util.List;

/** A plugin that started, and the outbound types it provides. */
public record LoadedPlugin(String id, String version, Path path, List<String> outboundTypes) {
}
