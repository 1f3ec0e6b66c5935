package dev.turnout.host.cli;

import dev.turnout.host.platform.NetworkNamespace;
import java.nio.file.Files;
import java.nio.file.Path;

/** Where Turnout finds its plugins and keeps its pid file and instance lock, unless told otherwise. */
final class Locations {

    private Locations() {
    }

    /**
     * {@code plugins/} of Turnout's installation ({@code turnout.home}, which the launcher sets to its own folder's
     * parent; no environment variable), else {@code ./plugins}.
     */
    static Path defaultPlugins() {
        String home = System.getProperty("turnout.home");
        return home != null ? Path.of(home, "plugins") : Path.of("plugins");
    }

    /**
     * {@code /run/turnout-net-<inode>.pid} for root, else under the user's runtime folder or {@code ~/.turnout}; named
     * for the network namespace ({@link NetworkNamespace#fileName}), where another instance may run.
     */
    static Path defaultPidFile() {
        if ("root".equals(System.getProperty("user.name")) && Files.isDirectory(Path.of("/run"))) {
            return Path.of("/run", NetworkNamespace.fileName("turnout.pid"));
        }
        String runtime = System.getenv("XDG_RUNTIME_DIR");
        if (runtime != null && Files.isDirectory(Path.of(runtime))) {
            return Path.of(runtime, NetworkNamespace.fileName("turnout.pid"));
        }
        // The user's own folder, as for the locks: a fixed name in the shared temp folder could be taken, or be a
        // link to one of the user's files, by another user first.
        return Path.of(home(), ".turnout", NetworkNamespace.fileName("turnout.pid"));
    }

    /**
     * Where the {@link InstanceLock} files live: {@code /run/turnout} for root, else
     * {@code $XDG_RUNTIME_DIR/turnout}, else {@code $HOME/.turnout}.
     */
    static Path lockDir() {
        return lockDir(System.getProperty("user.name"), System.getenv("XDG_RUNTIME_DIR"));
    }

    /**
     * {@link #lockDir()} for this user and runtime folder: the systemd unit's user, with its
     * {@code XDG_RUNTIME_DIR=/run}, gets root's {@code /run/turnout}, so root's {@code reload} and {@code cleanup}
     * find the service's locks.
     */
    static Path lockDir(String user, String runtime) {
        if ("root".equals(user) && Files.isDirectory(Path.of("/run"))) {
            return Path.of("/run", "turnout");
        } else if (runtime != null && !runtime.isBlank() && Files.isDirectory(Path.of(runtime))) {
            return Path.of(runtime, "turnout");
        }
        return Path.of(home(), ".turnout");
    }

    /**
     * The user's home: {@code $HOME} as Clash (Go) reads it, else Java's {@code user.home}, which comes from the
     * passwd entry and ignores {@code $HOME}.
     */
    static String home() {
        String home = System.getenv("HOME");
        return home != null && !home.isBlank() ? home : System.getProperty("user.home");
    }

    /** See {@link NetworkNamespace#current()}: the lock files' names carry it. */
    static String networkNamespace() {
        return NetworkNamespace.current();
    }
}
