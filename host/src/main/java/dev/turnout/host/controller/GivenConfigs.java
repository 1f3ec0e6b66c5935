package dev.turnout.host.controller;

import dev.turnout.host.config.Config;
import dev.turnout.host.config.ConfigException;
import dev.turnout.host.config.ProviderEntry;
import dev.turnout.host.config.ProxyProviderEntry;
import dev.turnout.host.files.SafePaths;
import dev.turnout.host.platform.RouteCleanup;
import dev.turnout.host.runtime.Turnout;
import dev.turnout.rules.Origin;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * A config given to the controller ({@code PUT /configs}, as a payload or a file's path) names files and folders only
 * where the controller may read ({@link SafePaths}: the config's folder and {@code SAFE_PATHS}). Without this, whoever
 * holds the secret (or reaches a controller that has none) could have Turnout, often root, serve any file through
 * {@code /ui/} ({@code external-ui: /}), unpack a zip of theirs over any folder ({@code external-ui-url} and
 * {@code POST /upgrade/ui}), quote any file's lines in a rule provider's error ({@code path: /etc/shadow}), or take
 * any socket's place ({@code external-controller-unix}). The config Turnout started with, and a SIGHUP's, are the
 * machine user's own and keep mihomo's rules.
 */
final class GivenConfigs {

    private GivenConfigs() {
    }

    /**
     * {@code c} when every path it names is allowed; else every one that is not, at its line. {@code running}: the
     * config Turnout runs now, whose file no http provider's download may replace, nor {@code c}'s own, and whose
     * route record {@code c}'s TUN must keep.
     */
    static Config confined(Config c, SafePaths safe, Config running) throws ConfigException {
        List<ConfigException> refused = new ArrayList<>();
        List<Path> configs = new ArrayList<>();
        for (Path f : new Path[] {running.file(), c.file()}) {
            if (f != null) {
                configs.add(f.toAbsolutePath().normalize());
            }
        }
        for (ProviderEntry p : c.providers().values()) {
            place(p.path(), p.origin(), "rule provider '" + p.name() + "'", safe, refused);
            if ("http".equals(p.type())) {
                notAConfig(p.path(), p.origin(), "rule provider '" + p.name() + "'", configs, refused);
            }
        }
        for (ProxyProviderEntry p : c.proxyProviders().values()) {
            place(p.path(), p.origin(), "proxy provider '" + p.name() + "'", safe, refused);
            if (p.http()) {
                notAConfig(p.path(), p.origin(), "proxy provider '" + p.name() + "'", configs, refused);
            }
        }
        Path ui;
        try {
            ui = Controller.uiFolder(c);
        } catch (IllegalArgumentException e) {
            ui = null; // the reload says what is wrong with it
        }
        place(ui, c.originOf("external-ui"), "external-ui", safe, refused);
        String unix = c.externalControllerUnix();
        if (unix != null && !unix.isBlank()) {
            place(ControllerSocket.resolve(c.baseDir(), unix), c.originOf("external-controller-unix"),
                    "external-controller-unix", safe, refused);
        }
        // Written by root and deleted at its stop: named from here, any file on the machine could be made a record
        // and then removed. The running config's own record, or the default one, and no other.
        if (c.tun() != null) {
            Path record = Turnout.routeStateFile(c);
            if (!record.equals(Turnout.routeStateFile(running)) && !record.equals(RouteCleanup.defaultStateFile())) {
                refused.add(new ConfigException(c.tun().originOf("state-file"), "tun.state-file: " + record
                        + " is not the running config's route record; a config given to the controller keeps that"
                        + " one or the default"));
            }
        }
        if (!refused.isEmpty()) {
            throw ConfigException.of(refused);
        }
        return c;
    }

    /** A download over a config file would have the next start read the server's config (unconfined, as the user's). */
    private static void notAConfig(Path path, Origin origin, String what, List<Path> configs,
                                   List<ConfigException> refused) {
        if (path != null && configs.contains(path.toAbsolutePath().normalize())) {
            refused.add(new ConfigException(origin, what + ": its copy would replace the config file " + path));
        }
    }

    private static void place(Path path, Origin origin, String what, SafePaths safe, List<ConfigException> refused) {
        if (path == null) {
            return;
        }
        try {
            safe.checkPlace(path);
        } catch (SafePaths.Refused e) {
            refused.add(new ConfigException(origin, what + ": " + e.getMessage() + "; a config given to the controller"
                    + " names files there only"));
        }
    }
}
