package dev.turnout.host.cli;

import dev.turnout.host.config.Config;
import dev.turnout.host.config.ConfigException;
import dev.turnout.host.config.ConfigLoader;
import dev.turnout.host.controller.Controller;
import dev.turnout.host.plugin.PluginHost;
import dev.turnout.host.runtime.ConfigCheck;
import java.nio.file.Files;
import java.nio.file.Path;
import picocli.CommandLine.Option;

/**
 * {@code -c}/{@code -f}, {@code -d} and Clash's controller overrides, shared by the commands that read a config.
 * Without {@code -c} the config is looked up once ({@link HomeConfig}), and that one is read again on reloads.
 */
final class ConfigOptions {

    @Option(names = {"-c", "-f", "--config"}, paramLabel = "FILE",
            description = "Config file (Clash YAML). Default: DIR/config.yaml with -d, else the first of "
                    + "$XDG_CONFIG_HOME/turnout, ~/.config/clash, ~/.config/mihomo (config.yaml), else the built-in one.")
    Path file;

    @Option(names = {"-d", "--directory"}, paramLabel = "DIR",
            description = "Home folder, as Clash's -d: config.yaml unless -f is given; relative paths in the config "
                    + "(providers, caches, Country.mmdb) resolve against it (default: the config file's folder).")
    Path directory;

    @Option(names = "-ext-ctl", paramLabel = "ADDR", description = "Override external-controller (HOST:PORT).")
    String externalController;

    @Option(names = "-ext-ctl-unix", paramLabel = "PATH", description = "Override external-controller-unix (a Unix "
            + "socket for the controller, asking no secret: only the user who started Turnout may use it).")
    String externalControllerUnix;

    @Option(names = "-ext-ui", paramLabel = "DIR", description = "Override external-ui.")
    String externalUi;

    @Option(names = "-secret", paramLabel = "SECRET", description = "Override the controller's secret.")
    String secret;

    private HomeConfig.Found found;

    /** The config file that is read, once looked up; {@code null} for the built-in default. */
    Path file() {
        return resolve().file();
    }

    /**
     * Whether the config has a folder of its own: a file's, or {@code -d}'s. The built-in default with neither has
     * only the folder Turnout was started from, which is not Turnout's to write in.
     */
    boolean hasHome() {
        HomeConfig.Found f = resolve();
        return f.file() != null || f.home() != null;
    }

    Config load() throws ConfigException {
        HomeConfig.Found f = resolve();
        return f.file() == null ? ConfigLoader.builtIn(f.home()) : ConfigLoader.load(f.file(), f.home());
    }

    /** The controller keys the command line overrides, for {@link Controller#startFor}. */
    Controller.Overrides overrides() {
        return new Controller.Overrides(externalController, externalControllerUnix, externalUi, secret);
    }

    private HomeConfig.Found resolve() {
        if (found == null) {
            // -d relative to where Turnout was started, as Clash makes it (then absolute in messages and locks).
            Path dir = directory == null ? null : directory.toAbsolutePath().normalize();
            found = HomeConfig.find(file, dir, System.getenv("XDG_CONFIG_HOME"),
                    Locations.home(), Files::isRegularFile);
            if (found.note() != null) {
                System.err.println("turnout: " + found.note());
            }
        }
        return found;
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
