package dev.turnout.host.cli;

import dev.turnout.host.config.Config;
import dev.turnout.host.config.ConfigException;
import dev.turnout.host.config.ConfigLoader;
import dev.turnout.host.plugin.PluginHost;
import dev.turnout.host.runtime.ConfigCheck;
import java.nio.file.Path;
import picocli.CommandLine.Option;

/** {@code -c} and {@code -d}, shared by the commands that read a config. */
final class ConfigOptions {

    @Option(names = {"-c", "--config"}, paramLabel = "FILE", description = "Config file (Clash YAML). Default: the built-in one.")
    Path file;

    @Option(names = {"-d", "--directory"}, paramLabel = "DIR",
            description = "Folder relative paths resolve against (default: the config file's folder).")
    Path directory;

    Config load() throws ConfigException {
        return file == null ? ConfigLoader.builtIn(directory) : ConfigLoader.load(file, directory);
    }

    /**
     * The problems of a config {@link #load()} refused, with those that building what it could read finds as well
     * (with the plugins of {@code plugins}), so that check and run list every problem in one run.
     */
    static ConfigException everyProblem(ConfigException refused, PluginOptions plugins) {
        if (refused.partial() == null) {
            return refused;
        }
        try (PluginHost host = PluginHost.load(plugins.folder(), false)) {
            return ConfigCheck.withLaterProblems(refused, host);
        }
    }
}
