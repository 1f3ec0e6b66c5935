package dev.turnout.host.cli;

import java.nio.file.Path;
import picocli.CommandLine.Option;

/** {@code --plugins}, shared by the commands that load plugins. */
final class PluginOptions {

    @Option(names = {"-p", "--plugins"}, paramLabel = "DIR",
            description = "Plugin folder (default: the plugins folder of Turnout's installation, beside the bin/ of"
                    + " the bin/turnout that started it; else ./plugins).")
    Path folder;

    Path folder() {
        return folder != null ? folder : Locations.defaultPlugins();
    }
}
