package dev.turnout.host.cli;

import java.nio.file.Files;
import java.nio.file.Path;

/** Where Turnout finds its plugins and keeps its pid file and instance lock, unless told otherwise. */
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

    /**
     * The instance lock of the network namespace this process runs in: {@code turnout-net-INODE.lock}, named
     * by the inode of {@code /proc/self/ns/net} (the namespace's identity; each {@code ip netns} has its own),
     * in {@code /run/turnout} for root, else {@code $XDG_RUNTIME_DIR/turnout}, else {@code ~/.turnout}. Where
     * there are no namespaces (not Linux), one lock for the machine.
     */
    static Path instanceLock() {
        Path dir;
        String runtime = System.getenv("XDG_RUNTIME_DIR");
        if ("root".equals(System.getProperty("user.name")) && Files.isDirectory(Path.of("/run"))) {
            dir = Path.of("/run", "turnout");
        } else if (runtime != null && Files.isDirectory(Path.of(runtime))) {
            dir = Path.of(runtime, "turnout");
        } else {
            dir = Path.of(System.getProperty("user.home"), ".turnout");
        }
        return dir.resolve("turnout-" + networkNamespace() + ".lock");
    }

    /** {@code net-4026531840} from the link {@code /proc/self/ns/net -> net:[4026531840]}, else {@code host}. */
    static String networkNamespace() {
        try {
            String link = Files.readSymbolicLink(Path.of("/proc/self/ns/net")).toString();
            String inode = link.replaceAll("\\D", "");
            return inode.isEmpty() ? "host" : "net-" + inode;
        } catch (java.io.IOException | UnsupportedOperationException e) {
            return "host";
        }
    }
}
