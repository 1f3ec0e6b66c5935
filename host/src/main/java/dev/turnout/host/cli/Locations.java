package dev.turnout.host.cli;

import java.nio.file.Files;
import java.nio.file.Path;

/** Where Turnout finds its plugins and keeps its pid file, unless told otherwise. */
final class Locations {

    private Locations() {
    }

    /** {@code $TURNOUT_HOME/plugins} (the launcher sets it), else {@code ./plugins}. */
    static Path defaultPlugins() {
        String home = System.getProperty("turnout.home");
        return home != null ? Path.of(home, "plugins") : Path.of("plugins");
    }

    /** {@code /run/turnout.pid} for root, else under the user's runtime folder or the temp folder. */
    static Path defaultPidFile() {
        if ("root".equals(System.getProperty("user.name")) && Files.isDirectory(Path.of("/run"))) {
            return Path.of("/run/turnout.pid");
        }
        String runtime = System.getenv("XDG_RUNTIME_DIR");
        if (runtime != null && Files.isDirectory(Path.of(runtime))) {
            return Path.of(runtime, "turnout.pid");
        }
        return Path.of(System.getProperty("java.io.tmpdir"), "turnout-" + System.getProperty("user.name") + ".pid");
    }
}
